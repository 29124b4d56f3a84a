"""Trainers' voice recordings: transcoded small, shown to learners with their size, refused
when not sound or too long, deleted with an audit entry, carried by course files, saved offline."""
import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from training.extensions import db
from training.models import AuditEvent, Course, CourseChange, CourseMedia, Recording
from training.services.authoring import (
    course_exchange,
    course_format,
    course_reader,
    recordings,
)

from .helpers import post_multipart, upload

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


def sine(seconds: float = 2, fmt: str = "webm", codec: str = "libopus") -> bytes:
    """A test tone, as a browser (WebM/Opus) or phone recorder would send it."""
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-ac", "2", "-c:a", codec, "-f", fmt, "pipe:1"], capture_output=True, check=True)
    return result.stdout


def ffprobe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                          "format=duration,bit_rate,format_name:stream=codec_name,channels,bit_rate",
                          "-of", "json", str(path)], capture_output=True, check=True).stdout
    return json.loads(out)


@pytest.fixture
def course(example_course, trainer):
    """The example course (zh), owned by the trainer's centre."""
    example_course.centre_id = trainer.centre_id
    db.session.commit()
    return example_course


def post_recording(client, url: str, data: bytes, name: str = "voice.webm", **fields):
    form = {"target": "", "label": "四川话", "audio": upload(data, name)}
    form.update(fields)
    return post_multipart(client, url, form)


def test_upload_is_transcoded_small_mono_and_shown_with_size(app, app_ctx, course, trainer_client, learner_client,
                                                             learner, factory):
    """Is an upload stored as AAC ≤ 24 kbit/s mono, and shown to learners with its label, size and length?"""
    lesson = course.lessons[0]
    version = course.content_version
    response = post_recording(trainer_client, f"/author/lessons/{lesson.id}/recordings", sine(3),
                              target="网络要留足余量")
    assert response.status_code == 302, response.get_data(as_text=True)
    recording = db.session.scalar(select(Recording))
    assert recording.lesson_id == lesson.id and recording.section == "网络要留足余量"
    assert recording.label == "四川话" and 2900 <= recording.duration_ms <= 3200
    item = recording.media
    assert item.content_type == "audio/mp4" and item.path.startswith("audio/")
    stored = Path(app.config["MEDIA_DIR"]) / item.stored_name
    info = ffprobe(stored)
    (stream,) = info["streams"]
    assert stream["codec_name"] == "aac" and stream["channels"] == 1
    assert int(info["format"]["bit_rate"]) <= 24_000 * 1.25 and int(stream["bit_rate"]) <= 25_000
    assert item.size == stored.stat().st_size
    db.session.refresh(course)
    assert course.content_version > version
    assert db.session.scalar(select(CourseChange).where(CourseChange.action == "recording.add"))

    factory.enrol(learner, course)
    page = learner_client.get(f"/courses/{course.slug}/lessons/{lesson.key}").get_data(as_text=True)
    caption = recordings.caption(recording)
    assert "四川话 · " in caption and " KB · " in caption
    assert f'src="{item.url_path}"' in page and 'preload="none"' in page
    # The player follows its section's heading.
    assert page.index("网络要留足余量</h2>") < page.index(item.url_path)
    served = learner_client.get(item.url_path)
    assert served.status_code == 200 and served.mimetype == "audio/mp4"
    served.close()


def test_question_recording_is_shown_on_the_quiz(app_ctx, course, trainer_client, learner_client, learner, factory):
    """Does a question's recording play beside the question on the quiz page?"""
    quiz = course.lessons[0].quiz
    question = quiz.questions[0]
    response = post_recording(trainer_client, f"/author/quizzes/{quiz.id}/recordings", sine(1),
                              target=str(question.id), label="普通话")
    assert response.status_code == 302, response.get_data(as_text=True)
    recording = db.session.scalar(select(Recording))
    assert recording.question_id == question.id and recording.lesson_id is None
    factory.enrol(learner, course)
    page = learner_client.get(f"/courses/{course.slug}/quizzes/{quiz.id}").get_data(as_text=True)
    assert recording.media.url_path in page and "普通话 · " in page


@pytest.mark.parametrize("data, name", [
    (b"<html><script>alert(1)</script></html>", "voice.webm"),
    (b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n", "list.m3u8"),
    (b"", "empty.ogg"),
])
def test_not_sound_is_refused_and_nothing_stored(app, app_ctx, course, trainer_client, data, name):
    """Is a file that is not sound (or a playlist naming other files) refused with a message, and nothing stored?"""
    media_before = db.session.scalar(select(func.count(CourseMedia.id)))
    files_before = set(Path(app.config["MEDIA_DIR"]).iterdir())
    response = post_recording(trainer_client, f"/author/lessons/{course.lessons[0].id}/recordings", data, name)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "not a sound recording" in text or "Record something" in text or "empty" in text
    assert db.session.scalar(select(Recording)) is None
    assert db.session.scalar(select(func.count(CourseMedia.id))) == media_before
    assert set(Path(app.config["MEDIA_DIR"]).iterdir()) == files_before


def test_too_long_is_refused(app_ctx, course, trainer_client, monkeypatch):
    """Is a recording over the limit refused with a message saying the limit?"""
    monkeypatch.setattr(recordings, "MAX_SECONDS", 2)
    response = post_recording(trainer_client, f"/author/lessons/{course.lessons[0].id}/recordings", sine(4))
    assert response.status_code == 422
    assert "too long" in response.get_data(as_text=True)
    assert db.session.scalar(select(Recording)) is None


def test_label_is_required_and_short(app_ctx, course, trainer_client):
    """Is a missing or over-long label refused at the field?"""
    url = f"/author/lessons/{course.lessons[0].id}/recordings"
    assert post_recording(trainer_client, url, sine(1), label="").status_code == 422
    assert post_recording(trainer_client, url, sine(1), label="话" * 21).status_code == 422
    assert db.session.scalar(select(Recording)) is None


def test_delete_is_audited_with_old_values(app_ctx, course, trainer_client, trainer):
    """Does deleting a recording remove it and its media row, and audit who and what it was?"""
    post_recording(trainer_client, f"/author/lessons/{course.lessons[0].id}/recordings", sine(1))
    recording = db.session.scalar(select(Recording))
    recording_id, path = recording.id, recording.media.path
    version = db.session.get(Course, course.id).content_version
    response = trainer_client.post(f"/author/courses/{course.id}/recordings/delete",
                                   data={"recording_id": str(recording_id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Recording, recording_id) is None
    assert db.session.scalar(select(CourseMedia).where(CourseMedia.path == path)) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "recording.delete"))
    assert event.actor_id == trainer.id and event.target_id == recording_id
    assert event.detail["label"] == "四川话" and event.detail["path"] == path
    assert db.session.get(Course, course.id).content_version > version


def test_other_centre_trainer_is_refused(app, app_ctx, course, trainer_client, other_centre_trainer):
    """Does a trainer of another centre get 404 for the pages and cannot delete a recording?"""
    post_recording(trainer_client, f"/author/lessons/{course.lessons[0].id}/recordings", sine(1))
    recording = db.session.scalar(select(Recording))
    fred = app.test_client(user=other_centre_trainer)
    assert fred.get(f"/author/lessons/{course.lessons[0].id}/recordings").status_code == 404
    assert fred.get(f"/author/quizzes/{course.quizzes[0].id}/recordings").status_code == 404
    assert post_recording(fred, f"/author/lessons/{course.lessons[0].id}/recordings", sine(1)).status_code == 404
    assert fred.post(f"/author/courses/{course.id}/recordings/delete",
                     data={"recording_id": str(recording.id)}).status_code == 404
    assert db.session.scalar(select(func.count(Recording.id))) == 1


def test_offline_list_includes_recordings_with_their_size(app_ctx, course, trainer_client, learner_client, learner,
                                                          factory):
    """Does "save for offline" list the recording, and does the size estimate count it?"""
    factory.enrol(learner, course)
    before = learner_client.get(f"/courses/{course.slug}/offline").get_json()
    post_recording(trainer_client, f"/author/lessons/{course.lessons[0].id}/recordings", sine(2))
    item = db.session.scalar(select(Recording)).media
    after = learner_client.get(f"/courses/{course.slug}/offline").get_json()
    assert item.url_path in after["urls"] and item.url_path not in before["urls"]
    assert after["bytes"] - before["bytes"] >= item.size


def test_recordings_round_trip_through_course_files(app, app_ctx, course, trainer_client, tmp_path):
    """Do recordings (lesson sections and questions) survive export and import, unchanged and not re-encoded?"""
    lesson, question = course.lessons[0], course.lessons[0].quiz.questions[0]
    response = post_recording(trainer_client, f"/author/lessons/{lesson.id}/recordings", sine(2),
                              target="一部手机就能开始")
    assert response.status_code == 302, response.get_data(as_text=True)
    response = post_recording(trainer_client, f"/author/quizzes/{lesson.quiz.id}/recordings", sine(1),
                              target=str(question.id), label="普通话")
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    files = dict(course_exchange.export_files(course, app.config["MEDIA_DIR"]).items())
    (entry,) = tomllib.loads(files["course.toml"].decode())["lessons"][0]["recordings"]
    assert entry["section"] == "一部手机就能开始" and entry["label"] == "四川话" and entry["file"].startswith("audio/")
    question_entry = tomllib.loads(files["quizzes/01-kit.toml"].decode())["questions"][0]["recordings"][0]
    assert question_entry["label"] == "普通话" and "section" not in question_entry
    files["course.toml"] = files["course.toml"].replace(f'slug = "{course.slug}"'.encode(), b'slug = "voice-copy"')

    data = course_reader.read_course(files)
    copy = course_exchange.import_course(db.session, data, app.config["MEDIA_DIR"])
    db.session.commit()
    found = {(r.section, r.label, r.question_id is not None, r.media.size)
             for r in recordings.course_recordings(db.session, copy.id)}
    original = {(r.section, r.label, r.question_id is not None, r.media.size)
                for r in recordings.course_recordings(db.session, course.id)}
    assert found == original and len(found) == 2  # same bytes: not encoded a second time
    # Importing the same files again changes nothing.
    ids = {r.id for r in recordings.course_recordings(db.session, copy.id)}
    course_exchange.import_course(db.session, course_reader.read_course(files), app.config["MEDIA_DIR"])
    db.session.commit()
    assert {r.id for r in recordings.course_recordings(db.session, copy.id)} == ids


def test_course_file_recording_is_transcoded_and_checked(app, app_ctx, tmp_path):
    """Is a sound file named in a course folder transcoded on import, and a missing one reported?"""
    folder = tmp_path / "c"
    shutil.copytree(Path(__file__).parent.parent / "data" / "example-course", folder)
    (folder / "audio").mkdir()
    (folder / "audio" / "kit.ogg").write_bytes(sine(1, "ogg"))
    toml = (folder / "course.toml").read_text()
    toml = toml.replace('quiz = "quizzes/01-kit.toml"\n', 'quiz = "quizzes/01-kit.toml"\n\n[[lessons.recordings]]\n'
                        'label = "四川话"\nfile = "audio/kit.ogg"\n', 1)
    (folder / "course.toml").write_text(toml)
    copy = course_exchange.import_course(db.session, course_reader.read_folder(folder), app.config["MEDIA_DIR"])
    db.session.commit()
    (recording,) = recordings.course_recordings(db.session, copy.id)
    assert recording.label == "四川话" and recording.section == "" and recording.media.content_type == "audio/mp4"
    assert recordings.conforms((Path(app.config["MEDIA_DIR"]) / recording.media.stored_name).read_bytes())

    (folder / "course.toml").write_text(toml.replace("audio/kit.ogg", "audio/missing.ogg"))
    with pytest.raises(course_format.CourseFormatError) as error:
        course_reader.read_folder(folder)
    assert "missing.ogg" in str(error.value)


def test_studio_page_lists_sections_and_works_without_js(app_ctx, course, trainer_client):
    """Does the studio page offer the whole lesson and each heading, with a plain file input?"""
    page = trainer_client.get(f"/author/lessons/{course.lessons[0].id}/recordings").get_data(as_text=True)
    assert "一部手机就能开始" in page and "网络要留足余量" in page
    assert 'type="file"' in page and 'accept="audio/*"' in page and "js/recorder." in page
