"""Staff views of certificates: a class's certificates (who has which), the batch print of a
class's valid certificates (one per A4 page), and revocation with a reason (audited).

Admins see every class; trainers their own centre's classes (policy.py). Revocation is for
admins and for trainers of the centre that issued the certificate; others get a 404, so a
certificate id tells them nothing."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..forms_common import AppForm
from ..models import Certificate, TrainingClass
from ..policy import can_revoke_certificate, can_view_certificates_of_class, ensure
from ..services.classes.qr import qr_svg
from ..services.learning import certificate_lists, certificates
from .common import bp

# The interface locale a certificate is rendered in: its course's language.
CERTIFICATE_LOCALES = {"zh": "zh_CN", "en": "en"}


class RevokeForm(AppForm):
    """Revoke a certificate: the reason is required and kept with it (and in the audit log)."""

    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(message=_l("Please say why the certificate is revoked.")), Length(max=200)],
        description=_l("For example: issued by mistake, or the exam was not taken by the learner."))


def load_class(class_id: int) -> TrainingClass:
    training_class = db.session.scalar(
        select(TrainingClass).where(TrainingClass.id == class_id)
        .options(selectinload(TrainingClass.courses), joinedload(TrainingClass.centre)))
    if training_class is None:
        abort(404)
    ensure(can_view_certificates_of_class(current_user, training_class))
    return training_class


def verify_url(cert: Certificate) -> str:
    return url_for("certificates.verify", code=cert.code, _external=True)


def certificate_face(cert: Certificate) -> Markup:
    """The certificate face (templates/certificates/_certificate.html) in the certificate's
    language, whatever the interface language."""
    url = verify_url(cert)
    with force_locale(CERTIFICATE_LOCALES.get(cert.course_language, "zh_CN")):
        return Markup(render_template("certificates/_certificate.html", cert=cert, verify_url=url,
                                      qr_svg=qr_svg(url, scale=4)))


@bp.route("/class/<int:class_id>")
@login_required
def class_certificates(class_id: int):
    """Who in the class has which certificate, per course of the class, with links to revoke."""
    training_class = load_class(class_id)
    listing = certificate_lists.of_class(db.session, training_class)
    return render_template("certificates/class.html", training_class=training_class,
                           listing=listing, format_code=certificates.format_code)


@bp.route("/class/<int:class_id>/print")
@login_required
def print_class(class_id: int):
    """Every valid certificate of the class, one per A4 page, for the browser's Print."""
    training_class = load_class(class_id)
    faces = [certificate_face(cert)
             for cert in certificate_lists.valid_of_class(db.session, training_class)]
    return render_template("certificates/print_class.html", training_class=training_class,
                           faces=faces)


@bp.route("/<int:cert_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(cert_id: int):
    """Revoke a certificate after a confirmation page with the reason (never deleted: the
    public check then says revoked, with the date)."""
    cert = db.session.get(Certificate, cert_id)
    ensure(cert is not None and can_revoke_certificate(current_user, cert), 404)
    form = RevokeForm()
    back = (url_for("certificates.class_certificates", class_id=cert.class_id)
            if cert.class_id else url_for("certificates.verify", code=cert.code))
    if cert.revoked:
        flash(_("This certificate was already revoked."), "info")
        return redirect(back)
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("certificates/revoke.html", cert=cert, form=form, back=back,
                               code=certificates.format_code(cert.code)), status
    certificates.revoke(db.session, cert, form.reason.data, current_user.id,
                        request.remote_addr or "")
    db.session.commit()
    flash(_("The certificate of %(name)s for %(course)s is revoked.", name=cert.learner_name,
            course=cert.course_title), "success")
    return redirect(back)
