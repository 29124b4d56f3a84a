"""A voice that always works: without a phone voice the read-aloud button stays and says so; a
trainer's recording plays in a plain audio player, with its label and size shown first."""
import re
import shutil
import subprocess

import pytest
from sqlalchemy import select

from training.extensions import db
from training.models import Course, Recording
from training.services.authoring import recordings

from .conftest import log_in, screenshot, start_course

NO_VOICES = """
(() => {
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  const synth = {paused: false, speaking: false, getVoices: () => [], speak() {}, pause() {}, resume() {},
                 cancel() {}, addEventListener() {}};
  Object.defineProperty(window, 'speechSynthesis', {value: synth});
})();
"""
NO_SPEECH_AT_ALL = "Object.defineProperty(window, 'speechSynthesis', {value: undefined});"
NO_VOICE_TEXT = re.compile("no reading voice|没有朗读语音")


@pytest.mark.parametrize("script", [NO_VOICES, NO_SPEECH_AT_ALL], ids=["no-voices", "no-speech-api"])
def test_without_a_voice_the_button_stays_and_says_so(live, phone, new_learner, script):
    """With no voice on the phone, the lesson's read-aloud button says audio is not available here
    (instead of vanishing), and a question's speaker explains the same when tapped."""
    learner = new_learner()
    context = phone()
    context.add_init_script(script)
    page = context.new_page()
    log_in(page, learner)
    start_course(page, live.slug)
    page.goto(f"/courses/{live.slug}/lessons/kit")
    button = page.locator(".read-bar button").first
    button.wait_for()
    assert NO_VOICE_TEXT.search(button.inner_text())
    assert page.locator(".read-bar button").count() == 1  # no Stop: nothing is being read
    button.click()  # nothing to read with: nothing breaks, the message stays
    assert NO_VOICE_TEXT.search(button.inner_text())
    screenshot(page, "voice-no-phone-voice-lesson")

    page.locator("form[data-queue] button").click()  # complete the lesson: on to its quiz
    page.wait_for_url(re.compile(r".*/quizzes/\d+$"))
    questions = page.locator("fieldset.question").count()
    assert page.locator("legend .say-btn").count() == questions
    assert page.locator(".say-row .say-btn").count() == 0  # no silent speakers beside choices
    page.locator("legend .say-btn").first.click()
    note = page.locator("fieldset.question .no-voice").first
    note.wait_for()
    assert NO_VOICE_TEXT.search(note.inner_text())
    screenshot(page, "voice-no-phone-voice-quiz")


@pytest.fixture
def recorded_lesson(live):
    """A trainer's two-second recording (四川话) of the rehearsal lesson, removed afterwards."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    tone = subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                           "-c:a", "libopus", "-f", "webm", "pipe:1"], capture_output=True, check=True).stdout
    with live.app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == live.slug))
        lesson = next(l for l in course.lessons if l.key == "rehearsal")
        recording = recordings.add_recording(db.session, course, recordings.transcode(tone), "四川话",
                                             live.app.config["MEDIA_DIR"], lesson=lesson, random_name=False)
        db.session.commit()
        made = recording.id, recordings.caption(recording), recording.media.url_path
        db.session.remove()
    yield made
    with live.app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == live.slug))
        recordings.delete_recording(db.session, course, db.session.get(Recording, made[0]))
        db.session.commit()
        db.session.remove()


def test_a_recording_plays_with_its_size_shown_first(live, phone, new_learner, recorded_lesson):
    """A lesson with a trainer's recording shows its label, size and length, and the audio loads and plays."""
    url = recorded_lesson[2]
    learner = new_learner()
    context = phone()
    context.add_init_script(NO_VOICES)
    page = context.new_page()
    log_in(page, learner)
    start_course(page, live.slug)
    page.goto(f"/courses/{live.slug}/lessons/rehearsal")
    figure = page.locator(".voice").first
    text = figure.inner_text()
    assert "四川话" in text and re.search(r"\d+ KB", text)
    audio = figure.locator("audio")
    assert audio.get_attribute("preload") == "none" and audio.get_attribute("src") == url
    # Nothing was downloaded before play.
    assert audio.evaluate("a => a.readyState") == 0
    assert audio.evaluate("a => a.canPlayType('audio/mp4; codecs=\"mp4a.40.2\"')") in ("probably", "maybe")
    audio.evaluate("a => { a.muted = true; return a.play().then(() => true, () => false); }")
    for _ in range(50):
        if audio.evaluate("a => a.currentTime") > 0.2:
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError(f"the recording did not play: {audio.evaluate('a => a.error && a.error.code')}")
    assert 1.5 < audio.evaluate("a => a.duration") < 2.5
    screenshot(page, "voice-recording-lesson")
    # 360 px: the player fits the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
