"""Uploads are checked by content, resized for the web, and refused with a clear message."""
from pathlib import Path

import pytest

from sqlalchemy import select

from training.extensions import db
from training.models import CourseMedia
from training.services.authoring import media

from .helpers import image_bytes, post_multipart, upload
from .test_flow import add_lesson, create_course


def post_picture(client, lesson_id: int, data: bytes, name: str, alt: str = "A photo"):
    return post_multipart(client, f"/author/lessons/{lesson_id}", {
        "title": "L", "body_md": "Text", "minutes": "5", "version": "1", "action": "upload_image",
        "image_alt": alt, "image": upload(data, name)})


def test_html_named_png_is_refused(app_ctx, trainer_client):
    """Is an HTML file named .png refused with a message, and nothing stored?"""
    course = create_course(trainer_client)
    lesson_id = add_lesson(trainer_client, course, "L")
    response = post_picture(trainer_client, lesson_id, b"<html><script>alert(1)</script></html>", "cat.png")
    assert "is not a picture this site can show" in response.get_data(as_text=True)
    assert db.session.scalar(select(CourseMedia)) is None


def test_svg_with_script_is_refused(app_ctx, trainer_client):
    """Is an SVG upload (with a script) refused?"""
    course = create_course(trainer_client)
    lesson_id = add_lesson(trainer_client, course, "L")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = post_picture(trainer_client, lesson_id, svg, "drawing.png")
    assert "SVG drawing" in response.get_data(as_text=True)
    assert db.session.scalar(select(CourseMedia)) is None


@pytest.fixture
def studio_lesson(make_app):
    """Build an app with its own limits; returns a trainer's client and a lesson of a new course."""
    from tests.factories import Factory

    contexts = []

    def build(**config):
        app = make_app(**config)
        contexts.append(app.app_context())
        contexts[-1].push()
        client = app.test_client(user=Factory(app).user("trainer", centre="Centre A"))
        return client, add_lesson(client, create_course(client), "L")

    yield build
    for context in reversed(contexts):
        context.pop()


def test_oversized_picture_gets_clear_message(studio_lesson):
    """Does a picture over the configured limit get a message naming the limit?"""
    client, lesson_id = studio_lesson(AUTHOR_MAX_IMAGE_BYTES=1024 * 1024)
    big = image_bytes("PNG", size=(10, 10)) + b"\0" * (1024 * 1024)
    response = post_picture(client, lesson_id, big, "big.png")
    assert "too large: pictures may be at most 1 MB" in response.get_data(as_text=True)


def test_request_over_max_content_length_gets_413_message(studio_lesson):
    """Does an upload bigger than the whole-request limit get a friendly 413 page?"""
    client, lesson_id = studio_lesson(MAX_CONTENT_LENGTH=1024 * 1024)
    response = post_picture(client, lesson_id, b"0" * 1_200_000, "big.png")
    assert response.status_code == 413
    assert "uploads may be at most 1 MB" in response.get_data(as_text=True)


def test_picture_is_resized_with_variants_and_random_names(app, app_ctx, trainer_client):
    """Is a large photo stored at web size with 480/960 px copies and WebP, under random names?"""
    course = create_course(trainer_client)
    lesson_id = add_lesson(trainer_client, course, "L")
    post_picture(trainer_client, lesson_id, image_bytes("JPEG", size=(3000, 2000)), "field.jpg")
    item = db.session.scalar(select(CourseMedia))
    assert (item.width, item.height, item.content_type) == (1600, 1067, "image/jpeg")
    widths = {(v["width"], v["content_type"]) for v in item.variants}
    assert {(480, "image/jpeg"), (960, "image/jpeg"), (480, "image/webp"), (960, "image/webp"),
            (1600, "image/webp")} <= widths
    media_dir = Path(app.config["MEDIA_DIR"])
    for name in [item.stored_name] + [v["name"] for v in item.variants]:
        assert (media_dir / name).is_file()
    # Served with long-lived cache headers.
    response = trainer_client.get(f"/media/{item.variants[0]['name']}")
    assert response.status_code == 200 and "immutable" in response.headers["Cache-Control"]
    response.close()
    # A second upload of the same file gets a different random name.
    post_picture(trainer_client, lesson_id, image_bytes("JPEG", size=(3000, 2000)), "field.jpg")
    names = list(db.session.scalars(select(CourseMedia.stored_name)))
    assert len(set(names)) == 2


def test_video_upload_checked_by_signature(studio_lesson):
    """Is an MP4 accepted as a lesson video, a fake one refused, and an oversized one named?"""
    client, lesson_id = studio_lesson(AUTHOR_MAX_VIDEO_BYTES=1000)
    form = {"title": "L", "body_md": "Text", "minutes": "5", "version": "1", "action": "upload_video"}
    mp4 = b"\0\0\0\x18ftypmp42" + b"\0" * 100
    page = client.post(f"/author/lessons/{lesson_id}", data={**form, "video": upload(mp4, "v.mp4")},
                       content_type="multipart/form-data").get_data(as_text=True)
    item = db.session.scalar(select(CourseMedia))
    assert item.content_type == "video/mp4" and item.url_path in page
    page = client.post(f"/author/lessons/{lesson_id}", data={**form, "video": upload(b"<html>", "v.mp4")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "not an MP4 or WebM video" in page
    page = client.post(f"/author/lessons/{lesson_id}", data={**form, "video": upload(mp4 * 20, "v.mp4")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "too large" in page
    response = client.post(f"/author/lessons/{lesson_id}", data={**form, "action": "save", "video_url": item.url_path})
    assert response.status_code == 302


def test_check_video_signatures():
    """Are MP4 and WebM recognised by content and anything else refused?"""
    assert media.check_video(b"\0\0\0\x18ftypisom" + b"\0" * 8)[0] == "video/mp4"
    assert media.check_video(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm" + b"\0" * 8)[0] == "video/webm"
    import pytest
    with pytest.raises(media.MediaError):
        media.check_video(b"GIF89a....")


def test_cover_picture_needs_a_description(app_ctx, trainer_client):
    """Is a cover picture without a text alternative refused at the field, and kept with one?"""
    from training.models import Course

    form = {"title": "Covered", "language": "en", "level": "beginner", "cover": upload(image_bytes("JPEG"), "c.jpg")}
    response = post_multipart(trainer_client, "/author/courses/new", {**form, "cover_alt": ""})
    assert response.status_code == 422 and "Describe the cover picture" in response.get_data(as_text=True)
    assert db.session.scalar(select(Course)) is None
    form["cover"] = upload(image_bytes("JPEG"), "c.jpg")
    response = post_multipart(trainer_client, "/author/courses/new", {**form, "cover_alt": "Apples"})
    assert response.status_code == 302
    course = db.session.scalar(select(Course))
    assert course.cover_image.startswith("images/cover-") and course.cover_alt == "Apples"


def test_picture_goes_where_the_cursor_was(app_ctx, trainer_client):
    """With the cursor position sent by author.js, is the picture inserted there (CRLF-safe)?"""
    course = create_course(trainer_client)
    lesson_id = add_lesson(trainer_client, course, "L")
    response = post_multipart(trainer_client, f"/author/lessons/{lesson_id}", {
        "title": "L", "body_md": "First\r\nSecond", "minutes": "5", "version": "1",
        "action": "upload_image", "image_alt": "Photo", "cursor": "5",
        "image": upload(image_bytes("JPEG", size=(100, 80)), "p.jpg")})
    page = response.get_data(as_text=True)
    assert "where your cursor was" in page
    before, after = page.split("![Photo](images/", 1)
    assert before.rstrip().endswith("First") and "Second" in after.split("</textarea>")[0]


def media_files(app) -> set[str]:
    root = Path(app.config["MEDIA_DIR"])
    return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_a_refused_cover_leaves_no_file_behind(app, app_ctx, trainer_client):
    """A new course refused for its cover's missing description stores nothing, on disk
    either; accepted, every file it stored is named by its picture's row."""
    from training.models import Course

    form = {"title": "Covered", "language": "en", "level": "beginner", "cover": upload(image_bytes("JPEG"), "c.jpg")}
    response = post_multipart(trainer_client, "/author/courses/new", {**form, "cover_alt": ""})
    assert response.status_code == 422
    assert media_files(app) == set()

    form["cover"] = upload(image_bytes("JPEG"), "c.jpg")
    assert post_multipart(trainer_client, "/author/courses/new", {**form, "cover_alt": "Apples"}).status_code == 302
    course = db.session.scalar(select(Course))
    item = next(m for m in course.media if m.path == course.cover_image)
    assert media_files(app) == {item.stored_name, *(v["name"] for v in item.variants)}

    # Editing the course with a new cover but no description is refused the same way.
    before = media_files(app)
    response = post_multipart(trainer_client, f"/author/courses/{course.id}", {
        "title": "Covered", "language": "en", "level": "beginner", "summary": "", "slug": course.slug,
        "cover_alt": "", "cover": upload(image_bytes("PNG"), "d.png")})
    assert response.status_code == 422
    assert media_files(app) == before


def test_uploaded_files_live_and_die_with_their_transaction(app, app_ctx, example_course):
    """Files an upload stores are deleted when its transaction ends without a commit (rollback,
    a savepoint's commit inside a transaction rolled back, the session closed), and kept once
    committed."""
    from training.services.authoring import media

    media_dir = app.config["MEDIA_DIR"]
    imported = media_files(app)  # the example course's own pictures
    media.store_media(db.session, example_course, "images/a.png", image_bytes("PNG"), media_dir,
                          random_name=True)
    assert media_files(app) > imported
    db.session.rollback()
    assert media_files(app) == imported

    with db.session.begin_nested():
        media.store_media(db.session, example_course, "images/b.png", image_bytes("PNG"), media_dir,
                              random_name=True)
    assert media_files(app) > imported
    db.session.rollback()
    assert media_files(app) == imported

    # The request ends (its session is closed) without a commit.
    course = db.session.get(type(example_course), example_course.id)
    media.store_media(db.session, course, "images/d.png", image_bytes("PNG"), media_dir, random_name=True)
    db.session.remove()
    assert media_files(app) == imported

    example_course = db.session.get(type(example_course), example_course.id)
    item = media.store_media(db.session, example_course, "images/c.png", image_bytes("PNG"), media_dir,
                                 random_name=True)
    db.session.commit()
    db.session.rollback()
    assert media_files(app) == imported | {item.stored_name, *(v["name"] for v in item.variants)}


def test_uploaded_gif_script_polyglot_is_stored_as_pixels_only(app, app_ctx, trainer_client):
    """Is a GIF that is also JavaScript, uploaded into a lesson, kept only as re-encoded pixels?"""
    from tests.unit.test_media_pipeline import gif_javascript_polyglot

    course = create_course(trainer_client)
    lesson_id = add_lesson(trainer_client, course, "L")
    polyglot = gif_javascript_polyglot()
    post_picture(trainer_client, lesson_id, polyglot, "field.gif")
    item = db.session.scalar(select(CourseMedia))
    assert item.content_type == "image/gif"
    stored = media_files(app)
    assert stored == {item.stored_name, *(v["name"] for v in item.variants)}
    for name in stored:
        data = (Path(app.config["MEDIA_DIR"]) / name).read_bytes()
        assert data != polyglot and b"alert" not in data
