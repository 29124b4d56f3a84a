"""Real-browser fixtures: the app served over HTTP on a free loopback port (on the test
database), and Debian's Chromium driven by Playwright at phone size.

Chromium comes from apt (scripts/test.sh installs it); `playwright install` is never used.
Without Chromium these tests skip, except in CI (CI set), where they fail.
"""
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from training import create_app
from training.extensions import db

from ..conftest import EXAMPLE_COURSE, ROOT, TEST_DATABASE_URL, release_app, test_config
from ..factories import PASSWORD, Factory
from .live import CHROMIUM, CHROMIUM_ARGS, PHONE, LiveServer

# Where browser tests save screenshots to look at (SCREENSHOT_DIR overrides).
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "test-artifacts" / "screenshots")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests (scripts/test.sh installs them)")
    pytest.skip(reason)


@pytest.fixture(scope="package")
def playwright_browser():
    """One headless Chromium for the whole package."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="package")
def live(tmp_path_factory, _postgres_schema):
    """The app with CSRF on, the example course and its media, served until the package ends."""
    tmp = tmp_path_factory.mktemp("live")
    app = create_app(test_config(tmp, WTF_CSRF_ENABLED=True, SQLALCHEMY_RECORD_QUERIES=False))
    with app.app_context():
        if not TEST_DATABASE_URL:
            db.create_all()
        factory = Factory(app)
        course = factory.import_course(EXAMPLE_COURSE)
        slug = course.slug
        db.session.remove()
    server = LiveServer(app).start()
    yield SimpleNamespace(app=app, url=server.url, slug=slug, factory=factory, signal=server.signal)
    server.stop()
    release_app(app)


@pytest.fixture
def new_learner(live):
    """A fresh learner (username, password) for one test."""
    def make(**fields):
        with live.app.app_context():
            user = live.factory.user("learner", **fields)
            made = SimpleNamespace(id=user.id, username=user.username, password=PASSWORD)
            db.session.remove()
            return made
    return make


@pytest.fixture
def phone(playwright_browser, live):
    """Open a fresh phone-sized browser context (keyword arguments go to new_context)."""
    contexts = []

    def open_context(**options):
        context = playwright_browser.new_context(base_url=live.url, **{**PHONE, **options})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


def go_offline(live, context) -> None:
    """Lose the signal: the page sees navigator.onLine false, and every request fails, the
    service worker's included (Chromium's offline emulation alone lets some through)."""
    live.signal.on = False
    context.set_offline(True)


def go_online(live, context) -> None:
    live.signal.on = True
    context.set_offline(False)


def count_rows(live, model, user_id: int) -> int:
    """How many rows of a model (attempts, lesson completions) the user has in the database."""
    with live.app.app_context():
        count = db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id))
        db.session.remove()
        return count


def log_in(page, user) -> None:
    page.goto("/login")
    page.fill("#login", user.username)
    page.fill("#password", user.password)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/(me)?$"))


def start_course(page, slug: str) -> None:
    """Enrol in a course from its page (the browser lands on the first lesson)."""
    page.goto(f"/courses/{slug}")
    page.locator("form[action$='/enrol'] button").click()
    page.wait_for_url(re.compile(r".*/lessons/[^/]+$"))


def answer_quiz(page) -> None:
    """Answer every question of the quiz on the page (first choice; places in order)."""
    for question in page.locator("fieldset.question").all():
        if question.locator("input[type=radio]").count():
            question.locator("input[type=radio]").first.check()
        elif question.locator("input[type=checkbox]").count():
            question.locator("input[type=checkbox]").first.check()
        elif question.locator("input[type=text]").count():
            question.locator("input[type=text]").fill("720p")
        for place, dropdown in enumerate(question.locator("select").all(), start=1):
            dropdown.select_option(str(place))


def screenshot(page, name: str) -> Path:
    """Save a full-page phone screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
