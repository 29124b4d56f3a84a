"""Errors where the eye is (issue 23, item 1), in real Chromium at 360 px: a sign-up with a weak
password reloads with the error summary at the top, focused and on screen without scrolling,
and its link takes focus to the password field, with JavaScript and without it."""
import pytest

from .conftest import AXE, _unavailable, screenshot

IN_VIEW = """el => { const r = el.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }"""


def _violations(page) -> list[dict]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_weak_password_summary_is_focused_on_screen_and_links_to_the_field(live, phone, javascript):
    if not AXE.exists():
        _unavailable(f"{AXE} is missing (scripts/test.sh installs axe-core with npm)")
    context = phone(java_script_enabled=javascript)
    context.add_cookies([{"name": "lang", "value": "zh_CN", "url": live.url}])
    page = context.new_page()
    page.goto("/register")
    page.fill("#display_name", "王大姐")
    page.fill("#login", f"wangdajie{int(javascript)}")
    page.fill("#password", "abc")
    page.fill("#confirm", "abc")
    page.check("#consent")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state("load")

    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    assert "请改正以下问题" in summary.inner_text()
    # Focused on load (autofocus, no script needed), and on screen without scrolling.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'error-summary'",
                           timeout=5_000)
    assert summary.evaluate(IN_VIEW), "the summary is not visible without scrolling"
    # First thing in <main>: nothing of the page's own content comes before it.
    assert page.evaluate("document.querySelector('main').firstElementChild.id") == "error-summary"
    screenshot(page, f"error-summary-signup-{'js' if javascript else 'nojs'}")

    if javascript:  # axe-core runs as a script: the page's own, so not in the no-script case
        # The page passes axe-core: nothing serious anywhere, nothing at all in the summary.
        violations = _violations(page)
        serious = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
        in_summary = [v["id"] for v in violations
                      if any("error-summary" in " ".join(map(str, n["target"])) or "error-summary" in n["html"]
                             for n in v["nodes"])]
        assert serious == [] and in_summary == [], (serious, in_summary)

    link = summary.locator("a[href='#password']")
    assert link.count() == 1
    link.click()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'password'",
                           timeout=5_000)
    assert page.locator("#password").evaluate(IN_VIEW)


def test_breadcrumb_links_are_44_px_tap_targets(live, phone, new_learner):
    """Breadcrumb links (nav.crumbs a) are at least 44 × 44 px at 360 px (issue 23, item 8)."""
    from .conftest import log_in, start_course

    page = phone().new_page()
    log_in(page, new_learner())
    start_course(page, live.slug)  # lands on the first lesson, under the course breadcrumb
    crumbs = page.locator("nav.crumbs a")
    assert crumbs.count() >= 1
    for index in range(crumbs.count()):
        box = crumbs.nth(index).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
