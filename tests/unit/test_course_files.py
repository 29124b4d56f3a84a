"""The course file format: validation with file and line, all-or-nothing import, round trip."""
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from training.extensions import db
from training.models import Attempt, Course, Lesson, LessonCompletion, Question, Quiz
from training.services.authoring import course_exchange, course_format, course_reader
from training.services.learning import progress, quizzes

from ..conftest import EXAMPLE_COURSE
from ..helpers import answer_form


@pytest.fixture
def course_copy(tmp_path) -> Path:
    target = tmp_path / "course"
    shutil.copytree(EXAMPLE_COURSE, target)
    return target


def problems_of(folder: Path) -> list[course_format.Problem]:
    with pytest.raises(course_format.CourseFormatError) as info:
        course_reader.read_folder(folder)
    return info.value.problems


def test_example_course_reads_cleanly():
    course = course_reader.read_folder(EXAMPLE_COURSE)
    assert course.slug == "first-stream-checklist" and len(course.lessons) == 2
    kinds = {q.type for l in course.lessons for q in l.quiz.questions}
    assert kinds == {"single", "multiple", "true_false", "short_text", "ordering"}
    assert "images/checklist.svg" in course.files


def test_toml_syntax_error_names_file_and_line(course_copy):
    """Does a broken TOML file give its name and line?"""
    path = course_copy / "quizzes" / "01-kit.toml"
    lines = path.read_text().splitlines()
    lines[5] = 'key = "upload'  # unterminated string on line 6
    path.write_text("\n".join(lines))
    [problem] = problems_of(course_copy)
    assert problem.file.endswith("quizzes/01-kit.toml") and problem.line == 6
    assert "TOML" in problem.message


def test_semantic_errors_name_the_question_line(course_copy):
    """Does a single-choice question with two right answers point at its [[questions]] line?"""
    path = course_copy / "quizzes" / "01-kit.toml"
    text = path.read_text().replace('text = "照常开 1080p，卡了再说"', 'text = "照常开 1080p，卡了再说"\ncorrect = true')
    path.write_text(text)
    [problem] = problems_of(course_copy)
    assert problem.line == 6 and "exactly one" in problem.message


def test_every_problem_is_listed(course_copy):
    """Are several problems across files all reported at once?"""
    (course_copy / "images" / "checklist.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    toml = course_copy / "course.toml"
    toml.write_text(toml.read_text().replace('level = "beginner"', 'level = "expert"'))
    (course_copy / "lessons" / "02-rehearsal.md").write_text("[坏链接](lesson:nope)\n")
    (course_copy / "quizzes" / "final-exam.toml").write_text(
        (course_copy / "quizzes" / "final-exam.toml").read_text().replace("explanation = \"私下", "# \""))
    messages = " | ".join(str(p) for p in problems_of(course_copy))
    assert "level" in messages and "scripts" in messages and "nope" in messages
    assert "explanation" in messages and "final-exam.toml" in messages


def test_missing_image_and_alt_text(course_copy):
    lesson = course_copy / "lessons" / "01-kit.md"
    lesson.write_text(lesson.read_text() + "\n![](images/checklist.svg)\n![图](images/none.png)\n")
    messages = [p.message for p in problems_of(course_copy)]
    assert any("text alternative" in m for m in messages)
    assert any("none.png" in m and "not found" in m for m in messages)


def test_import_is_all_or_nothing(app_ctx, tmp_path, course_copy):
    """Does one bad course stop every course of the run, leaving the database unchanged?"""
    good = tmp_path / "all" / "good"
    bad = tmp_path / "all" / "bad"
    shutil.copytree(EXAMPLE_COURSE, good)
    shutil.copytree(course_copy, bad)
    toml = bad / "course.toml"
    toml.write_text(toml.read_text().replace("first-stream-checklist", "second-course").replace(
        'language = "zh"', 'language = "fr"'))
    with pytest.raises(course_format.CourseFormatError) as info:
        course_reader.read_all(tmp_path / "all")
    assert any("language" in p.message and "bad" in p.file for p in info.value.problems)
    assert db.session.scalar(select(func.count(Course.id))) == 0


def test_round_trip_is_identical(app_ctx, tmp_path):
    """Does import → export → import → export give identical files?"""
    media_dir = app_ctx.config["MEDIA_DIR"]
    course = course_exchange.import_course(db.session, course_reader.read_folder(EXAMPLE_COURSE), media_dir)
    db.session.commit()
    first = course_exchange.export_files(course, media_dir)
    course_exchange.write_files(first, tmp_path / "out")
    course = course_exchange.import_course(db.session, course_reader.read_folder(tmp_path / "out"), media_dir)
    db.session.commit()
    second = course_exchange.export_files(course, media_dir)
    assert first == second
    assert (tmp_path / "out" / "images" / "checklist.svg").read_bytes() == \
        (EXAMPLE_COURSE / "images" / "checklist.svg").read_bytes()


def test_reimport_keeps_progress_and_attempts(factory, learner, course_copy):
    """Does re-importing a changed course keep learners' completions and attempts?"""
    course = factory.import_course(course_copy)
    factory.enrol(learner, course)
    lesson = course.lessons[0]
    progress.complete_lesson(db.session, learner.id, lesson)
    quiz = lesson.quiz
    form = answer_form(quiz)
    responses, errors = quizzes.parse_responses(list(quiz.questions), _MultiDict(form))
    assert not errors
    quizzes.submit(db.session, learner.id, quiz, form["attempt_token"], responses)
    db.session.commit()
    lesson_id, question_ids = lesson.id, {q.key: q.id for q in quiz.questions}

    # The trainer edits a title, a question prompt and adds a lesson, then re-imports.
    toml = course_copy / "course.toml"
    toml.write_text(toml.read_text().replace("开播前的设备和网络", "开播前的设备和网络（修订）") +
                    '\n[[lessons]]\nkey = "extra"\ntitle = "新课"\nfile = "lessons/01-kit.md"\nminutes = 3\n')
    factory.import_course(course_copy)

    lesson = db.session.get(Lesson, lesson_id)
    assert lesson.title.endswith("（修订）")
    assert {q.key: q.id for q in lesson.quiz.questions} == question_ids
    assert db.session.scalar(select(func.count(LessonCompletion.id))) == 1
    assert db.session.scalar(select(func.count(Attempt.id))) == 1
    enrollment = progress.get_enrollment(db.session, learner.id, course.id)
    assert enrollment.items_total == 3 + 3  # three lessons, two lesson quizzes, one final exam
    assert enrollment.items_done == 2


def test_removing_a_quiz_on_reimport_deletes_it(factory, course_copy):
    course = factory.import_course(course_copy)
    toml = course_copy / "course.toml"
    toml.write_text(toml.read_text().replace('quiz = "quizzes/02-rehearsal.toml"\n', "")
                    .replace('final_exam = "quizzes/final-exam.toml"\n', ""))
    factory.import_course(course_copy)
    assert db.session.scalar(select(func.count(Quiz.id))) == 1
    assert db.session.scalar(select(func.count(Question.id))) == 3
    assert course.final_exam is None


class _MultiDict(dict):
    def getlist(self, key):
        value = self.get(key, [])
        return value if isinstance(value, list) else [value]
