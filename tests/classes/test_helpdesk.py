"""The trainer help desk and privacy: own centre's learners only, masked numbers in lists."""
import pytest
from sqlalchemy import select

from tests.factories import PASSWORD
from training.extensions import db
from training.models import AuditEvent, ClassMember, User
from training.policy import can_view_learner, visible_learners
from training.services.accounts.accounts import authenticate


@pytest.fixture
def classmate(factory):
    """A learner in a class of Centre A, with a mobile number."""
    person = factory.user("learner", mobile="13800138000", display_name="Zhang San")
    factory.member(factory.training_class("Centre A"), person)
    return person


def test_trainer_sees_the_learners_full_number_progress_and_attempts(factory, trainer_client, classmate,
                                                                     example_course, app):
    """The detail page shows the whole number, each course's progress and links to attempts."""
    from tests.helpers import answer_form

    factory.enrol(classmate, example_course)
    quiz = example_course.quizzes[0]
    own = app.test_client(user=classmate)
    result = own.post(f"/courses/{example_course.slug}/quizzes/{quiz.id}", data=answer_form(quiz))
    attempt_url = result.headers["Location"]
    page = trainer_client.get(f"/classes/learners/{classmate.id}").get_data(as_text=True)
    assert "13800138000" in page and example_course.title in page
    assert attempt_url.split("localhost")[-1] in page
    assert trainer_client.get(attempt_url).status_code == 200


def test_lists_mask_numbers(factory, trainer_client, classmate):
    """The class page shows 138****8000, never the whole number."""
    class_id = db.session.scalar(select(ClassMember.class_id).where(ClassMember.user_id == classmate.id))
    text = trainer_client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert "138****8000" in text and "13800138000" not in text


def test_password_reset_gives_a_one_time_password_once(trainer_client, trainer, classmate):
    """The old password stops working, the new one works and must be changed; it is audited."""
    response = trainer_client.post(f"/classes/learners/{classmate.id}/reset-password")
    text = response.get_data(as_text=True)
    password = text.split('<p class="poster-code">')[1].split("<")[0]
    db.session.expire_all()
    assert authenticate(db.session, "13800138000", PASSWORD) is None
    person = authenticate(db.session, "13800138000", password)
    assert person.must_change_password and person.session_version == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_reset"))
    assert (event.actor_id, event.target_id) == (trainer.id, classmate.id)
    assert password not in str(event.detail)
    assert trainer_client.get(f"/classes/learners/{classmate.id}").get_data(as_text=True).count(password) == 0


def test_trainer_and_learner_edit_profile_fields(app, trainer_client, classmate):
    """Gender, birth year, township and village are saved; an impossible year is refused."""
    bad = trainer_client.post(f"/classes/learners/{classmate.id}/profile", data={"birth_year": "1800"})
    assert bad.status_code == 422
    ok = trainer_client.post(f"/classes/learners/{classmate.id}/profile", data={
        "gender": "f", "birth_year": "1985", "township": "城关镇", "village": "团结村"})
    assert ok.status_code == 302
    own = app.test_client(user=classmate)
    assert own.post("/account/", data={"display_name": "李", "language": "zh_CN", "gender": "", "birth_year": "1986",
                                        "township": "", "village": "新村"}).status_code == 302
    person = db.session.get(User, classmate.id)
    db.session.refresh(person)
    assert (person.gender, person.birth_year, person.township, person.village) == (None, 1986, None, "新村")


def test_fred_sees_nothing_of_centre_a(factory, app, other_centre_trainer, classmate):
    """Fred (centre B) gets 404 for centre A's learner pages and 403 for its class pages,
    and centre A's learner is not in his visible learners."""
    fred = app.test_client(user=other_centre_trainer)
    training_class = factory.training_class("Centre A", name="Second")
    for url in (f"/classes/learners/{classmate.id}", f"/classes/learners/{classmate.id}/profile"):
        assert fred.get(url).status_code == 404
    assert fred.post(f"/classes/learners/{classmate.id}/reset-password").status_code == 404
    assert authenticate(db.session, "13800138000", PASSWORD) is not None
    for url in (f"/classes/{training_class.id}", f"/classes/{training_class.id}/edit",
                f"/classes/{training_class.id}/poster", f"/classes/{training_class.id}/sessions/new"):
        assert fred.get(url).status_code == 403
    assert "Zhang San" not in fred.get("/classes/").get_data(as_text=True)
    assert not can_view_learner(other_centre_trainer, classmate)
    assert db.session.scalars(visible_learners(other_centre_trainer)).all() == []


def test_trainers_see_only_learners_in_their_centres_classes(factory, trainer, admin, classmate):
    """A learner outside any class of the centre is invisible to its trainer, visible to admins."""
    outsider = factory.user("learner", centre="Centre A")
    assert [u.id for u in db.session.scalars(visible_learners(trainer))] == [classmate.id]
    assert can_view_learner(trainer, classmate) and not can_view_learner(trainer, outsider)
    assert {u.id for u in db.session.scalars(visible_learners(admin))} == {classmate.id, outsider.id}


def test_staff_accounts_are_not_help_desk_targets(trainer_client, factory):
    """A trainer cannot reset another trainer's password through the help desk."""
    colleague = factory.user("trainer", centre="Centre A")
    assert trainer_client.post(f"/classes/learners/{colleague.id}/reset-password").status_code == 404
