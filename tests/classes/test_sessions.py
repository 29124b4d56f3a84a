"""Sessions: QR check-in and roll call, and the ledger page with its exports."""
import io
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from training.extensions import db
from training.models import Attendance, AuditEvent, ClassMember, TrainingSession, utcnow


def test_trainer_records_a_session_and_shows_its_check_in_qr(factory, trainer_client, trainer):
    """The session is saved with its trainer; its page carries a QR code of the check-in link."""
    training_class = factory.training_class()
    response = trainer_client.post(f"/classes/{training_class.id}/sessions/new", data={
        "held_on": "2026-03-05", "topic": "Lighting for live streams", "place": "Hall",
        "trainer_id": str(trainer.id)})
    assert response.status_code == 302
    meeting = db.session.scalar(select(TrainingSession))
    assert (meeting.held_on, meeting.trainer_id) == (date(2026, 3, 5), trainer.id)
    page = trainer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="qr"' in page and "Lighting for live streams" in page


def test_session_form_refuses_a_missing_topic(factory, trainer_client, trainer):
    """A session without a topic is not saved."""
    training_class = factory.training_class()
    response = trainer_client.post(f"/classes/{training_class.id}/sessions/new", data={
        "held_on": "2026-03-05", "topic": "", "trainer_id": str(trainer.id)})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(TrainingSession.id))) == 0


def test_qr_check_in_is_idempotent_and_joins_the_class(factory, learner_client, learner):
    """Scanning twice records one attendance; a learner not yet in the class joins it."""
    training_class = factory.training_class()
    meeting = factory.training_session(training_class, date(2026, 3, 5))
    meeting.opens_at, meeting.closes_at = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)
    meeting.allow_join = True  # the learner is not in the class yet
    db.session.commit()
    url = f"/classes/checkin/{meeting.checkin_code}"
    assert "Check in" in learner_client.get(url).get_data(as_text=True)
    assert db.session.scalar(select(func.count(Attendance.id))) == 0  # a GET changes nothing
    for _ in range(2):
        assert "You are checked in" in learner_client.post(url, follow_redirects=True).get_data(as_text=True)
    assert db.session.scalar(select(func.count(Attendance.id))) == 1
    assert db.session.scalar(select(ClassMember.user_id)) == learner.id
    assert learner_client.get("/classes/checkin/not-a-code").status_code == 404


def test_check_in_needs_login(factory, client):
    """An anonymous scan goes to the login page first."""
    meeting = factory.training_session(factory.training_class(), date(2026, 3, 5))
    response = client.post(f"/classes/checkin/{meeting.checkin_code}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_roll_call_adds_and_removes_ticked_members(factory, trainer_client):
    """The trainer's ticks become the attendance; ids of non-members are ignored."""
    training_class = factory.training_class()
    a, b, c = (factory.member(training_class, factory.user("learner")) for _ in range(3))
    outsider = factory.user("learner")
    meeting = factory.training_session(training_class, date(2026, 3, 5))
    page = trainer_client.get(f"/classes/sessions/{meeting.id}/roll").get_data(as_text=True)
    assert page.count('name="present"') == 3
    trainer_client.post(f"/classes/sessions/{meeting.id}/roll",
                        data={"present": [str(a.id), str(b.id), str(outsider.id)]})
    trainer_client.post(f"/classes/sessions/{meeting.id}/roll", data={"present": [str(b.id), str(c.id)]})
    rows = db.session.execute(select(Attendance.user_id, Attendance.method)).all()
    assert sorted(rows) == sorted([(b.id, "roll"), (c.id, "roll")])


def _two_sessions(factory):
    """Two March sessions of centre A: three learners at the first, two of them again."""
    training_class = factory.training_class()
    people = [factory.member(training_class, factory.user("learner", mobile=f"1380013800{i}"))
              for i in range(3)]
    first = factory.training_session(training_class, date(2026, 3, 5), "First")
    second = factory.training_session(training_class, date(2026, 3, 12), "=Second")
    from training.services.classes import sessions

    for meeting, present in ((first, people), (second, people[:2])):
        for person in present:
            sessions.check_in(db.session, meeting, person, method="roll")
    db.session.commit()
    return training_class


def test_ledger_page_shows_person_times_and_unique_people(factory, trainer_client):
    """5 attendances by 3 people: the page says 5 person-times and 3 unique people."""
    _two_sessions(factory)
    text = trainer_client.get("/classes/ledger?start=2026-03-01&end=2026-03-31").get_data(as_text=True)
    assert "<dt>Person-times</dt><dd>5</dd>" in text
    assert "<dt>Unique people</dt><dd>3</dd>" in text
    assert "13800138000" not in text  # names and numbers are on each session's own page


def test_ledger_exports_csv_and_xlsx_with_escaping_and_audit(factory, trainer_client):
    """Exports list every attendance and the totals; a topic starting with = is escaped."""
    _two_sessions(factory)
    csv = trainer_client.get("/classes/ledger?start=2026-03-01&end=2026-03-31&format=csv")
    text = csv.data.decode("utf-8-sig")
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert "'=Second" in text and len(text.splitlines()) == 1 + 5
    xlsx = trainer_client.get("/classes/ledger?start=2026-03-01&end=2026-03-31&format=xlsx")
    book = load_workbook(io.BytesIO(xlsx.data))
    values = [[c.value for c in row] for row in book["Ledger"].iter_rows()]
    assert sum(1 for row in values if row[1] and str(row[1]).startswith("Learner ")) == 5
    totals = [[c.value for c in row] for row in book["Totals"].iter_rows()]
    assert ["Person-times", 5] == totals[[r[0] for r in totals].index("Person-times")][:2]
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "ledger.export")) == 2


def test_ledger_is_scoped_to_the_trainers_centre(factory, app, other_centre_trainer, admin_client):
    """Fred sees zero for centre B and 403 when asking for centre A; an admin sees everything."""
    training_class = _two_sessions(factory)
    fred = app.test_client(user=other_centre_trainer)
    text = fred.get("/classes/ledger?start=2026-03-01&end=2026-03-31").get_data(as_text=True)
    assert "<dt>Person-times</dt><dd>0</dd>" in text
    assert fred.get(f"/classes/ledger?centre_id={training_class.centre_id}").status_code == 403
    everyone = admin_client.get("/classes/ledger?start=2026-03-01&end=2026-03-31&centre_id=0")
    assert "<dt>Person-times</dt><dd>5</dd>" in everyone.get_data(as_text=True)
    assert admin_client.get("/classes/ledger?centre_id=999").status_code == 404


def test_ledger_survives_bad_dates(factory, trainer_client):
    """Mistyped dates fall back to the last 90 days instead of an error."""
    assert trainer_client.get("/classes/ledger?start=yesterday&end=2026-13-45").status_code == 200
    assert trainer_client.get("/classes/ledger?format=pdf").status_code == 404


def test_fred_cannot_open_or_tick_centre_a_sessions(factory, app, other_centre_trainer):
    """Another centre's session page and roll call are 403, and nothing is recorded."""
    training_class = factory.training_class()
    member = factory.member(training_class, factory.user("learner"))
    meeting = factory.training_session(training_class, date(2026, 3, 5))
    fred = app.test_client(user=other_centre_trainer)
    assert fred.get(f"/classes/sessions/{meeting.id}").status_code == 403
    assert fred.post(f"/classes/sessions/{meeting.id}/roll", data={"present": [str(member.id)]}).status_code == 403
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
