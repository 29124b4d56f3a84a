"""Session photos: trainers add up to six photos of a session for the ledger, see them on the
session page and delete them (audited). The files are served only to staff who may manage the
session (policy.can_manage_session), never from the public /media/ route."""
from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.file import FileRequired, MultipleFileField
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..forms_common import AppForm
from ..models import SessionPhoto, TrainingSession
from ..policy import can_manage_session
from ..services.authoring import media
from ..services.classes import photos
from .common import bp, load_or_404, load_session
from .forms import ConfirmForm

# Photos are of people: kept out of shared caches, and only briefly in the browser's.
PRIVATE_CACHE = "private, max-age=3600"


class PhotoForm(AppForm):
    """The session page's "Add photos" form: several pictures at once."""

    photos = MultipleFileField(_l("Photos (JPEG, PNG or WebP)"), validators=[FileRequired()],
                               description=_l("At most 6 photos per session. They are made smaller, "
                                              "and the camera's details (place, time) are removed."),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})


PHOTO_ERRORS = {
    "too-many": lambda name: ngettext("A session keeps at most %(num)s photos: delete one first, or add fewer.",
                                      "A session keeps at most %(num)s photos: delete one first, or add fewer.",
                                      photos.MAX_PHOTOS),
    "too-large": lambda name: _("“%(name)s” is larger than %(mb)s MB.", name=name,
                                mb=photos.MAX_BYTES // (1024 * 1024)),
    "too-many-pixels": lambda name: _("“%(name)s” has too many pixels; please use a smaller photo.", name=name),
    "not-image": lambda name: _("“%(name)s” is not a JPEG, PNG or WebP photo.", name=name),
}


def page_context(meeting: TrainingSession) -> dict:
    """What the session page needs for its photos block (one query)."""
    return {"photos": photos.photos_for_sessions(db.session, [meeting.id]).get(meeting.id, []),
            "photo_form": PhotoForm(formdata=None), "max_photos": photos.MAX_PHOTOS}


def load_photo(photo_id: int) -> SessionPhoto:
    """A photo of a session the current staff member may manage; 403 for another centre's."""
    return load_or_404(
        select(SessionPhoto).where(SessionPhoto.id == photo_id)
        .options(joinedload(SessionPhoto.session).joinedload(TrainingSession.training_class)),
        lambda user, photo: can_manage_session(user, photo.session))


@bp.route("/sessions/<int:session_id>/photos", methods=["POST"])
def add_photos(session_id: int):
    """Add photos to a session: all of them, or none and a message saying why."""
    meeting = load_session(session_id)
    back = redirect(url_for("classes.session", session_id=meeting.id, _anchor="session-photos"))
    form = PhotoForm()
    if not form.validate_on_submit():
        flash(_("Choose one or more photos to add."), "error")
        return back
    uploads = [photos.PhotoUpload(f.filename or "", f.stream) for f in form.photos.data if f]
    try:
        # A refused or failed upload leaves no file behind.
        with media.removed_on_failure():
            added = photos.add_photos(db.session, meeting, uploads, current_app.config["MEDIA_DIR"],
                                      current_user.id)
            db.session.commit()
    except photos.PhotoError as exc:
        db.session.rollback()
        flash(PHOTO_ERRORS[exc.args[0]](exc.args[1]) + " " + _("No photo was added."), "error")
        return back
    flash(ngettext("%(num)s photo added.", "%(num)s photos added.", len(added)), "success")
    return back


@bp.route("/photos/<int:photo_id>/<any(full, thumb):size>.jpg")
def photo_file(photo_id: int, size: str):
    """A session photo or its thumbnail, for staff who may manage the session only."""
    photo = load_photo(photo_id)
    name = photo.file_name if size == "full" else photos.thumb_name(photo.file_name)
    path = photos.path_of(current_app.config["MEDIA_DIR"], name)
    if not path.is_file():
        flash(_("This photo's file is missing."), "error")
        return redirect(url_for("classes.session", session_id=photo.session_id))
    response = send_file(path, mimetype="image/jpeg", max_age=3600, conditional=True)
    response.headers["Cache-Control"] = PRIVATE_CACHE
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/photos/<int:photo_id>/delete", methods=["GET", "POST"])
def delete_photo(photo_id: int):
    """Delete a session photo after a confirmation page (audited)."""
    photo = load_photo(photo_id)
    meeting = photo.session
    form = ConfirmForm()
    if not form.confirmed:
        return render_template("classes/confirm_delete_photo.html", photo=photo, meeting=meeting, form=form)
    names = photos.delete_photo(db.session, photo, current_user.id, request.remote_addr or "")
    db.session.commit()
    photos.remove_files(current_app.config["MEDIA_DIR"], names)
    flash(_("Photo deleted."), "success")
    return redirect(url_for("classes.session", session_id=meeting.id, _anchor="session-photos"))
