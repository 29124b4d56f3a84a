"""Staff and certificates: a class's certificates, the batch print, and revocation (admins and
the issuing centre's trainers only; audited; never a deletion)."""
import pytest
from sqlalchemy import func, select

from training.extensions import db
from training.models import AuditEvent, Certificate, User
from training.services.learning import certificate_lists

from ..helpers import statements_run
from .conftest import make_certificate


@pytest.fixture
def spring(factory, trainer, example_course):
    """Centre A's class with two members, each with a certificate issued through it."""
    centre = factory.centre("Centre A")
    training_class = factory.training_class("Centre A", courses=[example_course], trainer=trainer,
                                            name="春季班")
    people = [factory.member(training_class, factory.user("learner", display_name=name))
              for name in ("张小华", "李明")]
    certs = [make_certificate(person, example_course, centre, training_class) for person in people]
    return training_class, people, certs


def revoke_url(cert) -> str:
    return f"/certificates/{cert.id}/revoke"


def audit_count(cert) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "certificate.revoke", AuditEvent.target_id == cert.id))


@pytest.mark.parametrize("who", ["admin", "trainer"])
def test_admins_and_the_issuing_centres_trainers_revoke_with_a_reason(app, spring, admin, trainer, who):
    """Can an admin, and a trainer of the issuing centre, revoke? The reason and who did it are
    kept, the audit log has it, and the public check then says revoked."""
    actor = {"admin": admin, "trainer": trainer}[who]
    _, _, (cert, other) = spring
    client = app.test_client(user=actor)
    page = client.get(revoke_url(cert))
    assert page.status_code == 200 and cert.code[:4] in page.get_data(as_text=True)
    response = client.post(revoke_url(cert), data={"reason": "  issued by mistake "})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/certificates/class/{cert.class_id}")
    db.session.expire_all()
    assert cert.revoked_at is not None and cert.revoked_reason == "issued by mistake"
    assert cert.revoked_by_id == actor.id and other.revoked_at is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoke"))
    assert (event.actor_id, event.target_type, event.target_id) == (actor.id, "certificate", cert.id)
    assert event.detail["reason"] == "issued by mistake" and event.detail["code"] == cert.code
    # Not deleted: still there, and the public check says so.
    assert db.session.scalar(select(func.count(Certificate.id))) == 2
    assert "Revoked" in app.test_client().get(f"/certificates/{cert.code}").get_data(as_text=True)



def test_the_audit_log_names_the_revocation(app, spring, admin):
    """Admin → Audit log shows "Certificate revoked" with the reason."""
    _, _, (cert, _) = spring
    client = app.test_client(user=admin)
    client.post(revoke_url(cert), data={"reason": "wrong person"})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Certificate revoked" in page and "wrong person" in page


def test_revoking_twice_changes_nothing_more(app, spring, admin):
    """A double tap or a second admin: one revocation, one audit entry, the first reason kept."""
    _, _, (cert, _) = spring
    client = app.test_client(user=admin)
    client.post(revoke_url(cert), data={"reason": "first"})
    again = client.post(revoke_url(cert), data={"reason": "second"})
    assert again.status_code == 302
    assert client.get(revoke_url(cert)).status_code == 302
    db.session.expire_all()
    assert cert.revoked_reason == "first" and audit_count(cert) == 1


def test_a_reason_is_required(app, spring, admin):
    """An empty reason is refused with a clear message and revokes nothing."""
    _, _, (cert, _) = spring
    response = app.test_client(user=admin).post(revoke_url(cert), data={"reason": "   "})
    assert response.status_code == 422
    assert "Please say why the certificate is revoked." in response.get_data(as_text=True)
    db.session.expire_all()
    assert cert.revoked_at is None and audit_count(cert) == 0


@pytest.mark.parametrize("who", ["other_centre_trainer", "learner", "owner"])
def test_others_cannot_revoke(app, spring, other_centre_trainer, learner, who):
    """Fred (another centre's trainer), a learner, even the certificate's owner: 404, nothing changes."""
    _, people, (cert, _) = spring
    user = {"other_centre_trainer": other_centre_trainer, "learner": learner, "owner": people[0]}[who]
    client = app.test_client(user=user)
    assert client.get(revoke_url(cert)).status_code == 404
    assert client.post(revoke_url(cert), data={"reason": "because"}).status_code == 404
    db.session.expire_all()
    assert cert.revoked_at is None and audit_count(cert) == 0


def test_a_missing_certificate_is_404(app, admin):
    assert app.test_client(user=admin).get("/certificates/999/revoke").status_code == 404


def test_the_class_view_lists_who_has_which_certificate(app, factory, spring, trainer, example_course):
    """Each member with their certificate per course; a member without one shows a dash;
    a revoked one says so; links to revoke and to print all."""
    training_class, _, (cert, other) = spring
    factory.member(training_class, factory.user("learner", display_name="王芳"))
    other.revoked_at = other.completed_at
    db.session.commit()
    page = app.test_client(user=trainer).get(f"/certificates/class/{training_class.id}").get_data(as_text=True)
    for text in ("张小华", "李明", "王芳", example_course.title, "Revoked on", "1 valid certificate",
                 f"/certificates/{cert.id}/revoke", f"/certificates/class/{training_class.id}/print"):
        assert text in page, text
    assert f"/certificates/{other.id}/revoke" not in page


def test_only_those_who_manage_the_class_see_its_certificates(app, spring, other_centre_trainer, learner):
    training_class, _, _ = spring
    for user in (other_centre_trainer, learner):
        client = app.test_client(user=user)
        assert client.get(f"/certificates/class/{training_class.id}").status_code == 403
        assert client.get(f"/certificates/class/{training_class.id}/print").status_code == 403
    assert app.test_client().get(f"/certificates/class/{training_class.id}").status_code == 302


def test_the_class_view_runs_the_same_queries_for_3_or_30_members(app, factory, spring, trainer,
                                                                  example_course):
    """No N+1: the class view and the batch print cost as much with 30 members as with 3."""
    training_class, _, _ = spring
    centre = factory.centre("Centre A")

    @app.after_request
    def count(response):
        response.headers["X-Queries"] = str(len(statements_run()))
        return response

    def add(n: int, start: int):
        for i in range(start, start + n):
            person = factory.member(training_class, factory.user("learner", display_name=f"学员{i}"))
            make_certificate(person, example_course, centre, training_class)

    def measure() -> list[int]:
        client = app.test_client(user=trainer)
        counts = []
        for url in (f"/certificates/class/{training_class.id}",
                    f"/certificates/class/{training_class.id}/print"):
            response = client.get(url)
            assert response.status_code == 200
            counts.append(int(response.headers["X-Queries"]))
        return counts

    add(1, 0)
    small = measure()
    add(27, 1)
    large = measure()
    assert large == small and max(small) <= 10


def test_batch_print_has_one_page_per_valid_certificate(app, factory, spring, trainer):
    """Every valid certificate of the class, each on its own page; revoked ones are left out."""
    training_class, _, (cert, other) = spring
    other.revoked_at = other.completed_at
    db.session.commit()
    page = app.test_client(user=trainer).get(
        f"/certificates/class/{training_class.id}/print").get_data(as_text=True)
    assert page.count('<section class="print-page">') == 1
    assert f'data-certificate="{cert.id}"' in page and f'data-certificate="{other.id}"' not in page
    assert "/static/css/certificates-print." in page
    other.revoked_at = None
    db.session.commit()
    page = app.test_client(user=trainer).get(
        f"/certificates/class/{training_class.id}/print").get_data(as_text=True)
    assert page.count('<section class="print-page">') == 2


def test_print_css_breaks_a_page_after_each_certificate(app):
    """The stylesheet puts one certificate per A4 page."""
    css = app.test_client().get("/static/css/certificates-print.css").get_data(as_text=True)
    assert "size: A4" in css and "break-after: page" in css


def test_class_lists_are_two_queries_and_keep_former_members(app, factory, spring, example_course):
    """The service: members × courses, and certificates of people who have left the class."""
    training_class, people, (cert, other) = spring
    from training.services.classes import classes

    classes.remove_member(db.session, training_class, people[1], None, "")
    db.session.commit()
    db.session.expire_all()
    training_class = db.session.get(type(training_class), training_class.id)
    _ = training_class.courses
    before = len(statements_run())
    listing = certificate_lists.of_class(db.session, training_class)
    assert len(statements_run()) - before == 2
    assert [m.user.display_name for m in listing.members] == ["张小华"]
    assert listing.members[0].by_course == {example_course.id: cert}
    assert listing.others == [other]
    assert {c.id for c in certificate_lists.valid_of_class(db.session, training_class)} == {cert.id, other.id}
    assert isinstance(listing.members[0].user, User)


def test_the_class_page_links_to_its_certificates(app, spring, trainer):
    training_class, _, _ = spring
    page = app.test_client(user=trainer).get(f"/classes/{training_class.id}").get_data(as_text=True)
    assert f"/certificates/class/{training_class.id}" in page
