"""Issue 20: a learner cannot break a trainer's export. Whatever text sits in the database
(control characters, noncharacters, rows from before the forms refused them, imported cells),
every CSV and XLSX export answers 200 and every XLSX opens again in openpyxl; and the forms and
the roster import refuse such characters in the first place."""
import io
from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import update

from training.extensions import db
from training.models import (
    AttemptAnswer,
    Attendance,
    Centre,
    Course,
    TrainingClass,
    TrainingSession,
    User,
)
from training.services.classes import roster

from ..conftest import TEST_DATABASE_URL
from ..reports.conftest import add_attempt

HOLD = settings(max_examples=25, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# PostgreSQL cannot store NUL in text at all; SQLite can, so there it is tried too.
BANNED = "\x00" if TEST_DATABASE_URL else ""
# Characters spreadsheets choke on, mixed with ordinary text, so most examples hold some.
AWKWARD = "\x00\x01\x07\x08\x0b\x0c\x0e\x1b\x1f\x7f\x80\x85\x9f\ufffe\uffff\t\n\r=+-@ a中村"
awkward_text = st.text(alphabet=st.sampled_from([c for c in AWKWARD if c not in BANNED]), max_size=20)
any_text = st.text(alphabet=st.characters(blacklist_characters=BANNED), max_size=40)
text = st.one_of(any_text, awkward_text)

FIELDS = ("learner_name", "township", "village", "imported_name", "imported_village", "class_name",
          "class_place", "topic", "session_place", "centre_name", "answer")


@dataclass
class Stage:
    """The rows whose text each example replaces, and the ids the export URLs name."""

    learner: User
    imported: User
    training_class: TrainingClass
    meeting: TrainingSession
    centre: Centre
    course: Course


@pytest.fixture
def stage(factory, trainer, admin, example_course) -> Stage:
    """A learner of centre A in a class with one session she attended and one quiz attempt, and
    a second learner imported from a roster file, who attended too."""
    centre = factory.centre("Centre A")
    course = example_course
    training_class = factory.training_class("Centre A", courses=[course], trainer=trainer)
    learner = factory.user("learner", centre="Centre A", mobile="13812345678")
    factory.member(training_class, learner)
    factory.enrol(learner, course)
    rows, errors = roster.validate([["name", "mobile", "village"], ["张三", "13900139000", "团结村"]])
    assert errors == []
    imported = roster.import_rows(db.session, training_class, rows)[0].user
    meeting = factory.training_session(training_class, date.today())
    for person in (learner, imported):
        db.session.add(Attendance(session_id=meeting.id, user_id=person.id, method="roll"))
    quiz = course.lessons[0].quiz
    add_attempt(learner, quiz, 1, [(quiz.questions[0].id, "x", False)], meeting.created_at)
    db.session.commit()
    return Stage(learner, imported, training_class, meeting, centre, course)


def write_text(stage: Stage, values: dict[str, str]) -> None:
    """Put the example's text straight into the rows, as an old row or an import would have."""
    stage.learner.display_name = values["learner_name"]
    stage.learner.township, stage.learner.village = values["township"], values["village"]
    stage.imported.display_name, stage.imported.village = values["imported_name"], values["imported_village"]
    stage.training_class.name, stage.training_class.place = values["class_name"], values["class_place"]
    stage.meeting.topic, stage.meeting.place = values["topic"], values["session_place"]
    # The centre's name is unique: keep it apart from centre B's.
    stage.centre.name = "A" + values["centre_name"]
    db.session.execute(update(AttemptAnswer).values(response=values["answer"],
                                                    response_text=values["answer"]))
    db.session.commit()


def export_urls(stage: Stage) -> dict[str, list[str]]:
    """Every CSV and XLSX download, by who may fetch it."""
    class_id, course_id = stage.training_class.id, stage.course.id
    staff = [
        *(f"/classes/ledger?format={fmt}" for fmt in ("csv", "xlsx")),
        *(f"/reports/classes/{class_id}/export.{fmt}?table={table}"
          for fmt in ("csv", "xlsx") for table in ("learners", "items")),
        *(f"/reports/courses/{course_id}/export.{fmt}" for fmt in ("csv", "xlsx")),
    ]
    admin = [
        *staff,
        *(f"/classes/ledger?format={fmt}&centre_id=0" for fmt in ("csv", "xlsx")),
        *(f"/reports/overview/export.{fmt}?table={table}"
          for fmt in ("csv", "xlsx") for table in ("centres", "months")),
    ]
    return {"trainer": staff, "admin": admin, "learner": ["/account/data.csv", "/account/data.json"]}


@HOLD
@given(values=st.fixed_dictionaries({name: text for name in FIELDS}))
def test_every_export_holds_whatever_text_is_stored(app, stage, trainer, admin, values):
    """Arbitrary Unicode in every free-text field a learner, trainer or roster file fills in:
    the trainer's ledger, the class report, the admin's ledger, the overview, the course report
    and the learner's own data export all answer 200, and each XLSX opens."""
    write_text(stage, values)
    clients = {"trainer": app.test_client(user=trainer), "admin": app.test_client(user=admin),
               "learner": app.test_client(user=stage.learner)}
    for who, urls in export_urls(stage).items():
        for url in urls:
            response = clients[who].get(url)
            assert response.status_code == 200, (who, url)
            if "xlsx" in url:
                load_workbook(io.BytesIO(response.data))
            elif url.endswith(".csv") or "format=csv" in url:
                response.data.decode("utf-8-sig")


def test_a_learner_cannot_store_a_control_character(app, learner):
    """The other end: the profile form refuses a village with a bell in it, in the learner's
    language, and changes nothing."""
    own = app.test_client(user=learner)
    form = {"display_name": "李", "language": "en", "gender": "", "birth_year": "", "township": "",
            "village": "团结\x07村"}
    response = own.post("/account/", data=form)
    assert response.status_code == 200  # the page again, with the message at the field
    assert "This text contains invisible control characters." in response.get_data(as_text=True)
    db.session.refresh(learner)
    assert learner.village is None and learner.display_name != "李"
    learner.language = "zh_CN"
    db.session.commit()
    assert "此处含有不可见的控制字符" in own.post("/account/", data=form).get_data(as_text=True)


def test_staff_cannot_store_one_either(trainer_client, factory):
    """A class name or session topic with an escape character is refused as well."""
    training_class = factory.training_class("Centre A")
    response = trainer_client.post(f"/classes/{training_class.id}/edit", data={"name": "春季\x1b[2J班"})
    assert "This text contains invisible control characters." in response.get_data(as_text=True)
    response = trainer_client.post(f"/classes/{training_class.id}/sessions/new",
                                   data={"held_on": date.today().isoformat(), "topic": "直播\x07"})
    assert "This text contains invisible control characters." in response.get_data(as_text=True)
    db.session.refresh(training_class)
    assert training_class.name == "Spring class"
    assert db.session.scalar(db.select(db.func.count(TrainingSession.id))) == 0


def test_a_roster_file_cannot_bring_one_in(trainer_client, factory):
    """An imported cell with a control character is refused with its line, like a formula."""
    training_class = factory.training_class("Centre A")
    data = "姓名,手机号,村\n张\x07三,13800138000,团结村\n".encode()
    response = trainer_client.post(f"/classes/{training_class.id}/import", content_type="multipart/form-data",
                                   data={"file": (io.BytesIO(data), "roster.csv")})
    assert response.status_code == 422
    assert ("Line 2: The “姓名” cell contains invisible control characters; type it again as plain text."
            in response.get_data(as_text=True))
    assert db.session.scalar(db.select(db.func.count(User.id)).where(User.role == "learner")) == 0
