"""Course .zip export and import through the browser, and a zip reader that refuses tricks."""
import io
import re
import zipfile

import pytest
from sqlalchemy import select

from training.extensions import db
from training.models import AuditEvent, Course
from training.services.authoring import archives, course_checks

from .helpers import upload


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, blob in files.items():
            archive.writestr(name, blob)
    return buffer.getvalue()


def test_export_import_round_trip_with_media(app_ctx, trainer, trainer_client, example_course):
    """Does an exported .zip import back (as a copy with a new slug) with its lessons, quizzes and pictures?"""
    example_course.centre_id = trainer.centre_id
    db.session.commit()
    response = trainer_client.post(f"/author/courses/{example_course.id}/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert f'filename="{example_course.slug}.zip"' in response.headers["Content-Disposition"]
    blob = response.get_data()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.export"))

    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        files = {i.filename: archive.read(i) for i in archive.infolist()}
    assert f"{example_course.slug}/course.toml" in files
    assert any(name.startswith(f"{example_course.slug}/images/") for name in files)
    toml = files[f"{example_course.slug}/course.toml"].replace(
        f'slug = "{example_course.slug}"'.encode(), b'slug = "round-trip"')
    files[f"{example_course.slug}/course.toml"] = toml

    response = trainer_client.post("/author/import", data={"archive": upload(zip_of(files), "c.zip")},
                                   content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    copy = db.session.scalar(select(Course).where(Course.slug == "round-trip"))
    assert copy.status == "draft" and copy.centre_id == trainer.centre_id
    assert [l.key for l in copy.lessons] == [l.key for l in example_course.lessons]
    assert sum(len(q.questions) for q in copy.quizzes) == sum(len(q.questions) for q in example_course.quizzes)
    assert {m.path for m in copy.media} == {m.path for m in example_course.media}


def test_import_existing_slug_needs_replace_and_ownership(app_ctx, trainer, trainer_client, admin_client, example_course):
    """Is a course with an existing slug replaced only when asked, and never another centre's?"""
    blob = admin_client.post(f"/author/courses/{example_course.id}/export").get_data()
    # The example course belongs to no centre: a trainer may not replace it.
    response = trainer_client.post("/author/import", data={"archive": upload(blob, "c.zip"), "replace": "y"},
                                   content_type="multipart/form-data")
    assert response.status_code == 422 and "belongs to someone else" in response.get_data(as_text=True)
    response = admin_client.post("/author/import", data={"archive": upload(blob, "c.zip")},
                                 content_type="multipart/form-data")
    assert response.status_code == 422 and "Replace the existing course" in response.get_data(as_text=True)
    response = admin_client.post("/author/import", data={"archive": upload(blob, "c.zip"), "replace": "y"},
                                 content_type="multipart/form-data")
    assert response.status_code == 302


def test_invalid_course_imports_nothing_and_lists_problems(app_ctx, trainer_client):
    """Does a course with format problems import nothing and show each problem?"""
    blob = zip_of({"course.toml": b'slug = "bad"\nlanguage = "xx"\ntitle = "Bad"\n'})
    response = trainer_client.post("/author/import", data={"archive": upload(blob, "c.zip")},
                                   content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was imported" in page and "at least one [[lessons]]" in page
    assert db.session.scalar(select(Course)) is None


@pytest.mark.parametrize("name", ["../evil.md", "course/../../evil.md", "/etc/passwd", "images\\x.png", "C:/x.md"])
def test_zip_with_unsafe_paths_is_refused(name, tmp_path):
    """Are path traversal, absolute paths and backslashes in a zip refused?"""
    blob = zip_of({"course.toml": b"", name: b"x"})
    with pytest.raises(course_checks.NotAllowed, match="unsafe file name"):
        archives.read_zip(blob, archives.ZipLimits(), tmp_path)


def test_zip_with_too_many_entries_is_refused(tmp_path):
    """Is an archive with more entries than the limit refused?"""
    blob = zip_of({f"f{n}.md": b"" for n in range(11)})
    with pytest.raises(course_checks.NotAllowed, match="at most 10"):
        archives.read_zip(blob, archives.ZipLimits(max_entries=10), tmp_path)


def test_zip_bomb_is_refused(tmp_path):
    """Is an archive that unpacks beyond the size limit refused (declared or real size)?"""
    blob = zip_of({"course.toml": b"", "big.md": b"0" * (3 * 1024 * 1024)})
    assert len(blob) < 100_000
    with pytest.raises(course_checks.NotAllowed, match="more than 2 MB"):
        archives.read_zip(blob, archives.ZipLimits(max_total_bytes=2 * 1024 * 1024), tmp_path)


def test_zip_bomb_through_the_browser(make_app):
    """Does the import page refuse a zip bomb with a clear message, using the configured limit?"""
    from training.models import Role
    from tests.factories import Factory

    app = make_app(AUTHOR_IMPORT_MAX_BYTES=1024 * 1024)
    with app.app_context():
        user = Factory(app).user(Role.TRAINER, centre="Centre A")
        client = app.test_client(user=user)
        blob = zip_of({"course.toml": b"", "big.md": b"0" * (2 * 1024 * 1024)})
        response = client.post("/author/import", data={"archive": upload(blob, "c.zip")},
                               content_type="multipart/form-data")
        assert response.status_code == 422 and "more than 1 MB" in response.get_data(as_text=True)


def test_not_a_zip_is_refused(trainer_client):
    """Is a file that is not a zip refused with a clear message?"""
    response = trainer_client.post("/author/import", data={"archive": upload(b"hello", "c.zip")},
                                   content_type="multipart/form-data")
    assert response.status_code == 422 and "not a .zip archive" in response.get_data(as_text=True)


def test_single_top_folder_is_unwrapped(tmp_path):
    """Is a zipped course folder (slug/course.toml) read like a course at the root?"""
    files = archives.read_zip(zip_of({"my-course/course.toml": b"x", "my-course/lessons/a.md": b"y"}),
                               archives.ZipLimits(), tmp_path)
    assert set(files) == {"course.toml", "lessons/a.md"} and files["lessons/a.md"] == b"y"


def test_uploaded_video_travels_with_the_course(app_ctx, trainer, trainer_client):
    """Is an uploaded lesson video exported in the .zip and attached again on import?"""
    from .test_flow import add_lesson, create_course

    course = create_course(trainer_client)
    lesson_id = add_lesson(trainer_client, course, "Watch")
    mp4 = b"\0\0\0\x18ftypmp42" + b"\1" * 200
    page = trainer_client.post(f"/author/lessons/{lesson_id}", data={
        "title": "Watch", "body_md": "Text", "minutes": "5", "version": "1",
        "action": "upload_video", "video": upload(mp4, "v.mp4")},
        content_type="multipart/form-data").get_data(as_text=True)
    url = re.search(r'name="video_url"[^>]*value="(/media/[^"]+)"', page).group(1)
    trainer_client.post(f"/author/lessons/{lesson_id}", data={
        "title": "Watch", "body_md": "Text", "minutes": "5", "version": "1", "action": "save",
        "video_url": url})
    blob = trainer_client.post(f"/author/courses/{course.id}/export").get_data()
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        files = {i.filename.split("/", 1)[1]: archive.read(i) for i in archive.infolist()}
    video_paths = [p for p in files if p.startswith("videos/")]
    assert len(video_paths) == 1 and files[video_paths[0]] == mp4
    files["course.toml"] = files["course.toml"].replace(f'slug = "{course.slug}"'.encode(), b'slug = "with-video"')
    response = trainer_client.post("/author/import", data={"archive": upload(zip_of(files), "c.zip")},
                                   content_type="multipart/form-data")
    assert response.status_code == 302
    copy = db.session.scalar(select(Course).where(Course.slug == "with-video"))
    assert copy.lessons[0].video_url.startswith("/media/") and copy.lessons[0].video_url.endswith(".mp4")
