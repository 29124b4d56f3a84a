"""Without signal: saved lessons open, work is queued in the browser and recorded once later."""
import re

from sqlalchemy import select

from training.extensions import db
from training.models import Attempt, LessonCompletion

from .conftest import answer_quiz, count_rows, go_offline, go_online, log_in, screenshot, start_course


def _on_course_page(live, phone, new_learner):
    """A new learner, enrolled, on the course page: (learner, browser context, page)."""
    learner = new_learner()
    context = phone()
    page = context.new_page()
    log_in(page, learner)
    start_course(page, live.slug)
    page.goto(f"/courses/{live.slug}")
    return learner, context, page


def test_saved_course_works_offline_and_queued_work_is_recorded_once(live, phone, new_learner):
    """Save a course, lose the signal, open a saved lesson, finish it and submit a quiz; when the
    signal returns both are sent, confirmed on screen and recorded exactly once."""
    learner, context, page = _on_course_page(live, phone, new_learner)
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    save = page.locator("[data-offline-save] button")
    assert re.search(r"\d+ KB", save.inner_text())
    save.click()
    page.locator("[data-offline-save] [role=status]").filter(has_text=re.compile("Saved|已|保存")).wait_for()
    page.reload()  # the service worker now controls the page

    go_offline(live, context)
    page.goto(f"/courses/{live.slug}/lessons/rehearsal")
    page.locator(".banner").wait_for()
    assert page.locator("article.lesson h1").inner_text()
    screenshot(page, "offline-saved-lesson")
    page.locator("form[data-queue] button").click()
    page.locator("form[data-queue] .queued").wait_for()

    page.goto("/courses/not-saved-anywhere")
    # The service worker's "no signal" page, not the server's 404: the request never left.
    assert re.search("No signal|没有网络", page.locator("h1").inner_text())
    assert page.locator("a[href='/me']").count() >= 1
    screenshot(page, "offline-page")

    page.goto(f"/courses/{live.slug}")
    quiz_url = page.locator("a[href*='/quizzes/']").first.get_attribute("href")
    page.goto(quiz_url)
    answer_quiz(page)
    page.locator("form.quiz button[type=submit]").click()
    page.locator("form.quiz .queued").wait_for()
    screenshot(page, "offline-quiz-queued")
    assert count_rows(live, Attempt, learner.id) == 0
    assert count_rows(live, LessonCompletion, learner.id) == 0

    # The signal returns while the quiz page is open: the queue is sent and confirmed there.
    go_online(live, context)
    # Polled from the test side: a waiting function would be evaluated in the page, which the
    # Content-Security-Policy (no eval) rightly refuses.
    for _ in range(100):
        if page.evaluate("JSON.parse(localStorage.getItem('cunbo:queue') || '[]').length") == 0:
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the offline queue was not sent")
    page.locator(".banner-ok a").wait_for()
    assert page.locator("form.quiz .queued").count() == 0
    screenshot(page, "back-online-sent")
    assert count_rows(live, Attempt, learner.id) == 1
    # The lesson marked offline, and lesson 1 too when its quiz (the first quiz linked) passed.
    with live.app.app_context():
        passed = db.session.scalar(select(Attempt.passed).where(Attempt.user_id == learner.id))
        db.session.remove()
    assert count_rows(live, LessonCompletion, learner.id) == 1 + bool(passed)
    page.locator(".banner-ok a").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))

    # Sending the same queued work again (a second tab, a retry) records nothing more.
    page.reload()
    page.wait_for_load_state("networkidle")
    assert count_rows(live, Attempt, learner.id) == 1


def test_queued_work_the_server_refuses_is_reported(live, phone, new_learner):
    """A quiz sent from the queue with unanswered questions is refused by the server: the learner
    is told, with a link back to the quiz, and nothing is recorded."""
    learner, context, page = _on_course_page(live, phone, new_learner)
    quiz_url = page.locator("a[href*='/quizzes/']").first.get_attribute("href")
    page.goto(quiz_url)
    go_offline(live, context)
    page.locator("form.quiz button[type=submit]").click()
    page.locator("form.quiz .queued").wait_for()
    go_online(live, context)
    link = page.locator(".banner:not(.banner-ok) a")
    link.wait_for()
    assert link.get_attribute("href") == quiz_url
    assert page.evaluate("JSON.parse(localStorage.getItem('cunbo:queue') || '[]').length") == 0
    assert count_rows(live, Attempt, learner.id) == 0
