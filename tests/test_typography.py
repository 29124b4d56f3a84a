"""Chinese typography (issue 23, item 8): every Chinese string a person reads uses full-width
punctuation (：（），、), never " | " between items, and the final exam has one name, 结业考试.

The checks scan the zh catalogue, the templates (text outside translation calls, and
punctuation glued onto a translated string, which renders next to Chinese in the zh
interface), the Chinese text in Python and the zh seed courses, and fail listing offenders."""
import io
import re
import tokenize
from pathlib import Path

from babel.messages.pofile import read_po

from training.services.learning import scoring

ROOT = Path(__file__).resolve().parent.parent
ZH_PO = ROOT / "training" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
CJK = "[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff01-\uff60]"
# A half-width colon, bracket or comma with Chinese on either side (spaces between allowed).
HALF_WIDTH = re.compile(rf"{CJK}[ \t]*[:(),]|[:(),][ \t]*{CJK}")
PLACEHOLDERS = re.compile(r"%\(\w+\)[sdf]|%%|\{\w*\}|https?://\S*")
# A translation call in a template: {{ _("…") }}, {{ ngettext(…) }} (one level of braces inside).
CALL = r"\{\{-?\s*(?:_|gettext|ngettext)\((?:[^{}]|\{[^{}]*\})*?\)\s*-?\}\}"
CLOSING_TAGS = r"(?:\s*</[a-z]+>)*"
GLUED = re.compile(rf"{CALL}{CLOSING_TAGS}[ \t]*[:(]|\([ \t]*{CALL}")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
OTHER_EXAM_NAMES = ("期末考试", "结业测验", "期末测验", "最终考试")


def _strings(message) -> list[str]:
    value = message.string
    return [s for s in (value if isinstance(value, list | tuple) else [value]) if s]


def _catalogue():
    with ZH_PO.open("rb") as handle:
        return read_po(handle, locale="zh_Hans_CN")


def _offends(text: str) -> bool:
    text = PLACEHOLDERS.sub("", text)
    return bool(HALF_WIDTH.search(text)) or " | " in text


def test_zh_catalogue_uses_full_width_punctuation():
    offenders = [f"{message.id!r} → {text!r}" for message in _catalogue() if message.id
                 for text in _strings(message) if _offends(text)]
    assert not offenders, "half-width punctuation next to Chinese:\n" + "\n".join(offenders)


def template_offenders(source: str) -> list[str]:
    """Lines of a template where half-width punctuation meets Chinese text, or is glued to a
    translated string (it would render next to Chinese)."""
    source = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        text = JINJA.sub(" ", line)  # English msgids may quote Chinese in (brackets)
        if _offends(text) or GLUED.search(line):
            found.append(f"{number}: {line.strip()[:120]}")
    return found


def test_templates_use_full_width_punctuation_next_to_chinese():
    offenders = [f"{path.relative_to(ROOT)}:{line}" for path in sorted((ROOT / "templates").rglob("*.html"))
                 for line in template_offenders(path.read_text(encoding="utf-8"))]
    assert not offenders, "half-width punctuation next to Chinese in templates:\n" + "\n".join(offenders)


def test_the_template_check_catches_what_it_should():
    assert template_offenders('<p>{{ _("Your answer") }}:</p>')
    assert template_offenders('<a>{{ _("Attempt %(n)s", n=1) }}</a>: 5')
    assert template_offenders('<h2>{{ _("Members") }} ({{ n }})</h2>')
    assert template_offenders("<p>你的答案: 对</p>")
    assert template_offenders("<p>对 | 错</p>")
    assert not template_offenders('<p>{{ _("Your answer:") }}</p>')
    assert not template_offenders('{# 你的答案: a comment #}<p>{{ _("certificate (结业证书)") }}</p>')


def _mostly_chinese(text: str) -> bool:
    return len(re.findall(CJK, text)) > len(re.findall("[A-Za-z]", PLACEHOLDERS.sub("", text)))


def _python_chinese_literals(path: Path):
    """String literals with Chinese in a Python file (not docstrings or comments)."""
    tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline))
    for index, token in enumerate(tokens):
        if token.type != tokenize.STRING or not _mostly_chinese(token.string):
            continue  # English text may quote Chinese terms in (brackets), as English does
        before = next((t for t in reversed(tokens[:index])
                       if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                         tokenize.DEDENT, tokenize.COMMENT)), None)
        if before is None or before.type == tokenize.OP and before.string == ":":
            continue  # a module, class or function docstring
        yield token.start[0], token.string


def test_chinese_text_in_python_uses_full_width_punctuation():
    offenders = [f"{path.relative_to(ROOT)}:{line}: {text[:100]}"
                 for path in sorted((ROOT / "training").rglob("*.py"))
                 for line, text in _python_chinese_literals(path) if _offends(text)]
    assert not offenders, "half-width punctuation next to Chinese in Python:\n" + "\n".join(offenders)


def test_the_final_exam_has_one_name():
    """结业考试 everywhere: the catalogue, the templates and the Chinese seed courses."""
    texts = {f"catalogue {m.id!r}": s for m in _catalogue() if m.id for s in _strings(m)}
    texts.update({str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
                  for p in [*(ROOT / "templates").rglob("*.html"), *(ROOT / "seed_courses").glob("*-zh/**/*.toml")]})
    offenders = [f"{where}: {name}" for where, text in texts.items() for name in OTHER_EXAM_NAMES if name in text]
    assert not offenders, "\n".join(offenders)
    assert next(m for m in _catalogue() if m.id == "Final exam").string == "结业考试"


def test_chinese_multiple_choice_answers_are_listed_with_the_enumeration_comma():
    snapshot = {"kind": "multiple", "choices": [{"text": "冷链"}, {"text": "预冷"}, {"text": "保本价"}]}
    assert scoring.response_text(snapshot, [2, 0]) == "冷链、保本价"
    english = {"kind": "multiple", "choices": [{"text": "GPM"}, {"text": "bitrate"}]}
    assert scoring.response_text(english, [0, 1]) == "GPM; bitrate"
