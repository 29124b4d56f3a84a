"""Every main page in both interface languages: zero serious or critical axe-core violations,
and a phone-size screenshot of each under test-artifacts/screenshots/."""
import re
from types import SimpleNamespace

import pytest

from training.extensions import db

from ..factories import PASSWORD
from .conftest import AXE, _unavailable, answer_quiz, log_in, screenshot

LANGUAGES = {"zh_CN": "简体中文", "en": "English"}


def _axe(page) -> list[str]:
    """Run axe-core on the page; return its serious and critical violations, described."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["html"][:120] for n in v["nodes"][:3])
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_main_pages_are_accessible_and_screenshotted(live, phone, new_learner, language):
    """Catalogue, log in, register, course, lesson, quiz, result, My learning and the offline
    page pass axe-core (no serious or critical issue) in this language."""
    if not AXE.exists():
        _unavailable(f"{AXE} is missing (scripts/test.sh installs axe-core with npm)")
    # Axe is injected through the DevTools protocol, so a strict Content-Security-Policy cannot stop it.
    context = phone()
    context.add_cookies([{"name": "lang", "value": language, "url": live.url}])
    page = context.new_page()
    problems = {}

    def check(name: str) -> None:
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == ("zh-CN" if language == "zh_CN" else "en")
        screenshot(page, f"{language}-{name}")
        found = _axe(page)
        if found:
            problems[name] = found

    page.goto("/courses")
    check("catalogue")
    page.goto("/login")
    check("login")
    page.goto("/register")
    check("register")

    learner = new_learner(language=language)
    log_in(page, learner)
    page.goto(f"/courses/{live.slug}")
    page.locator("form[action$='/enrol'] button").click()
    page.wait_for_url(re.compile(r".*/lessons/kit$"))
    check("lesson")
    page.goto(f"/courses/{live.slug}")
    page.locator("[data-offline-save] button").wait_for()
    check("course")
    page.goto(f"/courses/{live.slug}")
    page.locator("a[href*='/quizzes/']").first.click()
    check("quiz")
    answer_quiz(page)
    page.locator("form.quiz button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    check("result")
    page.goto("/me")
    check("my-learning")
    page.goto("/offline")
    check("offline")
    assert problems == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_pages_are_accessible_and_screenshotted(live, phone, language):
    """A trainer's class list and class page, and the admin area and training ledger, pass axe-core."""
    if not AXE.exists():
        _unavailable(f"{AXE} is missing (scripts/test.sh installs axe-core with npm)")
    with live.app.app_context():
        trainer = live.factory.user("trainer", centre="Centre A", language=language)
        admin = live.factory.user("admin", language=language)
        spring = live.factory.training_class("Centre A", name="春季直播班", trainer=trainer)
        people = [SimpleNamespace(username=u.username, password=PASSWORD) for u in (trainer, admin)]
        class_id = spring.id
        db.session.remove()
    problems = {}
    for person, pages in zip(people, ([("classes", "/classes/"), ("class", f"/classes/{class_id}")],
                                      [("admin", "/admin/"), ("ledger", "/classes/ledger")])):
        page = phone().new_page()
        log_in(page, person)
        for name, url in pages:
            page.goto(url)
            page.wait_for_load_state("networkidle")
            screenshot(page, f"{language}-{name}")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
            found = _axe(page)
            if found:
                problems[name] = found
    assert problems == {}
