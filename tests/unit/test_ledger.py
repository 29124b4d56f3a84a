"""The training ledger against a small hand-computed fixture: person-times against unique
people, breakdowns by place, gender and age band, period and centre filters."""
from datetime import date

import pytest
from sqlalchemy import event

from training.extensions import db
from training.services.classes import ledger, sessions

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def attendance(factory):
    """Centre A: L1 (f, 1990, 城关镇/团结村), L2 (m, 1970, 城关镇/新民村), L3 (nothing given).
    S1 on 5 March: L1, L2, L3. S2 on 12 March: L1, L2. S3 on 2 April: L1.
    Centre B: L4 (m, 1960) at S4 on 6 March."""
    l1 = factory.profile(factory.user("learner", display_name="L1"), gender="f", birth_year=1990,
                         township="城关镇", village="团结村")
    l2 = factory.profile(factory.user("learner", display_name="L2"), gender="m", birth_year=1970,
                         township="城关镇", village="新民村")
    l3 = factory.user("learner", display_name="L3")
    l4 = factory.profile(factory.user("learner", display_name="L4"), gender="m", birth_year=1960)
    class_a = factory.training_class("Centre A")
    class_b = factory.training_class("Centre B", name="B class")
    s1 = factory.training_session(class_a, date(2026, 3, 5), "S1")
    s2 = factory.training_session(class_a, date(2026, 3, 12), "S2")
    s3 = factory.training_session(class_a, date(2026, 4, 2), "S3")
    s4 = factory.training_session(class_b, date(2026, 3, 6), "S4")
    for meeting, people in ((s1, [l1, l2, l3]), (s2, [l1, l2]), (s3, [l1]), (s4, [l4])):
        for person in people:
            sessions.check_in(db.session, meeting, person)
    db.session.commit()
    return class_a.centre_id


def groups(items):
    return [(g.key, g.person_times, g.people) for g in items]


def test_one_centre_for_one_month(attendance):
    """Centre A in March: 5 person-times by 3 people over 2 sessions, with each breakdown."""
    data = ledger.build(db.session, *MARCH, centre_id=attendance)
    assert [s.topic for s in data.sessions] == ["S1", "S2"]
    assert [[a.name for a in s.attendees] for s in data.sessions] == [["L1", "L2", "L3"], ["L1", "L2"]]
    assert (data.person_times, data.people) == (5, 3)
    assert groups(data.by_place) == [(("", ""), 1, 1), (("城关镇", "团结村"), 2, 1), (("城关镇", "新民村"), 2, 1)]
    assert groups(data.by_gender) == [(("f",), 2, 1), (("m",), 2, 1), (("unknown",), 1, 1)]
    assert groups(data.by_age) == [(("30-39",), 2, 1), (("50-59",), 2, 1), (("unknown",), 1, 1)]


def test_all_centres_and_a_longer_period(attendance):
    """Every centre in March adds L4 (60 and over); March and April add S3 but no new person."""
    everyone = ledger.build(db.session, *MARCH)
    assert (everyone.person_times, everyone.people, len(everyone.sessions)) == (6, 4, 3)
    assert groups(everyone.by_age)[-2] == (("60-plus",), 1, 1)
    spring = ledger.build(db.session, date(2026, 3, 1), date(2026, 4, 30), centre_id=attendance)
    assert (spring.person_times, spring.people, len(spring.sessions)) == (6, 3, 3)


def test_an_empty_period_has_zero_totals(attendance):
    """No sessions: zeros and empty breakdowns, not errors."""
    data = ledger.build(db.session, date(2025, 1, 1), date(2025, 1, 31), centre_id=attendance)
    assert (data.sessions, data.person_times, data.people, data.by_place) == ([], 0, 0, [])


def test_the_ledger_costs_a_fixed_number_of_queries(attendance, factory):
    """Sessions and attendees are loaded in bulk: more sessions do not add queries."""
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
    ledger.build(db.session, *MARCH, centre_id=attendance)
    few = len(statements)
    class_a = factory.training_class("Centre A", name="Another")
    for day in range(1, 8):
        meeting = factory.training_session(class_a, date(2026, 3, day + 10))
        sessions.check_in(db.session, meeting, factory.user("learner"))
    db.session.commit()
    statements.clear()
    ledger.build(db.session, *MARCH, centre_id=attendance)
    assert len(statements) == few <= 6
