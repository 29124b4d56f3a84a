"""The studio's voice recordings: a trainer records (or uploads) a lesson section or a quiz
question read aloud, in Mandarin or the local dialect, and can delete a recording again.

Rules live in services/authoring/recordings.py; the page works without JavaScript (a file
input), and static/js/recorder.js adds recording in the browser (MediaRecorder).
"""
from flask import current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..forms_common import AppForm
from ..models import Course
from ..services.authoring import authoring, recordings
from .common import audit_event, bp, done, load_course, load_lesson, load_quiz, undo
from .forms import upload


class RecordingForm(AppForm):
    """One recording: what it reads, its label and the sound file."""

    target = SelectField(_l("What you read"), choices=[], validate_choice=True)
    label = StringField(_l("Language or dialect"), default="普通话",
                        validators=[DataRequired(message=_l("Say which language or dialect you speak, "
                                                            "for example 普通话 or 四川话.")),
                                    Length(max=recordings.MAX_LABEL)],
                        description=_l("Shown on the play button, for example 普通话 or 四川话 "
                                       "(at most 20 characters)."))
    audio = FileField(_l("Sound file"), render_kw={"accept": "audio/*"}, description=_l("Record below, or choose a sound file from the "
                                                        "phone (up to 10 minutes)."))


class DeleteRecordingForm(AppForm):
    recording_id = HiddenField()


def _page(template: str, course: Course, form: RecordingForm, status: int = 200, **context):
    found = recordings.course_recordings(db.session, course.id)
    return render_template(template, course=course, form=form, recordings=found,
                           caption=recordings.caption, delete_form=DeleteRecordingForm(formdata=None),
                           max_minutes=recordings.MAX_SECONDS // 60, **context), status


def _store(course: Course, form: RecordingForm, **where) -> str | None:
    """Transcode and store the form's file; a message at the field (and None) when refused."""
    chosen = upload(form.audio)
    if chosen is None:
        form.audio.errors = [_("Record something or choose a sound file first.")]
        return None
    data = chosen.stream.read(recordings.MAX_UPLOAD_BYTES + 1)
    try:
        audio = recordings.transcode(data)
    except recordings.RecordingRefused as exc:
        form.audio.errors = [exc.args[0]]
        return None
    recording = recordings.add_recording(db.session, course, audio, form.label.data,
                                         current_app.config["MEDIA_DIR"], **where)
    return recordings.caption(recording)


@bp.route("/lessons/<int:lesson_id>/recordings", methods=["GET", "POST"])
def lesson_recordings(lesson_id: int):
    course, lesson = load_lesson(lesson_id)
    form = RecordingForm()
    form.target.choices = [("", _("The whole lesson"))] + [(s, s) for s in recordings.sections(lesson)]
    context = {"lesson": lesson}
    if not form.validate_on_submit():
        return _page("author/recordings.html", course, form, 422 if form.errors else 200, **context)
    saved = _store(course, form, lesson=lesson, section=form.target.data or "")
    if saved is None:
        undo()
        course, lesson = load_lesson(lesson_id)
        return _page("author/recordings.html", course, form, 422, lesson=lesson)
    authoring.record_change(db.session, course, current_user.id, "recording.add",
                            f"{lesson.title} · {saved}")
    return done(_("Recording saved: %(what)s.", what=saved),
                url_for("author.lesson_recordings", lesson_id=lesson.id))


@bp.route("/quizzes/<int:quiz_id>/recordings", methods=["GET", "POST"])
def quiz_recordings(quiz_id: int):
    course, quiz = load_quiz(quiz_id)
    form = RecordingForm()
    form.target.choices = [(str(q.id), f"{n}. {q.prompt[:60]}") for n, q in enumerate(quiz.questions, 1)]
    if not form.validate_on_submit():
        return _page("author/recordings_quiz.html", course, form, 422 if form.errors else 200, quiz=quiz)
    question = next(q for q in quiz.questions if str(q.id) == form.target.data)
    saved = _store(course, form, question=question)
    if saved is None:
        undo()
        course, quiz = load_quiz(quiz_id)
        return _page("author/recordings_quiz.html", course, form, 422, quiz=quiz)
    authoring.record_change(db.session, course, current_user.id, "recording.add",
                            f"{question.prompt[:80]} · {saved}")
    return done(_("Recording saved: %(what)s.", what=saved),
                url_for("author.quiz_recordings", quiz_id=quiz.id))


@bp.route("/courses/<int:course_id>/recordings/delete", methods=["POST"])
def delete_recording(course_id: int):
    """Delete one recording of the course (audited, with what it was)."""
    course = load_course(course_id)
    form = DeleteRecordingForm()
    found = {str(r.id): r for r in recordings.course_recordings(db.session, course.id)}
    recording = found.get(form.recording_id.data or "") if form.validate_on_submit() else None
    back = url_for("author.course", course_id=course.id)
    if recording is None:
        undo(_("That recording was already deleted, or is not part of this course."))
        return redirect(back)
    if recording.lesson_id:
        back = url_for("author.lesson_recordings", lesson_id=recording.lesson_id)
    else:
        quiz_id = next((q.id for q in course.quizzes for question in q.questions
                        if question.id == recording.question_id), None)
        back = url_for("author.quiz_recordings", quiz_id=quiz_id) if quiz_id else back
    what = recordings.caption(recording)
    old = recordings.delete_recording(db.session, course, recording)
    authoring.record_change(db.session, course, current_user.id, "recording.delete", what)
    audit_event("recording.delete", "recording", int(form.recording_id.data), course=course.slug, **old)
    return done(_("Recording deleted: %(what)s.", what=what), back)
