"""Check-in that cannot be faked (issue 21, item 2): the session's time window, a late window
opened by the trainer (audited), joining at check-in only when allowed, the classroom screen's
rotating code, and how each attendance was recorded. Times are fixed (an injected clock)."""
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from training.classes import session_views
from training.extensions import db
from training.models import Attendance, AuditEvent, ClassMember, TrainingSession
from training.services.classes import checkin as rules
from training.services.classes import ledger, sessions

SECRET = "test-only-secret"  # tests/conftest.py's SECRET_KEY
DAY = date(2026, 3, 5)
# 2026-03-05 in China (UTC+8): check-in opens 07:00 = 23:00 UTC the day before, closes 22:00 = 14:00 UTC.
OPENS = datetime(2026, 3, 4, 23, 0)
CLOSES = datetime(2026, 3, 5, 14, 0)
DURING = datetime(2026, 3, 5, 2, 0, 30)  # 10:00:30 China time


def attendances() -> int:
    return db.session.scalar(select(func.count(Attendance.id)))


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def clock(monkeypatch):
    """The time the check-in views see: clock.now, set by the test."""

    class Clock:
        now = DURING

    monkeypatch.setattr(session_views, "utcnow", lambda: Clock.now)
    return Clock


@pytest.fixture
def meeting(factory, learner):
    """A session of centre A's class on 5 March 2026 with the learner as a member."""
    training_class = factory.training_class()
    factory.member(training_class, learner)
    return factory.training_session(training_class, DAY)


def url(meeting, token: str | None = None) -> str:
    return f"/classes/checkin/{meeting.checkin_code}" + (f"?t={token}" if token else "")


def token_at(meeting, at: datetime) -> str:
    return rules.screen_token(SECRET, meeting.checkin_code, rules.slot(at))


# --- the rules, as plain values ----------------------------------------------------------------

def test_default_window_is_7_to_22_china_time_stored_as_utc():
    """A session on 5 March checks in from 07:00 to 22:00 China time: 23:00 and 14:00 UTC."""
    assert sessions.default_window(DAY) == (OPENS, CLOSES)


def test_a_closing_time_before_the_opening_time_is_on_the_next_day():
    """19:00–01:00 China time closes at 01:00 the next morning (17:00 UTC on the session's day)."""
    opens_at, closes_at = sessions.local_window(DAY, time(19, 0), time(1, 0))
    assert (opens_at, closes_at) == (datetime(2026, 3, 5, 11, 0), datetime(2026, 3, 5, 17, 0))


def decide(now, **overrides):
    facts = {"now": now, "opens_at": OPENS, "closes_at": CLOSES, "late_until": None, "is_member": True,
             "allow_join": False, "screen_code_required": False, "token_fresh": False}
    facts.update(overrides)
    return rules.decide(**facts)


def test_decision_before_during_and_after_the_window():
    """Too early says when it opens; closed says when it closed; the edges are inside."""
    assert decide(OPENS - timedelta(seconds=1)) == rules.Decision(rules.TOO_EARLY, OPENS)
    assert decide(OPENS).accepted and decide(CLOSES).accepted and decide(DURING).accepted
    assert decide(CLOSES + timedelta(seconds=1)) == rules.Decision(rules.CLOSED, CLOSES)


def test_a_late_window_extends_the_end_and_a_past_one_does_not_shorten_it():
    """late_until after the window reopens check-in until then; an earlier one changes nothing."""
    late = CLOSES + timedelta(minutes=30)
    assert decide(CLOSES + timedelta(minutes=10), late_until=late).accepted
    assert decide(late + timedelta(seconds=1), late_until=late) == rules.Decision(rules.CLOSED, late)
    assert decide(DURING, late_until=OPENS).accepted


def test_non_members_need_joining_allowed():
    """Not a member: refused unless the session allows joining at check-in."""
    assert decide(DURING, is_member=False).reason == rules.NOT_MEMBER
    assert decide(DURING, is_member=False, allow_join=True).accepted


def test_screen_code_needed_only_when_required():
    """With screen_code_required, a check-in without a fresh token is refused as expired."""
    assert decide(DURING, screen_code_required=True).reason == rules.CODE_EXPIRED
    assert decide(DURING, screen_code_required=True, token_fresh=True).accepted
    assert decide(DURING, screen_code_required=False).accepted


def test_rotating_token_current_previous_expired_wrong():
    """The current and previous minute's tokens pass; two minutes later, or wrong, they fail."""
    code = "abc"
    issued = datetime(2026, 3, 5, 2, 0, 10)
    token = rules.screen_token(SECRET, code, rules.slot(issued))
    assert len(token) == 8 and token.isalnum() and token.upper() == token
    assert rules.token_age(SECRET, code, token, issued) == 0
    assert rules.token_age(SECRET, code, token.lower(), issued + timedelta(seconds=60)) == 1
    assert rules.token_age(SECRET, code, token, issued + timedelta(minutes=2)) is None
    assert rules.token_age(SECRET, code, token, issued - timedelta(minutes=1)) is None  # not yet
    assert rules.token_age(SECRET, "other", token, issued) is None  # another session's
    assert rules.token_age("another-secret", code, token, issued) is None
    assert rules.token_age(SECRET, code, "AAAAAAAA", issued) is None
    assert rules.token_age(SECRET, code, "", issued) is None and rules.token_age(SECRET, code, None, issued) is None


def test_a_token_brought_through_a_sign_in_is_checked_at_the_sign_in():
    """The landing after a sign-in accepts the token if it was at most 10 minutes old when
    the person signed in, not when they finished choosing a password."""
    code = "abc"
    issued = datetime(2026, 3, 5, 2, 0, 10)
    token = rules.screen_token(SECRET, code, rules.slot(issued))
    later = issued + timedelta(minutes=15)
    assert not rules.token_is_fresh(SECRET, code, token, later)
    assert rules.token_is_fresh(SECRET, code, token, later, signed_in_at=issued + timedelta(minutes=3))
    assert not rules.token_is_fresh(SECRET, code, token, later, signed_in_at=issued + timedelta(minutes=11))


# --- check-in requests -------------------------------------------------------------------------

def test_check_in_before_the_window_is_refused_and_says_when_it_opens(meeting, learner_client, clock):
    """06:59 China time: the page says check-in opens at 07:00; the POST records nothing."""
    clock.now = OPENS - timedelta(minutes=1)
    page = learner_client.get(url(meeting)).get_data(as_text=True)
    assert "Check-in opens at 3/5/26, 7:00" in page and 'type="submit">Check in' not in page
    learner_client.post(url(meeting))
    assert attendances() == 0


def test_check_in_during_the_window_is_recorded_by_scan(meeting, learner_client, learner, clock):
    """10:00 China time: checked in, method "qr", at the time of the scan, no recorder."""
    response = learner_client.post(url(meeting), follow_redirects=True)
    assert "You are checked in" in response.get_data(as_text=True)
    row = db.session.scalars(select(Attendance)).one()
    assert (row.user_id, row.method, row.recorded_by_id) == (learner.id, "qr", None)


def test_check_in_after_the_window_is_refused_with_ask_your_trainer(meeting, learner_client, clock):
    """22:01 China time: closed at 22:00, ask your trainer; nothing recorded."""
    clock.now = CLOSES + timedelta(minutes=1)
    learner_client.post(url(meeting))
    page = learner_client.get(url(meeting)).get_data(as_text=True)
    assert "Check-in closed at 3/5/26, 10:00" in page and "ask your trainer" in page
    assert attendances() == 0


def test_refusal_is_shown_in_chinese(factory, app, meeting, clock):
    """The default language says it in Chinese."""
    farmer = factory.user("learner", language="zh_CN")
    factory.member(meeting.training_class, farmer)
    clock.now = CLOSES + timedelta(minutes=1)
    page = app.test_client(user=farmer).get(url(meeting)).get_data(as_text=True)
    assert "签到已于" in page and "请联系培训老师" in page


def test_late_window_opens_check_in_again_and_is_audited(meeting, trainer_client, learner_client, clock):
    """After closing, the trainer opens 30 minutes with a reason: check-in works again until
    then; the event keeps the reason and the end, and the ledger's change history shows it."""
    clock.now = CLOSES + timedelta(minutes=5)
    learner_client.post(url(meeting))
    assert attendances() == 0
    response = trainer_client.post(f"/classes/sessions/{meeting.id}/late",
                                   data={"minutes": "30", "reason": "Bus from the village was late"})
    assert response.status_code == 302
    page = trainer_client.get(f"/classes/sessions/{meeting.id}").get_data(as_text=True)
    assert "Bus from the village was late" in page and "3/5/26, 10:35" in page
    (event,) = events("session.late_window")
    assert event.detail["reason"] == "Bus from the village was late" and event.detail["minutes"] == 30
    assert event.detail["until"] == "2026-03-05T14:35:00" and event.detail["centre_id"] == meeting.training_class.centre_id
    learner_client.post(url(meeting))
    assert attendances() == 1
    assert [c.action for c in ledger.changes(db.session, DAY, DAY)] == ["session.late_window"]
    ledger_page = trainer_client.get("/classes/ledger?start=2026-03-01&end=2026-03-31").get_data(as_text=True)
    assert "Check-in opened again" in ledger_page and "Bus from the village was late" in ledger_page


def test_late_window_without_a_reason_changes_nothing(meeting, trainer_client, clock):
    """A missing reason or an unknown length is refused with a message; nothing is saved."""
    response = trainer_client.post(f"/classes/sessions/{meeting.id}/late", data={"minutes": "30", "reason": " "})
    assert response.status_code == 422 and "This field is required." in response.get_data(as_text=True)
    assert trainer_client.post(f"/classes/sessions/{meeting.id}/late",
                               data={"minutes": "9999", "reason": "x"}).status_code == 422
    db.session.expire_all()
    assert db.session.get(TrainingSession, meeting.id).late_until is None and not events("session.late_window")


def test_non_member_is_refused_unless_joining_is_allowed(factory, app, meeting, clock):
    """A learner outside the class: "ask your trainer to add you"; with allow_join they join
    the class by checking in, audited as class.join_at_checkin."""
    outsider = factory.user("learner")
    client = app.test_client(user=outsider)
    client.post(url(meeting))
    assert "Ask your trainer to add you" in client.get(url(meeting)).get_data(as_text=True)
    assert attendances() == 0 and not events("class.join_at_checkin")
    meeting.allow_join = True
    db.session.commit()
    client.post(url(meeting))
    assert attendances() == 1
    assert db.session.scalar(select(func.count()).select_from(ClassMember)
                             .where(ClassMember.user_id == outsider.id)) == 1
    (event,) = events("class.join_at_checkin")
    assert (event.actor_id, event.target_id, event.detail["session_id"]) == (outsider.id, meeting.class_id, meeting.id)


def test_screen_code_required_refuses_the_plain_link_and_accepts_a_fresh_token(meeting, learner_client, clock):
    """The printed link is refused; this minute's and last minute's tokens check in; the token
    goes through the confirmation page's POST."""
    meeting.screen_code_required = True
    db.session.commit()
    learner_client.post(url(meeting))
    page = learner_client.get(url(meeting)).get_data(as_text=True)
    assert "Scan the code on the classroom screen again" in page and attendances() == 0
    token = token_at(meeting, clock.now - timedelta(seconds=60))  # the previous minute's
    page = learner_client.get(url(meeting, token)).get_data(as_text=True)
    assert f'name="t" value="{token}"' in page
    learner_client.post(url(meeting), data={"t": token})
    assert attendances() == 1


def test_a_forwarded_token_two_minutes_later_is_refused(meeting, learner_client, clock):
    """A screenshot forwarded to someone at home: after two minutes its code has expired."""
    meeting.screen_code_required = True
    db.session.commit()
    token = token_at(meeting, clock.now)
    clock.now += timedelta(minutes=2)
    learner_client.post(url(meeting, token))
    assert "This check-in code has expired" in learner_client.get(url(meeting, token)).get_data(as_text=True)
    learner_client.post(url(meeting), data={"t": "WRONGTOK"})
    assert attendances() == 0


def test_the_plain_link_works_when_the_screen_code_is_not_required(meeting, learner_client, clock):
    """screen_code_required off: the printed QR and a stale token both check in."""
    learner_client.post(url(meeting, token_at(meeting, clock.now - timedelta(hours=1))))
    assert attendances() == 1


def test_class_join_poster_is_unaffected_by_the_screen_code(meeting, factory, app, clock):
    """/classes/join/<code> still joins with the printed poster's link."""
    meeting.screen_code_required = True
    db.session.commit()
    newcomer = factory.user("learner")
    app.test_client(user=newcomer).post(f"/classes/join/{meeting.training_class.code}")
    assert db.session.scalar(select(func.count()).select_from(ClassMember)
                             .where(ClassMember.user_id == newcomer.id)) == 1


def test_classroom_screen_shows_a_fresh_code_and_reloads_itself(meeting, trainer_client, clock):
    """The screen's QR link carries this minute's token; the page reloads when it changes."""
    clock.now = datetime(2026, 3, 5, 2, 0, 45)
    response = trainer_client.get(f"/classes/sessions/{meeting.id}/screen")
    page = response.get_data(as_text=True)
    assert response.headers["Refresh"] == "15" and '<meta http-equiv="refresh" content="15">' in page
    assert response.headers["Cache-Control"] == "no-store"
    assert meeting.topic in page and meeting.training_class.name in page and "in 15 seconds" in page
    assert "3/5/26, 7:00" in page and "3/5/26, 10:00" in page  # 7:00 AM and 10:00 PM
    assert 'class="qr"' in page


def test_classroom_screen_is_staff_of_the_centre_only(meeting, app, other_centre_trainer, learner_client):
    """Fred of centre B gets 403; a learner 403."""
    assert app.test_client(user=other_centre_trainer).get(f"/classes/sessions/{meeting.id}/screen").status_code == 403
    assert learner_client.get(f"/classes/sessions/{meeting.id}/screen").status_code == 403


def test_sign_in_from_a_screen_code_keeps_the_token_and_checks_in(factory, client, clock):
    """Not signed in: the scan's token goes through the login page's `next` and the landing,
    which checks it against the time of the sign-in."""
    farmer = factory.user("learner", mobile="13800138009")
    training_class = factory.training_class()
    factory.member(training_class, farmer)
    meeting = factory.training_session(training_class, DAY)
    meeting.screen_code_required = True
    db.session.commit()
    token = token_at(meeting, clock.now)
    to_login = client.get(url(meeting, token))
    assert to_login.status_code == 302 and f"t%3D{token}" in to_login.headers["Location"]
    from ..factories import PASSWORD

    logged_in = client.post(to_login.headers["Location"], data={"login": "13800138009", "password": PASSWORD})
    assert logged_in.headers["Location"] == url(meeting, token)
    assert "You are checked in" in client.get(logged_in.headers["Location"]).get_data(as_text=True)
    assert attendances() == 1


# --- roll call, and how each attendance was recorded ------------------------------------------

def test_roll_call_records_roll_or_assisted_with_the_recorder(factory, meeting, trainer_client, trainer,
                                                            learner, clock):
    """Ticked present: "roll"; also "checked in by me": "assisted"; both recorded by the
    trainer; the session page lists time and method; a scan keeps "qr"."""
    other = factory.member(meeting.training_class, factory.user("learner", display_name="Zhao"))
    trainer_client.post(f"/classes/sessions/{meeting.id}/roll",
                        data={"present": [str(learner.id), str(other.id)], "assisted": [str(other.id)]})
    rows = dict(db.session.execute(select(Attendance.user_id, Attendance.method)).all())
    assert rows == {learner.id: "roll", other.id: "assisted"}
    assert set(db.session.scalars(select(Attendance.recorded_by_id))) == {trainer.id}
    page = trainer_client.get(f"/classes/sessions/{meeting.id}").get_data(as_text=True)
    assert "Roll call</span>" in page and "Assisted</span>" in page and trainer.display_name in page
    roll = trainer_client.get(f"/classes/sessions/{meeting.id}/roll").get_data(as_text=True)
    assert f'name="assisted" value="{other.id}" checked' in roll


def test_session_page_lists_scans_with_china_time(meeting, learner_client, trainer_client, clock):
    """A scan shows as 扫码 / Scan with the time in China time."""
    learner_client.post(url(meeting))
    db.session.execute(Attendance.__table__.update().values(checked_in_at=datetime(2026, 3, 5, 1, 5)))
    db.session.commit()
    page = trainer_client.get(f"/classes/sessions/{meeting.id}").get_data(as_text=True)
    assert "3/5/26, 9:05" in page and "Scan</span>" in page


# --- the session form -------------------------------------------------------------------------

def test_session_form_sets_the_window_joining_and_screen_code(factory, trainer_client, trainer):
    """Times are typed in China time and stored in UTC; the edit is audited with old values."""
    training_class = factory.training_class()
    trainer_client.post(f"/classes/{training_class.id}/sessions/new", data={
        "held_on": "2026-03-05", "topic": "Evening live", "place": "", "trainer_id": str(trainer.id),
        "opens": "18:30", "closes": "01:00", "allow_join": "y", "screen_code_required": "y"})
    meeting = db.session.scalars(select(TrainingSession)).one()
    assert (meeting.opens_at, meeting.closes_at) == (datetime(2026, 3, 5, 10, 30), datetime(2026, 3, 5, 17, 0))
    assert meeting.allow_join and meeting.screen_code_required
    form = trainer_client.get(f"/classes/sessions/{meeting.id}/edit").get_data(as_text=True)
    assert 'value="18:30"' in form and 'value="01:00"' in form
    trainer_client.post(f"/classes/sessions/{meeting.id}/edit", data={
        "held_on": "2026-03-05", "topic": "Evening live", "place": "", "trainer_id": str(trainer.id),
        "opens": "19:00", "closes": "01:00"})
    (event,) = events("session.update")
    assert event.detail["changes"] == {"opens_at": ["2026-03-05 18:30", "2026-03-05 19:00"],
                                       "allow_join": [True, False], "screen_code_required": [True, False]}
    assert event.detail["opens_at"] == "2026-03-05 18:30" and event.detail["topic"] == "Evening live"
    ledger_page = trainer_client.get("/classes/ledger?start=2026-03-01&end=2026-03-31").get_data(as_text=True)
    assert "Check-in opens: 2026-03-05 18:30 → 2026-03-05 19:00" in ledger_page
    assert "Joining at check-in: Yes → No" in ledger_page


def test_session_form_refuses_the_same_opening_and_closing_time(factory, trainer_client, trainer):
    """A window of no length is refused with a message; nothing is saved."""
    training_class = factory.training_class()
    response = trainer_client.post(f"/classes/{training_class.id}/sessions/new", data={
        "held_on": "2026-03-05", "topic": "T", "trainer_id": str(trainer.id), "opens": "08:00", "closes": "08:00"})
    assert response.status_code == 422
    assert "Check-in must close at a different time than it opens." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(TrainingSession.id))) == 0
