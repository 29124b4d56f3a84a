"""The report services against the hand-computed province in conftest.py."""
from datetime import date, datetime, timedelta

from training.extensions import db
from training.localtime import today_in
from training.models import Centre, Enrollment
from training.services.reports import admin_overview, charts, course_report, progress_reports

ZONE = "Asia/Shanghai"  # the default TIMEZONE: the overview's days are China days


def _centre_id(name: str) -> int:
    return db.session.scalar(db.select(Centre.id).where(Centre.name == name))


def test_class_report_table(province):
    """Learner × course cells: percent done, final exam best, quiz average, last active."""
    report = progress_reports.class_report(db.session, province.training_class.id, 14, province.now)
    assert [c.title for c in report.courses] == [province.course.title]
    assert [r.name for r in report.learners] == ["Ann", "Bo", "Cai"]
    ann, bo, cai = (r.cells[0] for r in report.learners)
    assert (ann.percent, ann.completed, ann.final_best, ann.quiz_average) == (100, True, 90, 80)
    assert (bo.percent, bo.completed, bo.final_best, bo.quiz_average) == (20, False, None, 40)
    assert (cai.enrolled, cai.percent, cai.final_best, cai.quiz_average) == (True, 0, None, None)
    assert report.learners[0].last_active == province.now - timedelta(days=7)
    assert report.learners[0].mobile == "138****5678"


def test_class_report_inactive_learners(province):
    """Inactive for 14 days: Bo (20) and Cai (40); for 30 days only Cai."""
    report = progress_reports.class_report(db.session, province.training_class.id, 14, province.now)
    assert [r.name for r in report.inactive] == ["Bo", "Cai"]
    report = progress_reports.class_report(db.session, province.training_class.id, 30, province.now)
    assert [r.name for r in report.inactive] == ["Cai"]


def test_item_analysis_counts_only_class_members(province):
    """4 answers by members, 1 right (25%); most chosen wrong answer "B" twice, not Dan's "C"."""
    report = progress_reports.class_report(db.session, province.training_class.id, 14, province.now)
    assert [q.quiz_id for q in report.quizzes] == [province.quiz1.id]
    item = report.quizzes[0].items[0]
    assert item.question_id == province.question_id
    assert (item.answers, item.correct, item.percent_correct) == (4, 1, 25)
    assert (item.top_wrong, item.top_wrong_count) == ("B", 2)
    assert not item.confusing  # too few answers to tell


def test_course_report_all_centres(province):
    """Funnel 4 → 3 → 2 → 2; scores 90, 70, 40, 100 average 75; completion in 3 and 10 days."""
    report = course_report.course_report(db.session, province.course.id)
    assert report.funnel.steps() == [("enrolled", 4, 100), ("started", 3, 75),
                                     ("half_done", 2, 50), ("completed", 2, 50)]
    assert report.score_average == 75
    assert report.score_bands == [0, 0, 0, 0, 1, 0, 0, 1, 0, 2]
    by_quiz = {q.quiz_id: q for q in report.quizzes}
    final, quiz1 = by_quiz[province.final.id], by_quiz[province.quiz1.id]
    assert (final.learners, final.average, final.pass_rate, final.attempts) == (2, 95, 100, 2)
    assert (quiz1.learners, quiz1.average, quiz1.pass_rate, quiz1.attempts) == (2, 55, 50, 3)
    assert report.completion_days == [0, 1, 1, 0, 0, 0]
    assert (report.completion_median, report.completion_average) == (6.5, 6.5)


def test_course_report_one_centre(province):
    """Centre A alone: Ann, Bo and Cai; Dan of centre B is left out."""
    report = course_report.course_report(db.session, province.course.id, _centre_id("Centre A"))
    assert report.funnel.steps() == [("enrolled", 3, 100), ("started", 2, 67),
                                     ("half_done", 1, 33), ("completed", 1, 33)]
    assert report.score_average == 67  # (90 + 70 + 40) / 3
    assert report.completion_days == [0, 1, 0, 0, 0, 0]
    assert report.completion_median == 3.0


def test_overview_by_centre_and_month(province):
    """Registered, active in 30 days, enrolments, completions and person-times per centre."""
    admin_overview.ensure_daily_stats(db.session, 60, ZONE)
    today = today_in(ZONE, province.now)
    ov = admin_overview.overview(db.session, admin_overview.OverviewFilter(today - timedelta(days=89), today), ZONE)
    rows = {r.name: r for r in ov.centres}
    a, b = rows["Centre A"], rows["Centre B"]
    assert (a.registered, a.active, a.enrolments, a.completions, a.person_times) == (3, 2, 3, 1, 3)
    assert (b.registered, b.active, b.enrolments, b.completions, b.person_times) == (1, 1, 1, 1, 0)
    assert (ov.total.registered, ov.total.enrolments, ov.total.person_times) == (4, 4, 3)
    assert sum(m.person_times for m in ov.months) == 3
    assert sum(m.enrolments for m in ov.months) == 4


def test_overview_filters(province):
    """A date range before the enrolments shows none; the centre filter keeps one centre."""
    admin_overview.ensure_daily_stats(db.session, 60, ZONE)
    today = today_in(ZONE, province.now)
    early = admin_overview.overview(db.session, admin_overview.OverviewFilter(
        today - timedelta(days=60), today - timedelta(days=41)), ZONE)
    assert early.total.enrolments == 0 and early.total.person_times == 0
    only_b = admin_overview.overview(db.session, admin_overview.OverviewFilter(
        today - timedelta(days=89), today, centre_id=_centre_id("Centre B")), ZONE)
    assert [r.name for r in only_b.centres] == ["Centre B"]
    other_course = admin_overview.overview(db.session, admin_overview.OverviewFilter(
        today - timedelta(days=89), today, course_id=province.course.id + 999), ZONE)
    assert (other_course.total.enrolments, other_course.total.registered) == (0, 4)


def test_daily_figures_catch_up_with_new_activity(province, factory):
    """Figures older than max_age are refreshed from the last refresh day on."""
    refreshed = admin_overview.ensure_daily_stats(db.session, 60, ZONE, now=province.now)
    factory.user("learner", centre="Centre B")
    later = province.now + timedelta(seconds=30)
    assert admin_overview.ensure_daily_stats(db.session, 60, ZONE, now=later) == refreshed  # still fresh
    assert admin_overview.ensure_daily_stats(db.session, 10, ZONE, now=later) == later
    today = today_in(ZONE, province.now)
    ov = admin_overview.overview(db.session, admin_overview.OverviewFilter(today - timedelta(days=9), today), ZONE)
    assert ov.total.registered == 5


def test_overview_counts_china_days_not_utc_days(factory, example_course):
    """A learner registered and enrolled at 23:30 UTC on 31 March did so at 07:30 on 1 April
    in China: the overview counts them on 1 April (and in April), whatever the server's clock."""
    learner = factory.user("learner", centre="Centre A")
    learner.created_at = datetime(2026, 3, 31, 23, 30)
    db.session.add(Enrollment(user_id=learner.id, course_id=example_course.id, enrolled_at=learner.created_at,
                              items_done=1, items_total=1, percent=100, completed_at=learner.created_at,
                              last_active_at=learner.created_at))
    db.session.flush()
    admin_overview.rebuild_daily_stats(db.session, ZONE)

    def figures(start: date, end: date):
        ov = admin_overview.overview(db.session, admin_overview.OverviewFilter(start, end), ZONE)
        return ov.total.registered, ov.total.enrolments, ov.total.completions, ov.total.active

    assert figures(date(2026, 4, 1), date(2026, 4, 1)) == (1, 1, 1, 1)
    assert figures(date(2026, 3, 1), date(2026, 3, 31)) == (0, 0, 0, 0)
    assert [(m.month, m.registered) for m in admin_overview.overview(
        db.session, admin_overview.OverviewFilter(date(2026, 3, 1), date(2026, 4, 30)), ZONE).months] == [
        ("2026-03", 0), ("2026-04", 1)]
    # In UTC the same moments fall on 31 March.
    admin_overview.rebuild_daily_stats(db.session, "UTC")
    assert admin_overview.overview(db.session, admin_overview.OverviewFilter(
        date(2026, 3, 31), date(2026, 3, 31)), "UTC").total.registered == 1


def test_months_between_and_median():
    """Month labels cover the range; the median of (value, count) pairs is exact."""
    assert admin_overview.months_between(date(2025, 11, 30), date(2026, 2, 1)) == [
        "2025-11", "2025-12", "2026-01", "2026-02"]
    assert course_report._weighted_median([(3, 1), (10, 1)]) == 6.5
    assert course_report._weighted_median([(1, 3), (50, 1)]) == 1.0
    assert course_report._weighted_median([]) is None


def test_charts_scale_bars_to_the_largest_value():
    """Bars are proportional to their values, the largest full length; empty charts draw."""
    chart = charts.vertical([("a", 50), ("b", 100)])
    assert chart.top == 100 and chart.bars[1].height == 2 * chart.bars[0].height
    wide = charts.horizontal([("a", 30), ("b", 0)])
    assert wide.bars[0].x + wide.bars[0].width == charts.WIDTH - 50 and wide.bars[1].width == 0
    assert charts.vertical([("a", 0)]).bars[0].height == 0
    assert charts.horizontal([]).bars == []


def test_an_unanswered_question_is_not_the_most_chosen_wrong_answer(province):
    """Three blank answers (left unanswered in a classroom quiz) count as wrong answers but
    never as the most chosen wrong answer."""
    from datetime import timedelta

    from training.models import User

    from .conftest import add_attempt

    ann = db.session.scalar(db.select(User).where(User.display_name == "Ann"))
    for number in (5, 6, 7):
        add_attempt(ann, province.quiz1, number, [(province.question_id, "", False)],
                    province.now - timedelta(days=1))
    db.session.commit()
    item = progress_reports.class_report(db.session, province.training_class.id, 14,
                                         province.now).quizzes[0].items[0]
    assert item.answers == 7 and (item.top_wrong, item.top_wrong_count) == ("B", 2)
