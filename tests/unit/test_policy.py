"""The template predicates: the rules behind can(...) in templates, asked directly."""
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from training import policy
from training.extensions import db
from training.models import ClassMember
from training.policy import PREDICATES, can_for, can_view_centre, visible_learners
from training.services.classes import classes


def test_one_centre_rule_for_ledger_and_class_reports(factory, trainer, other_centre_trainer, admin, learner):
    """Admins see every centre, a trainer only their own, learners none; None means every centre."""
    centre_a = trainer.centre_id
    assert can_view_centre(admin, centre_a) and can_view_centre(admin, None)
    assert can_view_centre(trainer, centre_a)
    assert not can_view_centre(trainer, None) and not can_view_centre(other_centre_trainer, centre_a)
    assert not can_view_centre(learner, centre_a) and not can_view_centre(AnonymousUserMixin(), centre_a)
    assert PREDICATES["view_centre"] is can_view_centre and not hasattr(policy, "is_staff_of_centre")


def test_navigation_predicates(trainer, admin, learner):
    """Reports are for staff, the admin area for admins; anonymous visitors get neither."""
    anonymous = AnonymousUserMixin()
    assert [can_for(u, "view_reports") for u in (anonymous, learner, trainer, admin)] == [
        False, False, True, True]
    assert [can_for(u, "admin_area") for u in (anonymous, learner, trainer, admin)] == [
        False, False, False, True]


def test_helpable_members_match_help_learner(factory, trainer, other_centre_trainer, admin):
    """The class page links the members can('help_learner', member) allows, found in one query."""
    klass = factory.training_class("Centre A")
    learner_a = factory.user("learner", display_name="Li Si")
    factory.member(klass, learner_a)
    db.session.add(ClassMember(class_id=klass.id, user_id=trainer.id))
    db.session.commit()
    member_ids = set(db.session.scalars(select(ClassMember.user_id).where(ClassMember.class_id == klass.id)))
    for staff in (trainer, other_centre_trainer, admin):
        found = classes.member_ids_within(db.session, klass.id, visible_learners(staff))
        expected = {m for m in member_ids if can_for(staff, "help_learner", db.session.get(type(trainer), m))}
        assert found == expected
    assert classes.member_ids_within(db.session, klass.id, visible_learners(trainer)) == {learner_a.id}
