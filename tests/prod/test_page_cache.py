"""Rendered pages shared across learners (training/pagecache.py): one learner never sees
another's name, id or CSRF token, a shared page is byte for byte the page an ordinary render
gives, and anything per-user that is not a slot stops the sharing instead of leaking."""
import re

import pytest
from flask_login import login_required
from jinja2 import ChoiceLoader, DictLoader

from training import pagecache
from training.extensions import db

from .conftest import lesson_url

CSRF_VALUE = re.compile(r'(name="csrf_token" value=")[^"]+(")')


def renders(app) -> int:
    cache = app.extensions.get("page_cache")
    return cache.renders if cache else 0


def without_tokens(html: str) -> str:
    return CSRF_VALUE.sub(r"\1TOKEN\2", html)


def tokens(html: str) -> set[str]:
    return {m.group(0) for m in CSRF_VALUE.finditer(html)}


@pytest.fixture
def two_learners(app, factory, enrolled):
    first = factory.user(display_name="Wang Fang")
    second = factory.user(display_name='Li <b>"Lei"</b> & Co')
    for user in (first, second):
        factory.enrol(user, enrolled)
    return [app.test_client(user=user) for user in (first, second)], (first, second)


def shared_pages(course) -> list[str]:
    """The learner's pages that are shared: every lesson, the course page, the catalogue."""
    return [lesson_url(course, i) for i in range(len(course.lessons))] + [f"/courses/{course.slug}", "/courses"]


@pytest.mark.parametrize("page", ["lesson", "course", "catalogue"])
def test_learners_in_the_same_state_share_one_render_and_see_only_themselves(app, enrolled, two_learners, page):
    (first_client, second_client), (first, second) = two_learners
    url = {"lesson": lesson_url(enrolled), "course": f"/courses/{enrolled.slug}", "catalogue": "/courses"}[page]
    first_page = first_client.get(url).get_data(as_text=True)
    second_page = second_client.get(url).get_data(as_text=True)
    assert renders(app) == 1

    assert "Wang Fang" in first_page and "Wang Fang" not in second_page
    assert f'data-user="{first.id}"' in first_page and f'data-user="{second.id}"' in second_page
    assert f'data-user="{first.id}"' not in second_page
    # The name is escaped in its slot like anywhere else.
    assert "Li &lt;b&gt;&#34;Lei&#34;&lt;/b&gt; &amp; Co" in second_page
    assert "<b>" not in second_page
    # Each page carries its own session's CSRF token, and no slot marker is left.
    assert tokens(first_page) and tokens(first_page).isdisjoint(tokens(second_page))
    assert "\ue000" not in first_page + second_page
    # Apart from the three slots, the pages are the same.
    def anonymised(html, user):
        html = without_tokens(html).replace(f'data-user="{user.id}"', 'data-user="ID"')
        return html.replace(str(pagecache.escape(user.display_name)), "NAME")
    assert anonymised(first_page, first) == anonymised(second_page, second)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_a_shared_page_is_the_page_an_ordinary_render_gives(app, enrolled, learner, learner_client, language):
    learner.language = language
    db.session.commit()
    for url in shared_pages(enrolled):
        app.config["PAGE_CACHE_SIZE"] = 0
        ordinary = learner_client.get(url).get_data(as_text=True)
        app.config["PAGE_CACHE_SIZE"] = 64
        shared = learner_client.get(url).get_data(as_text=True)
        again = learner_client.get(url).get_data(as_text=True)
        assert without_tokens(shared) == without_tokens(ordinary) == without_tokens(again)
        assert ('<html lang="zh-CN">' in shared) == (language == "zh_CN")
    assert renders(app) == len(shared_pages(enrolled))


def test_progress_and_content_changes_give_a_new_page(app, enrolled, learner_client):
    url = lesson_url(enrolled)
    assert "Mark as complete" in learner_client.get(url).get_data(as_text=True)
    assert learner_client.post(url + "/complete").status_code == 302
    learner_client.get(url)  # shows "Lesson completed." once, rendered for this learner only
    done = learner_client.get(url).get_data(as_text=True)
    assert "Mark as complete" not in done
    assert renders(app) == 2

    enrolled.lessons[0].title = "A retitled lesson"
    db.session.commit()
    assert "A retitled lesson" in learner_client.get(url).get_data(as_text=True)
    assert renders(app) == 3


def test_language_and_query_string_are_part_of_the_key(app, enrolled, learner, learner_client):
    url = lesson_url(enrolled)
    english = learner_client.get(url).get_data(as_text=True)
    with_query = learner_client.get(url + "?from=home").get_data(as_text=True)
    assert 'value="/courses/' in with_query and "?from=home" in with_query
    assert "?from=home" not in english
    learner.language = "zh_CN"
    db.session.commit()
    assert "村播学堂" in learner_client.get(url).get_data(as_text=True)
    assert renders(app) == 3


def test_staff_and_pages_with_a_message_are_not_shared(app, enrolled, factory, trainer_client, learner_client):
    assert trainer_client.get(lesson_url(enrolled)).status_code in (200, 302)
    assert renders(app) == 0
    # Completing a lesson leaves a message for the next page: shown once, never stored.
    learner_client.post(lesson_url(enrolled) + "/complete")
    page = learner_client.get(lesson_url(enrolled, 1)).get_data(as_text=True)
    assert "Lesson completed." in page
    assert renders(app) == 0
    assert "Lesson completed." not in learner_client.get(lesson_url(enrolled, 1)).get_data(as_text=True)
    assert renders(app) == 1


@pytest.fixture
def page_template(app):
    """A page template the test writes, served by a throwaway view that renders it shared."""
    templates = {}
    app.jinja_env.loader = ChoiceLoader([DictLoader(templates), app.jinja_env.loader])

    @app.route("/_shared-test")
    @login_required
    def shared_test():
        return pagecache.render_page("shared-test.html", ("test",), dict)

    def write(source: str):
        templates["shared-test.html"] = source
        app.extensions.get("page_cache", pagecache.PageCache()).clear()
        app.jinja_env.cache.clear()
    return write


@pytest.mark.parametrize("source", [
    "{{ current_user.username }}",              # a user attribute that is not a slot
    "{{ current_user.display_name[:3] }}",      # a slot cut by the template
    "{{ current_user.display_name|tojson }}",   # a slot escaped into JSON
    "{{ session.get('_user_id') }}",           # the session
    "{{ request.cookies }}",                    # the request beyond its URL
    "{{ g.get('x') }}",                         # the request's g
])
def test_a_template_reaching_for_the_learner_cannot_be_shared(app, learner_client, page_template, source):
    page_template(source)
    with pytest.raises(pagecache.SharedPageError):
        learner_client.get("/_shared-test")


def test_outside_tests_an_unshareable_page_is_rendered_for_the_one_learner(app, learner, learner_client,
                                                                           page_template):
    page_template("{{ current_user.username }}")
    app.testing = False
    try:
        response = learner_client.get("/_shared-test")
    finally:
        app.testing = True
    assert response.status_code == 200
    assert response.get_data(as_text=True) == learner.username
    assert renders(app) == 0


def test_role_level_permissions_work_in_a_shared_page(app, learner_client, page_template):
    page_template("{{ can('author') }} {{ can('manage_class') }} {{ current_user.is_staff }}")
    assert learner_client.get("/_shared-test").get_data(as_text=True) == "False False False"
    assert renders(app) == 1
