"""The learner journey in a real browser at phone size, with JavaScript on and off."""
import re

import pytest

from training.models import Attempt, LessonCompletion

from .conftest import answer_quiz, count_rows, log_in, screenshot, start_course


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_learner_journey_at_phone_size(live, phone, new_learner, javascript):
    """Log in, start a course, finish a lesson, pass through its quiz, and see progress on My learning."""
    learner = new_learner()
    page = phone(java_script_enabled=javascript).new_page()
    log_in(page, learner)
    page.goto(f"/courses/{live.slug}")
    page.get_by_role("button", name=re.compile("Start this course|开始学习")).click()
    page.wait_for_url(re.compile(r".*/lessons/kit$"))
    assert page.locator(".where progress").count() == 1
    page.locator("form[data-queue] button").click()
    page.wait_for_url(re.compile(r".*/quizzes/\d+$"))
    assert count_rows(live, LessonCompletion, learner.id) == 1
    answer_quiz(page)
    page.locator("form.quiz button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    assert page.locator(".score .big").inner_text().endswith("%")
    assert count_rows(live, Attempt, learner.id) == 1
    page.locator(".score .btn-primary").click()
    page.goto("/me")
    assert page.locator(".continue-card progress").count() == 1
    # Every tap target on the page is at least 44 px high.
    small = page.evaluate("""() => [...document.querySelectorAll('main a.btn, main button, main input[type=text], main select')]
        .filter(e => e.offsetParent && e.getBoundingClientRect().height < 44).map(e => e.outerHTML)""")
    assert small == []
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_no_javascript_pages_have_no_script_only_buttons(live, phone, new_learner, tmp_path):
    """With JavaScript off, no read-aloud or save-for-offline button is shown (they would do nothing)."""
    learner = new_learner()
    page = phone(java_script_enabled=False).new_page()
    log_in(page, learner)
    start_course(page, live.slug)
    page.goto(f"/courses/{live.slug}")
    assert not page.locator("[data-offline-save]").is_visible()
    page.goto(f"/courses/{live.slug}/lessons/kit")
    assert page.locator(".read-bar, .say-btn").count() == 0


FAKE_SPEECH = """
(() => {
  const spoken = []; window.__spoken = spoken; window.__calls = [];
  const voices = [{lang: 'zh-CN', name: 'Test Chinese'}, {lang: 'en-US', name: 'Test English'}];
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  const synth = {
    paused: false, speaking: false,
    getVoices: () => voices,
    speak(u) { spoken.push({text: u.text, lang: u.lang}); this.speaking = true; },
    pause() { this.paused = true; window.__calls.push('pause'); },
    resume() { this.paused = false; window.__calls.push('resume'); },
    cancel() { this.speaking = false; window.__calls.push('cancel'); },
    addEventListener() {},
  };
  Object.defineProperty(window, 'speechSynthesis', {value: synth});
})();
"""


def test_read_aloud_on_lessons_and_quiz_questions(live, phone, new_learner):
    """With a Chinese voice, the lesson reads aloud in zh-CN with pause and resume, and every quiz
    question and choice gets a speaker button beside it (not inside its label)."""
    learner = new_learner()
    context = phone()
    context.add_init_script(FAKE_SPEECH)
    page = context.new_page()
    log_in(page, learner)
    start_course(page, live.slug)
    page.goto(f"/courses/{live.slug}/lessons/kit")
    read = page.locator(".read-bar button").first
    read.click()
    spoken = page.evaluate("window.__spoken")
    assert spoken and all(s["lang"] == "zh-CN" for s in spoken)
    assert "一部手机就能开始" in "".join(s["text"] for s in spoken)
    read.click()
    read.click()
    assert page.evaluate("window.__calls").count("pause") == 1
    assert "resume" in page.evaluate("window.__calls")
    screenshot(page, "read-aloud-lesson")

    page.locator("form[data-queue] button").click()
    page.wait_for_url(re.compile(r".*/quizzes/\d+$"))
    questions = page.locator("fieldset.question").count()
    assert page.locator("legend .say-btn").count() == questions
    assert page.locator("label .say-btn").count() == 0
    first_choice = page.locator(".say-row").first
    first_choice.locator(".say-btn").click()
    assert first_choice.locator("input").is_checked() is False
    assert page.evaluate("window.__spoken.at(-1).lang") == "zh-CN"
    screenshot(page, "read-aloud-quiz")


def test_read_aloud_says_so_without_a_voice(live, phone, new_learner):
    """Where the browser has no voice for the course's language, the read-aloud button stays and
    says so (see test_voice_browser.py)."""
    learner = new_learner()
    context = phone()
    context.add_init_script(FAKE_SPEECH.replace("{lang: 'zh-CN', name: 'Test Chinese'}, ", ""))
    page = context.new_page()
    log_in(page, learner)
    start_course(page, live.slug)
    page.goto(f"/courses/{live.slug}/lessons/kit")
    assert re.search("no reading voice|没有朗读语音", page.locator(".read-bar button").first.inner_text())


def test_quiz_answers_survive_a_reload(live, phone, new_learner):
    """Answers typed into a quiz come back after a reload, with the same attempt token."""
    learner = new_learner()
    page = phone().new_page()
    log_in(page, learner)
    start_course(page, live.slug)
    page.goto(f"/courses/{live.slug}")
    page.locator("a[href*='/quizzes/']").first.click()  # lesson 1's quiz (the final exam waits for the lessons)
    token = page.locator("input[name=attempt_token]").input_value()
    answer_quiz(page)
    chosen = page.evaluate("[...document.querySelectorAll('form.quiz input:checked')].map(e => e.name + '=' + e.value)")
    page.reload()
    assert page.locator("input[name=attempt_token]").input_value() == token
    again = page.evaluate("[...document.querySelectorAll('form.quiz input:checked')].map(e => e.name + '=' + e.value)")
    assert sorted(again) == sorted(chosen) and again
    page.locator("form.quiz button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('cunbo:quiz:'))") == []
