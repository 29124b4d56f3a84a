"""What the learner gets: congratulations, 我的证书, the phone page, the WeChat image and the A4
print page — each in the certificate's (the course's) language, and only their own."""
import io
import logging

import pytest
import segno
from flask_babel import force_locale
from PIL import Image

from training.extensions import db
from training.models import Certificate, CourseStatus
from training.services.learning import (
    certificate_image,
    certificates,
    next_course,
    progress,
)

from ..conftest import EXAMPLE_COURSE
from ..helpers import answer_form
from ..unit.test_progress import submit
from .test_issue import finish

VERIFY_PREFIX = "http://localhost/certificates/"


def certificate_of(user, course) -> Certificate:
    cert = certificates.for_enrollment(db.session, user.id, course.id)
    assert cert is not None
    return cert


@pytest.fixture
def finished(factory, learner, example_course):
    """The learner finished the (Chinese) example course in a class of Centre A."""
    training_class = factory.training_class("Centre A", courses=[example_course], name="春季班")
    factory.member(training_class, learner)
    factory.enrol(learner, example_course)
    example_course.hours = 6
    db.session.commit()
    finish(learner, example_course)
    return certificate_of(learner, example_course)


def test_mine_lists_own_certificates_with_links(learner_client, finished, example_course):
    """Does 我的证书 list the learner's certificate with its phone page, picture and print?"""
    page = learner_client.get("/certificates/mine").get_data(as_text=True)
    assert example_course.title in page
    for link in (f"/certificates/mine/{finished.id}", f"/certificates/mine/{finished.id}.png",
                 f"/certificates/mine/{finished.id}/print"):
        assert f'href="{link}"' in page


def test_mine_without_certificates_says_how_to_get_one(learner_client):
    page = learner_client.get("/certificates/mine").get_data(as_text=True)
    assert "You have no certificate yet" in page


def test_others_certificates_are_not_found(app, factory, finished, example_course):
    """Can anyone else (another learner, the centre's trainer, an admin) open a learner's
    certificate pages here? No: 404, as if it did not exist; nor list it."""
    others = [factory.user("learner", centre="Centre A"), factory.user("trainer", centre="Centre A"),
              factory.user("admin")]
    for user in others:
        client = app.test_client(user=user)
        for suffix in ("", ".png", "/print"):
            assert client.get(f"/certificates/mine/{finished.id}{suffix}").status_code == 404
        assert client.get(f"/certificates/mine/course/{example_course.id}").status_code == 404
        assert finished.code not in client.get("/certificates/mine").get_data(as_text=True)


def test_staff_open_their_own_certificates(app, factory, example_course):
    trainer = factory.user("trainer", centre="Centre A")
    factory.enrol(trainer, example_course)
    finish(trainer, example_course)
    cert = certificate_of(trainer, example_course)
    client = app.test_client(user=trainer)
    assert client.get(f"/certificates/mine/{cert.id}").status_code == 200


def test_phone_page_shows_the_face_with_every_fact(learner_client, learner, finished, example_course):
    response = learner_client.get(f"/certificates/mine/{finished.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    formatted = certificates.format_code(finished.code)
    for fact in (learner.display_name, example_course.title, formatted, "春季班", "Centre A",
                 "6 学时", "100", "扫码核验", VERIFY_PREFIX + finished.code, "<svg",
                 "不是职业技能等级证书"):
        assert fact in page, fact
    assert 'id="verify-url"' in page and f'href="/certificates/mine/{finished.id}.png"' in page


def test_certificate_language_is_the_course_language(app, factory, learner_client, learner, finished):
    """A Chinese course gives a Chinese certificate to a learner reading in English (the page
    around it stays English); an English course gives an English one to a Chinese reader."""
    page = learner_client.get(f"/certificates/mine/{finished.id}").get_data(as_text=True)
    assert "结业证书" in page and "Certificate of Completion" not in page
    assert "My certificates" in page  # the interface language around it

    english = factory.import_course(
        EXAMPLE_COURSE,
        slug="example-en", language="en", title="Selling on live streams")
    reader = factory.user("learner", centre="Centre A", language="zh_CN")
    factory.enrol(reader, english)
    finish(reader, english)
    cert = certificate_of(reader, english)
    assert cert.course_language == "en"
    page = app.test_client(user=reader).get(f"/certificates/mine/{cert.id}").get_data(as_text=True)
    assert "Certificate of Completion" in page and "Scan to verify" in page
    assert "扫码核验" not in page.split('class="cert"')[1].split("</article>")[0]
    assert "我的证书" in page


def test_png_is_a_portrait_image_with_etag(learner_client, finished):
    response = learner_client.get(f"/certificates/mine/{finished.id}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.size == (certificate_image.WIDTH, certificate_image.HEIGHT) == (1080, 1440)
    etag = response.headers["ETag"]
    again = learner_client.get(f"/certificates/mine/{finished.id}.png", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    # Revoking changes the image (a red line), so the saved copy is no longer current.
    certificates.revoke(db.session, finished, "test", None)
    db.session.commit()
    changed = learner_client.get(f"/certificates/mine/{finished.id}.png", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_image_draws_every_character_with_a_real_glyph(app, finished):
    """Are the Chinese texts drawn as characters, not tofu boxes? Every character drawn must
    render differently from a code point no font has (U+10FFFD)."""
    font_path = certificate_image.find_font(app.config.get("FONT_PATH"))
    if font_path is None:
        pytest.skip("no CJK font installed (scripts/test.sh and serve.sh install fonts-noto-cjk)")
    font = certificate_image.load_font(font_path, 32)
    # The check has teeth: a character the font lacks is reported.
    assert certificate_image.missing_glyphs(font, "村\U0010fffd") == {"\U0010fffd"}
    assert certificate_image.missing_glyphs(font, "村") == set()
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        drawn = certificate_image.draw(finished, VERIFY_PREFIX + finished.code, font_path)
    text = "".join(drawn.texts)
    assert "结 业 证 书" in text and finished.learner_name in text and "扫码核验" in text
    for bold in (False, True):
        assert certificate_image.missing_glyphs(certificate_image.load_font(font_path, 32, bold), text) == set()


def test_image_qr_encodes_the_verify_url(app, finished):
    """Does the QR in the picture hold the verify URL? Decoded with zbar when installed, else
    every module sampled from the picture is compared with segno's matrix of the URL."""
    font_path = certificate_image.find_font(app.config.get("FONT_PATH"))
    if font_path is None:
        pytest.skip("no CJK font installed")
    url = VERIFY_PREFIX + finished.code
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        drawn = certificate_image.draw(finished, url, font_path)
    left, _top, right, _bottom = drawn.qr_box
    crop = drawn.image.crop(drawn.qr_box).convert("L")
    try:
        from pyzbar.pyzbar import decode  # optional
    except ImportError:
        decode = None
    if decode is not None:
        assert [d.data.decode() for d in decode(crop)] == [url]
    matrix = segno.make(url, error="m", micro=False).matrix
    border = certificate_image.QR_BORDER
    modules = len(matrix) + 2 * border
    pixel = (right - left) / modules
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            x = int((col + border + 0.5) * pixel)
            y = int((row + border + 0.5) * pixel)
            assert (crop.getpixel((x, y)) < 128) == bool(dark), (row, col)


def test_long_names_and_titles_wrap_inside_the_picture(app, finished):
    font_path = certificate_image.find_font(app.config.get("FONT_PATH"))
    if font_path is None:
        pytest.skip("no CJK font installed")
    finished.learner_name = "Maria Fernanda de la Cruz Montenegro Alvarez"
    finished.course_title = "直播带货入门：从手机开播到第一单，农产品上行的每一步都讲清楚" * 2
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        drawn = certificate_image.draw(finished, VERIFY_PREFIX + finished.code, font_path)
    margin = certificate_image.MARGIN
    assert len(drawn.boxes) == len(drawn.texts) > 12
    for (x0, _y0, x1, _y1), text in zip(drawn.boxes, drawn.texts, strict=True):
        assert margin - 1 <= x0 and x1 <= certificate_image.WIDTH - margin + 1, text
    # The long title takes several lines, cut with an ellipsis after three.
    assert sum(1 for t in drawn.texts if t and t[0] in finished.course_title[:40]) >= 3
    left, _top, right, bottom = drawn.qr_box
    modules = len(segno.make(VERIFY_PREFIX + finished.code, error="m").matrix) + 2 * certificate_image.QR_BORDER
    assert bottom < certificate_image.HEIGHT - 100
    assert right - left >= modules * certificate_image.MIN_MODULE_PIXELS
    db.session.rollback()


def test_png_without_a_font_answers_a_clear_page(app, learner_client, finished, monkeypatch, caplog):
    """No CJK font on the server: a message page (not a 500) and a log line."""
    monkeypatch.setattr(certificate_image, "FONT_CANDIDATES", ())
    app.config["FONT_PATH"] = "/nonexistent/font.ttc"
    with caplog.at_level(logging.ERROR):
        response = learner_client.get(f"/certificates/mine/{finished.id}.png")
    assert response.status_code == 503 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "cannot be made on this server" in page and finished.learner_name in page
    assert "fonts-noto-cjk" in caplog.text


def test_print_page_is_one_bare_certificate(learner_client, learner, finished):
    response = learner_client.get(f"/certificates/mine/{finished.id}/print")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="topbar"' not in page and 'class="cert-print"' in page
    assert "/static/css/certificate." in page and learner.display_name in page
    assert '<html lang="zh-CN">' in page


def test_course_page_and_my_learning_link_the_certificate(learner_client, finished, example_course):
    link = f"/certificates/mine/course/{example_course.id}"
    assert link in learner_client.get(f"/courses/{example_course.slug}").get_data(as_text=True)
    assert link in learner_client.get("/me").get_data(as_text=True)
    response = learner_client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/certificates/mine/{finished.id}")


def finish_with_client(client, learner, course):
    """Every lesson and lesson quiz done; the final exam passed through the web form."""
    for lesson in course.lessons:
        progress.complete_lesson(db.session, learner.id, lesson)
        submit(learner, lesson.quiz)
    response = client.post(f"/courses/{course.slug}/quizzes/{course.final_exam.id}",
                           data=answer_form(course.final_exam))
    assert response.status_code == 302
    return client.get(response.headers["Location"])


def test_passing_the_final_exam_congratulates_with_certificate_and_next_course(
        factory, learner, learner_client, example_course):
    follow_on = factory.import_course(
        EXAMPLE_COURSE,
        slug="next-step", level="intermediate", title="直播进阶：复盘与选品")
    factory.enrol(learner, example_course)
    page = finish_with_client(learner_client, learner, example_course).get_data(as_text=True)
    cert = certificate_of(learner, example_course)
    assert "Congratulations! You have completed the course." in page
    assert f'href="/certificates/mine/{cert.id}"' in page
    assert f'href="/certificates/mine/{cert.id}.png"' in page
    assert f'href="/courses/{follow_on.slug}"' in page and follow_on.title in page


def test_a_result_before_completion_has_no_congratulations(learner, learner_client, example_course):
    progress.enrol(db.session, learner.id, example_course)
    db.session.commit()
    quiz = example_course.lessons[0].quiz
    response = learner_client.post(f"/courses/{example_course.slug}/quizzes/{quiz.id}",
                                   data=answer_form(quiz))
    page = learner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Congratulations" not in page and "/certificates/mine/" not in page


# The next course to suggest ---------------------------------------------------------------

@pytest.fixture
def catalogue(factory):
    def course(slug, level, language="zh", status=CourseStatus.PUBLISHED):
        return factory.import_course(EXAMPLE_COURSE, slug=slug, level=level, language=language,
                                     status=status, title=slug)

    return {
        "done": course("done", "beginner"),
        "beginner-2": course("beginner-2", "beginner"),
        "mid": course("mid", "intermediate"),
        "mid-en": course("mid-en", "intermediate", language="en"),
        "mid-draft": course("mid-draft", "intermediate", status=CourseStatus.DRAFT),
        "top": course("top", "advanced"),
    }


def suggest(learner, course):
    found = next_course.suggest(db.session, learner.id, course.id, course.language, course.level)
    return found.slug if found else None


def test_next_course_is_the_next_level_in_the_same_language(factory, learner, catalogue):
    factory.enrol(learner, catalogue["done"])
    assert suggest(learner, catalogue["done"]) == "mid"
    # Taken already (enrolled or completed): the same level's other course instead.
    factory.enrol(learner, catalogue["mid"])
    assert suggest(learner, catalogue["done"]) == "beginner-2"
    factory.enrol(learner, catalogue["beginner-2"])
    assert suggest(learner, catalogue["done"]) is None
    # After the last level, another course of that level, else nothing.
    assert suggest(learner, catalogue["top"]) is None
    assert next_course.next_level("intermediate") == "advanced"
    assert next_course.next_level("advanced") is None and next_course.next_level("odd") is None


def test_next_course_from_intermediate_is_advanced(factory, learner, catalogue):
    factory.enrol(learner, catalogue["mid"])
    assert suggest(learner, catalogue["mid"]) == "top"

