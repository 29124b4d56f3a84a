"""The public check and revocation in a real browser at phone size: a stranger scans the code
and sees 有效; an admin revokes it from the class's certificates; the same scan says 已撤销.
The batch print gives one A4 page per valid certificate."""
import re
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select

from training.extensions import db
from training.models import Certificate, Course
from training.services.learning import certificates

from .conftest import log_in, screenshot
from ..factories import PASSWORD


def spring_class(live) -> SimpleNamespace:
    """Centre A's class with two learners who finished the example course, and an admin."""
    f = live.factory
    with live.app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == live.slug))
        trainer = f.user("trainer", centre="Centre A", display_name="王老师", language="zh")
        admin = f.user("admin", language="zh")
        klass = f.training_class("Centre A", courses=[course], trainer=trainer, name="12月直播带货培训班")
        centre = f.centre("Centre A")
        codes = []
        for name in ("张小华", "李明"):
            person = f.member(klass, f.user("learner", display_name=name, language="zh"))
            cert = Certificate(
                code=certificates.new_code(), user_id=person.id, course_id=course.id,
                learner_name=name, course_title=course.title, course_language=course.language,
                completed_at=datetime(2026, 12, 1, 3), hours=2.5, centre_id=centre.id,
                centre_name="安定区电商公共服务中心", class_id=klass.id, class_name=klass.name,
                trainer_name="王老师", final_score=95)
            db.session.add(cert)
            db.session.commit()
            codes.append(cert.code)
        made = SimpleNamespace(class_id=klass.id, codes=codes,
                               trainer=SimpleNamespace(username=trainer.username, password=PASSWORD),
                               admin=SimpleNamespace(username=admin.username, password=PASSWORD))
        db.session.remove()
        return made


def test_scan_check_revoke_and_scan_again(live, phone):
    """有效 for a stranger's phone (name masked), then revoked by an admin: 已撤销 with the date."""
    spring = spring_class(live)
    code = spring.codes[0]
    stranger = phone(locale="zh-CN").new_page()
    # Typed from the paper, in lower case with dashes: the same check.
    stranger.goto(f"/certificates/{certificates.format_code(code).lower()}")
    body = stranger.locator("main").inner_text()
    assert "有效" in body and "张*华" in body and "张小华" not in body
    assert "不是职业技能等级证书" in body and "安定区电商公共服务中心" in body
    assert stranger.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(stranger, "cert-verify-valid")

    staff = phone().new_page()
    log_in(staff, spring.admin)
    staff.goto(f"/certificates/class/{spring.class_id}")
    assert "张小华" in staff.locator("main").inner_text()
    screenshot(staff, "cert-class")
    staff.get_by_role("link", name="撤销张小华的证书").click()
    staff.wait_for_url(re.compile(r".*/revoke$"))
    # The reason is required: an empty one is refused and nothing changes.
    staff.get_by_role("button", name="确定撤销").click()
    assert "请填写撤销证书的原因" in staff.locator("main").inner_text()
    staff.fill("#reason", "误发：该学员未参加结业考试")
    screenshot(staff, "cert-revoke")
    staff.get_by_role("button", name="确定撤销").click()
    staff.wait_for_url(re.compile(rf".*/certificates/class/{spring.class_id}$"))
    assert "证书已撤销" in staff.locator("main").inner_text()

    stranger.reload()
    body = stranger.locator("main").inner_text()
    assert "已撤销" in body and "年" in body and "有效" not in body.replace("不再有效", "")
    assert "误发" not in body
    screenshot(stranger, "cert-verify-revoked")


def test_batch_print_gives_one_a4_page_per_certificate(live, phone, playwright_browser, tmp_path):
    """The class's print page, printed to PDF: as many A4 pages as valid certificates."""
    spring = spring_class(live)
    page = phone().new_page()
    log_in(page, spring.trainer)
    page.goto(f"/certificates/class/{spring.class_id}/print")
    assert page.locator("section.print-page").count() == 2
    screenshot(page, "cert-class-print")
    pdf = page.pdf(format="A4", print_background=True)
    (tmp_path / "print.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 2, pages
