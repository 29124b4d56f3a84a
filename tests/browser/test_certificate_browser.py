"""The certificate as a farmer gets it, on a 360 px phone in real Chromium: pass the final exam,
see the congratulations, open the certificate and its picture, open the QR's link on another
phone (no login): 有效; the centre revokes it and the same link says 已撤销. The print page
prints on one A4 sheet.

Screenshots go to test-artifacts/screenshots/ (CERT_SCREENS_DIR overrides: cert-congrats.png,
cert-phone.png, cert-image.png — the PNG itself —, cert-print.pdf)."""
import io
import re

from PIL import Image
from sqlalchemy import select

from training.extensions import db
from training.models import Certificate, Course, Quiz, User
from training.services.learning import certificates, progress, quizzes

from ..helpers import answer_form
from .conftest import SCREENSHOTS, log_in

SCREENS = SCREENSHOTS


def shot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / name), full_page=True)


def all_but_the_final_exam(live, user_id: int) -> int:
    """Lessons and lesson quizzes done (as on earlier days); returns the final exam's id."""
    with live.app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == live.slug))
        trainer = live.factory.user("trainer", centre="Centre A", display_name="李老师")
        training_class = live.factory.training_class("Centre A", courses=[course], name="春季直播班",
                                                     trainer=trainer)
        member = db.session.get(User, user_id)
        live.factory.member(training_class, member)
        live.factory.enrol(member, course)
        for lesson in course.lessons:
            progress.complete_lesson(db.session, user_id, lesson)
            form = answer_form(lesson.quiz)
            responses, _errors = quizzes.parse_responses(list(lesson.quiz.questions), _Form(form))
            quizzes.submit(db.session, user_id, lesson.quiz, form["attempt_token"], responses)
        db.session.commit()
        final_id = course.final_exam.id
        db.session.remove()
        return final_id


class _Form(dict):
    def getlist(self, key):
        value = self.get(key)
        return value if isinstance(value, list) else ([] if value is None else [value])


def answer_correctly(page, live, quiz_id: int) -> None:
    """Fill the quiz form on the page with the right answers."""
    with live.app.app_context():
        form = answer_form(db.session.get(Quiz, quiz_id))
        db.session.remove()
    for name, value in form.items():
        if name == "attempt_token":
            continue
        for one in value if isinstance(value, list) else [value]:
            field = page.locator(f"[name='{name}']").first
            kind = field.get_attribute("type")
            tag = field.evaluate("e => e.tagName")
            if tag == "SELECT":
                field.select_option(one)
            elif kind in ("radio", "checkbox"):
                page.locator(f"[name='{name}'][value='{one}']").check()
            else:
                field.fill(one)


def test_a_farmer_gets_and_shares_the_certificate(live, phone, new_learner, playwright_browser):
    learner = new_learner(language="zh", display_name="王小红")
    final_id = all_but_the_final_exam(live, learner.id)
    page = phone().new_page()
    log_in(page, learner)

    # The final exam, passed: congratulations, the certificate, a next course.
    page.goto(f"/courses/{live.slug}/quizzes/{final_id}")
    answer_correctly(page, live, final_id)
    page.locator("form.quiz button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    panel = page.locator("[data-congrats]")
    assert "恭喜你！这门课程你已经学完了。" in panel.inner_text()
    panel.scroll_into_view_if_needed()
    shot(page, "cert-congrats.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The phone page: the certificate in Chinese, nothing wider than the phone.
    panel.get_by_role("link", name="查看我的证书").click()
    page.wait_for_url(re.compile(r".*/certificates/mine/\d+$"))
    face = page.locator("article.cert").inner_text()
    for fact in ("结业证书", "王小红", "春季直播班", "李老师", "扫码核验", "不是职业技能等级证书"):
        assert fact in face, fact
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "cert-phone.png")
    verify_url = page.locator("#verify-url").input_value()
    assert re.search(r"/certificates/[2-9A-HJ-NP-Z]{16}$", verify_url)

    # 保存图片: the picture opens in the browser (press and hold saves it in WeChat).
    image_url = page.get_by_role("link", name="保存图片").get_attribute("href")
    response = page.goto(image_url)
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    png = response.body()
    assert Image.open(io.BytesIO(png)).size == (1080, 1440)
    SCREENS.mkdir(parents=True, exist_ok=True)
    (SCREENS / "cert-image.png").write_bytes(png)

    # Another phone scans the QR (its URL): no login, 有效.
    other = playwright_browser.new_context(base_url=live.url, locale="zh-CN",
                                           viewport={"width": 360, "height": 740})
    try:
        check = other.new_page()
        check.goto(verify_url)
        assert "有效" in check.locator("main").inner_text()
        # The centre revokes it: the same link now says 已撤销.
        with live.app.app_context():
            cert = db.session.scalar(select(Certificate).where(Certificate.user_id == learner.id))
            certificates.revoke(db.session, cert, "资料有误", None)
            db.session.commit()
            db.session.remove()
        check.reload()
        assert "已撤销" in check.locator("main").inner_text()
        shot(check, "cert-verify-revoked.png")
    finally:
        other.close()


def test_print_page_fits_one_a4_sheet(live, phone, new_learner):
    learner = new_learner(language="zh", display_name="欧阳小华")
    final_id = all_but_the_final_exam(live, learner.id)
    page = phone().new_page()
    log_in(page, learner)
    page.goto(f"/courses/{live.slug}/quizzes/{final_id}")
    answer_correctly(page, live, final_id)
    page.locator("form.quiz button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    with live.app.app_context():
        cert_id = db.session.scalar(select(Certificate.id).where(Certificate.user_id == learner.id))
        db.session.remove()
    page.goto(f"/certificates/mine/{cert_id}/print")
    page.emulate_media(media="print")
    assert not page.locator(".cert-print-bar").is_visible()
    assert "欧阳小华" in page.locator("article.cert").inner_text()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi, to look at
    shot(page, "cert-print.png")
    pdf = page.pdf(format="A4", print_background=True)
    SCREENS.mkdir(parents=True, exist_ok=True)
    (SCREENS / "cert-print.pdf").write_bytes(pdf)
    # pypdf is not installed: count the page objects (not the /Pages tree).
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
