"""The authoring journey through the test client: course → lessons → quiz of every type →
publish → a learner takes it."""
import re

from sqlalchemy import select

from training.extensions import db
from training.models import (
    AuditEvent,
    Course,
    CourseChange,
    Enrollment,
    LessonCompletion,
    QuestionKind,
    Quiz,
)
from tests.helpers import answer_form

from .helpers import image_bytes, question_form, upload


def create_course(client, title="Selling apples live", **extra) -> Course:
    data = {"title": title, "summary": "Sell apples on live streams.", "language": "en",
            "level": "beginner", "slug": "", "cover_alt": ""}
    data.update(extra)
    response = client.post("/author/courses/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(select(Course).order_by(Course.id.desc()))


def add_lesson(client, course: Course, title: str, body: str = "## Hello\n\nSome text.") -> int:
    response = client.post(f"/author/courses/{course.id}/lessons/new",
                           data={"title": title, "body_md": body, "minutes": "7", "action": "save"})
    assert response.status_code == 302, response.get_data(as_text=True)
    # Back to the course page, at the new lesson.
    return int(response.headers["Location"].rsplit("#lesson-", 1)[1])


def test_trainer_builds_publishes_and_learner_takes_course(app_ctx, trainer, trainer_client, learner_client):
    """Can a trainer build a course with a quiz of every type that a learner then completes?"""
    course = create_course(trainer_client)
    assert course.centre_id == trainer.centre_id and course.status == "draft"
    lesson_ids = [add_lesson(trainer_client, course, f"Lesson {n}") for n in (1, 2, 3)]

    # A picture uploaded into the second lesson is inserted as Markdown.
    response = trainer_client.post(f"/author/lessons/{lesson_ids[1]}", data={
        "title": "Lesson 2", "body_md": "Text", "minutes": "7", "version": "1",
        "action": "upload_image", "image_alt": "Apples under a lamp",
        "image": upload(image_bytes("JPEG"), "lamp.jpg")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    markdown = re.search(r"!\[Apples under a lamp\]\((images/[^)]+)\)", page)
    assert response.status_code == 200 and markdown
    response = trainer_client.post(f"/author/lessons/{lesson_ids[1]}", data={
        "title": "Lesson 2", "body_md": f"Text\n\n{markdown.group(0)}", "minutes": "7",
        "version": "1", "action": "save"})
    assert response.status_code == 302

    response = trainer_client.post(f"/author/lessons/{lesson_ids[0]}/quiz", data={"title": "Check"})
    quiz_id = int(response.headers["Location"].rsplit("/", 1)[1])
    for kind in QuestionKind:
        quiz = db.session.get(Quiz, quiz_id)
        db.session.refresh(quiz)
        response = trainer_client.post(f"/author/quizzes/{quiz_id}/questions/new?kind={kind.value}",
                                       data=question_form(kind.value, quiz.version))
        assert response.status_code == 302, (kind, response.get_data(as_text=True))

    response = trainer_client.post(f"/author/courses/{course.id}/publish")
    assert response.status_code == 302
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.is_published
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.publish"))

    # The stored lesson HTML has explicit sizes and srcset copies (JPEG and WebP).
    html = course.lessons[1].body_html
    assert 'width="1200" height="800"' in html and "480w" in html and 'type="image/webp"' in html

    # A learner enrols, reads the lessons and passes the quiz of every type.
    learner_client.post(f"/courses/{course.slug}/enrol")
    for lesson in course.lessons:
        assert learner_client.post(f"/courses/{course.slug}/lessons/{lesson.key}/complete").status_code == 302
    quiz = db.session.get(Quiz, quiz_id)
    assert len(quiz.questions) == 5
    response = learner_client.post(f"/courses/{course.slug}/quizzes/{quiz_id}", data=answer_form(quiz))
    assert response.status_code == 302
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.course_id == course.id))
    db.session.refresh(enrollment)
    assert enrollment.percent == 100 and enrollment.completed_at is not None

    actions = set(db.session.scalars(select(CourseChange.action).where(CourseChange.course_id == course.id)))
    assert {"course.create", "lesson.add", "lesson.edit", "quiz.add", "question.add", "course.publish"} <= actions
    history = trainer_client.get(f"/author/courses/{course.id}/history").get_data(as_text=True)
    assert "published the course" in history and trainer.display_name in history


def test_preview_lesson_and_quiz_records_nothing(app_ctx, trainer_client, example_course, trainer):
    """Do previews of a draft's lesson and quiz show the learner's view without creating progress?"""
    example_course.centre_id = trainer.centre_id
    example_course.status = "draft"
    db.session.commit()
    lesson = example_course.lessons[0]
    page = trainer_client.get(f"/author/lessons/{lesson.id}/preview").get_data(as_text=True)
    assert lesson.body_html in page and "Nothing is recorded" in page
    quiz = lesson.quiz
    response = trainer_client.get(f"/author/quizzes/{quiz.id}/preview")
    assert response.status_code == 200
    token = re.search(r'name="attempt_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)
    response = trainer_client.post(f"/author/quizzes/{quiz.id}/preview", data=answer_form(quiz, token=token))
    assert response.status_code == 200 and "100%" in response.get_data(as_text=True)
    assert db.session.scalar(select(LessonCompletion)) is None
    assert db.session.scalar(select(Enrollment)) is None


def test_unsaved_preview_matches_learner_rendering(app_ctx, trainer_client, trainer):
    """Is the edit page's preview the same sanitized HTML that learners will get?"""
    course = create_course(trainer_client)
    lesson_id = add_lesson(trainer_client, course, "One")
    response = trainer_client.post(f"/author/lessons/{lesson_id}", data={
        "title": "One", "body_md": "**Bold** <script>alert(1)</script>", "minutes": "5",
        "version": "1", "action": "preview"})
    page = response.get_data(as_text=True)
    assert "<strong>Bold</strong>" in page and "<script>alert(1)" not in page
    assert db.session.get(Course, course.id).lessons[0].body_md != "**Bold** <script>alert(1)</script>"


def test_add_and_remove_choice_without_javascript(app_ctx, trainer_client, example_course, trainer):
    """Do "Add a choice" and "Remove" buttons change the form without saving anything?"""
    example_course.centre_id = trainer.centre_id
    db.session.commit()
    quiz = example_course.lessons[0].quiz
    before = len(quiz.questions)
    form = question_form("single", quiz.version, action="add_choice")
    page = trainer_client.post(f"/author/quizzes/{quiz.id}/questions/new?kind=single", data=form).get_data(as_text=True)
    assert 'name="choice-3-text"' in page and 'name="choice-4-text"' not in page
    form = question_form("single", quiz.version, action="remove_choice-0")
    page = trainer_client.post(f"/author/quizzes/{quiz.id}/questions/new?kind=single", data=form).get_data(as_text=True)
    assert 'value="First"' not in page and 'value="Second"' in page and 'name="choice-2-text"' not in page
    db.session.refresh(quiz)
    assert len(quiz.questions) == before


def test_lessons_reorder_with_up_and_down(app_ctx, trainer_client, trainer):
    """Do the up/down buttons reorder lessons?"""
    course = create_course(trainer_client)
    first, second = add_lesson(trainer_client, course, "First"), add_lesson(trainer_client, course, "Second")
    trainer_client.post(f"/author/lessons/{second}/move", data={"direction": "up"})
    db.session.expire_all()
    assert [l.title for l in db.session.get(Course, course.id).lessons] == ["Second", "First"]
    assert first


def test_course_cover_and_duplicate(app_ctx, trainer_client, example_course, trainer):
    """Does duplicating a course make a new draft with a new slug, its lessons and pictures?"""
    example_course.centre_id = trainer.centre_id
    db.session.commit()
    response = trainer_client.post(f"/author/courses/{example_course.id}/duplicate",
                                   data={"title": "Copy", "language": "zh", "slug": ""})
    assert response.status_code == 302
    db.session.expire_all()
    copy = db.session.scalar(select(Course).where(Course.title == "Copy"))
    assert copy.slug != example_course.slug and copy.status == "draft" and copy.language == "zh"
    assert len(copy.lessons) == len(example_course.lessons) and copy.media
    assert copy.translation_group == example_course.translation_group == example_course.slug


def test_which_photo_question_reaches_learners_with_pictures(app_ctx, trainer_client, learner_client, example_course, trainer, learner, factory):
    """Can a trainer make a "which photo is lit better?" question whose choices are photos,
    and do learners see the photos (sized, with srcset)?"""
    from .helpers import post_multipart

    example_course.centre_id = trainer.centre_id
    db.session.commit()
    quiz = example_course.lessons[0].quiz
    form = question_form("single", quiz.version, prompt="Which photo is lit better?", **{
        "choice-0-text": "Photo A", "choice-1-text": "Photo B", "correct": "0",
        "choice-0-image_alt": "Bright apples", "choice-1-image_alt": "Dark apples",
        "choice-0-image_file": upload(image_bytes("JPEG", color="yellow"), "a.jpg"),
        "choice-1-image_file": upload(image_bytes("JPEG", color="black"), "b.jpg")})
    del form["choice-2-text"]
    response = post_multipart(trainer_client, f"/author/quizzes/{quiz.id}/questions/new?kind=single", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    question = db.session.get(Quiz, quiz.id).questions[-1]
    assert [c.image_alt for c in question.choices] == ["Bright apples", "Dark apples"]
    assert all(c.image and c.image.startswith("images/question-") for c in question.choices)

    factory.enrol(learner, example_course)
    page = learner_client.get(f"/courses/{example_course.slug}/quizzes/{quiz.id}").get_data(as_text=True)
    assert 'alt="Bright apples"' in page and 'alt="Dark apples"' in page
    assert 'type="image/webp"' in page and 'width="1200" height="800"' in page


def test_choice_picture_without_description_is_refused(app_ctx, trainer_client, example_course, trainer):
    """Is a choice picture without a description refused at that choice, storing nothing and
    asking for the picture again (a refused form keeps none of its uploads)?"""
    from .helpers import post_multipart

    example_course.centre_id = trainer.centre_id
    db.session.commit()
    quiz = example_course.lessons[0].quiz
    form = question_form("single", quiz.version, **{
        "choice-0-image_file": upload(image_bytes("PNG", size=(50, 50)), "a.png")})
    response = post_multipart(trainer_client, f"/author/quizzes/{quiz.id}/questions/new?kind=single", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Describe the picture of choice 1" in page
    assert "Choose the picture again" in page and 'name="choice-0-image"' not in page


def test_adding_a_lesson_updates_learners_progress(app_ctx, trainer_client, learner_client, learner, factory):
    """After a lesson is added to a published course, is a finished learner's percent recounted?"""
    course = create_course(trainer_client)
    add_lesson(trainer_client, course, "One")
    trainer_client.post(f"/author/courses/{course.id}/publish")
    factory.enrol(learner, db.session.get(Course, course.id))
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    learner_client.post(f"/courses/{course.slug}/lessons/{course.lessons[0].key}/complete")
    add_lesson(trainer_client, course, "Two")
    enrollment = db.session.scalar(select(Enrollment))
    db.session.refresh(enrollment)
    assert (enrollment.items_done, enrollment.items_total, enrollment.percent) == (1, 2, 50)
    # Completion stays recorded.
    assert enrollment.completed_at is not None


def test_quiz_settings_over_newer_version_are_not_saved(app_ctx, trainer_client, example_course, trainer):
    """Are quiz settings saved over an outdated version refused with a message?"""
    example_course.centre_id = trainer.centre_id
    db.session.commit()
    quiz = example_course.lessons[0].quiz
    form = {"title": "New title", "pass_mark": "70", "max_attempts": "3", "version": str(quiz.version)}
    assert trainer_client.post(f"/author/quizzes/{quiz.id}", data=form).status_code == 302
    response = trainer_client.post(f"/author/quizzes/{quiz.id}", data={**form, "title": "Stale"},
                                   follow_redirects=True)
    assert "Someone else changed this quiz" in response.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Quiz, quiz.id)
    assert (saved.title, saved.pass_mark, saved.max_attempts, saved.shuffle) == ("New title", 70, 3, False)
