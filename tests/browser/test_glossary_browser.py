"""Plain words in the real browser at phone size: a tapped glossary term explains itself (and
leads to the glossary page without JavaScript); a ticked checklist item stays ticked."""
import re
import shutil

import pytest

from training.extensions import db

from ..author.test_glossary import GLOSSARY_TOML
from ..conftest import EXAMPLE_COURSE
from .conftest import AXE, _unavailable, log_in, screenshot, start_course
from .test_journey import FAKE_SPEECH
from .test_pages import _axe

CHECKLIST = "\n\n## 开播前勾一勾\n\n- [ ] 测一测上行网速\n- [ ] 充好充电宝\n"


@pytest.fixture(scope="module")
def plain_course(live, tmp_path_factory):
    """A copy of the example course with a glossary and a checklist in its first lesson."""
    folder = tmp_path_factory.mktemp("plain") / "course"
    shutil.copytree(EXAMPLE_COURSE, folder)
    (folder / "glossary.toml").write_text(GLOSSARY_TOML, encoding="utf-8")
    toml = folder / "course.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "final_exam = ", 'glossary = "glossary.toml"\nfinal_exam = ', 1), encoding="utf-8")
    lesson = folder / "lessons" / "01-kit.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + CHECKLIST, encoding="utf-8")
    with live.app.app_context():
        live.factory.import_course(folder, slug="plain-words", title="术语和清单（测试）")
        db.session.remove()
    return "plain-words"


def test_tapping_a_term_shows_its_explanation(live, phone, new_learner, plain_course):
    """Does a tap on a marked term show its one-line explanation inline, as a button that
    another tap or Escape closes?"""
    context = phone()
    page = context.new_page()
    log_in(page, new_learner())
    start_course(page, plain_course)
    page.goto(f"/courses/{plain_course}/lessons/kit")
    term = page.locator("article.lesson a.term", has_text="Mbps")
    assert term.count() == 1
    assert term.get_attribute("role") == "button" and term.get_attribute("aria-expanded") == "false"
    note = page.locator("#" + term.get_attribute("aria-controls"))
    assert not note.is_visible()

    term.click()
    assert note.is_visible() and "网速单位" in note.inner_text()
    assert term.get_attribute("aria-expanded") == "true"
    assert page.url.endswith("/lessons/kit")  # explained in place, not sent away
    screenshot(page, "glossary-term-open")
    term.click()
    assert not note.is_visible()

    term.focus()
    page.keyboard.press("Enter")
    assert note.is_visible()
    page.keyboard.press("Escape")
    assert not note.is_visible() and term.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.classList.contains('term')")


def test_without_javascript_a_term_opens_the_glossary(live, phone, new_learner, plain_course):
    """Without JavaScript, does the term lead to its entry on the course's glossary page?"""
    learner = new_learner()
    page = phone().new_page()
    log_in(page, learner)
    start_course(page, plain_course)
    nojs = phone(java_script_enabled=False)
    nojs.add_cookies(page.context.cookies())
    page = nojs.new_page()
    page.goto(f"/courses/{plain_course}/lessons/kit")
    page.locator("article.lesson a.term", has_text="Mbps").click()
    page.wait_for_url(re.compile(r".*/glossary#term-2$"))
    assert page.locator("#term-2").inner_text().startswith("Mbps")
    assert page.locator("#term-2 .say").count() == 1


def test_ticked_checklist_item_stays_ticked_after_reload(live, phone, new_learner, plain_course):
    """Is a checklist a row of real checkboxes whose ticks the phone remembers?"""
    context = phone()
    page = context.new_page()
    log_in(page, new_learner())
    start_course(page, plain_course)
    page.goto(f"/courses/{plain_course}/lessons/kit")
    boxes = page.locator("article.lesson input.task-list-item-checkbox")
    assert boxes.count() == 2 and "[ ]" not in page.locator("article.lesson").inner_text()
    assert boxes.nth(0).is_enabled()
    page.get_by_label("测一测上行网速").check()
    screenshot(page, "checklist-ticked")
    page.reload()
    assert boxes.nth(0).is_checked() and not boxes.nth(1).is_checked()
    page.get_by_label("测一测上行网速").uncheck()
    page.reload()
    assert not boxes.nth(0).is_checked()



@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_glossary_page_and_marked_lesson_pass_axe(live, phone, new_learner, plain_course, language):
    """Do the glossary page and a lesson with an open term and a checklist pass axe-core (no
    serious or critical issue) in both interface languages?"""
    if not AXE.exists():
        _unavailable(f"{AXE} is missing (scripts/test.sh installs axe-core with npm)")
    context = phone()
    context.add_cookies([{"name": "lang", "value": language, "url": live.url}])
    page = context.new_page()
    log_in(page, new_learner(language=language))
    start_course(page, plain_course)
    page.goto(f"/courses/{plain_course}/lessons/kit")
    page.locator("article.lesson a.term").first.click()
    page.get_by_label("充好充电宝").check()
    assert _axe(page) == []
    page.goto(f"/courses/{plain_course}/glossary")
    page.wait_for_load_state("networkidle")
    assert _axe(page) == []
    screenshot(page, f"{language}-glossary")


def test_glossary_terms_can_be_read_aloud(live, phone, plain_course):
    """With a voice on the phone, does each glossary entry get a speaker that reads the term and
    its explanation in the course's language?"""
    context = phone()
    context.add_init_script(FAKE_SPEECH)
    page = context.new_page()
    page.goto(f"/courses/{plain_course}/glossary")
    speakers = page.locator("#term-1 .say-btn, #term-2 .say-btn, #term-3 .say-btn")
    speakers.first.wait_for()
    assert speakers.count() == 3
    page.locator("#term-1 .say-btn").click()
    spoken = page.evaluate("window.__spoken")
    assert "码率" in spoken[0]["text"] and "画面数据量" in "".join(s["text"] for s in spoken)
    assert spoken[0]["lang"] == "zh-CN"
