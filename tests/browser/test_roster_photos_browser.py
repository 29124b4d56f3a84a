"""A trainer at 360 px: imports a family that shares one phone (with a household category and
its consent), each imported person signs in with the number and their own one-time password,
and the trainer adds session photos whose thumbnails show on the session page."""
import io
import re
from datetime import date

from PIL import Image
from sqlalchemy import select

from training.extensions import db
from training.models import SessionPhoto, User

from .conftest import PASSWORD, log_in, screenshot

NUMBER = "13600136000"


def _shot(page, name: str) -> None:
    screenshot(page, name)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_household_roster_sign_in_and_session_photos(live, phone, tmp_path):
    """The whole path in a real browser: the consent box, the sign-in sheet, two family members
    signing in on one number with their own passwords, then photos on the session page."""
    with live.app.app_context():
        trainer = live.factory.user("trainer", centre="Centre A", language="zh_CN")
        training_class = live.factory.training_class("Centre A", name="柳沟乡直播班", trainer=trainer)
        meeting = live.factory.training_session(training_class, date.today(), topic="第一次课")
        login = type("Login", (), {"username": trainer.username, "password": PASSWORD})
        class_id, session_id = training_class.id, meeting.id
        db.session.remove()
    roster = tmp_path / "名单.csv"
    roster.write_text(f"姓名,手机号,身份证后四位,户类别\n王建国,{NUMBER},123X,脱贫户\n王秀英,{NUMBER},,\n",
                      encoding="utf-8")
    staff = phone(locale="zh-CN").new_page()
    log_in(staff, login)
    staff.goto(f"/classes/{class_id}/import")
    staff.set_input_files("#file", str(roster))
    staff.get_by_role("button", name=re.compile("检查并导入|Check and import")).click()
    assert "户类别" in staff.locator(".error-list").inner_text()  # refused without the consent
    staff.set_input_files("#file", str(roster))
    staff.check("#household_consent")
    _fits(staff)
    _shot(staff, "roster-consent")
    staff.get_by_role("button", name=re.compile("检查并导入|Check and import")).click()
    staff.wait_for_selector("article.sheet")
    passwords = staff.locator("article.sheet strong.code").all_inner_texts()
    assert len(passwords) == 2 and passwords[0] != passwords[1]
    _fits(staff)
    _shot(staff, "roster-signin-sheet")

    # Each family member signs in on the shared number with their own one-time password.
    for name, password in zip(("王建国", "王秀英"), passwords, strict=True):
        member = phone(locale="zh-CN").new_page()
        member.goto("/login")
        member.fill("#login", NUMBER)
        member.fill("#password", password)
        member.locator("form.form button[type=submit]").click()
        member.wait_for_url(re.compile(r".*/account/password"))  # first, their own password
        assert name in member.locator("footer").inner_text()
    with live.app.app_context():
        people = db.session.scalars(select(User).where(User.mobile == NUMBER).order_by(User.id)).all()
        assert [p.display_name for p in people] == ["王建国", "王秀英"]
        assert [p.last_login_at is not None for p in people] == [True, True]
        assert people[0].household_category == "lifted" and people[1].household_category is None
        db.session.remove()

    # Photos on the session page.
    files = []
    for n, colour in enumerate(("red", "green")):
        path = tmp_path / f"photo{n}.jpg"
        buffer = io.BytesIO()
        Image.new("RGB", (2400, 1800), colour).save(buffer, "JPEG")
        path.write_bytes(buffer.getvalue())
        files.append(str(path))
    staff.goto(f"/classes/sessions/{session_id}")
    staff.set_input_files("#photos", files)
    staff.get_by_role("button", name=re.compile("添加照片|Add photos")).click()
    staff.wait_for_url(re.compile(rf".*/classes/sessions/{session_id}(#session-photos)?$"))
    thumbs = staff.locator("#session-photos img")
    assert thumbs.count() == 2
    # The thumbnails load lazily, so the page's load event does not wait for them: scroll to
    # the first and give it time to arrive (polled from here: the CSP forbids eval in the page).
    thumbs.first.scroll_into_view_if_needed()
    for _ in range(50):
        if thumbs.first.evaluate("img => img.complete"):
            break
        staff.wait_for_timeout(100)
    assert thumbs.first.evaluate("img => img.complete && img.naturalWidth") == 320
    _fits(staff)
    staff.locator("#session-photos").scroll_into_view_if_needed()
    _shot(staff, "session-photos")
    with live.app.app_context():
        assert len(db.session.scalars(select(SessionPhoto)).all()) == 2
        db.session.remove()
