"""Every route, every role: the outcomes stated in training/access_table.py."""
import pytest
from flask import url_for

from training.access_table import LOGIN, ROLES, TABLE, parse

from .conftest import row_counts

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def routes(app):
    """(endpoint, method, rule) for every route the app serves."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - IGNORED_METHODS):
            yield rule.endpoint, method, rule


def build_url(app, rule, world, expectation) -> str:
    values = {}
    for argument in rule.arguments:
        source = expectation.args.get(argument, argument)
        assert source in world.objects, (
            f"{rule.endpoint}: no test object for URL argument {argument!r}; add one to `world` "
            "in tests/security/conftest.py or name one at the end of its access table line")
        values[argument] = world.objects[source]
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def request_as(app, world, role, method, url):
    user = world.users[role]
    client = app.test_client(user=user) if user else app.test_client()
    response = client.open(url, method=method, data={} if method == "POST" else None)
    response.close()  # file responses (media, static) hold their file open until closed
    return response


def outcome_of(response):
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        return LOGIN
    return response.status_code


def test_the_table_parses_and_names_every_role():
    """The access table is well formed: five outcomes per line and no line twice."""
    table = parse(TABLE)
    assert table and all(set(e.outcomes) == set(ROLES) for e in table.values())
    with pytest.raises(ValueError):
        parse(TABLE + "\nlearn.home GET 200 200 200 200 200\n")


def test_every_route_has_a_line_and_every_line_a_route(app):
    """A new route without a table line fails here, and so does a line for a removed route."""
    table = parse()
    served = {(endpoint, method) for endpoint, method, _rule in routes(app)}
    missing = sorted(served - set(table))
    stale = sorted(set(table) - served)
    assert not missing, f"routes without an access table line in training/access_table.py: {missing}"
    assert not stale, f"access table lines for routes that do not exist: {stale}"


def test_every_role_gets_the_expected_outcome_and_gets_change_nothing(app, app_ctx, world):
    """Each route as anon, learner, trainer of centre A, Fred of centre B and admin, with real
    objects; all GET requests together leave every table's row count unchanged."""
    table = parse()
    all_routes = sorted(routes(app), key=lambda r: (r[1] != "GET", r[0]))  # every GET first
    before = row_counts()
    mismatches = []
    checked_gets = False
    for endpoint, method, rule in all_routes:
        if method != "GET" and not checked_gets:
            assert row_counts() == before, "a GET request changed the database"
            checked_gets = True
        expectation = table[(endpoint, method)]
        url = build_url(app, rule, world, expectation)
        for role in ROLES:
            got = outcome_of(request_as(app, world, role, method, url))
            if got != expectation.outcomes[role]:
                mismatches.append(f"{method} {url} as {role}: expected {expectation.outcomes[role]}, got {got}")
    assert not mismatches, "\n".join(mismatches)


DRAFT_CASES = {
    # path template: outcomes for anon, learner, trainer (centre A), fred (centre B), admin
    "/courses/{draft_slug}": (404, 404, 200, 404, 200),
    "/courses/{draft_slug}/lessons/kit": ("login", 404, 403, 404, 403),
    "/courses/{draft_slug}/continue": ("login", 404, 302, 404, 302),
}


def test_a_draft_course_of_centre_a_is_hidden_from_learners_and_fred(app, app_ctx, world):
    """Drafts exist only for their authors: 404 for learners and other centres; the author's centre
    and admins see the page but cannot learn from it (403)."""
    mismatches = []
    for template, outcomes in DRAFT_CASES.items():
        url = template.format(**world.objects)
        for role, expected in zip(ROLES, outcomes):
            got = outcome_of(request_as(app, world, role, "GET", url))
            if got != expected:
                mismatches.append(f"GET {url} as {role}: expected {expected}, got {got}")
    assert not mismatches, "\n".join(mismatches)
