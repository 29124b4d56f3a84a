"""A family's shared phone in a real browser at 360 px: "who is this?" after a shared password,
then switching person in two taps, which forgets the pages saved for the one signed out."""
import re

from training.extensions import db

from .conftest import screenshot

NUMBER = "13700137000"
SHARED = "family-password-2"
OWN = "son-password-33"


def _shot(page, name: str) -> None:
    """A screenshot with the test artifacts, and one for the notes when that folder exists."""
    screenshot(page, name)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_switch_person_in_two_taps_on_a_phone(live, phone):
    """Mother and grandmother share a password: the phone asks who, big name buttons; the mother
    then hands the phone to her son: tap "Switch person", tap his name; her saved pages are gone,
    his sign-in has his name and the number, and his own password signs him in."""
    with live.app.app_context():
        live.factory.user(mobile=NUMBER, display_name="王妈妈", password=SHARED, language="zh_CN")
        live.factory.user(mobile=NUMBER, display_name="王奶奶", password=SHARED, language="zh_CN")
        live.factory.user(mobile=NUMBER, display_name="王小明", password=OWN, language="zh_CN")
        db.session.remove()
    page = phone(locale="zh-CN").new_page()
    page.goto("/login")
    page.fill("#login", NUMBER)
    page.fill("#password", SHARED)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/login/who"))
    assert page.locator("h1").inner_text() == "这是谁？"
    names = page.locator("form.people-choice button").all_inner_texts()
    assert sorted(names) == sorted(["王妈妈", "王奶奶"])
    _fits(page)
    _shot(page, "household-choose")
    page.get_by_role("button", name="王妈妈").click()
    page.wait_for_url(re.compile(r".*/$"))
    assert "王妈妈" in page.locator("footer").inner_text()

    # Pages saved for offline use while she was signed in.
    page.evaluate("""async () => {
        const cache = await caches.open("cunbo-pages");
        await cache.put("/courses/saved-for-mother", new Response("her page"));
        localStorage.setItem("cunbo:saved:/courses/saved-for-mother/offline", "1");
    }""")
    _shot(page, "household-header")

    # Tap 1: the header's switch link lists the others on the number.
    page.locator("a[data-switch]").click()
    page.wait_for_url(re.compile(r".*/household$"))
    assert page.locator("h1").inner_text() == "切换家人"
    _fits(page)
    _shot(page, "household-list")

    # Tap 2: his name; her session ends and her saved pages are forgotten.
    page.get_by_role("button", name="王小明").click()
    page.wait_for_url(re.compile(r".*/login$"))
    assert page.locator("h1").inner_text() == "登录：王小明"
    assert page.input_value("#login") == NUMBER
    page.wait_for_function("""async () => !(await caches.has("cunbo-pages"))""")
    assert page.evaluate("localStorage.getItem('cunbo:saved:/courses/saved-for-mother/offline')") is None
    _fits(page)
    _shot(page, "household-login")

    page.fill("#password", OWN)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/$"))
    assert "王小明" in page.locator("footer").inner_text()
