"""Quiz rules: enrolment, attempt limits, exactly-once submission, privacy of attempts."""
import pytest
from sqlalchemy import func, select

from training.extensions import db
from training.models import Attempt, AttemptAnswer, QuizResult

from ..helpers import answer_form


def url(course, quiz):
    return f"/courses/{course.slug}/quizzes/{quiz.id}"


def test_not_enrolled_learner_cannot_submit(learner_client, example_course):
    """Can a learner who is not enrolled submit a quiz? (No.)"""
    quiz = example_course.lessons[0].quiz
    response = learner_client.post(url(example_course, quiz), data=answer_form(quiz))
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Attempt.id))) == 0


def test_same_token_twice_records_once(learner_client, learner, factory, example_course):
    """Does a double tap or a resubmitted form record one attempt?"""
    factory.enrol(learner, example_course)
    quiz = example_course.lessons[0].quiz
    form = answer_form(quiz)
    first = learner_client.post(url(example_course, quiz), data=form)
    second = learner_client.post(url(example_course, quiz), data=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Attempt.id))) == 1
    assert db.session.scalar(select(QuizResult.attempts)) == 1


def test_attempt_limit_is_enforced(learner_client, learner, factory, example_course):
    """Can a learner go beyond max attempts? (No: the 4th of 3 is refused.)"""
    factory.enrol(learner, example_course)
    quiz = example_course.lessons[1].quiz
    assert quiz.max_attempts == 3
    for _ in range(3):
        assert "/attempts/" in learner_client.post(url(example_course, quiz), data=answer_form(quiz, False)).headers["Location"]
    response = learner_client.post(url(example_course, quiz), data=answer_form(quiz), follow_redirects=True)
    assert "used all attempts" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Attempt.id))) == 3


def test_the_last_attempt_tapped_twice_shows_its_result(learner_client, learner, factory, example_course):
    """A double tap on the last allowed attempt leads to that attempt's result, not to "no
    attempts left"; a new form after it is refused."""
    factory.enrol(learner, example_course)
    quiz = example_course.lessons[1].quiz
    for _ in range(2):
        learner_client.post(url(example_course, quiz), data=answer_form(quiz, False))
    last = answer_form(quiz, False)
    first = learner_client.post(url(example_course, quiz), data=last)
    again = learner_client.post(url(example_course, quiz), data=last)
    assert "/attempts/" in first.headers["Location"] and again.headers["Location"] == first.headers["Location"]
    assert "/attempts/" not in learner_client.post(url(example_course, quiz), data=answer_form(quiz)).headers["Location"]
    assert db.session.scalar(select(func.count(Attempt.id))) == 3


def test_someone_elses_attempt_token_records_nothing(learner_client, learner, factory, example_course):
    """A form carrying another learner's attempt token is refused and changes nothing."""
    from training.services.learning import quizzes

    other = factory.user("learner")
    for person in (learner, other):
        factory.enrol(person, example_course)
    quiz = example_course.lessons[0].quiz
    form = answer_form(quiz)
    learner_client.post(url(example_course, quiz), data=form)
    with pytest.raises(quizzes.QuizClosed):
        quizzes.submit(db.session, other.id, quiz, form["attempt_token"], {})
    db.session.rollback()
    assert db.session.scalar(select(func.count(Attempt.id))) == 1
    assert db.session.scalar(select(func.count(QuizResult.id))) == 1


def test_each_answer_is_marked_with_its_explanation(learner_client, learner, factory, example_course):
    factory.enrol(learner, example_course)
    quiz = example_course.lessons[0].quiz
    response = learner_client.post(url(example_course, quiz), data=answer_form(quiz, False), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "0%" in page and page.count("Not correct") == 3
    assert "1080p/30 大约需要 3–6 Mbps" in page and "Try again" in page


def test_missing_answer_keeps_the_other_answers(learner_client, learner, factory, example_course):
    """Does a form with an unanswered question come back with the given answers kept?"""
    factory.enrol(learner, example_course)
    quiz = example_course.lessons[1].quiz
    form = answer_form(quiz)
    short = next(q for q in quiz.questions if q.kind == "short_text")
    ordering = next(q for q in quiz.questions if q.kind == "ordering")
    for choice in ordering.choices:
        form[f"q{ordering.id}-{choice.id}"] = "1"  # every step in place 1
    response = learner_client.post(url(example_course, quiz), data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'value="{form[f"q{short.id}"]}"' in page
    assert "Give each step a different place" in page
    assert db.session.scalar(select(func.count(Attempt.id))) == 0


def test_forged_choice_is_rejected(learner_client, learner, factory, example_course):
    factory.enrol(learner, example_course)
    quiz = example_course.lessons[0].quiz
    form = answer_form(quiz)
    single = next(q for q in quiz.questions if q.kind == "single")
    form[f"q{single.id}"] = "999999"
    assert learner_client.post(url(example_course, quiz), data=form).status_code == 422
    form["attempt_token"] = "short"
    assert learner_client.post(url(example_course, quiz), data=form).status_code == 400


def test_attempt_snapshot_survives_quiz_edits(learner_client, learner, factory, example_course):
    """Does editing a question after an attempt leave the past result unchanged?"""
    factory.enrol(learner, example_course)
    quiz = example_course.lessons[0].quiz
    location = learner_client.post(url(example_course, quiz), data=answer_form(quiz)).headers["Location"]
    question = quiz.questions[0]
    question.prompt = "已修改的题目"
    for choice in question.choices:
        choice.is_correct = not choice.is_correct
    db.session.commit()
    page = learner_client.get(location).get_data(as_text=True)
    assert "100%" in page and "已修改的题目" not in page and "1080p/30" in page
    answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.position == 0))
    assert answer.is_correct and answer.response_text.startswith("降到 720p")


def test_other_learner_cannot_see_an_attempt(app, learner_client, learner, factory, example_course):
    """Can one learner open another learner's attempt? (No: 404.)"""
    factory.enrol(learner, example_course)
    quiz = example_course.lessons[0].quiz
    location = learner_client.post(url(example_course, quiz), data=answer_form(quiz)).headers["Location"]
    other = app.test_client(user=factory.user("learner"))
    assert other.get(location).status_code == 404
    assert app.test_client().get(location).status_code == 302  # anonymous: log in first


def test_shuffled_order_is_stable_for_one_form(learner_client, learner, factory, example_course):
    """With shuffle on, does a reload of one attempt form keep the same order?"""
    from training.services.learning import quizzes
    exam = example_course.final_exam
    assert exam.shuffle
    token = quizzes.new_token()
    first = [p.question.id for p in quizzes.present(exam, token)]
    assert first == [p.question.id for p in quizzes.present(exam, token)]
    ordering = example_course.lessons[1].quiz
    for _ in range(20):
        presented = quizzes.present(ordering, quizzes.new_token())
        steps = next(p for p in presented if p.question.kind == "ordering")
        assert [c.position for c in steps.choices] != [0, 1, 2]
