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
