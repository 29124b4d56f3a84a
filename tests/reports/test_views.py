"""Report pages: who may see them, what they show and the CSV/XLSX downloads."""
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from training.extensions import db
from training.localtime import today_in
from training.models import AuditEvent, Centre

from .conftest import add_attempt


def _urls(province) -> dict[str, str]:
    k, c = province.training_class.id, province.course.id
    return {
        "index": "/reports/",
        "class": f"/reports/classes/{k}",
        "class_csv": f"/reports/classes/{k}/export.csv",
        "class_items_xlsx": f"/reports/classes/{k}/export.xlsx?table=items",
        "course": f"/reports/courses/{c}",
        "course_csv": f"/reports/courses/{c}/export.csv",
        "overview": "/reports/overview",
        "overview_xlsx": "/reports/overview/export.xlsx?table=months",
    }


# Expected status per page: anonymous, learner, trainer of centre A, Fred (centre B), admin.
ACCESS = {
    "index": (302, 403, 200, 200, 200),
    "class": (302, 403, 200, 404, 200),
    "class_csv": (302, 403, 200, 404, 200),
    "class_items_xlsx": (302, 403, 200, 404, 200),
    "course": (302, 403, 200, 200, 200),
    "course_csv": (302, 403, 200, 200, 200),
    "overview": (302, 403, 403, 403, 200),
    "overview_xlsx": (302, 403, 403, 403, 200),
}


@pytest.mark.parametrize("page", sorted(ACCESS))
def test_access_by_role(page, app, province, learner, trainer, other_centre_trainer, admin):
    """Reports are for staff; a class is hidden from other centres; the overview is admins'."""
    url = _urls(province)[page]
    clients = [app.test_client()] + [app.test_client(user=u)
                                     for u in (learner, trainer, other_centre_trainer, admin)]
    assert tuple(c.get(url).status_code for c in clients) == ACCESS[page]


def test_unknown_ids_and_formats_are_404(trainer_client, admin_client, province):
    """Unknown class, course, format or table: 404."""
    k = province.training_class.id
    assert trainer_client.get("/reports/classes/99999").status_code == 404
    assert admin_client.get("/reports/courses/99999").status_code == 404
    assert trainer_client.get(f"/reports/classes/{k}/export.pdf").status_code == 404
    assert trainer_client.get(f"/reports/classes/{k}/export.csv?table=x").status_code == 404
    assert admin_client.get("/reports/?centre=99999").status_code == 404


def test_class_page_shows_progress_and_masks_mobiles(trainer_client, province):
    """The trainer sees names, percent done, item analysis, and masked mobile numbers only."""
    html = trainer_client.get(f"/reports/classes/{province.training_class.id}").get_data(True)
    assert "Ann" in html and "100% done" in html and "20% done" in html
    assert "138****5678" in html and "13812345678" not in html
    assert "Dan" not in html
    assert "25%" in html  # the first question: 1 of 4 right
    assert "2 learners have done nothing in the last 14 days." in html


def test_confusing_question_is_highlighted(trainer_client, province):
    """A question fewer than six in ten answer right, on five answers or more, is flagged."""
    add_attempt(province.cai, province.quiz1, 2, [(province.question_id, "B", False)],
                province.now)
    db.session.commit()
    html = trainer_client.get(f"/reports/classes/{province.training_class.id}").get_data(True)
    assert 'class="confusing"' in html and "Confusing" in html


def test_bad_filter_values_show_a_message(trainer_client, admin_client, province):
    """Bad days or dates get a message at the field; the report still shows with defaults."""
    response = trainer_client.get(
        f"/reports/classes/{province.training_class.id}?inactive_days=abc")
    # WTForms' own messages follow the user's language: look for the field's error instead.
    assert response.status_code == 200 and 'id="inactive_days-error"' in response.get_data(True)
    response = trainer_client.get(
        f"/reports/classes/{province.training_class.id}?inactive_days=0")
    assert "Enter 1 to 365 days." in response.get_data(True)
    response = admin_client.get("/reports/overview?start=2026-05-01&end=2026-04-01")
    assert response.status_code == 200
    assert "The end date must not be before the start date." in response.get_data(True)
    response = admin_client.get(f"/reports/courses/{province.course.id}?centre=99999")
    assert response.status_code == 200 and 'id="centre-error"' in response.get_data(True)


def test_trainer_course_report_counts_only_their_centre(app, province, other_centre_trainer):
    """Fred (centre B) sees one enrolment, Dan's, even when asking for centre A."""
    centre_a = db.session.scalar(select(Centre.id).where(Centre.name == "Centre A"))
    client = app.test_client(user=other_centre_trainer)
    rows = client.get(f"/reports/courses/{province.course.id}/export.csv?centre={centre_a}")
    text = rows.get_data(True)
    assert "Enrolled,1,100" in text.replace("\r", "")


def test_admin_course_report_centre_filter(admin_client, province):
    """An admin sees every centre, or the centre chosen."""
    centre_a = db.session.scalar(select(Centre.id).where(Centre.name == "Centre A"))
    every = admin_client.get(f"/reports/courses/{province.course.id}/export.csv").get_data(True)
    one = admin_client.get(
        f"/reports/courses/{province.course.id}/export.csv?centre={centre_a}").get_data(True)
    assert "Enrolled,4,100" in every.replace("\r", "")
    assert "Enrolled,3,100" in one.replace("\r", "")


def test_class_csv_has_bom_escapes_formulas_and_is_audited(factory, trainer_client, trainer,
                                                            province):
    """CSV: UTF-8 BOM, Chinese intact, formula-like names escaped; the download is audited."""
    from training.models import ClassMember

    sly = factory.user("learner", centre="Centre A", display_name="=HYPERLINK(\"x\")")
    db.session.add(ClassMember(class_id=province.training_class.id, user_id=sly.id))
    db.session.commit()
    response = trainer_client.get(f"/reports/classes/{province.training_class.id}/export.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.data
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text
    assert province.course.title in text  # Chinese course title survives
    assert "138****5678" in text and "13812345678" not in text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.export"))
    assert event.actor_id == trainer.id and event.target_id == province.training_class.id
    assert event.detail["format"] == "csv" and event.detail["report"] == "class-learners"


def test_xlsx_downloads_open_in_excel(trainer_client, admin_client, province):
    """The item table and the overview open as workbooks with the expected rows."""
    response = trainer_client.get(
        f"/reports/classes/{province.training_class.id}/export.xlsx?table=items")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.values)
    assert rows[0][0] == "Course" and rows[1][4:] == (4, 25, "B", 2)
    today = today_in("Asia/Shanghai", province.now)  # the overview's days are China days
    response = admin_client.get(
        f"/reports/overview/export.xlsx?start={today - timedelta(days=89)}&end={today}")
    rows = list(load_workbook(io.BytesIO(response.data)).active.values)
    assert rows[-1] == ("All centres", 4, 3, 4, 2, 3)
    assert db.session.scalar(select(AuditEvent.detail).where(
        AuditEvent.action == "report.export").order_by(AuditEvent.id.desc()).limit(1)
    )["report"] == "overview-centres"


def test_overview_page_has_svg_charts_and_tables(admin_client, province):
    """Charts are inline SVG with the numbers in tables; no script on the page."""
    html = admin_client.get("/reports/overview").get_data(True)
    # Charts need no JavaScript: the only script is the site's enhancement file.
    assert html.count("<svg") >= 4 and html.count("<script") == 1 and "js/app." in html
    assert "Trained person-times" in html and "Centre A" in html


def test_course_page_renders_charts(trainer_client, province):
    """The course page shows the funnel, score bands and time to completion."""
    html = trainer_client.get(f"/reports/courses/{province.course.id}").get_data(True)
    assert "From enrolment to completion" in html and "Median: 3.0 days" in html
    assert html.count("<svg") >= 4


def _chinese_client(app, user):
    """A client of a user whose interface language is Chinese."""
    user.language = "zh_CN"
    db.session.commit()
    return app.test_client(user=user)


def _english_words(cells, allowed=()) -> list[str]:
    """Cells holding Latin letters, other than the allowed texts (course titles, names)."""
    import re

    return [c for c in cells if isinstance(c, str) and re.search(r"[A-Za-z]", c)
            and not any(a in c for a in allowed)]


def test_chinese_class_exports_have_chinese_headers_and_sheet_names(app, trainer, province):
    """Issue 21: a Chinese trainer's class report CSV/XLSX reads 完成百分比, not "percent done",
    and its sheets are named in Chinese, not "class-learners"."""
    client = _chinese_client(app, trainer)
    k = province.training_class.id
    text = client.get(f"/reports/classes/{k}/export.csv").data.decode("utf-8-sig")
    header = text.splitlines()[0].split(",")
    course = [h.removeprefix(province.course.title) for h in header if h.startswith(province.course.title)]
    assert [h.strip(":： ") for h in course] == ["完成百分比", "结业考试最高分", "测验平均分"]
    assert not _english_words(header, allowed=[province.course.title])
    for table, title in (("learners", "学员学习进度"), ("items", "测验题目")):
        workbook = load_workbook(io.BytesIO(client.get(f"/reports/classes/{k}/export.xlsx?table={table}").data))
        sheet = workbook.active
        assert sheet.title == title
        assert not _english_words(next(sheet.values), allowed=[province.course.title])


def test_chinese_course_and_overview_exports_have_chinese_sheet_names(app, trainer, admin, province):
    """The course report and both overview tables are named in Chinese in the workbook."""
    client = _chinese_client(app, trainer)
    workbook = load_workbook(io.BytesIO(client.get(f"/reports/courses/{province.course.id}/export.xlsx").data))
    assert workbook.active.title == "课程报表" and not _english_words(next(workbook.active.values))
    client = _chinese_client(app, admin)
    for table, title in (("centres", "按中心"), ("months", "按月份")):
        sheet = load_workbook(io.BytesIO(client.get(f"/reports/overview/export.xlsx?table={table}").data)).active
        assert sheet.title == title and not _english_words(next(sheet.values))


def test_english_exports_keep_english_sheet_names(trainer_client, province):
    """An English-speaking trainer gets English sheet names and headers."""
    k = province.training_class.id
    sheet = load_workbook(io.BytesIO(trainer_client.get(f"/reports/classes/{k}/export.xlsx").data)).active
    assert sheet.title == "Progress by learner"
    assert f"{province.course.title}: percent done" in next(sheet.values)
