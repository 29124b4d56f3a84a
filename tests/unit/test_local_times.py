"""One time zone (issue 23, item 9): a time stored as UTC is shown in China time, named
"北京时间" / "Beijing time" the same way on the admin overview, the audit log and exports."""
from datetime import datetime

from training.extensions import db
from training.localtime import local_midnight, local_text, zone_label
from training.models import AuditEvent
from training.reports import tables
from training.services.reports import admin_overview

# 16:30:05 UTC on 1 March is 00:30:05 on 2 March in China: the day changes too.
STORED = datetime(2026, 3, 1, 16, 30, 5)


def test_admin_overview_shows_refresh_time_in_china_time(app, admin, admin_client, app_ctx):
    app.config["REPORTS_STATS_MAX_AGE"] = 10**9  # keep the known refresh time
    admin_overview.rebuild_daily_stats(db.session, "Asia/Shanghai", now=STORED)
    db.session.commit()
    page = admin_client.get("/reports/overview").get_data(as_text=True)
    assert "2026-03-02 00:30 (Beijing time)" in page
    assert "16:30" not in page and "UTC" not in page
    admin.language = "zh_CN"
    db.session.commit()
    page = admin_client.get("/reports/overview").get_data(as_text=True)
    assert "2026-03-02 00:30（北京时间）" in page


def test_audit_log_shows_china_time_and_filters_by_china_days(admin_client, app_ctx):
    db.session.add(AuditEvent(action="course.publish", target_type="course", target_id=7,
                              created_at=STORED))
    db.session.commit()
    page = admin_client.get("/admin/audit?action=course.publish").get_data(as_text=True)
    assert "When (Beijing time)" in page
    assert "2026-03-02 00:30:05" in page and "2026-03-01 16:30" not in page
    # The date filters are China days: the event belongs to 2 March, not 1 March.
    assert "2026-03-02 00:30:05" in admin_client.get(
        "/admin/audit?action=course.publish&since=2026-03-02&until=2026-03-02").get_data(as_text=True)
    assert "2026-03-02 00:30:05" not in admin_client.get(
        "/admin/audit?action=course.publish&until=2026-03-01").get_data(as_text=True)


def test_exports_carry_china_time_and_say_so(app_ctx):
    assert local_text(STORED) == "2026-03-02 00:30"
    assert local_text(None) == ""
    assert zone_label() == "北京时间"  # outside a request: the default language
    assert local_midnight(datetime(2026, 3, 2).date()) == datetime(2026, 3, 1, 16, 0)
    assert tables._when(STORED) == "2026-03-02 00:30"


def test_another_configured_zone_is_named_by_its_place(app, app_ctx):
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Tokyo"
    assert local_text(STORED) == "2026-03-02 01:30"
    assert zone_label() == "日本时间"


def test_a_persons_data_download_gives_china_times_with_their_offset(app_ctx, learner):
    from training.services.accounts import privacy

    learner.created_at = STORED
    db.session.commit()
    assert privacy.export_data(db.session, learner)["profile"]["created_at"] == "2026-03-02T00:30:05+08:00"


def test_today_and_local_dates_follow_the_zone_not_the_server_clock():
    """23:30 UTC on 31 March is already 1 April in China; 16:00 UTC is China's midnight."""
    from datetime import date

    from training.localtime import midnight_in, sqlite_local_date, today_in

    assert today_in("Asia/Shanghai", datetime(2026, 3, 31, 23, 30)) == date(2026, 4, 1)
    assert today_in("UTC", datetime(2026, 3, 31, 23, 30)) == date(2026, 3, 31)
    assert midnight_in(date(2026, 4, 1), "Asia/Shanghai") == datetime(2026, 3, 31, 16, 0)
    assert sqlite_local_date("2026-03-31 23:30:00.000000", "Asia/Shanghai") == "2026-04-01"
    assert sqlite_local_date("2026-03-31 15:59:59", "Asia/Shanghai") == "2026-03-31"
    assert sqlite_local_date(None, "Asia/Shanghai") is None


def test_a_new_session_is_dated_today_in_the_configured_zone(app, trainer_client, factory, trainer):
    """The session form's default date is the local day, not the server clock's: the test picks
    a zone whose date differs from the server's right now (one of UTC+14 and UTC-11 always does)."""
    from datetime import date

    from training.localtime import today_in

    zone = next(z for z in ("Pacific/Kiritimati", "Pacific/Pago_Pago") if today_in(z) != date.today())
    app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    training_class = factory.training_class()
    page = trainer_client.get(f"/classes/{training_class.id}/sessions/new").get_data(as_text=True)
    assert f'value="{today_in(zone).isoformat()}"' in page
