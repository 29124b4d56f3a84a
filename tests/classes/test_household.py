"""Household category (PIPL special personal information): who sees it, clearing it (audited),
and the learner's own data download."""
import pytest
from sqlalchemy import select

from training.extensions import db
from training.models import AuditEvent, ClassMember, User, utcnow
from training.policy import can_see_sensitive
from training.services.classes import household


@pytest.fixture
def member(factory):
    """A learner of Centre A in one of its classes, recorded as 监测户 with consent."""
    person = factory.user("learner", mobile="13800138000", display_name="Zhang San",
                          centre="Centre A")
    factory.member(factory.training_class("Centre A"), person)
    household.set_category(person, "monitored")
    person.id_last4 = "123X"
    db.session.commit()
    return person


def test_own_centre_staff_and_admins_see_it_other_centres_do_not(factory, app, trainer, admin,
                                                                 other_centre_trainer, member):
    """The help desk page shows the category to the learner's centre's trainer and to admins;
    Fred (another centre) cannot open the page at all."""
    for user in (trainer, admin):
        page = app.test_client(user=user).get(f"/classes/learners/{member.id}").get_data(as_text=True)
        assert "Monitored for poverty risk (监测户)" in page and "123X" in page
        assert can_see_sensitive(user, member)
    assert app.test_client(user=other_centre_trainer).get(f"/classes/learners/{member.id}").status_code == 404
    assert not can_see_sensitive(other_centre_trainer, member)
    assert can_see_sensitive(member, member)


def test_trainer_of_a_class_in_another_centre_does_not_see_it(factory, app, other_centre_trainer, member):
    """A learner of Centre A who also joined a Centre B class: Fred may help them (his class)
    but is not staff of their centre, so the category stays hidden from him."""
    factory.member(factory.training_class("Centre B", name="B class"), member)
    page = app.test_client(user=other_centre_trainer).get(f"/classes/learners/{member.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "监测户" not in text and "Household category" not in text
    refused = app.test_client(user=other_centre_trainer).post(
        f"/classes/learners/{member.id}/household/clear")
    assert refused.status_code == 404
    db.session.expire_all()
    assert db.session.get(User, member.id).household_category == "monitored"


def test_clearing_is_audited_with_the_old_value(trainer_client, trainer, member):
    """"Clear" removes the category and its consent time; the audit keeps who and the old value."""
    response = trainer_client.post(f"/classes/learners/{member.id}/household/clear")
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(User, member.id)
    assert person.household_category is None and person.household_consent_at is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.household_clear"))
    assert event.actor_id == trainer.id and event.target_id == member.id
    assert event.detail["old"] == "monitored" and event.detail["consent_at"]
    trainer_client.post(f"/classes/learners/{member.id}/household/clear")
    assert len(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "user.household_clear")).all()) == 1


def test_the_learner_sees_their_own_in_my_data(app, member):
    """The account data download includes the category, its consent time and the ID ending."""
    data = app.test_client(user=member).get("/account/data.json").get_json()
    profile = data["profile"]
    assert profile["household_category"] == "monitored" and profile["id_last4"] == "123X"
    assert profile["household_consent_at"]


def test_export_columns_only_when_asked():
    """The ledger and other exports get no household column unless the exporter ticks it."""
    assert household.category_columns(False) == []
    [(title, value)] = household.category_columns(True)
    person = User(display_name="x", household_category="lifted", household_consent_at=utcnow())
    assert title == "Household category" and value(person) == "Lifted out of poverty (脱贫户)"
    assert household.parse_cell(" 脱 贫 户 ") == "lifted" and household.parse_cell("富户") is None


def test_member_export_leaves_the_category_out_unless_ticked(factory, trainer_client, trainer, member):
    """The class's member list download has no household column by default; ticked, it has one
    (filled only for the exporter's centre's people) and the export is audited as sensitive."""
    training_class = db.session.scalar(select(ClassMember)).training_class
    other = factory.user("learner", display_name="Visitor", centre="Centre B")
    household.set_category(other, "dibao")
    factory.member(training_class, other)
    db.session.commit()
    plain = trainer_client.get(f"/classes/{training_class.id}/members.csv").get_data(as_text=True)
    assert "Household category" not in plain and "监测户" not in plain and "123X" in plain
    assert "138****8000" in plain and "13800138000" not in plain
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.sensitive"))
    ticked = trainer_client.get(f"/classes/{training_class.id}/members.csv?household=y").get_data(as_text=True)
    assert "Household category" in ticked and "Monitored for poverty risk (监测户)" in ticked
    assert "低保户" not in ticked  # a Centre B learner: not the exporter's to see
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.sensitive"))
    assert event.actor_id == trainer.id and event.target_id == training_class.id
    assert event.detail["export"] == "class.members" and event.detail["people"] == 2
    assert event.detail["fields"] == ["household_category"]


def test_admin_export_includes_every_category_when_ticked(admin_client, member):
    """Admins manage every centre: a ticked export fills the category for everyone."""
    training_class = db.session.scalar(select(ClassMember)).training_class
    text = admin_client.get(f"/classes/{training_class.id}/members.xlsx?household=y")
    assert text.status_code == 200 and text.mimetype.endswith("sheet")


def test_class_page_offers_the_tick_unticked(trainer_client, member):
    """The download form's household box is there and not ticked."""
    training_class = db.session.scalar(select(ClassMember)).training_class
    page = trainer_client.get(f"/classes/{training_class.id}").get_data(as_text=True)
    assert 'name="household"' in page and "checked" not in page.split('name="household"')[1][:40]


def test_profile_edit_shows_the_category_to_own_centre_staff_only(factory, app, trainer, other_centre_trainer,
                                                                  member):
    """The help desk's profile edit page shows the category (with Clear) to the learner's centre,
    not to a trainer of another centre whose class they joined."""
    page = app.test_client(user=trainer).get(f"/classes/learners/{member.id}/profile").get_data(as_text=True)
    assert "Monitored for poverty risk (监测户)" in page and "/household/clear" in page
    factory.member(factory.training_class("Centre B", name="B class"), member)
    other = app.test_client(user=other_centre_trainer).get(f"/classes/learners/{member.id}/profile")
    assert other.status_code == 200 and "监测户" not in other.get_data(as_text=True)
