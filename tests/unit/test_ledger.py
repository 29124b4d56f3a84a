"""The training ledger against a small hand-computed fixture: person-times against unique
people, breakdowns by place, gender and age band, period and centre filters, sessions a page
at a time, and the county export's rows."""
from datetime import date, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import event, select, update

from training.extensions import db
from training.models import Attendance, TrainingSession
from training.services.classes import ledger, ledger_export, sessions

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def attendance(factory):
    """Centre A: L1 (f, 1990, 城关镇/团结村), L2 (m, 1970, 城关镇/新民村), L3 (nothing given).
    S1 on 5 March: L1, L2, L3. S2 on 12 March: L1, L2. S3 on 2 April: L1.
    Centre B: L4 (m, 1960) at S4 on 6 March."""
    l1 = factory.profile(factory.user("learner", display_name="L1", mobile="13800138001"),
                         gender="f", birth_year=1990, township="城关镇", village="团结村")
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
    s1.hours, s2.hours = 2, 1.5
    for meeting, people in ((s1, [l1, l2, l3]), (s2, [l1, l2]), (s3, [l1]), (s4, [l4])):
        for person in people:
            factory.member(meeting.training_class, person)
            sessions.check_in(db.session, meeting, person)
    db.session.commit()
    return class_a.centre_id


def groups(items):
    return [(g.key, g.person_times, g.people) for g in items]


def test_one_centre_for_one_month(attendance):
    """Centre A in March: 5 person-times by 3 people over 2 sessions, with each breakdown and
    the person-hours (3 × 2 h + 2 × 1.5 h)."""
    data = ledger.build(db.session, *MARCH, centre_id=attendance)
    assert (data.session_count, data.person_times, data.people, data.person_hours) == (2, 5, 3, 9.0)
    assert groups(data.by_place) == [(("", ""), 1, 1), (("城关镇", "团结村"), 2, 1), (("城关镇", "新民村"), 2, 1)]
    assert groups(data.by_gender) == [(("f",), 2, 1), (("m",), 2, 1), (("unknown",), 1, 1)]
    assert groups(data.by_age) == [(("30-39",), 2, 1), (("50-59",), 2, 1), (("unknown",), 1, 1)]
    assert [g.key for g in data.top_places(2)] == [("城关镇", "团结村"), ("城关镇", "新民村")]


def test_all_centres_and_a_longer_period(attendance):
    """Every centre in March adds L4 (60 and over); March and April add S3 but no new person."""
    everyone = ledger.build(db.session, *MARCH)
    assert (everyone.person_times, everyone.people, everyone.session_count) == (6, 4, 3)
    assert groups(everyone.by_age)[-2] == (("60-plus",), 1, 1)
    spring = ledger.build(db.session, date(2026, 3, 1), date(2026, 4, 30), centre_id=attendance)
    assert (spring.person_times, spring.people, spring.session_count) == (6, 3, 3)
    assert ledger.attendance_count(db.session, date(2026, 3, 1), date(2026, 4, 30), attendance) == 6


def test_an_empty_period_has_zero_totals(attendance):
    """No sessions: zeros and empty breakdowns, not errors."""
    data = ledger.build(db.session, date(2025, 1, 1), date(2025, 1, 31), centre_id=attendance)
    assert (data.session_count, data.person_times, data.people, data.by_place) == (0, 0, 0, [])
    page = ledger.session_page(db.session, date(2025, 1, 1), date(2025, 1, 31), attendance)
    assert (page.items, page.page, page.pages, page.total) == ([], 1, 1, 0)


def test_sessions_page_newest_first_with_counts(attendance):
    """A page lists sessions newest first with how many attended and their hours."""
    page = ledger.session_page(db.session, *MARCH, centre_id=attendance)
    assert [(s.topic, s.present, s.hours) for s in page.items] == [("S2", 2, 1.5), ("S1", 3, 2.0)]
    assert (page.page, page.pages, page.has_next, page.has_previous) == (1, 1, False, False)


def test_the_ledger_costs_a_fixed_number_of_queries(attendance, factory):
    """Totals take two queries and a page of sessions four, however many sessions and people."""
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
    ledger.build(db.session, *MARCH, centre_id=attendance)
    ledger.session_page(db.session, *MARCH, centre_id=attendance)
    few = len(statements)
    class_a = factory.training_class("Centre A", name="Another")
    for day in range(1, 8):
        meeting = factory.training_session(class_a, date(2026, 3, day + 10))
        sessions.check_in(db.session, meeting, factory.user("learner"))
    db.session.commit()
    statements.clear()
    ledger.build(db.session, *MARCH, centre_id=attendance)
    ledger.session_page(db.session, *MARCH, centre_id=attendance)
    assert len(statements) == few == 6


def test_export_rows_in_the_county_layout(attendance):
    """13 columns: number, name, gender, age in the training year, number (whole for staff of
    the learner's centre, else masked), township, village, topic, date, place, hours, check-in
    method and time in China time."""
    db.session.execute(update(Attendance).values(checked_in_at=datetime(2026, 3, 5, 1, 30)))
    s2 = db.session.scalar(select(TrainingSession.id).where(TrainingSession.topic == "S2"))
    db.session.execute(update(Attendance).where(Attendance.session_id == s2).values(method="assisted"))
    db.session.commit()
    with force_locale("en"):
        assert ledger_export.header() == [
            "No.", "Name", "Gender", "Age", "Contact number", "Township", "Village",
            "Training content", "Training date", "Training place", "Hours", "Check-in method",
            "Check-in time (Beijing time)"]
        own = list(ledger_export.ledger_rows(db.session, *MARCH, attendance, attendance, "Asia/Shanghai"))
        other = list(ledger_export.ledger_rows(db.session, *MARCH, attendance, None, "Asia/Shanghai"))
    assert [len(row) for row in own] == [13] * 5
    assert own[0] == [1, "L1", "Female", 36, "13800138001", "城关镇", "团结村", "S1", "2026-03-05",
                      "", 2, "QR code", "2026-03-05 09:30"]
    assert [row[0] for row in own] == [1, 2, 3, 4, 5]
    assert other[0][4] == "138****8001"
    assert own[3][10:12] == [1.5, "Signed in for them"]
    assert own[2][2:5] == ["", "", ""]  # L3 gave nothing
    with force_locale("zh_CN"):
        assert ledger_export.header()[:5] == ["序号", "姓名", "性别", "年龄", "联系电话"]
        assert ledger_export.sheet_names() == ("台账", "汇总")
        zh = list(ledger_export.ledger_rows(db.session, *MARCH, attendance, attendance, "Asia/Shanghai"))
    assert zh[0][2] == "女" and zh[0][11] == "扫码" and zh[3][11] == "代签"


def test_summary_sheet_rows(attendance):
    """The 汇总 sheet: totals, then every place, gender and age band."""
    with force_locale("en"):
        rows = ledger_export.summary_rows(ledger.build(db.session, *MARCH, centre_id=attendance))
    assert ["Person-times", 5] in rows and ["Unique people", 3] in rows
    assert ["Sessions", 2] in rows and ["Person-hours", 9] in rows
    assert ["城关镇", "团结村", 2, 1] in rows and ["Female", "", 2, 1] in rows


def test_cached_totals_follow_every_attendance_and_correction(attendance, factory, trainer):
    """The cache answers while nothing changed, and a new attendance or an audited removal
    gives fresh totals at once."""
    from cachetools import TTLCache

    cache = TTLCache(maxsize=8, ttl=300)
    first = ledger.build_cached(db.session, cache, *MARCH, attendance)
    assert ledger.build_cached(db.session, cache, *MARCH, attendance) is first
    meeting = db.session.scalar(select(TrainingSession).where(TrainingSession.topic == "S2"))
    newcomer = factory.member(meeting.training_class, factory.user("learner"))
    sessions.check_in(db.session, meeting, newcomer)
    db.session.commit()
    added = ledger.build_cached(db.session, cache, *MARCH, attendance)
    assert (added.person_times, added.people) == (6, 4)
    sessions.remove_attendances(db.session, meeting, {newcomer.id}, trainer.id)
    db.session.commit()
    assert ledger.build_cached(db.session, cache, *MARCH, attendance).person_times == 5


def test_every_centres_totals_are_kept_for_the_cache_time(attendance, factory):
    """Every centre's totals (exact=False) stay as counted for the cache's time to live, even
    after new attendance; they carry when they were counted."""
    from cachetools import TTLCache

    cache = TTLCache(maxsize=8, ttl=300)
    first = ledger.build_cached(db.session, cache, *MARCH, None, exact=False)
    meeting = db.session.scalar(select(TrainingSession).where(TrainingSession.topic == "S4"))
    sessions.check_in(db.session, meeting, factory.member(meeting.training_class, factory.user("learner")))
    db.session.commit()
    assert ledger.build_cached(db.session, cache, *MARCH, None, exact=False) is first
    assert first.counted_at is not None and first.person_times == 6
    assert ledger.build(db.session, *MARCH).person_times == 7
