"""The catalogue a farmer sees (issue 23, item 7): courses in the interface language by default,
the other language behind one link, ordered by level, then the position the course files
declare, then title; cover pictures small, lazy and sized; headings without a skipped level."""
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from training.extensions import db
from training.models import CourseMedia
from training.services.learning import catalogue
from training.services.reports import progress_reports

from ..conftest import EXAMPLE_COURSE


@pytest.fixture
def shelf(factory):
    """Five Chinese courses and one English one, imported in an order that is not the catalogue's."""
    made = {}
    for slug, title, level, position in [
        ("adv", "甲 高级课", "advanced", 1),
        ("mid-2", "乙 中级课二", "intermediate", 2),
        ("mid-1", "丙 中级课一", "intermediate", 1),
        ("beg-b", "丁 入门课", "beginner", 2),
        ("beg-a", "戊 入门课", "beginner", 1),
    ]:
        made[slug] = factory.import_course(EXAMPLE_COURSE, slug=slug, title=title, level=level, position=position)
    made["en"] = factory.import_course(EXAMPLE_COURSE, slug="en-course", title="An English course", language="en")
    return made


def _chinese(app, user):
    with app.app_context():
        db.session.get(type(user), user.id).language = "zh_CN"
        db.session.commit()


def _titles(page: str) -> list[str]:
    return re.findall(r"<h[23]>([^<]+)</h[23]>", page.split('<ul class="cards">')[1])


def test_courses_come_by_level_then_position_then_title(app, learner_client, learner, shelf):
    """Is the beginner course with position 1 first, then by level and position, not by title?"""
    _chinese(app, learner)
    page = learner_client.get("/courses").get_data(as_text=True)
    assert _titles(page) == ["戊 入门课", "丁 入门课", "丙 中级课一", "乙 中级课二", "甲 高级课"]


def test_only_the_interface_language_by_default_and_the_other_behind_one_link(app, learner_client, learner, shelf):
    """Does a Chinese reader see only Chinese courses, with one link to the English ones (and back)?"""
    _chinese(app, learner)
    page = learner_client.get("/courses").get_data(as_text=True)
    assert "An English course" not in page
    link = re.search(r'<a href="([^"]+)" data-other-language>查看英文课程</a>', page)
    assert link is not None
    english = learner_client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert _titles(english) == ["An English course"]
    assert "查看中文课程" in english


def test_an_english_reader_sees_english_courses(learner_client, shelf):
    """Does the English interface list the English course only, with a link to the Chinese ones?"""
    page = learner_client.get("/courses").get_data(as_text=True)
    assert _titles(page) == ["An English course"]
    assert "Show courses in Chinese" in page


def test_with_no_course_in_the_interface_language_the_other_is_listed(learner_client, example_course):
    """With no English course at all, does an English reader still see the Chinese ones?"""
    page = learner_client.get("/courses").get_data(as_text=True)
    assert example_course.title in page


def test_cover_pictures_are_small_lazy_and_sized(learner_client, learner, app, example_course):
    """Does each card show its cover with width, height and loading="lazy" (an SVG without srcset)?"""
    page = learner_client.get("/courses").get_data(as_text=True)
    img = re.search(r'<img class="cover"[^>]*>', page).group()
    assert 'loading="lazy"' in img and 'width="160"' in img
    assert 60 <= int(re.search(r'height="(\d+)"', img).group(1)) <= 120  # in the picture's proportion
    assert "srcset" not in img
    with app.app_context():
        media = db.session.scalar(select(CourseMedia).where(CourseMedia.course_id == example_course.id,
                                                            CourseMedia.path == example_course.cover_image))
        assert img.count(media.url_path) == 1


def test_a_raster_cover_gets_a_srcset_of_its_own_format(app_ctx):
    """Is a JPEG cover's srcset made of its JPEG copies and itself, by width, without the WebP ones?"""
    media = CourseMedia(path="images/cover.jpg", stored_name="a" * 32 + ".jpg", content_type="image/jpeg",
                        size=1, width=1200, height=675, variants=[
                            {"name": "b" * 32 + ".jpg", "width": 480, "height": 270, "content_type": "image/jpeg"},
                            {"name": "c" * 32 + ".webp", "width": 480, "height": 270, "content_type": "image/webp"},
                            {"name": "d" * 32 + ".jpg", "width": 320, "height": 180, "content_type": "image/jpeg"}])
    cover = catalogue.cover_of(media)
    assert (cover.width, cover.height) == (160, 90)
    assert cover.srcset == f"/media/{'d' * 32}.jpg 320w, /media/{'b' * 32}.jpg 480w, /media/{'a' * 32}.jpg 1200w"


class _Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.levels = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))


@pytest.mark.parametrize("signed_in", [True, False], ids=["learner", "visitor"])
def test_headings_never_skip_a_level(client, learner_client, shelf, signed_in):
    """Do the course cards sit one level under the page's heading (h1 → h2, or h1 → h2 → h3)?"""
    page = (learner_client if signed_in else client).get("/courses").get_data(as_text=True)
    main = page.split("<main", 1)[1]
    parser = _Headings()
    parser.feed(main)
    assert parser.levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(parser.levels, parser.levels[1:])), parser.levels


def test_the_catalogue_takes_one_query_for_courses_and_covers(app, learner_client, shelf):
    """Are courses and their covers read together, whatever their number (no query per cover)?"""
    from flask_sqlalchemy.record_queries import get_recorded_queries
    seen = {}

    @app.after_request
    def record(response):
        seen["sql"] = [q.statement for q in get_recorded_queries()]
        return response

    learner_client.get("/courses?language=zh")
    assert sum("course_media" in sql for sql in seen["sql"]) == 1, seen["sql"]


def test_reports_list_courses_in_catalogue_order(app_ctx, shelf):
    """Do the reports' course choices come in the catalogue's order too?"""
    titles = [title for _id, title in progress_reports.course_choices(db.session, None)]
    assert titles.index("戊 入门课") < titles.index("丁 入门课") < titles.index("丙 中级课一") \
        < titles.index("乙 中级课二") < titles.index("甲 高级课")
