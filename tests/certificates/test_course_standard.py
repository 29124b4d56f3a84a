"""Hours and the mapping to the national standard in course files, the studio and the seed
courses."""
import shutil
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from training.extensions import db
from training.models import Course, CourseStatus
from training.services.authoring import course_exchange, course_format, course_reader
from training.services.learning import standard

from ..conftest import EXAMPLE_COURSE, ROOT

SEED = ROOT / "seed_courses"
MAPPED = '\n[standard]\ntype = "live-sales"\nlevel = 5\nunits = ["直播准备", "直播销售"]\n'


@pytest.fixture
def mapped_course(tmp_path) -> Path:
    """The example course with hours = 2.5 and a [standard] table."""
    target = tmp_path / "course"
    shutil.copytree(EXAMPLE_COURSE, target)
    toml = target / "course.toml"
    text = toml.read_text(encoding="utf-8")
    head, lessons = text.split("[[lessons]]", 1)
    toml.write_text(head.replace('status = "published"\n', 'status = "published"\nhours = 2.5\n')
                    + MAPPED + "\n[[lessons]]" + lessons, encoding="utf-8")
    return target


def rewrite(folder: Path, old: str, new: str) -> None:
    toml = folder / "course.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new), encoding="utf-8")


def messages(folder: Path) -> list[str]:
    with pytest.raises(course_format.CourseFormatError) as info:
        course_reader.read_folder(folder)
    return [str(p) for p in info.value.problems]


def test_hours_and_standard_round_trip(app_ctx, mapped_course, tmp_path):
    """Do hours and the mapping survive import → export → import, with identical files?"""
    media_dir = app_ctx.config["MEDIA_DIR"]
    data = course_reader.read_folder(mapped_course)
    assert data.hours == Decimal("2.5")
    assert data.standard == {"type": "live-sales", "level": 5, "units": ["直播准备", "直播销售"]}
    course = course_exchange.import_course(db.session, data, media_dir)
    db.session.commit()
    first = course_exchange.export_files(course, media_dir)
    exported = tomllib.loads(first["course.toml"].decode("utf-8"))
    assert exported["hours"] == 2.5 and exported["standard"]["units"] == ["直播准备", "直播销售"]
    course_exchange.write_files(first, tmp_path / "out")
    course = course_exchange.import_course(db.session, course_reader.read_folder(tmp_path / "out"), media_dir)
    db.session.commit()
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.hours == Decimal("2.5") and course.standard["type"] == "live-sales"
    assert course_exchange.export_files(course, media_dir) == first


def test_a_course_without_hours_exports_none(app_ctx):
    """Old course files without hours or [standard] still import and export without them."""
    media_dir = app_ctx.config["MEDIA_DIR"]
    course = course_exchange.import_course(db.session, course_reader.read_folder(EXAMPLE_COURSE), media_dir)
    exported = tomllib.loads(course_exchange.export_files(course, media_dir)["course.toml"].decode("utf-8"))
    assert course.hours is None and course.standard is None
    assert "hours" not in exported and "standard" not in exported


@pytest.mark.parametrize("old, new, expected", [
    ("hours = 2.5", "hours = 0", "“hours” must be a number above 0"),
    ("hours = 2.5", "hours = 2.55", "at most one decimal"),
    ("hours = 2.5", "hours = 1000", "at most 999"),
    ("hours = 2.5", 'hours = "two"', "“hours” must be a number"),
    ('type = "live-sales"', 'type = "singer"', "[standard]: The occupation type must be one of"),
    ('type = "live-sales"', 'type = "platform-management"\nlevel = 1', "has levels 5, 4 and 3 only"),
    ("level = 5", "level = 6", "The level must be a whole number from 1 to 5"),
    ('units = ["直播准备", "直播销售"]', 'units = "直播"', "The units must be a list"),
    ('units = ["直播准备", "直播销售"]', 'units = ["直播", "直播"]', "listed twice"),
    ("level = 5\n", "level = 5\nunit = []\n", "unknown field “unit”"),
])
def test_bad_hours_and_standard_are_named(mapped_course, old, new, expected):
    """Is each bad value reported with the file, the line and a clear message?"""
    rewrite(mapped_course, old, new)
    if "level = 1" in new:  # type and level both given twice otherwise
        rewrite(mapped_course, "level = 5\n", "")
    found = messages(mapped_course)
    assert any(expected in m and "course.toml, line" in m for m in found), found


def test_courses_check_reports_a_bad_mapping(runner, app_ctx, mapped_course):
    rewrite(mapped_course, "level = 5", "level = 0")
    result = runner.invoke(args=["courses", "check", str(mapped_course)])
    # The command speaks the default language, Chinese.
    assert result.exit_code != 0 and "line 13: [standard]: 等级必须是 1 到 5 的整数。" in result.output


def test_seed_courses_declare_hours_by_the_documented_rule():
    """Every seed course declares hours = (lesson minutes + one minute per quiz question) / 45,
    to the nearest half, and maps only live-stream and store courses, at level 5."""
    mapped = {}
    for data in course_reader.read_all(SEED):
        minutes = sum(lesson.minutes for lesson in data.lessons)
        questions = sum(len(q.questions) for q in [l.quiz for l in data.lessons] + [data.final_exam] if q)
        assert data.hours == Decimal(round((minutes + questions) / 45 * 2)) / 2, data.slug
        mapped[data.slug] = data.standard and (data.standard["type"], data.standard["level"])
    assert mapped["livestream-basics-zh"] == mapped["live-presenting-en"] == ("live-sales", 5)
    assert mapped["online-store-zh"] == mapped["online-store-en"] == ("platform-management", 5)
    assert mapped["packing-shipping-zh"] is None and mapped["selling-legally-en"] is None


def test_studio_edits_hours_and_mapping(app_ctx, trainer, trainer_client, example_course):
    """Can a trainer set hours, type, level and units on a published course, which stays
    published, and is a bad value refused with a message, changing nothing?"""
    example_course.centre_id = trainer.centre_id
    db.session.commit()
    url = f"/author/courses/{example_course.id}"
    form = {"title": example_course.title, "summary": example_course.summary, "language": "zh",
            "level": "beginner", "cover_alt": example_course.cover_alt, "hours": "2.5",
            "standard_type": "live-sales", "standard_level": "5", "standard_units": "直播准备\n\n 直播销售 \n"}
    response = trainer_client.post(url, data=form)
    assert response.status_code == 302
    db.session.expire_all()
    course = db.session.get(Course, example_course.id)
    assert course.status == CourseStatus.PUBLISHED and course.hours == Decimal("2.5")
    assert course.standard == {"type": "live-sales", "level": 5, "units": ["直播准备", "直播销售"]}
    page = trainer_client.get(url).get_data(as_text=True)
    assert 'value="2.5"' in page and "直播准备\n直播销售" in page

    for bad, message in (({"hours": "2.55"}, "at most one decimal"),
                         ({"standard_type": "platform-management", "standard_level": "1"},
                          "has levels 5, 4 and 3 only")):
        response = trainer_client.post(url, data={**form, **bad})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Course, example_course.id).hours == Decimal("2.5")

    response = trainer_client.post(url, data={**form, "hours": "", "standard_type": ""})
    db.session.expire_all()
    course = db.session.get(Course, example_course.id)
    assert response.status_code == 302 and course.hours is None and course.standard is None


def test_new_course_form_still_works_without_the_hours_fields(app_ctx, trainer_client):
    response = trainer_client.post("/author/courses/new", data={"title": "新课", "language": "zh",
                                                                "level": "beginner"})
    assert response.status_code == 302
    assert standard.type_label("live-sales") == "直播销售员"  # the default language, outside a request
