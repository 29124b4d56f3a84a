"""Property-based fuzzing (hypothesis): the course reader and every form handler take random
input without crashing and without partial writes."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from training.extensions import db
from training.models import Course
from training.services.authoring import course_format, course_reader

from ..conftest import EXAMPLE_COURSE
from .conftest import row_counts
from .test_access_table import build_url, routes

FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
EXAMPLE_FILES = course_format.files_from_directory(EXAMPLE_COURSE)
TEXT_FILES = sorted(p for p in EXAMPLE_FILES if p.endswith((".toml", ".md")))

# Text that tends to break parsers and databases: control characters, NUL, surrogates
# (as bytes), right-to-left marks, very long runs, TOML and Markdown syntax.
nasty_text = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["", "\x00", "a\x00b", "'", '"', "[[lessons]]", "key = ", "= 1", "\u202e",
                     "${jndi:x}", "<script>", "../../etc/passwd", "9" * 40, "-1", "1e999",
                     "[quiz]\nkind = \"ordering\"", "true", "💥" * 20, "\r\n", "\\", "%s%n"]),
    st.text(min_size=200, max_size=2000),
)


@st.composite
def mutated_course_files(draw):
    files = dict(EXAMPLE_FILES)
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["splice", "replace", "truncate", "drop", "add", "bytes"]))
        path = draw(st.sampled_from(TEXT_FILES))
        if path not in files:
            continue
        data = files[path]
        if action == "splice":
            at = draw(st.integers(0, len(data)))
            files[path] = data[:at] + draw(nasty_text).encode("utf-8", "surrogatepass") + data[at:]
        elif action == "replace":
            files[path] = draw(nasty_text).encode("utf-8", "surrogatepass")
        elif action == "truncate":
            files[path] = data[: draw(st.integers(0, len(data)))]
        elif action == "drop":
            del files[path]
        elif action == "add":
            files[draw(st.sampled_from(["images/x.png", "lessons/extra.md", "../evil.toml", "/abs.md",
                                        "quizzes/new.toml"]))] = draw(st.binary(max_size=300))
        else:
            at = draw(st.integers(0, len(data)))
            files[path] = data[:at] + draw(st.binary(min_size=1, max_size=40)) + data[at:]
    return files


@FUZZ
@given(files=mutated_course_files())
def test_course_reader_only_ever_raises_course_format_error(app_ctx, files):
    """Mutated course files are either read or refused with CourseFormatError, never another
    exception, and reading writes nothing."""
    try:
        course_reader.read_course(files, origin="fuzz")
    except course_format.CourseFormatError as exc:
        assert exc.problems
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0


@FUZZ
@given(files=st.dictionaries(st.text(max_size=30), st.binary(max_size=200), max_size=6))
def test_course_reader_survives_arbitrary_file_sets(app_ctx, files):
    """Any set of names and bytes at all gives CourseFormatError or a course, nothing else."""
    try:
        course_reader.read_course(files, origin="fuzz")
    except course_format.CourseFormatError:
        pass


FIELD_NAMES = ["login", "password", "confirm", "display_name", "language", "consent", "remember",
               "current", "gender", "birth_year", "township", "village", "attempt_token", "next"]
form_values = st.one_of(nasty_text, st.sampled_from(["y", "on", "zh_CN", "en", "f", "m", "1975", "0",
                                                    "99999999999999999999", "correct horse battery"]))


@FUZZ
@given(data=st.data())
def test_random_form_data_never_gives_a_500_or_a_partial_write(app, app_ctx, world, data):
    """Every POST route as every role with random fields: never a server error, and a refused
    submission (anything but a redirect) leaves every table's row count unchanged."""
    from training.access_table import parse

    table = parse()
    posts = sorted(((endpoint, rule) for endpoint, method, rule in routes(app) if method == "POST"),
                   key=lambda pair: (pair[0], pair[1].rule))
    endpoint, rule = data.draw(st.sampled_from(posts), label="route")
    role = data.draw(st.sampled_from(sorted(world.users)), label="role")
    fields = data.draw(st.dictionaries(
        st.one_of(st.sampled_from(FIELD_NAMES), st.from_regex(r"q[0-9]{1,4}(-[0-9]{1,4})?", fullmatch=True)),
        st.one_of(form_values, st.lists(form_values, max_size=3)), max_size=8), label="form")
    url = build_url(app, rule, world, table[(endpoint, "POST")])
    user = world.users[role]
    client = app.test_client(user=user) if user else app.test_client()
    before = row_counts()
    response = client.post(url, data=fields)
    assert response.status_code < 500, (endpoint, role, fields)
    if response.status_code != 302:
        db.session.rollback()
        assert row_counts() == before, (endpoint, role, fields)


@pytest.mark.parametrize("path", ["/courses?language=%00&level=x", "/courses/%00", "/attempts/0",
                                  "/courses/first-stream-checklist/lessons/%ff", "/media/..%2fsecret_key",
                                  "/admin/audit?target_id=%00&since=9999-99-99"])
def test_odd_urls_never_give_a_500(admin_client, world, path):
    """NUL bytes, bad encodings and traversal attempts in URLs are 4xx or handled, never 500."""
    assert admin_client.get(path).status_code < 500


def test_nul_bytes_in_a_form_are_refused_before_any_database_work(learner_client, learner):
    """A NUL hidden in the second value of a field still gets a 400 and changes nothing."""
    response = learner_client.post("/account/", data={"display_name": "ok", "village": ["fine", "bad\x00"]})
    assert response.status_code == 400
    db.session.refresh(learner)
    assert learner.display_name != "ok"


@pytest.mark.parametrize("path", ["/courses?language=%00", "/courses?level=x&a%00b=1", "/courses/%00"])
def test_nul_bytes_in_a_url_are_refused(learner_client, path):
    """A NUL in a query value, a query key or the path is a 400, before any page work."""
    assert learner_client.get(path).status_code == 400
