"""Admin pages for centres and staff: centres, trainer accounts and audited role changes."""
from sqlalchemy import select

from training.extensions import db
from training.models import AuditEvent, Centre, User
from training.services.accounts.accounts import authenticate


def test_admin_creates_and_edits_a_centre(admin_client):
    """A new centre is saved with its place names; a duplicate name is refused at the field."""
    data = {"name": "安定区电商中心", "province": "甘肃省", "city": "定西市", "county": "安定区"}
    assert admin_client.post("/admin/centres/new", data=data).status_code == 302
    centre = db.session.scalar(select(Centre))
    assert (centre.province, centre.city, centre.county) == ("甘肃省", "定西市", "安定区")
    duplicate = admin_client.post("/admin/centres/new", data=data)
    assert duplicate.status_code == 422 and "already exists" in duplicate.get_data(as_text=True)
    admin_client.post(f"/admin/centres/{centre.id}/edit", data={**data, "county": "临洮县"})
    db.session.refresh(centre)
    assert centre.county == "临洮县"
    assert "安定区电商中心" in admin_client.get("/admin/centres").get_data(as_text=True)
    assert admin_client.get("/admin/centres/999/edit").status_code == 404


def test_admin_creates_a_trainer_with_a_one_time_password(factory, admin_client, admin):
    """The trainer belongs to the chosen centre, must change the password shown once; audited."""
    centre = factory.centre("Centre A")
    response = admin_client.post("/admin/trainers/new", data={
        "display_name": "Teacher Wang", "login": "wang.trainer", "centre_id": str(centre.id)})
    text = response.get_data(as_text=True)
    password = text.split('<p class="poster-code">')[1].split("<")[0]
    trainer = authenticate(db.session, "wang.trainer", password)
    assert trainer.role == "trainer" and trainer.centre_id == centre.id and trainer.must_change_password
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert (event.actor_id, event.target_id) == (admin.id, trainer.id)


def test_role_change_is_audited_and_signs_the_user_out(factory, admin_client, admin, learner):
    """Making a learner a trainer needs a centre, takes effect and is in the audit log."""
    centre = factory.centre("Centre B")
    missing = admin_client.post(f"/admin/users/{learner.id}/role", data={"role": "trainer", "centre_id": "0"})
    assert missing.status_code == 422 and "Choose the trainer" in missing.get_data(as_text=True)
    response = admin_client.post(f"/admin/users/{learner.id}/role",
                                 data={"role": "trainer", "centre_id": str(centre.id)})
    assert response.status_code == 302
    user = db.session.get(User, learner.id)
    db.session.refresh(user)
    assert (user.role, user.centre_id, user.session_version) == ("trainer", centre.id, 2)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_change"))
    assert event.detail["before"]["role"] == "learner" and event.detail["after"]["role"] == "trainer"


def test_admin_cannot_change_their_own_role(admin_client, admin):
    """No lock-out: an admin's own role form is refused."""
    response = admin_client.post(f"/admin/users/{admin.id}/role", data={"role": "learner", "centre_id": "0"})
    assert response.status_code == 403
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_user_list_masks_numbers_and_searches(factory, admin_client):
    """Users are found by name or number; the list shows 138****8000."""
    factory.user("learner", mobile="13800138000", display_name="Zhang San")
    text = admin_client.get("/admin/users?q=13800138000").get_data(as_text=True)
    assert "Zhang San" in text and "138****8000" in text and "<td>13800138000</td>" not in text
    assert "Zhang San" not in admin_client.get("/admin/users?q=nobody").get_data(as_text=True)


def test_admin_pages_are_for_admins_only(trainer_client, learner_client, client, learner):
    """Trainers and learners get 403 on centre and staff pages; anonymous users must log in."""
    for url in ("/admin/centres", "/admin/centres/new", "/admin/users", "/admin/trainers/new",
                f"/admin/users/{learner.id}/role"):
        assert trainer_client.get(url).status_code == 403
        assert learner_client.get(url).status_code == 403
        assert client.get(url).status_code == 302
