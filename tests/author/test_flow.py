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
    assert 'name="choice-3-text"' in page and 'value="3"' not in page.split('name="choice_count"')[0][-30:]
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
