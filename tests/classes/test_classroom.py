"""Classroom mode: a live quiz during a session, answered on phones and, for learners without
one, entered by the trainer; ended into ordinary quiz attempts."""
from datetime import date

import pytest
from sqlalchemy import func, select

from training.extensions import db
from training.models import (
    Attempt,
    AttemptAnswer,
    Attendance,
    ClassroomAnswer,
    ClassroomQuiz,
    Enrollment,
    QuizResult,
)
from training.services.classes import classroom
from training.services.classes.classroom import ClassroomError
from training.services.reports import progress_reports

from ..conftest import EXAMPLE_COURSE
from ..factories import Factory
from ..helpers import statements_run


@pytest.fixture
def room(factory, trainer):
    """Centre A's class on the example course, a session, and a helper to add members."""
    course = factory.import_course(EXAMPLE_COURSE)
    training_class = factory.training_class("Centre A", courses=[course], trainer=trainer)
    meeting = factory.training_session(training_class, date(2026, 11, 1))
    quiz = course.lessons[0].quiz  # single, true/false, multiple choice
    return course, training_class, meeting, quiz


def members(factory, training_class, n: int, prefix: str = "m"):
    return [factory.member(training_class, factory.user("learner", centre="Centre A",
                                                          username=f"{prefix}{i}"))
            for i in range(n)]


def fresh(cq_id: int) -> ClassroomQuiz:
    """The classroom quiz as the database has it now (requests ran in other sessions)."""
    db.session.expire_all()
    return db.session.get(ClassroomQuiz, cq_id)


def phone_form(view, cq, pick) -> dict:
    """A phone's answer form: `pick` is a choice index (single), True/False, or a list."""
    data = {"position": str(cq.position)}
    name = f"q{view.id}"
    if view.kind == "true_false":
        data[name] = "true" if pick else "false"
    elif view.kind == "multiple":
        data[name] = [str(view.choices[i].id) for i in pick]
    else:
        data[name] = str(view.choices[pick].id)
    return data


def test_forty_phones_and_five_assisted_answers_give_the_right_counts_and_attempts(
        app, factory, room, trainer, trainer_client):
    """40 phones and 5 answers given aloud: counts per choice without names, then one attempt
    each (classroom / assisted), QuizResult, progress and item analysis updated."""
    _course, training_class, meeting, quiz = room
    phones = members(factory, training_class, 40, "phone")
    aloud = members(factory, training_class, 5, "aloud")
    response = trainer_client.post(f"/classroom/sessions/{meeting.id}/start", data={"quiz_id": quiz.id})
    cq = db.session.scalar(select(ClassroomQuiz))
    assert response.headers["Location"].endswith(f"/classroom/{cq.id}/screen")

    def answer_by_phone(user, pick):
        view = classroom.question(fresh(cq.id))
        client = app.test_client(user=user)
        return client.post(f"/classroom/{cq.code}", data=phone_form(view, fresh(cq.id), pick))

    def answer_aloud(user, pick):
        current = fresh(cq.id)
        view = classroom.question(current)
        data = {**phone_form(view, current, pick), "learner": str(user.id)}
        return trainer_client.post(f"/classroom/{cq.id}/assist", data=data)

    def control(action):
        version = fresh(cq.id).version
        return trainer_client.post(f"/classroom/{cq.id}/control", data={"action": action, "version": version})

    # Question 1 (single; choice 0 right): phones 20×A, 12×B, 8×C; aloud 3×A, 2×B.
    for i, user in enumerate(phones):
        assert answer_by_phone(user, 0 if i < 20 else 1 if i < 32 else 2).status_code == 302
    for i, user in enumerate(aloud):
        assert answer_aloud(user, 0 if i < 3 else 1).status_code == 302
    assert classroom.counts(db.session, fresh(cq.id), 0) == classroom.Counts(45, (23, 14, 8), 23)
    screen = trainer_client.get(f"/classroom/{cq.id}/screen").get_data(as_text=True)
    assert "45 answers" in screen
    assert control("show").status_code == 302
    screen = trainer_client.get(f"/classroom/{cq.id}/screen").get_data(as_text=True)
    assert "cr-bars" in screen and "23 right" in screen
    assert not any(u.display_name in screen for u in phones + aloud)  # counts, never names

    # Question 2 (true/false, true): the first 30 phones say true, 10 false; aloud all true.
    assert control("next").status_code == 302
    for i, user in enumerate(phones):
        answer_by_phone(user, i < 30)
    for user in aloud:
        answer_aloud(user, True)
    assert classroom.counts(db.session, fresh(cq.id), 1) == classroom.Counts(45, (35, 10), 35)

    # Question 3 (multiple; 0, 1, 2 right): 10 phones right, 10 phones only [0]; others silent.
    control("show")
    assert control("next").status_code == 302
    for i, user in enumerate(phones[:20]):
        answer_by_phone(user, [0, 1, 2] if i < 10 else [0])
    assert classroom.counts(db.session, fresh(cq.id), 2) == classroom.Counts(20, (20, 10, 10, 0), 10)

    assert control("end").status_code == 302
    assert fresh(cq.id).phase == "ended"
    attempts = {a.user_id: a for a in db.session.scalars(select(Attempt))}
    assert len(attempts) == 45
    modes = [attempts[u.id].mode for u in phones + aloud]
    assert modes == ["classroom"] * 40 + ["assisted"] * 5
    # Phone 0: A, true, all right -> 3/3; phone 15: A, true, [0] -> 2/3; phone 35: C, false,
    # silent -> 0/3; aloud 0: A, true, silent -> 2/3 (unanswered counts wrong).
    assert (attempts[phones[0].id].score, attempts[phones[0].id].passed) == (100, True)
    assert attempts[phones[15].id].correct_count == 2
    assert (attempts[phones[35].id].correct_count, attempts[phones[35].id].passed) == (0, False)
    assert (attempts[aloud[0].id].correct_count, attempts[aloud[0].id].question_count) == (2, 3)
    assert db.session.scalar(select(func.count(AttemptAnswer.id))) == 45 * 3
    result = db.session.scalar(select(QuizResult).where(QuizResult.user_id == phones[0].id))
    assert (result.attempts, result.best_score, result.passed) == (1, 100, True)
    enrolment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == phones[0].id))
    assert enrolment.items_done == 2 and enrolment.percent > 0  # the quiz, and the lesson it completes
    # The class report's item analysis counts the classroom answers like any others.
    report = progress_reports.class_report(db.session, training_class.id)
    items = {row.position: row for row in report.quizzes[0].items}
    assert (items[1].answers, items[1].correct, items[1].top_wrong_count) == (45, 23, 14)
    assert (items[2].answers, items[2].correct) == (45, 35)

    # Ending twice records once.
    assert control("end").status_code == 302
    classroom.end(db.session, fresh(cq.id))
    db.session.commit()
    assert db.session.scalar(select(func.count(Attempt.id))) == 45
    assert db.session.scalar(select(QuizResult.attempts).where(QuizResult.user_id == phones[0].id)) == 1


def test_a_double_submit_records_once_and_the_first_answer_counts(app, factory, room, trainer):
    """The same phone tapping twice (or two tabs): one answer, the first."""
    _course, training_class, meeting, quiz = room
    (learner,) = members(factory, training_class, 1)
    cq = classroom.start(db.session, meeting, quiz, trainer)
    db.session.commit()
    view = classroom.question(cq)
    client = app.test_client(user=learner)
    client.post(f"/classroom/{cq.code}", data=phone_form(view, cq, 0))
    second = client.post(f"/classroom/{cq.code}", data=phone_form(view, cq, 2), follow_redirects=True)
    assert "your first answer counts" in second.get_data(as_text=True)
    answers = db.session.scalars(select(ClassroomAnswer)).all()
    assert [(a.response, a.is_correct) for a in answers] == [(0, True)]
    assert classroom.answer(db.session, fresh(cq.id), learner, 0, 1) is False


def test_answers_after_show_or_to_an_old_question_are_refused_with_a_message(app, factory, room, trainer):
    """Once the counts are shown, or the trainer has moved on, a late answer changes nothing."""
    _course, training_class, meeting, quiz = room
    late, later = members(factory, training_class, 2)
    cq = classroom.start(db.session, meeting, quiz, trainer)
    db.session.commit()
    view = classroom.question(cq)
    classroom.show(db.session, cq, cq.version)
    db.session.commit()
    with pytest.raises(ClassroomError) as refused:
        classroom.answer(db.session, cq, late, 0, 0)
    assert refused.value.code == "not_open"
    page = app.test_client(user=late).post(f"/classroom/{cq.code}", data=phone_form(view, cq, 0),
                                           follow_redirects=True)
    assert "Answers to this question are closed." in page.get_data(as_text=True)
    classroom.next_question(db.session, cq, cq.version)
    db.session.commit()
    page = app.test_client(user=later).post(f"/classroom/{cq.code}",
                                            data={"position": "0", f"q{view.id}": str(view.choices[0].id)},
                                            follow_redirects=True)
    assert "The trainer has moved on" in page.get_data(as_text=True)
    with pytest.raises(ClassroomError) as refused:
        classroom.answer(db.session, fresh(cq.id), later, 0, 0)
    assert refused.value.code == "old_question"
    assert db.session.scalar(select(func.count(ClassroomAnswer.id))) == 0


def test_a_non_member_is_refused_and_a_checked_in_visitor_takes_part(app, factory, room, trainer):
    """Members of the class and people checked in at the session answer; nobody else."""
    _course, _training_class, meeting, quiz = room
    outsider = factory.user("learner", centre="Centre A")
    cq = classroom.start(db.session, meeting, quiz, trainer)
    db.session.commit()
    with pytest.raises(ClassroomError) as refused:
        classroom.answer(db.session, cq, outsider, 0, 0)
    assert refused.value.code == "not_participant"
    client = app.test_client(user=outsider)
    assert client.get(f"/classroom/{cq.code}").status_code == 403
    assert client.post(f"/classroom/{cq.code}", data={"position": "0"}).status_code == 403
    assert client.get(f"/classroom/{cq.code}/state").status_code == 403
    assert db.session.scalar(select(func.count(ClassroomAnswer.id))) == 0
    # Checked in without being a member (a member removed since): takes part, is enrolled at the end.
    db.session.add(Attendance(session_id=meeting.id, user_id=outsider.id, method="roll"))
    db.session.commit()
    assert classroom.answer(db.session, cq, outsider, 0, 0) is True
    classroom.end(db.session, cq)
    db.session.commit()
    assert db.session.scalar(select(Attempt.mode).where(Attempt.user_id == outsider.id)) == "classroom"


def test_another_centres_trainer_and_learners_cannot_run_the_quiz(app, factory, room, trainer,
                                                                  other_centre_trainer):
    """Fred (centre B) gets 403 on every trainer page; a member learner cannot control it."""
    _course, training_class, meeting, quiz = room
    (member,) = members(factory, training_class, 1)
    cq = classroom.start(db.session, meeting, quiz, trainer)
    db.session.commit()
    for user in (other_centre_trainer, member):
        client = app.test_client(user=user)
        assert client.get(f"/classroom/sessions/{meeting.id}/start").status_code == 403
        assert client.get(f"/classroom/{cq.id}/screen").status_code == 403
        assert client.get(f"/classroom/{cq.id}/assist").status_code == 403
        response = client.post(f"/classroom/{cq.id}/control", data={"action": "end", "version": cq.version})
        assert response.status_code == 403
    assert app.test_client(user=other_centre_trainer).get(f"/classroom/{cq.code}").status_code == 403
    assert fresh(cq.id).phase == "open" and fresh(cq.id).version == 1
    assert app.test_client().get(f"/classroom/{cq.code}").status_code == 302  # to the login page


def test_a_stale_or_repeated_tap_on_the_screen_moves_once(factory, room, trainer, trainer_client):
    """Two taps on "next" (or two open screens) with the same version go one question on."""
    _course, _training_class, meeting, quiz = room
    cq = classroom.start(db.session, meeting, quiz, trainer)
    db.session.commit()
    for _ in range(2):
        trainer_client.post(f"/classroom/{cq.id}/control", data={"action": "next", "version": 1})
    assert (fresh(cq.id).position, fresh(cq.id).version) == (1, 2)
    page = trainer_client.post(f"/classroom/{cq.id}/control", data={"action": "next", "version": 1},
                               follow_redirects=True).get_data(as_text=True)
    assert "The screen had changed" in page
    classroom.next_question(db.session, fresh(cq.id), 2)
    with pytest.raises(ClassroomError) as refused:
        classroom.next_question(db.session, fresh(cq.id), 3)
    assert refused.value.code == "last"


def test_start_needs_a_quiz_of_the_class_and_one_quiz_at_a_time(factory, room, trainer, trainer_client):
    """A quiz of another course is refused; a second start while one runs opens the running one."""
    _course, _training_class, meeting, quiz = room
    other = factory.import_course(EXAMPLE_COURSE, slug="other-course")
    with pytest.raises(ClassroomError) as refused:
        classroom.start(db.session, meeting, other.lessons[0].quiz, trainer)
    assert refused.value.code == "not_in_class"
    response = trainer_client.post(f"/classroom/sessions/{meeting.id}/start",
                                   data={"quiz_id": other.lessons[0].quiz.id})
    assert response.status_code == 422 and db.session.scalar(select(func.count(ClassroomQuiz.id))) == 0
    trainer_client.post(f"/classroom/sessions/{meeting.id}/start", data={"quiz_id": quiz.id})
    again = trainer_client.post(f"/classroom/sessions/{meeting.id}/start", data={"quiz_id": quiz.id},
                                follow_redirects=True)
    assert "already running" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ClassroomQuiz.id))) == 1
    with pytest.raises(ClassroomError):
        classroom.start(db.session, meeting, quiz, trainer)


def test_the_phone_page_waits_after_answering_and_refreshes_without_javascript(app, factory, room, trainer):
    """After answering: "已提交，等老师公布" and a 5 s refresh; the answer form has no refresh."""
    _course, training_class, meeting, quiz = room
    (learner,) = members(factory, training_class, 1)
    learner.language = "zh_CN"
    db.session.commit()
    cq = classroom.start(db.session, meeting, quiz, trainer)
    db.session.commit()
    client = app.test_client(user=learner)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = client.get(f"/classroom/{cq.code}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and "cr-answer" in page
    client.post(f"/classroom/{cq.code}", data=phone_form(classroom.question(cq), cq, 1))
    page = client.get(f"/classroom/{cq.code}").get_data(as_text=True)
    assert "已提交，等老师公布" in page and 'http-equiv="refresh" content="5"' in page


def test_short_text_and_ordering_questions_count_right_and_wrong(factory, room, trainer):
    """Kinds without fixed choices: answered like on the quiz page, counted right / not right."""
    course, training_class, meeting, _quiz = room
    a, b = members(factory, training_class, 2)
    quiz = course.lessons[1].quiz  # ordering, then short text
    cq = classroom.start(db.session, meeting, quiz, trainer)
    db.session.commit()
    view = classroom.question(cq)
    assert view.kind == "ordering" and [c.id for c in view.shown] != [c.id for c in view.choices]
    form = {f"q{view.id}-{c.id}": str(place) for place, c in enumerate(view.choices, start=1)}
    response, error = classroom.parse(view, _Form(form))
    assert (response, error) == ([0, 1, 2], None)
    classroom.answer(db.session, cq, a, 0, response)
    classroom.answer(db.session, cq, b, 0, [2, 1, 0])
    assert classroom.counts(db.session, cq, 0) == classroom.Counts(2, (), 1)
    with pytest.raises(ClassroomError):
        classroom.answer(db.session, cq, a, 0, [0, 0, 1])  # not a permutation: refused first
    classroom.next_question(db.session, cq, cq.version)
    view = classroom.question(cq)
    assert classroom.parse(view, _Form({f"q{view.id}": "  测试单 "}))[0] == "测试单"
    assert classroom.answer(db.session, cq, a, 1, "测试单") is True
    assert classroom.counts(db.session, cq, 1).correct == 1


class _Form(dict):
    def getlist(self, name):
        value = self.get(name)
        return value if isinstance(value, list) else ([value] if value else [])


@pytest.fixture
def counted(make_app):
    """An app whose responses report how many queries they ran (X-Queries)."""
    app = make_app()

    @app.after_request
    def count(response):
        response.headers["X-Queries"] = str(len(statements_run()))
        return response

    return app


def test_sixty_phones_polling_an_unchanged_quiz_get_304_from_two_queries(counted):
    """Each poll with a current ETag: 304, the signed-in user and one small query; after
    "next" the same ETag gets a 200 with the new one."""
    with counted.app_context():
        factory = Factory(counted)
        trainer = factory.user("trainer", centre="Centre A")
        course = factory.import_course(EXAMPLE_COURSE)
        training_class = factory.training_class("Centre A", courses=[course], trainer=trainer)
        meeting = factory.training_session(training_class, date(2026, 11, 1))
        phones = [factory.member(training_class, factory.user("learner", centre="Centre A"))
                  for _ in range(60)]
        cq = classroom.start(db.session, meeting, course.lessons[0].quiz, trainer)
        db.session.commit()
        code, cq_id = cq.code, cq.id
        clients = [counted.test_client(user=user) for user in phones]
        tags = []
        for client in clients:
            first = client.get(f"/classroom/{code}/state")
            assert first.status_code == 200
            tags.append(first.headers["ETag"])
        for client, tag in zip(clients, tags):
            poll = client.get(f"/classroom/{code}/state", headers={"If-None-Match": tag})
            assert poll.status_code == 304 and poll.data == b""
            assert int(poll.headers["X-Queries"]) <= 2
        # The phone page carries the same tag as the poll, so it reloads only on a change.
        page = clients[0].get(f"/classroom/{code}").get_data(as_text=True)
        assert f'data-etag="{tags[0].strip("W/").strip(chr(34))}"' in page
        classroom.next_question(db.session, db.session.get(ClassroomQuiz, cq_id), 1)
        db.session.commit()
        changed = clients[0].get(f"/classroom/{code}/state", headers={"If-None-Match": tags[0]})
        assert changed.status_code == 200 and changed.headers["ETag"] != tags[0]


def test_an_answer_given_aloud_needs_a_learner_of_the_class(factory, room, trainer, trainer_client):
    """Tapping an answer before picking a name, or naming someone outside the class, records
    nothing; a learner picked is recorded as assisted, by the trainer."""
    _course, training_class, meeting, quiz = room
    (member,) = members(factory, training_class, 1)
    outsider = factory.user("learner", centre="Centre A")
    cq = classroom.start(db.session, meeting, quiz, trainer)
    db.session.commit()
    view = classroom.question(cq)
    url = f"/classroom/{cq.id}/assist"
    page = trainer_client.post(url, data={**phone_form(view, cq, 0), "learner": "0"})
    assert page.status_code == 422 and "Choose who answered." in page.get_data(as_text=True)
    assert trainer_client.post(url, data={**phone_form(view, cq, 0), "learner": str(outsider.id)}).status_code == 422
    assert db.session.scalar(select(func.count(ClassroomAnswer.id))) == 0
    trainer_client.post(url, data={**phone_form(view, cq, 0), "learner": str(member.id)})
    answer = db.session.scalar(select(ClassroomAnswer))
    assert (answer.user_id, answer.assisted, answer.recorded_by_id) == (member.id, True, trainer.id)
