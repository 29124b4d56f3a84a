"""Session photos: re-encoded without EXIF, at most six, refused files, other centres, deletion."""
import io
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import func, select

from training.extensions import db
from training.models import AuditEvent, SessionPhoto
from training.services.classes import photos


def jpeg_with_exif(size=(3000, 2000), orientation=6) -> bytes:
    """A camera-like JPEG: GPS-ish EXIF data and an orientation tag (6: turn 90° clockwise)."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x9003] = "2026:11:01 09:00:00"  # when it was taken
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=90)
    return buffer.getvalue()


def png(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def meeting(factory):
    return factory.training_session(factory.training_class("Centre A"), date(2026, 11, 1))


def post_photos(client, meeting, files):
    return client.post(f"/classes/sessions/{meeting.id}/photos", content_type="multipart/form-data",
                       data={"photos": [(io.BytesIO(data), name) for name, data in files]})


def count() -> int:
    return db.session.scalar(select(func.count(SessionPhoto.id)))


def test_reencode_strips_exif_turns_upright_and_bounds_the_size():
    """A 3000×2000 camera photo with orientation 6 becomes an upright 1067×1600 JPEG (longest side
    1600) with no EXIF left, and a thumbnail of at most 320 px."""
    photo, thumb, width, height = photos.reencode(jpeg_with_exif())
    with Image.open(io.BytesIO(photo)) as out:
        assert out.format == "JPEG" and out.size == (width, height) == (1067, 1600)
        assert not out.getexif() and "exif" not in out.info
    assert b"PhoneMaker" not in photo and b"2026:11:01" not in photo
    with Image.open(io.BytesIO(thumb)) as small:
        assert max(small.size) == 320 and not small.getexif()
    _p, _t, width, height = photos.reencode(png())
    assert (width, height) == (40, 30)  # small pictures are not enlarged


def test_upload_shows_thumbnails_only_to_staff_of_the_session(factory, app, trainer_client, meeting,
                                                               other_centre_trainer, admin):
    """Several photos at once; the session page shows their thumbnails; the files are served to
    the centre's staff and admins, 403 to another centre's trainer, with a private cache."""
    response = post_photos(trainer_client, meeting, [("a.jpg", jpeg_with_exif()), ("b.png", png())])
    assert response.status_code == 302 and count() == 2
    page = trainer_client.get(f"/classes/sessions/{meeting.id}").get_data(as_text=True)
    first, second = db.session.scalars(select(SessionPhoto).order_by(SessionPhoto.id))
    assert f"/classes/photos/{first.id}/thumb.jpg" in page and "(2/6)" in page
    got = trainer_client.get(f"/classes/photos/{first.id}/full.jpg")
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    assert got.headers["Cache-Control"].startswith("private")
    got.close()
    by_admin = app.test_client(user=admin).get(f"/classes/photos/{second.id}/thumb.jpg")
    assert by_admin.status_code == 200
    by_admin.close()
    fred = app.test_client(user=other_centre_trainer)
    assert fred.get(f"/classes/photos/{first.id}/full.jpg").status_code == 403
    assert fred.get(f"/classes/photos/{first.id}/delete").status_code == 403
    assert post_photos(fred, meeting, [("c.png", png())]).status_code == 403 and count() == 2
    assert "/media/" not in page.split("photos")[-1]  # never on the public media route


def test_the_seventh_photo_is_refused(trainer_client, meeting, app):
    """At most six photos per session: an upload that would make seven adds none and says why."""
    assert post_photos(trainer_client, meeting, [(f"{n}.png", png()) for n in range(5)]).status_code == 302
    response = post_photos(trainer_client, meeting, [("6.png", png()), ("7.png", png())])
    assert response.status_code == 302 and count() == 5
    page = trainer_client.get(f"/classes/sessions/{meeting.id}").get_data(as_text=True)
    assert "A session keeps at most 6 photos" in page and "No photo was added." in page
    post_photos(trainer_client, meeting, [("6.png", png())])
    assert count() == 6
    assert post_photos(trainer_client, meeting, [("7.png", png())]).status_code == 302 and count() == 6


def test_a_file_that_is_not_a_photo_is_refused_with_its_name(trainer_client, meeting, app):
    """A PDF (or text renamed .jpg) among good photos: nothing is added, no file is left behind,
    and the message names the file."""
    from pathlib import Path

    response = post_photos(trainer_client, meeting, [("good.png", png()), ("notes.jpg", b"%PDF-1.4 hello")])
    assert response.status_code == 302 and count() == 0
    page = trainer_client.get(f"/classes/sessions/{meeting.id}").get_data(as_text=True)
    assert "“notes.jpg” is not a JPEG, PNG or WebP photo." in page
    folder = Path(app.config["MEDIA_DIR"]) / "session-photos"
    assert not folder.exists() or not any(folder.iterdir())
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'
    post_photos(trainer_client, meeting, [("x.svg", svg)])
    assert count() == 0


def test_delete_is_confirmed_audited_and_removes_the_files(trainer_client, trainer, meeting, app):
    """Delete asks first; then the row and both files go, and the audit keeps who, the session
    and who uploaded the photo."""
    from pathlib import Path

    post_photos(trainer_client, meeting, [("a.png", png())])
    photo = db.session.scalar(select(SessionPhoto))
    full = Path(app.config["MEDIA_DIR"]) / photo.file_name
    assert full.is_file() and (Path(app.config["MEDIA_DIR"]) / photos.thumb_name(photo.file_name)).is_file()
    assert trainer_client.get(f"/classes/photos/{photo.id}/delete").status_code == 200
    assert trainer_client.post(f"/classes/photos/{photo.id}/delete").status_code == 200 and count() == 1
    response = trainer_client.post(f"/classes/photos/{photo.id}/delete", data={"confirm": "yes"})
    assert response.status_code == 302 and count() == 0 and not full.exists()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "session.photo_delete"))
    assert event.actor_id == trainer.id and event.target_id == meeting.id
    assert event.detail["uploaded_by_id"] == trainer.id and event.detail["held_on"] == "2026-11-01"


def test_photos_for_sessions_is_one_query(factory, trainer_client, meeting, app):
    """The ledger asks for many sessions' photos at once: one query, grouped by session."""
    other = factory.training_session(meeting.training_class, date(2026, 11, 8))
    post_photos(trainer_client, meeting, [("a.png", png()), ("b.png", png())])
    post_photos(trainer_client, other, [("c.png", png())])
    from flask_sqlalchemy.record_queries import get_recorded_queries

    with app.test_request_context():
        before = len(get_recorded_queries())
        found = photos.photos_for_sessions(db.session, [meeting.id, other.id, 999])
        assert len(get_recorded_queries()) - before == 1
    assert [len(found[meeting.id]), len(found[other.id])] == [2, 1] and 999 not in found


def test_deleting_the_session_removes_its_photo_files(trainer_client, meeting, app):
    from pathlib import Path

    post_photos(trainer_client, meeting, [("a.png", png()), ("b.png", png())])
    names = photos.file_names(db.session, meeting.id)
    assert len(names) == 4 and all((Path(app.config["MEDIA_DIR"]) / n).is_file() for n in names)
    response = trainer_client.post(f"/classes/sessions/{meeting.id}/delete", data={"confirm": "yes"})
    assert response.status_code == 302 and count() == 0
    assert not any((Path(app.config["MEDIA_DIR"]) / n).exists() for n in names)
