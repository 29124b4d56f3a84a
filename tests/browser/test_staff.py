"""Staff in a real browser at phone size: a trainer writes a lesson in the studio, an admin reads
the overview report."""
import re
from types import SimpleNamespace

from sqlalchemy import select

from training.extensions import db
from training.models import Course, Lesson

from .conftest import PASSWORD, log_in, screenshot


def _staff(live, role: str):
    with live.app.app_context():
        user = live.factory.user(role, centre="Centre A")
        made = SimpleNamespace(id=user.id, username=user.username, password=PASSWORD)
        db.session.remove()
        return made


def test_trainer_writes_a_lesson_with_preview_in_the_studio(live, phone):
    """A trainer creates a course, writes a lesson in Markdown, previews it as learners will see
    it, and saves it."""
    trainer = _staff(live, "trainer")
    page = phone().new_page()
    log_in(page, trainer)
    page.goto("/author/courses/new")
    page.fill("#title", "鸡蛋包装练习")
    page.fill("#summary", "一节练习课。")
    page.select_option("#language", "zh")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/author/courses/\d+$"))
    course_url = page.url
    page.goto(course_url + "/lessons/new")
    page.fill("#title", "蛋托和纸箱")
    page.fill("#body_md", "## 准备材料\n\n- 纸浆蛋托\n- 结实的纸箱\n")
    page.get_by_role("button", name=re.compile("Show preview|预览")).click()
    assert page.locator("#preview h2").inner_text() == "准备材料"
    screenshot(page, "studio-lesson-preview")
    page.get_by_role("button", name=re.compile("Save lesson|保存")).first.click()
    page.wait_for_url(re.compile(r".*/author/courses/\d+(#.*)?$"))
    with live.app.app_context():
        course = db.session.scalar(select(Course).where(Course.title == "鸡蛋包装练习"))
        lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id))
        assert lesson.title == "蛋托和纸箱" and "<h2>准备材料</h2>" in lesson.body_html
        db.session.remove()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_admin_reads_the_overview_report_on_a_phone(live, phone):
    """The admin overview renders its SVG charts and tables at phone width, with no script needed."""
    admin = _staff(live, "admin")
    page = phone(java_script_enabled=False).new_page()
    log_in(page, admin)
    page.goto("/reports/overview")
    assert page.locator("main svg").count() >= 1
    assert page.locator("main table").count() >= 1
    screenshot(page, "admin-overview-report")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
