"""The question editor refuses bad input at the field, with a 422 and nothing saved."""
import pytest
from sqlalchemy import func, select

from training.extensions import db
from training.models import CourseMedia, Quiz

from .helpers import question_form


@pytest.fixture
def quiz(app_ctx, example_course, trainer):
    example_course.centre_id = trainer.centre_id
    db.session.commit()
    return example_course.lessons[0].quiz


def _state(quiz_id: int):
    db.session.expire_all()
    quiz = db.session.get(Quiz, quiz_id)
    media = db.session.scalar(select(func.count(CourseMedia.id)).where(CourseMedia.course_id == quiz.course_id))
    return quiz.version, [(q.prompt, len(q.choices)) for q in quiz.questions], media


many = {f"choice-{i}-text": f"Choice {i}" for i in range(13)}


@pytest.mark.parametrize(("kind", "extra", "message"), [
    ("single", {"prompt": "x" * 5001}, "The question may be at most 5000 characters long."),
    ("single", {"explanation": "x" * 5001}, "The explanation may be at most 5000 characters long."),
    ("single", {"choice-1-text": "x" * 1001}, "A choice may be at most 1000 characters long."),
    ("single", {"image_alt": "x" * 301}, "Describe the picture in at most 300 characters."),
    ("single", many, "A question can have at most 12 choices."),
    ("single", {"version": "soon"}, "This page is out of date."),
    ("single", {"action": "explode"}, "This button is not known."),
    ("single", {"action": "remove_choice-x"}, "This button is not known."),
    ("single", {"image": "../../etc/passwd", "image_alt": "A file"}, "That picture is not part of this course."),
    ("single", {"choice-0-image": "images/elsewhere.png"}, "That picture is not part of this course."),
    ("single", {"correct": "7"}, "Mark exactly one choice as the correct answer."),
    ("true_false", {"answer": "maybe"}, "Choose whether the statement is true or false."),
    ("short_text", {"accepted": "y" * 201}, "Each accepted answer may be at most 200 characters long."),
])
def test_bad_input_is_refused_with_a_message(trainer_client, quiz, kind, extra, message):
    """Does each kind of bad input get its message and a 422, leaving the quiz as it was?"""
    before = _state(quiz.id)
    url = f"/author/quizzes/{quiz.id}/questions/new?kind={kind}"
    response = trainer_client.post(url, data={**question_form(kind, quiz.version), **extra})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _state(quiz.id) == before


def test_a_post_not_from_the_editor_is_a_bad_request(trainer_client, quiz):
    """Is a POST without the editor's hidden quiz version answered 400, saving nothing?"""
    question = quiz.questions[0]
    before = _state(quiz.id)
    assert trainer_client.post(f"/author/questions/{question.id}", data={"prompt": "Hi"}).status_code == 400
    assert _state(quiz.id) == before


def test_choices_keep_their_order_and_correct_answer(trainer_client, quiz):
    """Are choices saved in page order, with the radio button marking the right one?"""
    form = question_form("single", quiz.version, correct="2")
    response = trainer_client.post(f"/author/quizzes/{quiz.id}/questions/new?kind=single", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Quiz, quiz.id).questions[-1]
    assert [(c.text, c.is_correct) for c in saved.choices] == [
        ("First", False), ("Second", False), ("Third", True)]


def _media_files(app) -> set[str]:
    from pathlib import Path

    root = Path(app.config["MEDIA_DIR"])
    return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.parametrize(("extra", "status", "message"), [
    ({"correct": "7"}, 422, "Mark exactly one choice as the correct answer."),
    ({"choice-0-image_alt": ""}, 422, "Describe the picture of choice 1"),
    ({"version": "0"}, 409, ""),
])
def test_a_refused_question_stores_none_of_its_pictures(app, trainer_client, quiz, extra, status, message):
    """Does a question form refused after its pictures uploaded (another field invalid, or an
    outdated version) leave no CourseMedia row and no file, and ask for the pictures again?"""
    from .helpers import image_bytes, post_multipart, upload

    before, files = _state(quiz.id), _media_files(app)
    form = {**question_form("single", quiz.version, **{
        "image_alt": "A field", "image_file": upload(image_bytes("JPEG"), "q.jpg"),
        "choice-0-image_alt": "Apples", "choice-0-image_file": upload(image_bytes("PNG", size=(60, 40)), "a.png")}),
        **extra}
    response = post_multipart(trainer_client, f"/author/quizzes/{quiz.id}/questions/new?kind=single", form)
    page = response.get_data(as_text=True)
    assert response.status_code == status and message in page
    assert _state(quiz.id)[2] == before[2]
    assert _media_files(app) == files
    assert "images/question-" not in page
    if status == 422:
        assert page.count("Choose the picture again") == 2


def test_adding_a_choice_keeps_the_uploaded_picture(app, trainer_client, quiz):
    """Is a picture uploaded with "Add a choice" (the form shown again, not refused) kept for the save?"""
    from .helpers import image_bytes, post_multipart, upload

    media = _state(quiz.id)[2]
    form = question_form("single", quiz.version, action="add_choice", image_alt="A field",
                         image_file=upload(image_bytes("JPEG"), "q.jpg"))
    response = post_multipart(trainer_client, f"/author/quizzes/{quiz.id}/questions/new?kind=single", form)
    assert response.status_code == 200
    assert 'name="image" value="images/question-' in response.get_data(as_text=True)
    assert _state(quiz.id)[2] == media + 1
