"""Corrections with an audit trail: edit and delete a session, remove a class member, undo an
attendance; each is audited with the old values and shows in the ledger's change history."""
from datetime import date

import pytest
from sqlalchemy import func, select

from training.extensions import db
from training.models import Attendance, AuditEvent, ClassMember, TrainingSession
from training.services.classes import classes, ledger, sessions

MARCH = "/classes/ledger?start=2026-03-01&end=2026-03-31"


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.fixture
def setting(factory, trainer):
    """Centre A's class with three members: all three at a first session, two at a second."""
    training_class = factory.training_class(trainer=trainer)
    people = [factory.member(training_class, factory.user("learner", display_name=name))
              for name in ("张三", "李四", "王五")]
    first = factory.training_session(training_class, date(2026, 3, 5), "First")
    second = factory.training_session(training_class, date(2026, 3, 12), "Second")
    for meeting, present in ((first, people), (second, people[:2])):
        for person in present:
            sessions.check_in(db.session, meeting, person, method="roll")
    db.session.commit()
    return training_class, people, first, second


@pytest.fixture(params=["trainer", "admin"])
def staff(request, app, trainer, admin):
    user = trainer if request.param == "trainer" else admin
    return user, app.test_client(user=user)


def test_staff_edit_a_session_and_the_old_values_are_audited(setting, staff, trainer):
    """The class's trainer and an admin correct the date, topic and place; the event keeps the
    old values and the new date."""
    _class, _people, first, _second = setting
    user, client = staff
    page = client.get(f"/classes/sessions/{first.id}/edit")
    assert page.status_code == 200 and 'value="First"' in page.get_data(as_text=True)
    response = client.post(f"/classes/sessions/{first.id}/edit", data={
        "held_on": "2026-04-02", "topic": "Corrected", "place": "Hall", "trainer_id": str(trainer.id)})
    assert response.status_code == 302
    db.session.refresh(first)
    assert (first.held_on, first.topic, first.place) == (date(2026, 4, 2), "Corrected", "Hall")
    [event] = _events("session.update")
    assert event.actor_id == user.id and event.target_id == first.id
    assert event.detail["held_on"] == "2026-03-05" and event.detail["topic"] == "First"
    assert event.detail["new_held_on"] == "2026-04-02"
    assert event.detail["changes"]["topic"] == ["First", "Corrected"]
    assert event.detail["changes"]["trainer"] == ["", trainer.display_name]


def test_saving_an_unchanged_session_records_nothing(setting, trainer_client, trainer):
    _class, _people, first, _second = setting
    first.trainer_id = trainer.id
    db.session.commit()
    response = trainer_client.post(f"/classes/sessions/{first.id}/edit", data={
        "held_on": "2026-03-05", "topic": "First", "place": "", "trainer_id": str(trainer.id)})
    assert response.status_code == 302
    assert _events("session.update") == []


def test_delete_asks_first_then_deletes_the_session_and_its_attendance(setting, staff):
    """GET and an unconfirmed POST show the confirmation; the confirmed POST deletes the session
    and its three attendances, audited with the old values and the attendee count."""
    training_class, _people, first, _second = setting
    user, client = staff
    first_id = first.id
    assert "3 attendances" in client.get(f"/classes/sessions/{first_id}/delete").get_data(as_text=True)
    assert client.post(f"/classes/sessions/{first_id}/delete").status_code == 200
    assert db.session.get(TrainingSession, first_id) is not None
    response = client.post(f"/classes/sessions/{first_id}/delete", data={"confirm": "yes"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/classes/{training_class.id}")
    db.session.expire_all()
    assert db.session.get(TrainingSession, first_id) is None
    assert db.session.scalar(select(func.count(Attendance.id)).where(Attendance.session_id == first_id)) == 0
    [event] = _events("session.delete")
    assert event.actor_id == user.id
    assert (event.detail["held_on"], event.detail["topic"], event.detail["attendees"]) == ("2026-03-05", "First", 3)
    assert event.detail["centre_id"] == training_class.centre_id


def test_ledger_totals_and_change_history_after_deleting_a_session(setting, trainer_client, trainer):
    """Before: 5 person-times, 3 people. After deleting the first session: 2 and 2, and the
    deletion shows in the change history, newest first after an edit."""
    _class, _people, first, second = setting
    text = trainer_client.get(MARCH).get_data(as_text=True)
    assert "<dt>Person-times</dt><dd>5</dd>" in text and "<dt>Unique people</dt><dd>3</dd>" in text
    trainer_client.post(f"/classes/sessions/{second.id}/edit", data={
        "held_on": "2026-03-12", "topic": "Second, renamed", "place": "", "trainer_id": str(trainer.id)})
    trainer_client.post(f"/classes/sessions/{first.id}/delete", data={"confirm": "yes"})
    text = trainer_client.get(MARCH).get_data(as_text=True)
    assert "<dt>Person-times</dt><dd>2</dd>" in text and "<dt>Unique people</dt><dd>2</dd>" in text
    assert "<dt>Sessions</dt><dd>1</dd>" in text
    history = text[text.index("Change history"):]
    assert history.index("Training session deleted") < history.index("Training session changed")
    assert "3 present" in history
    built = ledger.build(db.session, date(2026, 3, 1), date(2026, 3, 31))
    assert (built.person_times, built.people) == (2, 2)


def test_change_history_is_per_centre_and_period(setting, factory, trainer_client, admin):
    """Another centre's deletion and a session of another month are not listed."""
    _class, _people, _first, _second = setting
    other = factory.training_session(factory.training_class("Centre B"), date(2026, 3, 6), "Other centre")
    may = factory.training_session(setting[0], date(2026, 5, 6), "May")
    sessions.delete_session(db.session, other, admin.id)
    sessions.delete_session(db.session, may, admin.id)
    db.session.commit()
    text = trainer_client.get(MARCH).get_data(as_text=True)
    assert "Other centre" not in text and "May" not in text
    assert "No changes to this period" in text
    assert [c.detail["topic"] for c in ledger.changes(db.session, date(2026, 3, 1), date(2026, 3, 31))] == ["Other centre"]


def test_remove_member_confirms_then_removes_and_audits_the_name(setting, staff):
    training_class, people, _first, _second = setting
    user, client = staff
    url = f"/classes/{training_class.id}/members/{people[0].id}/remove"
    assert "张三" in client.get(url).get_data(as_text=True)
    assert client.post(url).status_code == 200
    assert classes.is_member(db.session, training_class.id, people[0].id)
    assert client.post(url, data={"confirm": "yes"}).status_code == 302
    assert not classes.is_member(db.session, training_class.id, people[0].id)
    [event] = _events("class.member_remove")
    assert (event.actor_id, event.target_id, event.detail["name"]) == (user.id, training_class.id, "张三")
    # Their attendance stays in the ledger, and a second removal finds no member.
    assert db.session.scalar(select(func.count(Attendance.id)).where(Attendance.user_id == people[0].id)) == 2
    assert client.get(url).status_code == 404


def test_remove_button_undoes_one_attendance(setting, staff):
    _class, people, first, _second = setting
    user, client = staff
    page = client.get(f"/classes/sessions/{first.id}").get_data(as_text=True)
    assert f"/classes/sessions/{first.id}/attendees/{people[1].id}/remove" in page
    response = client.post(f"/classes/sessions/{first.id}/attendees/{people[1].id}/remove")
    assert response.status_code == 302
    assert sessions.attendee_ids(db.session, first.id) == {people[0].id, people[2].id}
    [event] = _events("attendance.remove")
    assert (event.actor_id, event.detail["name"], event.detail["held_on"]) == (user.id, "李四", "2026-03-05")
    assert client.post(f"/classes/sessions/{first.id}/attendees/{people[1].id}/remove").status_code == 404


def test_unticking_in_the_roll_call_is_audited(setting, trainer_client, trainer):
    _class, people, first, _second = setting
    trainer_client.post(f"/classes/sessions/{first.id}/roll", data={"present": [str(people[0].id)]})
    assert sessions.attendee_ids(db.session, first.id) == {people[0].id}
    events = _events("attendance.remove")
    assert sorted(e.detail["name"] for e in events) == ["李四", "王五"]
    assert all(e.actor_id == trainer.id for e in events)
    history = trainer_client.get(MARCH).get_data(as_text=True)
    assert history.count("Attendance removed") == 2


@pytest.mark.parametrize("who", ["fred", "learner"])
def test_other_centres_and_learners_cannot_correct_anything(setting, app, other_centre_trainer, who):
    """Fred (centre B) gets 403 and a learner 403 for every correction; nothing changes."""
    training_class, people, first, _second = setting
    user = other_centre_trainer if who == "fred" else people[0]
    client = app.test_client(user=user)
    requests = [
        ("get", f"/classes/sessions/{first.id}/edit", {}),
        ("post", f"/classes/sessions/{first.id}/edit",
         {"held_on": "2026-04-02", "topic": "X", "trainer_id": str(user.id)}),
        ("get", f"/classes/sessions/{first.id}/delete", {}),
        ("post", f"/classes/sessions/{first.id}/delete", {"confirm": "yes"}),
        ("post", f"/classes/sessions/{first.id}/attendees/{people[1].id}/remove", {}),
        ("get", f"/classes/{training_class.id}/members/{people[1].id}/remove", {}),
        ("post", f"/classes/{training_class.id}/members/{people[1].id}/remove", {"confirm": "yes"}),
    ]
    for method, url, data in requests:
        assert getattr(client, method)(url, data=data).status_code == 403, url
    db.session.expire_all()
    assert db.session.get(TrainingSession, first.id).topic == "First"
    assert db.session.scalar(select(func.count(Attendance.id))) == 5
    assert db.session.scalar(select(func.count(ClassMember.id))) == 3
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0
