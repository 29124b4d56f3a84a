"""A dead connection that the phone still calls online (the usual village case): the server
accepts the request and never answers. Every write (lesson complete, quiz submit, check-in) is
sent with a time limit; when it runs out, the work goes to the offline queue and the learner reads
"saved on this phone", never the browser's error page. When the connection works again the queue
sends it, and the database holds it exactly once, even when the request the phone gave up on
reaches the server too (before or after the queued copy)."""
import re
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from training.extensions import db
from training.models import (
    Attempt,
    Attendance,
    ClassroomAnswer,
    Course,
    LessonCompletion,
    User,
    utcnow,
)

from .conftest import answer_quiz, count_rows, log_in, screenshot, start_course
from .live import HangSwitch

# Short limits for the test (the product's are 15 s to give up and 30 s between retries), set on
# <body> the way a page could carry them: data-timeout and data-retry.
FAST = ("document.addEventListener('DOMContentLoaded', function () {"
        " document.body.setAttribute('data-timeout', '1500');"
        " document.body.setAttribute('data-retry', '400'); });")
SAVED = re.compile("No answer from the network|网络没有回应")


@pytest.fixture
def hang(live):
    """The live server's "accepts, never answers" switch, off and released after each test."""
    switch = HangSwitch.of(live.app)
    yield switch
    switch.on = False
    switch.release()
    switch.wait_finished()


@pytest.fixture
def fast_phone(phone):
    """A phone-sized page whose writes give up after 1.5 s and whose queue retries every 0.4 s."""
    def open_page(**options):
        context = phone(**options)
        context.add_init_script(FAST)
        return context.new_page()
    return open_page


def _queue_length(page) -> int:
    return page.evaluate("JSON.parse(localStorage.getItem('cunbo:queue') || '[]').length")


def _eventually(check, what: str, tries: int = 100) -> None:
    """Poll from the test side (the page's CSP rightly refuses evaluated wait functions)."""
    for _ in range(tries):
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(what)


def _saved_on_the_phone(page, form: str) -> None:
    """The page says the work is saved on the phone: still the same page, no error page."""
    page.locator(f"{form} .queued").filter(has_text=SAVED).wait_for()
    assert page.locator(f"{form} button[type=submit], {form} button:not([type])").first.is_disabled()
    assert _queue_length(page) == 1


def test_mark_complete_on_a_dead_connection_is_queued_and_recorded_once(live, fast_phone, new_learner, hang):
    """Mark complete while the server never answers: saved on the phone. The request the phone
    gave up on reaches the server later (recorded); then the queue sends its copy, which is
    confirmed on screen and records nothing more. In Chinese, as most learners see it."""
    learner = new_learner(language="zh_CN")
    page = fast_phone()
    log_in(page, learner)
    start_course(page, live.slug)
    lesson_url = page.url

    hang.on = True
    page.locator("form[data-queue] button").click()
    _saved_on_the_phone(page, "form[data-queue]")
    assert page.url == lesson_url and page.locator("article.lesson h1").count() == 1
    screenshot(page, "dead-connection-saved")
    assert count_rows(live, LessonCompletion, learner.id) == 0  # held: nothing arrived yet

    # The link finally delivers the request the phone gave up on: the server records it.
    hang.release()
    _eventually(lambda: count_rows(live, LessonCompletion, learner.id) == 1,
                "the held request was not recorded")
    assert _queue_length(page) == 1  # the phone never heard: its copy still waits

    # The connection works again: the queued copy is sent and confirmed, recording nothing new.
    hang.on = False
    hang.release()
    _eventually(lambda: _queue_length(page) == 0, "the queue was not sent")
    page.locator(".banner-ok a").wait_for()
    assert re.search("Sent|已发送", page.locator("form[data-queue] .flash-success").inner_text())
    screenshot(page, "dead-connection-sent")
    hang.wait_finished()
    assert count_rows(live, LessonCompletion, learner.id) == 1


def test_quiz_submitted_on_a_dead_connection_is_recorded_once(live, fast_phone, new_learner, hang):
    """Submit a quiz while the server never answers: saved on the phone. The queued copy arrives
    first (one attempt, a link to its result); the held request arrives after it and adds none."""
    learner = new_learner()
    page = fast_phone()
    log_in(page, learner)
    start_course(page, live.slug)
    while "/quizzes/" not in page.url:  # the main button leads on to the first quiz
        url = page.url
        page.locator("form[data-queue] button").click()
        page.wait_for_url(lambda now, before=url: now != before)
    answer_quiz(page)

    hang.on = True
    page.locator("form.quiz button[type=submit]").click()
    _saved_on_the_phone(page, "form.quiz")
    assert count_rows(live, Attempt, learner.id) == 0

    hang.on = False  # new requests get through; the first one is still held
    _eventually(lambda: _queue_length(page) == 0, "the queue was not sent")
    page.locator(".banner-ok a").wait_for()
    assert count_rows(live, Attempt, learner.id) == 1

    hang.release()
    hang.wait_finished()
    assert count_rows(live, Attempt, learner.id) == 1
    page.locator(".banner-ok a").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))


def _open_session(live, learner_id: int) -> str:
    """A class with the learner as a member and a session open now that takes a check-in
    without the classroom screen's code (a queued check-in can arrive minutes later): its code."""
    from training.services.classes import classes, sessions

    with live.app.app_context():
        trainer = live.factory.user("trainer", centre="Centre A")
        training_class = classes.create_class(db.session, trainer.centre_id, trainer.id,
                                              classes.ClassDetails(name="红星村直播班"))
        meeting = sessions.create_session(db.session, training_class, sessions.SessionDetails(
            held_on=date.today(), topic="第一次直播练习", screen_code_required=False))
        meeting.opens_at, meeting.closes_at = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)
        db.session.commit()
        live.factory.member(training_class, db.session.get(User, learner_id))
        code = meeting.checkin_code
        db.session.remove()
        return code


def _attendance(live, learner_id: int) -> int:
    return count_rows(live, Attendance, learner_id)


def test_check_in_on_a_dead_connection_is_recorded_once(live, fast_phone, new_learner, hang):
    """Check in while the server never answers: saved on the phone. When the connection works,
    the page itself turns to "checked in", and the learner is present exactly once although the
    held request reached the server too."""
    learner = new_learner()
    code = _open_session(live, learner.id)
    page = fast_phone()
    log_in(page, learner)
    page.goto(f"/classes/checkin/{code}")

    hang.on = True
    page.locator("form[data-queue] button").click()
    _saved_on_the_phone(page, "form[data-queue]")
    assert _attendance(live, learner.id) == 0
    screenshot(page, "dead-connection-checkin-saved")

    hang.release()
    _eventually(lambda: _attendance(live, learner.id) == 1, "the held check-in was not recorded")
    hang.on = False
    hang.release()
    page.locator(".card.success").wait_for()  # sent from the queue: the page shows the result
    assert _queue_length(page) == 0
    hang.wait_finished()
    assert _attendance(live, learner.id) == 1


def test_with_a_working_connection_writes_land_where_they_did(live, fast_phone, new_learner, hang):
    """With a live connection, Mark complete (sent in the background now) lands on the next step
    with the server's "Lesson completed." message, as a plain form post did; recorded once."""
    learner = new_learner()
    page = fast_phone()
    log_in(page, learner)
    start_course(page, live.slug)
    lesson_url = page.url
    held = hang.held
    page.locator("form[data-queue] button").click()
    page.wait_for_url(lambda url: url != lesson_url)
    assert re.search("Lesson completed|课程已完成|已完成", page.locator("main p.flash").first.inner_text())
    assert _queue_length(page) == 0
    assert count_rows(live, LessonCompletion, learner.id) == 1
    assert hang.held == held


def _classroom(live, learner_id: int) -> str:
    """A classroom quiz running on the example course's first quiz, in a session of a class the
    learner belongs to: its code."""
    from training.services.classes import classes, classroom, sessions

    with live.app.app_context():
        trainer = live.factory.user("trainer", centre="Centre A")
        course = db.session.scalar(select(Course).where(Course.slug == live.slug))
        training_class = classes.create_class(db.session, trainer.centre_id, trainer.id, classes.ClassDetails(
            name="红星村直播班", course_ids=(course.id,)))
        meeting = sessions.create_session(db.session, training_class, sessions.SessionDetails(
            held_on=date.today(), topic="课堂测验"))
        quiz = classroom.class_quizzes(db.session, training_class.id)[0]
        code = classroom.start(db.session, meeting, quiz, trainer).code
        db.session.commit()
        live.factory.member(training_class, db.session.get(User, learner_id))
        db.session.remove()
        return code


def test_classroom_answer_on_a_dead_connection_is_recorded_once(live, fast_phone, new_learner, hang):
    """One tap on a classroom answer while the server never answers: saved on the phone, with the
    tapped choice. When the connection works the phone shows "submitted", and the learner has one
    answer although the held request reached the server too."""
    learner = new_learner()
    code = _classroom(live, learner.id)
    page = fast_phone()
    log_in(page, learner)
    page.goto(f"/classroom/{code}")

    hang.on = True
    page.locator("button.cr-answer").first.click()
    _saved_on_the_phone(page, "form.cr-answer-form")
    fields = page.evaluate("JSON.parse(localStorage.getItem('cunbo:queue'))[0].body")
    assert re.search(r"(^|&)q\d+=\d+", fields)  # the tapped button's choice travels with it
    assert count_rows(live, ClassroomAnswer, learner.id) == 0

    hang.on = False
    page.locator(".cr-wait").wait_for()
    _eventually(lambda: _queue_length(page) == 0, "the queue was not sent")
    assert count_rows(live, ClassroomAnswer, learner.id) == 1
    hang.release()
    hang.wait_finished()
    assert count_rows(live, ClassroomAnswer, learner.id) == 1


def test_a_quiz_the_server_does_not_accept_shows_its_answer_page(live, fast_phone, new_learner, hang):
    """With a live connection, a quiz sent with no answers is not accepted: the browser shows the
    server's own page (the message and the questions to answer), and nothing is recorded or
    queued."""
    learner = new_learner()
    page = fast_phone()
    log_in(page, learner)
    start_course(page, live.slug)
    while "/quizzes/" not in page.url:
        url = page.url
        page.locator("form[data-queue] button").click()
        page.wait_for_url(lambda now, before=url: now != before)
    page.locator("form.quiz button[type=submit]").click()
    page.locator("main p.flash-error").wait_for()
    assert re.search("need an answer|需要", page.locator("main p.flash-error").inner_text())
    assert page.locator("form.quiz").count() == 1
    assert _queue_length(page) == 0
    assert count_rows(live, Attempt, learner.id) == 0


def test_work_is_kept_when_the_page_is_closed_while_waiting(live, fast_phone, new_learner, hang):
    """The learner taps Mark complete and leaves before the phone gives up: the work was kept
    on the phone first, so the next page opened with a working connection sends it; one
    completion."""
    learner = new_learner()
    page = fast_phone()
    log_in(page, learner)
    start_course(page, live.slug)
    context = page.context

    hang.on = True
    page.locator("form[data-queue] button").click()
    page.locator("form[data-queue] .queued").wait_for()  # "Sending…"
    page.close()
    hang.on = False
    again = context.new_page()
    again.goto("/me")
    _eventually(lambda: _queue_length(again) == 0, "the kept work was not sent")
    again.locator(".banner-ok").wait_for()
    hang.release()
    hang.wait_finished()
    assert count_rows(live, LessonCompletion, learner.id) == 1
