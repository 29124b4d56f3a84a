"""Check-in in real Chromium at phone size (issue 21, items 1 and 2): a farmer scans the
classroom screen's code before ever signing in, logs in with the one-time password from the
roster, chooses their own password (not asked again for the one just typed) and lands on a clear
已签到 page, recorded once; the same from a sign-up. The classroom screen is screenshotted for
review."""
import re
from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from training.extensions import db
from training.models import Attendance, AuditEvent, ClassMember, TrainingSession, utcnow
from training.services.classes import checkin as rules

from .conftest import PASSWORD, SCREENSHOTS, log_in

SCREENS = SCREENSHOTS
SCREEN = {"viewport": {"width": 1280, "height": 800}}  # the projected classroom screen
ONE_TIME = "k7m2qxpa"
NEW = "river-tea-garden"


def _session(live, *, allow_join: bool, mobile: str | None = None):
    """A trainer of centre A, a class, a session open now that only takes the classroom
    screen's code, and (with `mobile`) a farmer of the class from a roster import."""
    from training.services.classes import classes, sessions

    with live.app.app_context():
        factory = live.factory
        trainer = factory.user("trainer", centre="Centre A", language="zh_CN", display_name="王老师")
        training_class = classes.create_class(db.session, trainer.centre_id, trainer.id,
                                              classes.ClassDetails(name="红星村直播班"))
        meeting = sessions.create_session(db.session, training_class, sessions.SessionDetails(
            held_on=date.today(), topic="第一次直播练习", allow_join=allow_join, screen_code_required=True))
        # Open whatever the hour the test runs at.
        meeting.opens_at, meeting.closes_at = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)
        db.session.commit()
        farmer = None
        if mobile:
            user = factory.user("learner", mobile=mobile, password=ONE_TIME, must_change_password=True,
                                language="zh_CN", display_name="李大姐")
            factory.member(training_class, user)
            farmer = SimpleNamespace(id=user.id, mobile=mobile)
        made = SimpleNamespace(
            trainer=SimpleNamespace(username=trainer.username, password=PASSWORD),
            session_id=meeting.id, class_id=training_class.id, code=meeting.checkin_code, farmer=farmer)
        db.session.remove()
        return made


def _screen_token(live, code: str) -> str:
    """This minute's token, as the classroom screen's QR link carries it."""
    return rules.screen_token(live.app.config["SECRET_KEY"], code, rules.slot(utcnow()))


def _attendance(live, session_id: int) -> list[tuple[int, str]]:
    with live.app.app_context():
        rows = db.session.execute(select(Attendance.user_id, Attendance.method)
                                  .where(Attendance.session_id == session_id)).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def test_classroom_screen_shows_a_large_code_that_reloads_itself(live, playwright_browser):
    """The trainer opens the classroom screen from the session page: a QR, the session, the
    window and the countdown; the page asks to be reloaded when the code changes."""
    world = _session(live, allow_join=False)
    context = playwright_browser.new_context(base_url=live.url, **SCREEN)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        log_in(page, world.trainer)
        page.goto(f"/classes/sessions/{world.session_id}")
        page.locator(f"a[href$='/classes/sessions/{world.session_id}/screen']").click()
        page.wait_for_url(re.compile(r".*/screen$"))
        assert page.locator(".checkin-screen svg.qr").count() == 1
        assert "第一次直播练习" in page.locator("h1").inner_text()
        assert "签到时间" in page.content() and "秒后更换" in page.content()
        refresh = page.locator("meta[http-equiv=refresh]").get_attribute("content")
        assert 1 <= int(refresh) <= 60
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "classroom-checkin-screen.png"), full_page=True)
    finally:
        context.close()


def test_first_login_from_the_screen_code_ends_on_checked_in(live, phone):
    """Scan → log in with the one-time password → set a new password (the one-time one is not
    asked again) → back on the check-in: 已签到, recorded once, by scan."""
    world = _session(live, allow_join=False, mobile="13800138101")
    page = phone(locale="zh-CN").new_page()
    url = f"/classes/checkin/{world.code}?t={_screen_token(live, world.code)}"
    page.goto(url)
    page.wait_for_url(re.compile(r".*/login\?next="))
    page.fill("#login", world.farmer.mobile)
    page.fill("#password", ONE_TIME)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/account/password"))
    assert page.locator("#current").count() == 0  # the one-time password is not asked again
    page.fill("#password", NEW)
    page.fill("#confirm", NEW)
    page.check("#consent")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/classes/checkin/"))
    assert "已签到" in page.locator("h1").inner_text()
    assert "签到成功" in page.locator(".card.success[role=status]").inner_text()
    page.reload()  # coming back changes nothing
    assert "已签到" in page.locator("h1").inner_text()
    assert _attendance(live, world.session_id) == [(world.farmer.id, "qr")]


def test_sign_up_from_the_screen_code_joins_and_checks_in(live, phone):
    """Scan → "create an account" → signed up → back on the check-in: joined the class (the
    session allows joining at check-in, audited) and 已签到, recorded once."""
    world = _session(live, allow_join=True)
    page = phone(locale="zh-CN").new_page()
    page.goto(f"/classes/checkin/{world.code}?t={_screen_token(live, world.code)}")
    page.wait_for_url(re.compile(r".*/login\?next="))
    page.locator("a[href*='/register?next=']").first.click()
    page.wait_for_url(re.compile(r".*/register\?next="))
    page.fill("#display_name", "王大姐")
    page.fill("#login", "wangdajie_checkin")
    page.fill("#password", NEW)
    page.fill("#confirm", NEW)
    if page.locator("#language").count():
        page.select_option("#language", "zh_CN")
    page.check("#consent")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/classes/checkin/"))
    assert "已签到" in page.locator("h1").inner_text()
    with live.app.app_context():
        rows = db.session.execute(select(Attendance.user_id, Attendance.method)
                                  .where(Attendance.session_id == world.session_id)).all()
        assert len(rows) == 1 and rows[0].method == "qr"
        assert db.session.scalar(select(ClassMember.user_id).where(ClassMember.class_id == world.class_id)) \
            == rows[0].user_id
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.actor_id == rows[0].user_id,
                                                                  AuditEvent.action == "class.join_at_checkin"))
        db.session.remove()


def test_a_forwarded_code_is_refused_on_a_signed_in_phone(live, phone, new_learner):
    """A code from a screenshot two minutes old: the signed-in phone is told to scan the
    classroom screen again, and nothing is recorded."""
    world = _session(live, allow_join=True)
    old = rules.screen_token(live.app.config["SECRET_KEY"], world.code, rules.slot(utcnow()) - 2)
    page = phone(locale="zh-CN").new_page()
    log_in(page, new_learner(language="zh_CN"))
    page.goto(f"/classes/checkin/{world.code}?t={old}")
    assert "请重新扫描课堂大屏上的二维码" in page.locator("[role=alert]").inner_text()
    assert page.locator("form button[type=submit]").filter(has_text="签到").count() == 0
    assert _attendance(live, world.session_id) == []


def test_check_in_after_the_window_is_refused_with_a_clear_message(live, phone, new_learner):
    """Check-in closed an hour ago: the phone says when it closed and to ask the trainer; no
    check-in button, nothing recorded."""
    world = _session(live, allow_join=True)
    with live.app.app_context():
        meeting = db.session.get(TrainingSession, world.session_id)
        meeting.screen_code_required = False
        meeting.opens_at, meeting.closes_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
        db.session.commit()
        db.session.remove()
    page = phone(locale="zh-CN").new_page()
    log_in(page, new_learner(language="zh_CN"))
    page.goto(f"/classes/checkin/{world.code}")
    alert = page.locator("[role=alert]").inner_text()
    assert "签到已于" in alert and "请联系培训老师" in alert
    assert page.locator("form button[type=submit]").filter(has_text="签到").count() == 0
    assert _attendance(live, world.session_id) == []
