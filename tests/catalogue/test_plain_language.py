"""Plain language in the Chinese seed lessons (issue 24, item 7).

Farmers read these lessons on a phone. Each sentence of a zh lesson body stays at 50 characters
or fewer, and sources sit in a "来源" section at the end of the lesson instead of "据…" in the
text. Block quotes (legal quotations, reminders, sample notices), headings, code, pictures and
link addresses are not measured.

The rules are enforced course by course: ENFORCED lists the courses already rewritten. Add a
course's slug when its lessons have been shortened, until it holds every zh seed course.
"""
import re
import tomllib
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[2] / "seed_courses"
MAX_CHARS = 50
ENFORCED = ["packing-shipping-zh", "selling-legally-zh", "livestream-basics-zh", "live-presenting-zh",
            "online-store-zh", "short-video-zh", "product-selection-zh", "opening-a-shop-zh",
            "private-domain-zh", "labels-and-scams-zh"]

SENTENCE_END = re.compile(r"(?<=[。！？；])")
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
INLINE_CODE = re.compile(r"`[^`]*`")
BARE_URL = re.compile(r"(?:https?://)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?:/[^\s，。；、）)]*)?")
LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
EMPHASIS = re.compile(r"\*\*|__|(?<!\w)\*(?!\s)|(?<!\s)\*(?!\w)")
TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}")
# "据" that names where a fact comes from: 据公开资料、据报道、据《…》、据商务部发布会…
# Words where 据 is part of another word (根据、证据、数据、据此…) are not sources.
SOURCE_JU = re.compile(
    r"(?<![根依证数占票收凭单论])据(?!此|实|理)"
    r"(?:公开|资料|报道|《|[^，。；：\s]{0,30}?(?:资料|报道|解读|介绍|文章|发布会|通知|名单|总结|文本|数据|统计))"
)


def lesson_files(slug):
    course = tomllib.loads((SEED / slug / "course.toml").read_text(encoding="utf-8"))
    assert course["language"] == "zh", slug
    return [SEED / slug / lesson["file"] for lesson in course["lessons"]]


def body_lines(path):
    """(line number, text) for each line of running text: no headings, quotes, code or tables' rules."""
    in_code = False
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code or not line or line.startswith(("#", ">")) or TABLE_RULE.match(line):
            continue
        line = IMAGE.sub("", line)
        line = LINK.sub(r"\1", line)
        line = INLINE_CODE.sub("", line)
        line = BARE_URL.sub("", line)
        line = LIST_MARKER.sub("", line)
        line = EMPHASIS.sub("", line)
        for cell in line.strip("|").split("|"):
            yield number, cell.strip()


def sentences(text):
    for part in SENTENCE_END.split(text):
        part = part.strip()
        if part:
            yield part


def char_count(sentence):
    """Every character a reader reads (CJK, Latin, digits, punctuation), spaces not counted."""
    return len(re.sub(r"\s", "", sentence))


def long_sentences(path, root=SEED):
    rel = path.relative_to(root)
    for number, text in body_lines(path):
        for sentence in sentences(text):
            n = char_count(sentence)
            if n > MAX_CHARS:
                yield f"{rel}:{number}: {n} chars: {sentence[:20]}"


def split_at_sources(path):
    """The lesson's lines before its last "## 来源" heading, and whether that heading closes it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    headings = [i for i, line in enumerate(lines) if re.match(r"^##\s", line)]
    last = headings[-1] if headings else None
    ends_with_sources = last is not None and lines[last].strip() == "## 来源"
    return lines[:last] if ends_with_sources else lines, ends_with_sources


def test_the_counter_and_splitter():
    """The measure itself: a long sentence is caught, quotes, headings and URLs are not."""
    assert list(sentences("第一句。第二句！第三句？第四；")) == ["第一句。", "第二句！", "第三句？", "第四；"]
    assert char_count("在手机计算器上按：12 × 0.3 =") == 16
    assert BARE_URL.sub("", "见 www.gov.cn/xinwen/2021-07/27/content_5627661.htm；") == "见 ；"
    assert SOURCE_JU.search("据公开资料，苹果分三级")
    assert SOURCE_JU.search("据商务部2025年8月21日发布会，全国")
    assert SOURCE_JU.search("据《鲜苹果》国家标准")
    assert not SOURCE_JU.search("根据商品性质，证据要留好，数据要真实，买家据此投诉")


def test_the_check_finds_a_long_sentence(tmp_path):
    lesson = tmp_path / "lesson.md"
    lesson.write_text(
        "## 标题也很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长\n\n"
        "> 引用的法律条文可以很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长。\n\n"
        "短句。[链接](https://example.org/a/very/long/address/that/does/not/count/at/all/when/measured)\n\n"
        "- " + "长" * 51 + "。短句。\n",
        encoding="utf-8",
    )
    assert list(long_sentences(lesson, tmp_path)) == ["lesson.md:7: 52 chars: " + "长" * 20]


@pytest.mark.parametrize("slug", ENFORCED)
def test_no_sentence_over_fifty_characters(slug):
    offenders = [found for path in lesson_files(slug) for found in long_sentences(path)]
    assert not offenders, f"Sentences over {MAX_CHARS} characters:\n" + "\n".join(offenders)


@pytest.mark.parametrize("slug", ENFORCED)
def test_every_lesson_ends_with_its_sources(slug):
    problems = []
    for path in lesson_files(slug):
        body, ends_with_sources = split_at_sources(path)
        rel = path.relative_to(SEED)
        if not ends_with_sources:
            problems.append(f"{rel}: the last section is not \"## 来源\"")
        for number, line in enumerate(body, start=1):
            if line.lstrip().startswith(">"):
                continue
            match = SOURCE_JU.search(line)
            if match:
                problems.append(f"{rel}:{number}: source in the text: {match.group(0)}")
    assert not problems, "\n".join(problems)


def test_enforced_courses_are_chinese_seed_courses():
    zh = sorted(p.name for p in SEED.iterdir() if p.is_dir() and p.name.endswith("-zh"))
    assert set(ENFORCED) <= set(zh)
