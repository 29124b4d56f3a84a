"""Study hours: the sums of "我的学时", its page, and the staff's hours download."""
import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from training.extensions import db
from training.models import AuditEvent, Certificate
from training.services.learning import certificates, hours, standard

from .test_issue import finish

LIVE = {"type": "live-sales", "level": 5, "units": []}
PLATFORM = {"type": "platform-management", "level": 5, "units": ["店铺运营"]}


def make_cert(user, title: str, hours_: str | None, mapping=None, revoked=False, training_class=None,
              when=datetime(2026, 11, 30, 17, 0)) -> Certificate:
    """A certificate as issue() would write it, without taking the course."""
    cert = Certificate(
        code=certificates.new_code(), user_id=user.id, course_id=None, learner_name=user.display_name,
        course_title=title, course_language="zh", completed_at=when,
        hours=Decimal(hours_) if hours_ is not None else None, standard=mapping,
        centre_id=training_class.centre_id if training_class else user.centre_id,
        class_id=training_class.id if training_class else None,
        class_name=training_class.name if training_class else "",
        revoked_at=datetime(2026, 12, 1) if revoked else None)
    db.session.add(cert)
    db.session.commit()
    return cert


def test_sums_per_type_with_decimals_revoked_and_unmapped(factory, learner):
    """Are hours summed per occupation type (decimals kept), revoked certificates left out and
    courses without a mapping listed apart?"""
    make_cert(learner, "直播入门", "2.5", LIVE)
    make_cert(learner, "直播讲解", "3.5", {**LIVE, "level": 4})
    make_cert(learner, "撤销的课", "10", LIVE, revoked=True)
    make_cert(learner, "开网店", "3", PLATFORM)
    make_cert(learner, "包装发货", "3", None)
    make_cert(learner, "没有学时", None, {"type": "nonsense"})
    other = factory.user("learner")
    make_cert(other, "别人的课", "50", LIVE)
    summary = hours.learner_hours(db.session, learner.id)
    assert [(t.type, t.total) for t in summary.by_type] == [
        ("live-sales", Decimal("6.0")), ("platform-management", Decimal(3))]
    live = summary.by_type[0]
    assert [c.title for c in live.courses] == ["直播入门", "直播讲解"]
    assert live.reference == 120 and live.percent == 5
    assert [c.title for c in summary.unmapped] == ["包装发货", "没有学时"]
    assert summary.unmapped_total == Decimal(3)
    assert hours.learner_hours(db.session, factory.user("learner").id).empty


def test_progress_is_capped_at_the_reference():
    entry = hours.TypeHours("live-sales", Decimal("130.5"))
    assert entry.percent == 100
    assert standard.format_hours(Decimal("36.0")) == "36" and standard.format_hours(Decimal("2.5")) == "2.5"


def test_the_standard_module_holds_types_levels_and_reference_hours():
    assert list(standard.TYPES) == ["product-selection", "live-sales", "video-creation",
                                    "platform-management"]
    assert standard.REFERENCE_HOURS == {5: 120, 4: 104, 3: 88, 2: 72, 1: 72}
    assert standard.TYPE_LEVELS["platform-management"] == (5, 4, 3)
    assert standard.check_mapping("live-sales", 1, []) == []
    assert standard.check_mapping("platform-management", 2, [])
    assert standard.check_mapping(["x"], True, "units")
    assert standard.read_mapping({"type": "live-sales", "level": 9}) is None
    for bad in (0, -1, 1000, "2.55", "x", True, None, float("nan")):
        assert standard.parse_hours(bad) is None
    assert standard.parse_hours(2.5) == Decimal("2.5") and standard.parse_hours(999) == Decimal("999.0")


def test_hours_page_shows_progress_and_the_plain_statement(app, factory):
    """Does "我的学时" show "直播销售员 五级参考学时 120：已完成 …", the courses counted and that
    assessment is done by registered bodies (in Chinese, the default)?"""
    learner = factory.user("learner", language="zh")
    make_cert(learner, "直播带货入门", "2.5", LIVE)
    make_cert(learner, "直播讲解", "33.5", LIVE)
    make_cert(learner, "包装发货", "3", None)
    make_cert(learner, "撤销的课", "10", LIVE, revoked=True)
    page = app.test_client(user=learner).get("/certificates/hours").get_data(as_text=True)
    assert "直播销售员 五级参考学时 120：已完成 36" in page
    assert "直播带货入门" in page and "包装发货" in page and "撤销的课" not in page
    assert "经备案的评价机构" in page and "不是职业技能等级证书" in page


def test_hours_page_in_english_and_empty(app, learner):
    page = app.test_client(user=learner).get("/certificates/hours").get_data(as_text=True)
    assert "No hours yet" in page and "not occupational skill level certificates" in page


def test_hours_come_from_the_course_file_through_the_certificate(app, factory, learner, example_course):
    """Finishing a course with hours and a mapping adds its hours to the right type."""
    example_course.hours = Decimal("2.5")
    example_course.standard = LIVE
    db.session.commit()
    factory.enrol(learner, example_course)
    finish(learner, example_course)
    db.session.commit()
    summary = hours.learner_hours(db.session, learner.id)
    assert [(t.type, t.total) for t in summary.by_type] == [("live-sales", Decimal("2.5"))]


def test_my_learning_links_to_my_hours(app, learner):
    page = app.test_client(user=learner).get("/me").get_data(as_text=True)
    assert "/certificates/hours" in page


@pytest.fixture
def class_with_hours(factory, trainer):
    """Centre A's class with two learners' certificates (one revoked), and one of centre B."""
    training_class = factory.training_class("Centre A", trainer=trainer, name="春季班")
    wang = factory.user("learner", centre="Centre A", display_name="王小红", mobile="13800000001")
    li = factory.user("learner", centre="Centre A", display_name="=李四", mobile=None, username="li")
    make_cert(wang, "直播带货入门", "2.5", LIVE, training_class=training_class)
    make_cert(wang, "直播讲解", "2.5", LIVE, training_class=training_class)
    make_cert(wang, "开网店", "3", PLATFORM, training_class=training_class)
    make_cert(li, "包装发货", "3", None, training_class=training_class)
    make_cert(li, "撤销的课", "9", LIVE, training_class=training_class, revoked=True)
    other_class = factory.training_class("Centre B", name="外地班")
    make_cert(factory.user("learner", centre="Centre B"), "外地课", "5", LIVE, training_class=other_class)
    return training_class


def test_class_export_in_chinese_has_the_subsidy_columns(app, factory, class_with_hours):
    """Does the class's XLSX have Chinese headers and sheet names, one row per valid
    certificate, China-time dates, escaped formulas, totals per learner, and an audit event?"""
    zh_trainer = factory.user("trainer", centre="Centre A", language="zh")
    response = app.test_client(user=zh_trainer).get(
        f"/certificates/classes/{class_with_hours.id}/hours.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["学时", "学员合计"]
    rows = list(book["学时"].values)
    assert list(rows[0]) == ["序号", "姓名", "联系电话", "班级", "课程", "学时", "职业方向", "完成日期", "证书编号"]
    body = rows[1:]
    assert len(body) == 4 and "撤销的课" not in {r[4] for r in body} and "外地课" not in {r[4] for r in body}
    first = next(r for r in body if r[4] == "直播带货入门")
    assert first[1:4] == ("王小红", "13800000001", "春季班")
    assert first[5] == 2.5 and first[6].startswith("直播销售员")
    assert first[7] == "2026-12-01"  # 17:00 UTC on 30 November is 1 December in China
    assert any(r[1] == "'=李四" for r in body)
    totals = {(r[1], r[3]): r[4] for r in list(book["学员合计"].values)[1:]}
    assert totals[("王小红", first[6])] == 5.0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "hours.export"))
    assert event.actor_id == zh_trainer.id and event.target_id == class_with_hours.id
    assert event.detail["rows"] == 4


def test_centre_export_csv_for_admin_and_own_trainer(app, admin, trainer, class_with_hours):
    centre_id = class_with_hours.centre_id
    for user in (admin, trainer):
        response = app.test_client(user=user).get(f"/certificates/centres/{centre_id}/hours.csv")
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
        assert rows[0][0] == "No." and len(rows) == 5
    assert app.test_client(user=admin).get("/certificates/centres/99999/hours.csv").status_code == 404
    assert app.test_client(user=admin).get(f"/certificates/centres/{centre_id}/hours.pdf").status_code == 404


def test_learners_and_other_centres_cannot_export(app, learner, other_centre_trainer, class_with_hours):
    """A learner cannot download hours; Fred (centre B) gets nothing of centre A."""
    before = db.session.scalar(select(db.func.count(AuditEvent.id)))
    for user in (learner, other_centre_trainer):
        client = app.test_client(user=user)
        assert client.get(f"/certificates/classes/{class_with_hours.id}/hours.xlsx").status_code == 403
        assert client.get(f"/certificates/centres/{class_with_hours.centre_id}/hours.csv").status_code == 403
    assert app.test_client(user=learner).get("/certificates/hours/export").status_code == 403
    assert db.session.scalar(select(db.func.count(AuditEvent.id))) == before


def test_export_page_lists_own_centre_for_trainers_and_all_for_admins(app, admin, other_centre_trainer,
                                                                      class_with_hours):
    fred_page = app.test_client(user=other_centre_trainer).get("/certificates/hours/export").get_data(as_text=True)
    assert "Centre B" in fred_page and "Centre A" not in fred_page
    admin_page = app.test_client(user=admin).get("/certificates/hours/export").get_data(as_text=True)
    assert "Centre A" in admin_page and "Centre B" in admin_page


def test_class_page_links_to_the_hours_download(app, trainer, class_with_hours):
    page = app.test_client(user=trainer).get(f"/classes/{class_with_hours.id}").get_data(as_text=True)
    assert f"/certificates/classes/{class_with_hours.id}/hours.xlsx" in page


def test_classes_page_links_to_the_hours_downloads(app, trainer):
    page = app.test_client(user=trainer).get("/classes/").get_data(as_text=True)
    assert "/certificates/hours/export" in page
