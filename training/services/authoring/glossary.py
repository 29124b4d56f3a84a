"""A course's glossary: terms a farmer may not know, each with a one-line plain explanation.

Stored on Course.glossary as [{"term": ..., "explanation": ...}, ...] in the course's order.
The studio edits it as text, one term per line ("术语：解释"); course files carry it in
glossary.toml ([[terms]] term = ..., explanation = ...). When a lesson is rendered, the first
use of each term in it becomes a link to the term on the course's glossary page, carrying the
explanation for the tap-to-explain script (mark_terms).
"""
import re
from dataclasses import dataclass
from html import escape
from typing import Any

from flask_babel import gettext as _

MAX_TERM = 20
MAX_EXPLANATION = 80
MAX_TERMS = 100
# A term's line in the studio: the term, a colon (full- or half-width), the explanation.
SEPARATORS = ("：", ":")
# Markup whose text is never marked: links, code and keyboard keys written as raw HTML.
_SKIP_OPEN = re.compile(r"^<(a|code|kbd|abbr|h[1-6])\b", re.IGNORECASE)
_SKIP_CLOSE = re.compile(r"^</(a|code|kbd|abbr|h[1-6])\s*>", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9]")


@dataclass
class GlossaryProblem:
    """What is wrong with one term (line is 1-based in the studio text or the file's order)."""

    line: int
    message: str

    def __str__(self) -> str:
        return _("Line %(n)d: %(message)s", n=self.line, message=self.message)


def _key(term: str) -> str:
    return term.strip().casefold()


def check_terms(entries: list[dict[str, str]]) -> list[GlossaryProblem]:
    """Every problem of a glossary: empty or too long terms and explanations, duplicates."""
    problems: list[GlossaryProblem] = []
    if len(entries) > MAX_TERMS:
        problems.append(GlossaryProblem(MAX_TERMS + 1, _("A glossary may have at most %(n)d terms.",
                                                         n=MAX_TERMS)))
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        term, explanation = entry.get("term", ""), entry.get("explanation", "")
        if not isinstance(term, str) or not term.strip():
            problems.append(GlossaryProblem(number, _("The term is missing.")))
            continue
        if not isinstance(explanation, str) or not explanation.strip():
            problems.append(GlossaryProblem(number, _("“%(term)s” needs an explanation.", term=term)))
        elif len(explanation.strip()) > MAX_EXPLANATION:
            problems.append(GlossaryProblem(number, _(
                "The explanation of “%(term)s” is longer than %(n)d characters: keep it to one plain line.",
                term=term, n=MAX_EXPLANATION)))
        if len(term.strip()) > MAX_TERM:
            problems.append(GlossaryProblem(number, _("“%(term)s” is longer than %(n)d characters.",
                                                      term=term, n=MAX_TERM)))
        if "\n" in term or any(sep in term for sep in SEPARATORS):
            problems.append(GlossaryProblem(number, _("A term may not contain a colon or a line break.")))
        if _key(term) in seen:
            problems.append(GlossaryProblem(number, _("“%(term)s” is listed twice.", term=term)))
        seen.add(_key(term))
    return problems


def clean(entries: list[dict[str, str]]) -> list[dict[str, str]]:
    """The entries as stored: stripped, only the two keys."""
    return [{"term": e["term"].strip(), "explanation": e["explanation"].strip()} for e in entries]


def parse_lines(text: str) -> tuple[list[dict[str, str]], list[GlossaryProblem]]:
    """The studio's text, one "term：explanation" per line (blank lines skipped), as entries
    and the problems found (entries are only usable when there are none)."""
    entries: list[dict[str, str]] = []
    problems: list[GlossaryProblem] = []
    lines = [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), start=1)]
    numbers = []
    for number, line in lines:
        if not line:
            continue
        cut = min((line.find(sep) for sep in SEPARATORS if sep in line), default=-1)
        if cut <= 0:
            problems.append(GlossaryProblem(number, _(
                "Write the term, a colon, then its explanation, e.g. “保本价：不赚不亏的最低价”.")))
            continue
        entries.append({"term": line[:cut].strip(), "explanation": line[cut + 1:].strip()})
        numbers.append(number)
    # Report each entry's problem on its line in the text.
    for problem in check_terms(entries):
        index = problem.line - 1
        problem.line = numbers[index] if index < len(numbers) else problem.line
        problems.append(problem)
    problems.sort(key=lambda p: p.line)
    return entries, problems


def to_lines(entries: list[dict[str, str]]) -> str:
    """The glossary as the studio shows it (parse_lines reads it back unchanged)."""
    return "\n".join(f"{e['term']}：{e['explanation']}" for e in entries or [])


def read_terms(data: Any) -> tuple[list[dict[str, str]], list[GlossaryProblem]]:
    """The [[terms]] tables of a glossary.toml (already parsed) as entries and problems."""
    raw = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        return [], [GlossaryProblem(1, _("A glossary file needs [[terms]] tables with a term and an "
                                         "explanation."))]
    entries, problems = [], []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or set(item) - {"term", "explanation"}:
            problems.append(GlossaryProblem(number, _("Each [[terms]] table has only “term” and "
                                                      "“explanation”.")))
            continue
        entries.append({"term": item.get("term", ""), "explanation": item.get("explanation", "")})
    problems += check_terms(entries)
    return ([] if problems else clean(entries)), problems


# ---------------------------------------------------------------- marking lessons


def _pattern(terms: list[str]) -> re.Pattern | None:
    """One pattern for all terms, longest first; Latin terms only as whole words."""
    parts = []
    for term in sorted(terms, key=len, reverse=True):
        part = re.escape(term)
        if _WORD.match(term[0]):
            part = r"(?<![A-Za-z0-9])" + part
        if _WORD.match(term[-1]):
            part += r"(?![A-Za-z0-9])"
        parts.append(part)
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def _link(text: str, number: int, explanation: str, url: str) -> str:
    return (f'<a class="term" href="{escape(url)}#term-{number}" '
            f'data-explanation="{escape(explanation)}">{escape(text)}</a>')


def mark_terms(tokens: list, glossary: list[dict[str, str]] | None, url: str) -> None:
    """Wrap the first use of each glossary term in a lesson's markdown-it tokens (in place).

    Text in headings, links, code and raw HTML links is left alone; the longest term wins
    where terms overlap. `url` is the course's glossary page; term n has the anchor term-n.
    """
    entries = [e for e in glossary or [] if e.get("term")]
    pattern = _pattern([e["term"] for e in entries])
    if pattern is None:
        return
    numbers = {_key(e["term"]): (n, e["explanation"]) for n, e in enumerate(entries, start=1)}
    seen: set[str] = set()
    in_heading = False
    for token in tokens:
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "inline" and not in_heading and token.children:
            _mark_inline(token, pattern, numbers, seen, url)


def _mark_inline(token, pattern: re.Pattern, numbers: dict, seen: set[str], url: str) -> None:
    skip = 0
    for child in token.children:
        if child.type == "link_open":
            skip += 1
        elif child.type == "link_close":
            skip -= 1
        elif child.type == "html_inline":
            if _SKIP_CLOSE.match(child.content):
                skip -= 1
            elif _SKIP_OPEN.match(child.content):
                skip += 1
        elif child.type == "text" and skip <= 0:
            html, changed = _marked_text(child.content, pattern, numbers, seen, url)
            if changed:
                child.type, child.content = "html_inline", html


def _marked_text(text: str, pattern: re.Pattern, numbers: dict, seen: set[str],
                 url: str) -> tuple[str, bool]:
    out, last, changed = [], 0, False
    for match in pattern.finditer(text):
        key = _key(match.group(0))
        if key in seen or key not in numbers:
            continue
        seen.add(key)
        number, explanation = numbers[key]
        out += [escape(text[last:match.start()], quote=False), _link(match.group(0), number, explanation, url)]
        last, changed = match.end(), True
    out.append(escape(text[last:], quote=False))
    return "".join(out), changed
