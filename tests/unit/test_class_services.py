"""Services the classes views call: ledger period and spreadsheet, roster import, session
trainers, member counts and the help desk's learner record."""
from datetime import date

import pytest
from flask_babel import force_locale

from training.extensions import db
from training.models import AuditEvent, User
from training.policy import visible_classes
from training.services.classes import classes, ledger, ledger_export, roster_import, sessions


@pytest.mark.parametrize("start, end, expected", [
    (None, None, (date(2026, 3, 2), date(2026, 5, 31))),
    (None, date(2026, 4, 30), (date(2026, 1, 30), date(2026, 4, 30))),
    (date(2026, 3, 1), None, (date(2026, 3, 1), date(2026, 5, 31))),
    (date(2026, 4, 1), date(2026, 3, 1), (date(2026, 3, 1), date(2026, 4, 1))),
])
def test_ledger_period(start, end, expected):
    """Up to today and the 90 days before by default; dates given the wrong way round are swapped."""
    assert ledger_export.period(start, end, today=date(2026, 5, 31)) == expected


def test_ledger_rows_and_totals(app_ctx, factory):
    """One row per attendance in the 13 county columns, a masked number for an exporter of no
    centre; a session nobody attended has no row; the totals sheet counts the attendance."""
    klass = factory.training_class("Centre A")
    person = factory.profile(factory.user("learner", mobile="13800138000", display_name="L1"),
                             gender="f", birth_year=1990, township="城关镇", village="团结村")
    attended = factory.training_session(klass, date(2026, 3, 5), "S1")
    factory.training_session(klass, date(2026, 3, 6), "Empty")
    sessions.check_in(db.session, attended, person)
    db.session.commit()
    march = (date(2026, 3, 1), date(2026, 3, 31))
    with force_locale("en"):
        header = ledger_export.header()
        rows = list(ledger_export.ledger_rows(db.session, *march, None, None, "Asia/Shanghai"))
        totals = ledger_export.summary_rows(ledger.build(db.session, *march))
    assert len(header) == 13 and len(rows) == 1
    assert rows[0][:9] == [1, "L1", "Female", 36, "138****8000", "城关镇", "团结村", "S1", "2026-03-05"]
    assert ["Person-times", 1] in totals and ["Unique people", 1] in totals
    assert ["城关镇", "团结村", 1, 1] in totals and ["Female", "", 1, 1] in totals


def test_roster_import_is_all_or_nothing(app_ctx, factory, trainer):
    """A bad row imports nobody; a good file imports everyone and is audited once."""
    klass = factory.training_class("Centre A")
    bad = "name,mobile,township,village\n张三,13800138001,,\n,123,,\n".encode()
    result = roster_import.import_roster(db.session, klass, "r.csv", bad, language="zh_CN",
                                         actor_id=trainer.id)
    assert {p.line for p in result.problems} == {3} and not result.imported
    good = "name,mobile,township,village\n张三,13800138001,,\n李四,13800138002,,\n".encode()
    result = roster_import.import_roster(db.session, klass, "r.csv", good, language="zh_CN",
                                         actor_id=trainer.id)
    assert not result.problems and result.created == 2 and len(classes.members(db.session, klass.id)) == 2
    assert db.session.query(AuditEvent).filter_by(action="class.import").count() == 1
    with pytest.raises(roster_import.RosterFileError):
        roster_import.import_roster(db.session, klass, "r.pdf", b"%PDF", language="zh_CN", actor_id=trainer.id)


def test_session_trainers_include_a_recording_admin(app_ctx, factory, trainer, other_centre_trainer, admin):
    """A centre's trainers may lead its sessions, and so may the admin recording one."""
    assert sessions.session_trainers(db.session, trainer.centre_id, trainer) == [trainer]
    assert sessions.session_trainers(db.session, trainer.centre_id, admin) == [trainer, admin]


def test_counts_sessions_and_learner_record(app_ctx, factory, trainer, other_centre_trainer):
    """Member counts per class, sessions with attendance, and a record scoped to the staff's classes."""
    klass_a, klass_b = factory.training_class("Centre A"), factory.training_class("Centre B", name="B")
    person = factory.member(klass_a, factory.user("learner"))
    factory.member(klass_b, person)
    meeting = factory.training_session(klass_a, date(2026, 3, 5))
    sessions.check_in(db.session, meeting, person)
    assert classes.member_counts(db.session, [klass_a.id, klass_b.id]) == {klass_a.id: 1, klass_b.id: 1}
    assert classes.member_counts(db.session, []) == {}
    assert sessions.sessions_with_counts(db.session, klass_a.id) == [(meeting, 1)]
    record = classes.learner_record(db.session, db.session.get(User, person.id), visible_classes(trainer))
    assert record.classes == [klass_a] and record.attempts == [] and record.enrollments == []


def test_roll_call_with_a_bad_id_changes_nothing(factory, trainer_client):
    """A tick that is not a number re-renders the page (422) and records nobody."""
    klass = factory.training_class()
    person = factory.member(klass, factory.user("learner"))
    meeting = factory.training_session(klass, date(2026, 3, 5))
    response = trainer_client.post(f"/classes/sessions/{meeting.id}/roll", data={"present": [str(person.id), "x"]})
    assert response.status_code == 422
    assert sessions.attendee_ids(db.session, meeting.id) == set()


def test_members_sort_by_pinyin_or_import_order(factory):
    """Issue 21: 张三, 李四, 王五, 阿明 imported in that order list as 阿明, 李四, 王五, 张三 by
    pinyin, and as imported in import order."""
    from training.services.classes import classes

    training_class = factory.training_class()
    for name in ("张三", "李四", "王五", "阿明"):
        factory.member(training_class, factory.user("learner", display_name=name))
    by_pinyin = classes.members(db.session, training_class.id)
    assert [m.display_name for m in by_pinyin] == ["阿明", "李四", "王五", "张三"]
    assert [m.display_name for m in classes.members(db.session, training_class.id, "import")] == [
        "张三", "李四", "王五", "阿明"]
    assert classes.pinyin_key("Zhang") > classes.pinyin_key("阿明")  # Latin letters sort with syllables
