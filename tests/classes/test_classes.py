"""Classes: trainers create and edit them, learners join by code or QR, posters print."""
import re

from sqlalchemy import func, select

from training.extensions import db
from training.models import ClassMember, Enrollment, TrainingClass


def test_trainer_creates_a_class_in_their_centre(trainer_client, trainer, example_course):
    """The class belongs to the trainer's centre, with the chosen courses and a join code."""
    response = trainer_client.post("/classes/new", data={
        "name": "Spring live-selling class", "place": "Village hall", "starts_on": "2026-03-01",
        "ends_on": "2026-03-31", "course_ids": [str(example_course.id)]})
    assert response.status_code == 302
    training_class = db.session.scalar(select(TrainingClass))
    assert training_class.centre_id == trainer.centre_id and training_class.trainer_id == trainer.id
    assert [c.id for c in training_class.courses] == [example_course.id]
    assert len(training_class.code) == 6
    page = trainer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert training_class.code in page and "Spring live-selling class" in page


def test_bad_class_input_changes_nothing(trainer_client, trainer):
    """An empty name or a last day before the first day is refused at the field."""
    response = trainer_client.post("/classes/new", data={
        "name": "", "starts_on": "2026-03-10", "ends_on": "2026-03-01"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "The last day cannot be before the first day." in text
    assert db.session.scalar(select(func.count(TrainingClass.id))) == 0


def test_editing_a_class_enrols_members_in_added_courses(factory, trainer_client, learner, example_course):
    """A course assigned later is started for everyone already in the class."""
    training_class = factory.training_class()
    factory.member(training_class, learner)
    response = trainer_client.post(f"/classes/{training_class.id}/edit", data={
        "name": "Renamed", "course_ids": [str(example_course.id)]})
    assert response.status_code == 302
    assert db.session.scalar(select(Enrollment.course_id).where(Enrollment.user_id == learner.id)) == example_course.id


def test_learner_joins_by_typed_code_once(factory, learner_client, learner, example_course):
    """A code typed in lower case with spaces finds the class; joining twice records once and
    enrols the learner in the class's courses."""
    training_class = factory.training_class(courses=[example_course])
    typed = " ".join(training_class.code.lower())
    response = learner_client.post("/classes/join", data={"code": typed})
    assert response.headers["Location"].endswith(f"/classes/join/{training_class.code}")
    confirm = learner_client.get(f"/classes/join/{training_class.code}")
    assert "Join this class" in confirm.get_data(as_text=True)
    for _ in range(2):
        assert learner_client.post(f"/classes/join/{training_class.code}").status_code == 302
    assert db.session.scalar(select(func.count(ClassMember.id))) == 1
    assert db.session.scalar(select(func.count(Enrollment.id))) == 1
    db.session.refresh(learner)
    assert learner.centre_id == training_class.centre_id


def test_unknown_code_is_a_message_not_a_crash(learner_client):
    """A wrong code re-renders the form with a message; a wrong QR link is a 404."""
    response = learner_client.post("/classes/join", data={"code": "ZZZZZZ"})
    assert response.status_code == 422
    assert "No class has this code" in response.get_data(as_text=True)
    assert learner_client.get("/classes/join/ZZZZZZ").status_code == 404


def test_scanning_the_qr_while_signed_out_asks_to_log_in_first(factory, client):
    """The QR link sends an anonymous visitor to the login page and back."""
    training_class = factory.training_class()
    response = client.get(f"/classes/join/{training_class.code}")
    assert response.status_code == 302
    assert "/login?next=%2Fclasses%2Fjoin%2F" + training_class.code in response.headers["Location"]


def test_staff_do_not_join_classes(factory, trainer_client):
    """A trainer opening a join link is told only learners join; nothing is recorded."""
    training_class = factory.training_class()
    trainer_client.post(f"/classes/join/{training_class.code}")
    assert db.session.scalar(select(func.count(ClassMember.id))) == 0


def test_poster_shows_code_and_qr_svg_of_the_join_link(factory, trainer_client):
    """The A4 poster has the code and an inline SVG QR code, with print styles."""
    training_class = factory.training_class()
    response = trainer_client.get(f"/classes/{training_class.id}/poster")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert training_class.code in text
    assert '<svg viewBox="0 0' in text and 'class="qr"' in text
    assert not re.search(r"<script(?![^>]*\bsrc=)", text)  # no inline script (app.js is a file)


def test_class_list_shows_own_centre_only(factory, trainer_client, admin_client):
    """A trainer lists their centre's classes; an admin every centre's."""
    factory.training_class("Centre A", name="Ours")
    factory.training_class("Centre B", name="Theirs")
    ours = trainer_client.get("/classes/").get_data(as_text=True)
    assert "Ours" in ours and "Theirs" not in ours
    everything = admin_client.get("/classes/").get_data(as_text=True)
    assert "Ours" in everything and "Theirs" in everything


def test_admin_creates_a_class_for_a_chosen_centre(factory, admin_client):
    """Admins pick the centre of a new class."""
    centre = factory.centre("Centre B")
    response = admin_client.post("/classes/new", data={"name": "Province class", "centre_id": str(centre.id)})
    assert response.status_code == 302
    assert db.session.scalar(select(TrainingClass.centre_id)) == centre.id


def test_learners_cannot_use_staff_pages(factory, learner_client, client):
    """Learners get 403 on every staff page of the classes area; anonymous users must log in."""
    training_class = factory.training_class()
    for url in ("/classes/", "/classes/new", f"/classes/{training_class.id}",
                f"/classes/{training_class.id}/poster", "/classes/ledger"):
        assert learner_client.get(url).status_code == 403
        assert client.get(url).status_code == 302


def test_class_page_queries_do_not_grow_with_members(factory, trainer_client):
    """The class page loads its members and session counts in bulk (no query per member)."""
    from datetime import date

    from sqlalchemy import event

    training_class = factory.training_class()
    factory.training_session(training_class, date(2026, 3, 5))

    def count() -> int:
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        assert trainer_client.get(f"/classes/{training_class.id}").status_code == 200
        event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    factory.member(training_class, factory.user("learner"))
    few = count()
    for _ in range(6):
        factory.member(training_class, factory.user("learner"))
    assert count() == few


def test_guessing_class_codes_is_rate_limited(learner_client):
    """After 20 wrong codes in a minute the join form answers 429."""
    statuses = [learner_client.post("/classes/join", data={"code": f"X{i:05d}"}).status_code
                for i in range(21)]
    assert statuses[:20] == [422] * 20 and statuses[20] == 429


def test_class_page_orders_members_by_pinyin_or_import_order(factory, trainer_client):
    """The class page lists members by pinyin by default; ?order=import keeps the import order;
    the choice is a link that keeps it in the query string; an unknown order falls back."""
    training_class = factory.training_class()
    for name in ("张三", "李四", "王五", "阿明"):
        factory.member(training_class, factory.user("learner", display_name=name))

    def names(query=""):
        page = trainer_client.get(f"/classes/{training_class.id}{query}").get_data(as_text=True)
        members = page.split('class="list"')[-1]
        return sorted(("张三", "李四", "王五", "阿明"), key=members.index)

    assert names() == ["阿明", "李四", "王五", "张三"]
    assert names("?order=import") == ["张三", "李四", "王五", "阿明"]
    assert names("?order=nonsense") == ["阿明", "李四", "王五", "张三"]
    page = trainer_client.get(f"/classes/{training_class.id}").get_data(as_text=True)
    assert f'href="/classes/{training_class.id}?order=import"' in page
