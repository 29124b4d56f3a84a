"""Does every form sent back with errors show one summary first in <main>, with a link per
field error to that field, focused on load (issue 23, item 1)?"""
import re

from wtforms import Form, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from training.form_errors import problems_of


def summary_of(page: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', page, re.DOTALL)
    assert found, "no error summary on the page"
    return found.group(0)


def test_weak_password_on_sign_up_is_summarised_at_the_top_of_main(client, app_ctx):
    """The sign-up page with a short password: the summary comes first in <main>, before the
    page's own heading, names the field, and links to the password input's id."""
    page = client.post("/register", data={
        "display_name": "李师傅", "login": "lishifu", "password": "short", "confirm": "short",
        "language": "zh_CN", "consent": "y"}).get_data(as_text=True)
    main = page[page.index('<main id="main"'):]
    summary = summary_of(main)
    assert main.index("error-summary") < main.index("<h1")
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "autofocus" in summary
    assert "Please correct the following" in summary
    assert re.search(r'<a href="#password">Password: [^<]+</a>', summary)
    assert 'id="password"' in page


def test_summary_heading_is_chinese_by_default(client, app_ctx):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = client.post("/register", data={"display_name": "", "login": "", "password": "",
                                          "confirm": ""}).get_data(as_text=True)
    summary = summary_of(page)
    assert "请改正以下问题" in summary
    # Every failing field has its own link; Chinese label and message join with a full-width colon.
    assert summary.count("<a href=") >= 4
    assert re.search(r'<a href="#display_name">[^<]+：[^<]+</a>', summary)


def test_wrong_password_at_login_is_summarised(client, app_ctx, learner):
    page = client.post("/login", data={"login": learner.username, "password": "not-it-at-all"})
    summary = summary_of(page.get_data(as_text=True))
    assert 'href="#password"' in summary


def test_a_page_without_errors_has_no_summary(client, app_ctx):
    assert "error-summary" not in client.get("/register").get_data(as_text=True)
    assert "error-summary" not in client.get("/login").get_data(as_text=True)


def test_staff_form_errors_are_summarised(admin_client, app_ctx):
    """An admin form (new centre) sent empty: the summary appears there too."""
    response = admin_client.post("/admin/centres/new", data={})
    assert response.status_code == 422
    assert 'href="#name"' in summary_of(response.get_data(as_text=True))


class _ChoiceForm(Form):
    name = StringField("Name", validators=[DataRequired()])
    size = RadioField("Size", choices=[SelectChoice("s", "Small"), SelectChoice("l", "Large")], validators=[DataRequired()])


def test_radio_errors_link_to_the_first_choice_and_form_errors_have_no_link(app_ctx):
    """A radio list's own element cannot take focus, so its link goes to the first choice."""
    form = _ChoiceForm(data={})
    form.validate()
    form.form_errors.append("The whole form is wrong.")
    problems = problems_of(form)
    assert problems[0].target is None and problems[0].text == "The whole form is wrong."
    assert [p.target for p in problems[1:]] == ["name", "size-0"]


def test_unanswered_quiz_question_is_summarised_with_its_number(learner_client, learner, factory,
                                                                 example_course, app_ctx):
    """A quiz sent back (a question left blank): the summary names the question by its number
    and links to it; the question can take focus from the link."""
    from ..helpers import answer_form

    factory.enrol(learner, example_course)
    quiz = example_course.lessons[0].quiz
    form = answer_form(quiz)
    first = quiz.questions[0]
    form = {k: v for k, v in form.items() if not k.startswith(f"q{first.id}")}
    response = learner_client.post(f"/courses/{example_course.slug}/quizzes/{quiz.id}", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    summary = summary_of(page)
    assert re.search(rf'<a href="#question-{first.id}">Question \d+: [^<]+</a>', summary)
    assert re.search(rf'id="question-{first.id}" tabindex="-1"', page)


def test_studio_import_problems_are_focused_on_load(app_ctx, trainer_client):
    """Studio problems (a course file that does not import) are not a form's errors: their
    card right under the heading is focused on load instead."""
    import io
    import zipfile

    blob = io.BytesIO()
    with zipfile.ZipFile(blob, "w") as archive:
        archive.writestr("course.toml", 'slug = "bad"\nlanguage = "xx"\ntitle = "Bad"\n')
    response = trainer_client.post("/author/import", content_type="multipart/form-data",
                                   data={"archive": (io.BytesIO(blob.getvalue()), "c.zip")})
    assert response.status_code == 422
    assert re.search(r'<section class="card problems" role="alert" tabindex="-1" autofocus>',
                     response.get_data(as_text=True))
