"""A course's glossary: course files, marking terms in lessons, the studio page and the
learner's glossary page."""
import re
import shutil
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from training.extensions import db
from training.models import AuditEvent, Course
from training.services.authoring import (
    course_exchange,
    course_format,
    course_reader,
    glossary,
)
from training.services.authoring.content import render_markdown

from ..conftest import EXAMPLE_COURSE

GLOSSARY_TOML = """\
[[terms]]
term = "码率"
explanation = "每秒传送的画面数据量，越高越清楚，也越费流量"

[[terms]]
term = "Mbps"
explanation = "网速单位：每秒多少百万位"

[[terms]]
term = "彩排"
explanation = "正式开播前私下完整试一遍"
"""
URL = "/courses/c/glossary"


@pytest.fixture
def course_folder(tmp_path):
    """The example course with a glossary file."""
    folder = tmp_path / "course"
    shutil.copytree(EXAMPLE_COURSE, folder)
    (folder / "glossary.toml").write_text(GLOSSARY_TOML, encoding="utf-8")
    toml = folder / "course.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'final_exam = ', 'glossary = "glossary.toml"\nfinal_exam = ', 1), encoding="utf-8")
    return folder


def render(source: str, terms: list[tuple[str, str]]) -> str:
    return render_markdown(source, glossary=[{"term": t, "explanation": e} for t, e in terms],
                           glossary_url=URL)


# ---------------------------------------------------------------- course files


def test_glossary_file_round_trips(app_ctx, factory, course_folder, tmp_path):
    """Does glossary.toml import onto the course, mark its lessons, and export back the same?"""
    course = factory.import_course(course_folder)
    assert [e["term"] for e in course.glossary] == ["码率", "Mbps", "彩排"]
    kit = next(l for l in course.lessons if l.key == "kit")
    assert f'href="/courses/{course.slug}/glossary#term-1"' in kit.body_html

    files = course_exchange.export_files(course, str(tmp_path / "media"))
    assert b'glossary = "glossary.toml"' in files["course.toml"]
    again = course_reader.read_course(files)
    assert again.glossary == course.glossary


def test_course_without_glossary_exports_no_glossary_file(app_ctx, example_course, tmp_path):
    """Does a course without terms keep its files as they were (no empty glossary file)?"""
    files = course_exchange.export_files(example_course, str(tmp_path))
    assert "glossary.toml" not in files and b"glossary" not in files["course.toml"]


@pytest.mark.parametrize("terms, message", [
    ('[[terms]]\nterm = "这个术语实在是太长了太长了太长了太长了太长"\nexplanation = "x"\n', "longer than 20"),
    ('[[terms]]\nterm = "码率"\nexplanation = "' + "很" * 81 + '"\n', "longer than 80"),
    ('[[terms]]\nterm = "GPM"\nexplanation = "a"\n[[terms]]\nterm = "gpm"\nexplanation = "b"\n', "listed twice"),
    ('[[terms]]\nterm = "码率"\n', "needs an explanation"),
    ('[[terms]]\nterm = "码率"\nexplanation = "x"\nnote = "y"\n', "only “term” and “explanation”"),
    ('term = "码率"\n', "[[terms]]"),
])
def test_bad_glossary_file_is_refused_with_its_place(app, course_folder, terms, message):
    """Is every glossary problem reported with the file, and nothing read?"""
    (course_folder / "glossary.toml").write_text(terms, encoding="utf-8")
    with app.test_request_context(), force_locale("en"), \
            pytest.raises(course_format.CourseFormatError) as caught:
        course_reader.read_folder(course_folder)
    problems = [str(p) for p in caught.value.problems]
    assert any("glossary.toml" in p and message in p for p in problems), problems


# ---------------------------------------------------------------- marking lessons


def test_only_the_first_use_in_a_lesson_is_marked(app_ctx):
    """Is a term marked once per lesson, at its first use, linking to its anchor?"""
    html = render("先看码率。码率要够。\n\n码率再说一次。", [("GPM", "x"), ("码率", "每秒的数据量")])
    assert html.count('class="term"') == 1
    assert f'<a class="term" href="{URL}#term-2" data-explanation="每秒的数据量"' in html
    assert html.index('class="term"') < html.index("码率要够")


def test_longest_term_wins_and_both_are_marked(app_ctx):
    """Where one term is inside another (毛利 in 毛利率), is the longer one matched first?"""
    html = render("毛利率低，毛利也少。", [("毛利", "卖价减进价"), ("毛利率", "毛利占卖价的多少")])
    assert f'href="{URL}#term-2" data-explanation="毛利占卖价的多少" rel="noopener noreferrer">毛利率</a>' in html
    assert f'href="{URL}#term-1" data-explanation="卖价减进价" rel="noopener noreferrer">毛利</a>' in html


def test_terms_are_not_marked_in_headings_links_or_code(app_ctx):
    """Are headings, links (Markdown and raw HTML), inline code and code blocks left alone?"""
    html = render("## GPM 是什么\n\n[GPM](https://example.org) <a href=\"https://x.org\">GPM</a> `GPM`\n\n"
                  "    GPM\n\n正文里的 GPM。", [("GPM", "每千次观看的成交额")])
    assert html.count('class="term"') == 1
    assert "<h2>GPM 是什么</h2>" in html and "<code>GPM</code>" in html
    assert '正文里的 <a class="term"' in html


def test_latin_terms_match_whole_words_and_chinese_terms_anywhere(app_ctx):
    """Is GPM not found inside GPMS, while 冷链 is found inside 冷链车?"""
    html = render("GPMS 不算。冷链车来了。", [("GPM", "x"), ("冷链", "全程冷藏运输")])
    assert 'data-explanation="x"' not in html
    assert '>冷链</a>车来了' in html
    assert 'data-explanation="x"' in render("看 GPM。", [("GPM", "x")])


def test_explanation_and_text_are_escaped(app_ctx):
    """Can a term's explanation or the lesson text not inject markup?"""
    html = render("a <b>GPM</b> & GPM", [("GPM", '"><script>alert(1)</script>')])
    assert "<script" not in html and "&lt;script&gt;" in html


def test_studio_text_is_checked_line_by_line(app_ctx):
    """Does the studio's text give every problem with its line, and read back unchanged?"""
    entries, problems = glossary.parse_lines("码率：每秒的数据量\n\n没有冒号\nGPM:每千次观看的成交额\ngpm：重复")
    assert [p.line for p in problems] == [3, 5]
    assert [e["term"] for e in entries] == ["码率", "GPM", "gpm"]
    good, none = glossary.parse_lines(glossary.to_lines([{"term": "保本价", "explanation": "不赚不亏的价"}]))
    assert none == [] and good == [{"term": "保本价", "explanation": "不赚不亏的价"}]


# ---------------------------------------------------------------- the studio


def _own(course, trainer):
    course.centre_id = trainer.centre_id
    db.session.commit()


def test_trainer_saves_glossary_and_lessons_are_marked(app_ctx, trainer, trainer_client, example_course):
    """Does saving the glossary store the terms, re-render the lessons and audit the old terms?"""
    _own(example_course, trainer)
    url = f"/author/courses/{example_course.id}/glossary"
    page = trainer_client.get(url)
    assert page.status_code == 200 and 'name="terms"' in page.get_data(as_text=True)
    response = trainer_client.post(url, data={"terms": "码率：每秒传送的画面数据量\n彩排：开播前私下试一遍"})
    assert response.status_code == 302
    db.session.expire_all()
    course = db.session.get(Course, example_course.id)
    assert course.glossary == [{"term": "码率", "explanation": "每秒传送的画面数据量"},
                               {"term": "彩排", "explanation": "开播前私下试一遍"}]
    kit = next(l for l in course.lessons if l.key == "kit")
    assert f'href="/courses/{course.slug}/glossary#term-1"' in kit.body_html
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.glossary"))
    assert event.actor_id == trainer.id and event.detail["old"] == [] and len(event.detail["new"]) == 2
    assert "码率：每秒传送的画面数据量" in trainer_client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("text, message", [
    ("这个术语实在是太长了太长了太长了太长了太长：解释", "longer than 20 characters"),
    ("码率：" + "很" * 81, "longer than 80 characters"),
    ("码率：一\n码率：二", "listed twice"),
    ("码率每秒的数据量", "a colon"),
    ("码率：", "needs an explanation"),
])
def test_bad_glossary_is_refused_and_nothing_changes(app_ctx, trainer, trainer_client, example_course,
                                                     text, message):
    """Is a bad glossary sent back with a clear message (422), saving nothing?"""
    _own(example_course, trainer)
    before = next(l for l in example_course.lessons if l.key == "kit").body_html
    response = trainer_client.post(f"/author/courses/{example_course.id}/glossary", data={"terms": text})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'id="error-summary"' in html and 'href="#terms"' in html  # the error is where the eye is
    db.session.expire_all()
    course = db.session.get(Course, example_course.id)
    assert course.glossary == [] and next(l for l in course.lessons if l.key == "kit").body_html == before


def test_other_centre_trainer_cannot_edit_glossary(app_ctx, trainer, other_centre_trainer, app, example_course):
    """Is another centre's course's glossary hidden (404) from Fred?"""
    _own(example_course, trainer)
    fred = app.test_client(user=other_centre_trainer)
    assert fred.post(f"/author/courses/{example_course.id}/glossary", data={"terms": "a：b"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Course, example_course.id).glossary == []


# ---------------------------------------------------------------- learners


def test_glossary_page_lists_terms_with_anchors_and_read_aloud(app_ctx, client, factory, course_folder):
    """Does the public glossary page show each term at its anchor, ready for read aloud?"""
    course = factory.import_course(course_folder)
    html = client.get(f"/courses/{course.slug}/glossary").get_data(as_text=True)
    assert 'id="term-1"' in html and 'id="term-3"' in html
    assert '<p class="say"><strong>码率</strong>：每秒传送的画面数据量' in html
    assert 'lang="zh-CN"' in html


def test_glossary_page_of_a_draft_is_hidden(app_ctx, client, factory, course_folder):
    """Is a draft course's glossary 404 for the public, like its course page?"""
    course = factory.import_course(course_folder, status="draft")
    assert client.get(f"/courses/{course.slug}/glossary").status_code == 404


def test_lesson_term_links_to_its_glossary_anchor_without_js(app_ctx, factory, learner, learner_client,
                                                            course_folder):
    """Without JavaScript, does a marked term in the lesson lead to its entry on the glossary page?"""
    course = factory.import_course(course_folder)
    factory.enrol(learner, course)
    lesson = learner_client.get(f"/courses/{course.slug}/lessons/kit").get_data(as_text=True)
    href = f"/courses/{course.slug}/glossary#term-2"
    assert f'<a class="term" href="{href}"' in lesson  # Mbps, in the kit lesson
    assert "js/app." in lesson  # the glossary part of app.js turns terms into buttons
    page = learner_client.get(href.split("#")[0]).get_data(as_text=True)
    assert 'id="term-2"' in page and "Mbps" in page


def test_every_seed_course_has_a_glossary_whose_terms_are_used(app_ctx):
    """Does each seed course carry 8–20 terms, each marked somewhere in its lessons?"""
    courses = course_reader.read_all(Path(__file__).resolve().parents[2] / "seed_courses")
    assert len(courses) >= 10
    for course in courses:
        assert 8 <= len(course.glossary) <= 20, course.slug
        marked = set()
        for lesson in course.lessons:
            html = render_markdown(lesson.body_md, glossary=course.glossary, glossary_url=URL)
            marked |= {int(n) for n in re.findall(r'#term-(\d+)"', html)}
        unused = [e["term"] for n, e in enumerate(course.glossary, start=1) if n not in marked]
        assert not unused, (course.slug, unused)
        # English courses explain in English (a Chinese term may keep its Chinese name).
        if course.language == "en":
            assert not [e for e in course.glossary if re.search(r"[\u4e00-\u9fff]", e["explanation"])]


def test_lesson_pages_load_one_script(app_ctx, factory, learner, learner_client, example_course):
    """Read-aloud, glossary terms and checklists live in app.js: a lesson costs one script."""
    factory.enrol(learner, example_course)
    html = learner_client.get(f"/courses/{example_course.slug}/lessons/kit").get_data(as_text=True)
    assert html.count("<script") == 1 and "js/app." in html
