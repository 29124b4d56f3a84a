"""我的学时 on a phone, in Chinese: reached from "我的学习", readable at 360 px."""
from datetime import datetime
from decimal import Decimal

from training.extensions import db
from training.models import Certificate
from training.services.learning import certificates

from .conftest import log_in, screenshot


def give_certificates(live, user_id: int) -> None:
    rows = [("直播带货入门", "2.5", {"type": "live-sales", "level": 5, "units": []}),
            ("农产品直播话术与展示", "2.5", {"type": "live-sales", "level": 5, "units": []}),
            ("网店运营", "3.0", {"type": "platform-management", "level": 5, "units": []}),
            ("生鲜包装与发货", "3.0", None)]
    with live.app.app_context():
        for title, hours, mapping in rows:
            db.session.add(Certificate(
                code=certificates.new_code(), user_id=user_id, learner_name="王小红",
                course_title=title, course_language="zh", completed_at=datetime(2026, 12, 1, 3),
                hours=Decimal(hours), standard=mapping))
        db.session.commit()
        db.session.remove()


def test_my_hours_on_a_phone(live, phone, new_learner):
    """From 我的学习 to 我的学时: the sums per type, and the plain statement, fit a phone."""
    learner = new_learner(language="zh")
    give_certificates(live, learner.id)
    page = phone().new_page()
    log_in(page, learner)
    page.goto("/me")
    page.get_by_role("link", name="我的学时").click()
    page.wait_for_url("**/certificates/hours")
    body = page.locator("main").inner_text()
    assert "直播销售员 五级参考学时 120：已完成 5" in body
    assert "平台管理员 五级参考学时 120：已完成 3" in body
    assert "生鲜包装与发货" in body and "不是职业技能等级证书" in body
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "cert-hours")
