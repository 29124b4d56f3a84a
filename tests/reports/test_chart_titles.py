"""Chart titles are visible text, not only inside the SVG (issue 21, item 8)."""
import re

from flask import render_template_string

from training.services.reports import charts


def test_each_chart_shows_its_title_above_it(app):
    """Two monthly charts of the same shape are told apart by a visible caption that comes before
    the drawing, besides the SVG's own <title> for screen readers."""
    chart = charts.vertical([("2026-10", 12), ("2026-11", 30)])
    with app.test_request_context():
        html = render_template_string(
            '{% from "macros/charts.html" import bar_chart %}'
            '{{ bar_chart(c, "Trained person-times by month", "a") }}'
            '{{ bar_chart(c, "Enrolments by month", "b") }}', c=chart)
    captions = re.findall(r"<figcaption[^>]*>(.*?)</figcaption>", html, re.DOTALL)
    assert [re.sub("<[^>]+>", "", c).strip() for c in captions] == [
        "Trained person-times by month", "Enrolments by month"]
    for title in ("Trained person-times by month", "Enrolments by month"):
        caption = html.index(f"<strong>{title}</strong>")
        assert caption < html.index("<svg", caption) < html.index(f">{title}</title>")


def test_overview_page_captions_both_monthly_charts(admin_client, province):
    """On the admin overview the two monthly charts carry their titles as visible text."""
    html = admin_client.get("/reports/overview").get_data(True)
    captions = [re.sub("<[^>]+>", "", c).strip()
                for c in re.findall(r"<figcaption[^>]*>(.*?)</figcaption>", html, re.DOTALL)]
    assert "Trained person-times by month" in captions and "Enrolments by month" in captions
