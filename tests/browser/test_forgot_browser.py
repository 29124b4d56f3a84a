"""Finding the way back in at 360 px (issue 23, item 3): 忘记密码 on the login page → the mobile
number → the code from the text message → a new password → signed in with it; every page passes
axe-core in both languages and is screenshotted."""
import re

import pytest
from sqlalchemy import select

from training import sms
from training.extensions import db
from training.models import Centre

from .conftest import AXE, _unavailable, screenshot
from .test_pages import LANGUAGES, _axe

NEW = "spring-onion-field-8"


@pytest.mark.parametrize("language", LANGUAGES)
def test_forgotten_password_by_sms_at_phone_size(live, phone, new_learner, language):
    if not AXE.exists():
        _unavailable(f"{AXE} is missing (scripts/test.sh installs axe-core with npm)")
    mobile = "1390000" + ("7001" if language == "en" else "7002")
    new_learner(mobile=mobile, language=language)
    with live.app.app_context():
        if db.session.scalar(select(Centre.id).where(Centre.phone != "")) is None:
            db.session.add(Centre(name="安定区电子商务公共服务中心", county="安定区", phone="0932-8212345"))
            db.session.commit()
        db.session.remove()
    context = phone()
    context.add_cookies([{"name": "lang", "value": language, "url": live.url}])
    page = context.new_page()
    problems = {}

    def check(name: str) -> None:
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
        screenshot(page, f"{language}-{name}")
        found = _axe(page)
        if found:
            problems[name] = found

    page.goto("/login")
    page.locator("a[href='/forgot']").click()
    page.wait_for_url(re.compile(r".*/forgot$"))
    assert page.locator("a[href='tel:09328212345']").is_visible()  # every centre's number, dialled with a tap
    check("forgot")
    page.fill("#mobile", mobile)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/forgot/code$"))
    check("forgot-code")
    with live.app.app_context():
        text = [body for to, body in sms.backend().outbox if to == mobile][-1]
        db.session.remove()
    page.fill("#code", re.search(r"\b(\d{6})\b", text).group(1))
    page.locator("form.form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/forgot/new$"))
    check("forgot-new")
    page.fill("#password", NEW)
    page.fill("#confirm", NEW)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/login$"))
    assert page.locator("#login").input_value() == mobile  # filled in for her
    check("forgot-done")
    page.fill("#password", NEW)
    page.locator("form.form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/(me)?$"))
    assert problems == {}
