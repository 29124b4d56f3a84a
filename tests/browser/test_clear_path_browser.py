"""One clear path (issue 23, item 2) in a real browser at 360 px: a new learner follows only the
main button through a whole sequential course, and a locked step opened directly says what to
do first."""
import re

from sqlalchemy import select

from training.extensions import db
from training.models import Course, LessonCompletion, Quiz
from training.services.learning import progress

from ..conftest import EXAMPLE_COURSE
from .conftest import count_rows, log_in, screenshot

SLUG = "in-order-browser"


def _sequential_course(live) -> int:
    with live.app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == SLUG))
        if course is None:
            course = live.factory.import_course(EXAMPLE_COURSE, slug=SLUG, sequential=True)
        course_id = course.id
        db.session.remove()
        return course_id


def _answer_right(live, page, quiz_id: int) -> None:
    """Answer every question of the quiz on the page correctly."""
    with live.app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        for q in quiz.questions:
            name = f"q{q.id}"
            if q.kind in ("single", "multiple"):
                for c in q.choices:
                    if c.is_correct:
                        page.locator(f"input[name='{name}'][value='{c.id}']").check()
            elif q.kind == "true_false":
                page.locator(f"input[name='{name}'][value='{'true' if q.answer['answer'] else 'false'}']").check()
            elif q.kind == "short_text":
                page.locator(f"input[name='{name}']").fill(q.answer["accepted"][0])
            else:
                for place, c in enumerate(q.choices, start=1):
                    page.locator(f"select[name='{name}-{c.id}']").select_option(str(place))
        db.session.remove()


def test_following_the_main_button_through_a_sequential_course(live, phone, new_learner):
    """From "start", does the one primary button alone lead through every lesson, quiz and the
    final exam, never to a locked step, with 3 taps per lesson (complete and go on, submit, go on)?"""
    course_id = _sequential_course(live)
    learner = new_learner()
    page = phone().new_page()
    log_in(page, learner)
    page.goto(f"/courses/{SLUG}")
    page.locator("form[action$='/enrol'] button").click()
    page.wait_for_url(re.compile(r".*/lessons/kit$"))
    taps = 0
    for _ in range(12):
        assert page.locator("[data-locked]").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        url = page.url
        if "/lessons/" in url:
            page.locator("form[data-main-step] button").click()
            page.wait_for_url(lambda u, before=url: u != before)
        elif "/quizzes/" in url:
            _answer_right(live, page, int(re.search(r"/quizzes/(\d+)", url).group(1)))
            page.locator("form.quiz button[type=submit]").click()
            page.wait_for_url(re.compile(r".*/attempts/\d+$"))
        elif "/attempts/" in url:
            if page.locator("[data-congrats]").count():
                break
            page.locator(".score .btn-primary").click()
            page.wait_for_url(lambda u, before=url: u != before)
        else:
            break
        taps += 1
    assert page.locator("[data-congrats]").count() == 1
    assert taps == 2 * 3 + 1  # two lessons (complete, submit, go on) and the final exam's submit
    assert count_rows(live, LessonCompletion, learner.id) == 2
    with live.app.app_context():
        course = db.session.get(Course, course_id)
        assert progress.load_state(db.session, learner.id, course).complete
        db.session.remove()


def test_a_locked_step_says_what_comes_first(live, phone, new_learner):
    """Does a locked lesson opened by its address show the reason and a way to the first step?"""
    _sequential_course(live)
    learner = new_learner(language="zh_CN")
    page = phone().new_page()
    log_in(page, learner)
    page.goto(f"/courses/{SLUG}")
    page.locator("form[action$='/enrol'] button").click()
    page.wait_for_url(re.compile(r".*/lessons/kit$"))
    page.goto(f"/courses/{SLUG}")
    assert page.locator(".step.locked").count() == 2  # lesson 2 and the final exam
    screenshot(page, "clear-path-course-locked")
    page.goto(f"/courses/{SLUG}/lessons/rehearsal")
    assert page.locator("[data-locked]").count() == 1
    assert "先学完第1课" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "clear-path-locked-step")
    page.locator("[data-locked] .btn-primary").click()
    page.wait_for_url(re.compile(r".*/lessons/kit$"))


def test_a_saved_locked_step_says_when_work_on_the_phone_waits(live, phone, new_learner):
    """Saved for offline, lesson 2 of a sequential course is its locked page. Opened without
    signal after lesson 1 was finished on the phone (queued, not sent), does it say that the
    step may open once that work is sent, and say nothing of the kind before?"""
    from .conftest import go_offline, go_online

    _sequential_course(live)
    learner = new_learner(language="zh_CN")
    context = phone()
    page = context.new_page()
    log_in(page, learner)
    page.goto(f"/courses/{SLUG}")
    page.locator("form[action$='/enrol'] button").click()
    page.wait_for_url(re.compile(r".*/lessons/kit$"))
    page.goto(f"/courses/{SLUG}")
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.locator("[data-offline-save] button").click()
    page.locator("[data-offline-save] [role=status]").filter(has_text="已保存").wait_for()
    page.reload()

    go_offline(live, context)
    page.goto(f"/courses/{SLUG}/lessons/rehearsal")
    page.locator(".banner").wait_for()
    assert page.locator("[data-locked]").count() == 1
    assert page.locator("[data-locked] .queued").count() == 0  # nothing waits: the page is right
    page.goto(f"/courses/{SLUG}/lessons/kit")
    page.locator("form[data-queue] button").click()
    page.locator("form[data-queue] .queued").wait_for()
    page.goto(f"/courses/{SLUG}/lessons/rehearsal")
    note = page.locator("[data-locked] .queued")
    assert "还没发出去" in note.inner_text() and note.get_attribute("role") == "status"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "clear-path-locked-step-offline")

    go_online(live, context)
    for _ in range(100):  # the queue is sent by itself
        if page.evaluate("JSON.parse(localStorage.getItem('cunbo:queue') || '[]').length") == 0:
            break
        page.wait_for_timeout(100)
    assert count_rows(live, LessonCompletion, learner.id) == 1
    # Fetched with signal: lesson 1 is recorded, so lesson 2 now waits for its quiz, and
    # nothing is left to send.
    page.goto(f"/courses/{SLUG}/lessons/rehearsal")
    main = page.locator("main").inner_text()
    assert "先学完第1课" not in main and "测验" in main
    assert page.locator("[data-locked] .queued").count() == 0
