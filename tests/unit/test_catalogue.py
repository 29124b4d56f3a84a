"""What the catalogue lists, read without any request."""
from training.extensions import db
from training.services.learning import catalogue, progress

from ..conftest import EXAMPLE_COURSE


def _ids(found):
    return [course.id for course in found.courses]


def test_lists_published_courses_in_title_order_with_their_versions(factory, example_course):
    """Drafts are left out; each course comes with its content version and language (courses of
    one level and position come in title order)."""
    second = factory.import_course(EXAMPLE_COURSE, slug="b-course", title="B course", language="en")
    first = factory.import_course(EXAMPLE_COURSE, slug="a-course", title="A course", language="en")
    factory.import_course(EXAMPLE_COURSE, slug="draft", title="0 draft", status="draft")
    found = catalogue.listing(db.session, None, language="all")
    titles = {c.id: c.title for c in (example_course, first, second)}
    assert _ids(found) == sorted(titles, key=titles.get)
    assert (first.id, first.content_version, "en") in [(c.id, c.content_version, c.language)
                                                        for c in found.courses]
    assert found.percents == {}


def test_filters_by_language_and_level_and_ignores_unknown_filters(factory, example_course):
    english = factory.import_course(EXAMPLE_COURSE, slug="english", title="English", language="en",
                                    level="advanced")
    connection = db.session
    assert _ids(catalogue.listing(connection, None, language="en")) == [english.id]
    assert _ids(catalogue.listing(connection, None, level="beginner")) == [example_course.id]
    assert _ids(catalogue.listing(connection, None, language="en", level="beginner")) == []
    assert len(catalogue.listing(connection, None, language="all", level="bogus").courses) == 2
    # An unknown language means the interface language.
    assert _ids(catalogue.listing(connection, None, language="xx", interface_language="en")) == [english.id]


def test_a_learner_gets_their_own_percentages_only(factory, learner, example_course):
    other = factory.user()
    factory.enrol(learner, example_course)
    progress.complete_lesson(db.session, learner.id, example_course.lessons[0])
    db.session.commit()
    percent = progress.get_enrollment(db.session, learner.id, example_course.id).percent
    assert percent > 0
    assert catalogue.listing(db.session, learner.id).percents == {example_course.id: percent}
    assert catalogue.listing(db.session, other.id).percents == {}
