"""Every state-changing request needs a valid CSRF token (CSRF protection switched on here)."""
import re

from training.access_table import parse

from .conftest import row_counts
from .test_access_table import build_url, routes


def test_every_post_route_refuses_a_request_without_a_token(make_app, app, app_ctx, world):
    """POST to every route without a token, as anon, learner, trainer, Fred and admin:
    400 with the friendly "form expired" page, and nothing in the database changes."""
    csrf_app = make_app(WTF_CSRF_ENABLED=True)  # same database as `app`, CSRF on
    table = parse()
    before = row_counts()
    posts = [(endpoint, rule) for endpoint, method, rule in routes(csrf_app) if method == "POST"]
    assert len(posts) >= 10
    for endpoint, rule in posts:
        url = build_url(csrf_app, rule, world, table[(endpoint, "POST")])
        for role, user in world.users.items():
            client = csrf_app.test_client(user=user) if user else csrf_app.test_client()
            response = client.post(url, data={"language": "en", "password": "x", "confirm": "y"})
            assert response.status_code == 400, f"POST {url} as {role} without a token"
            assert "The form expired" in response.get_data(as_text=True)
    assert row_counts() == before


def test_a_valid_token_is_accepted(make_app, app, app_ctx, world):
    """The refusal above is the token's doing: the same request with the page's token works."""
    csrf_app = make_app(WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client(user=world.users["learner"])
    page = client.get("/account/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    response = client.post("/language", data={"language": "en", "csrf_token": token.group(1)})
    assert response.status_code == 302
