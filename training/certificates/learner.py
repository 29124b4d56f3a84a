"""我的证书: a learner's own certificates — the list, the phone page, the image for WeChat and
the A4 print page. Each shows the certificate in its course's language (an English course gives
an English certificate), around pages in the interface language.

Only the learner's own certificates: another id answers 404, as if it did not exist. Staff open
their own certificates here too; others' are in the staff views (staff.py).
"""
import hashlib

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from ..extensions import db
from ..httpcache import learner_page
from ..models import Certificate
from ..services.classes.qr import qr_svg
from ..services.learning import certificates
from .common import bp

# The interface locale a certificate is written in, by its course language.
CERTIFICATE_LOCALES = {"zh": "zh_Hans_CN", "en": "en"}


def certificate_locale(cert: Certificate) -> str:
    return CERTIFICATE_LOCALES.get(cert.course_language, current_app.config["BABEL_DEFAULT_LOCALE"])


def verify_url(cert: Certificate) -> str:
    """The public check's full URL, printed on the certificate and in its QR code."""
    return url_for("certificates.verify", code=cert.code, _external=True)


def render_face(cert: Certificate) -> Markup:
    """The certificate's face (templates/certificates/_certificate.html) in its own language."""
    with force_locale(certificate_locale(cert)):
        url = verify_url(cert)
        return Markup(render_template(
            "certificates/_certificate.html", cert=cert, verify_url=url,
            qr_svg=qr_svg(url, scale=6, title=_("Scan to verify")),
        ))


def _own(cert_id: int) -> Certificate:
    """The signed-in user's certificate with this id; 404 for anyone else's, or none."""
    cert = db.session.scalar(
        select(Certificate).where(Certificate.id == cert_id, Certificate.user_id == current_user.id))
    if cert is None:
        abort(404)
    return cert


def _state(cert: Certificate) -> tuple:
    """What a page of this certificate shows that can change."""
    return (cert.id, cert.code, cert.revoked_at, cert.learner_name, cert.course_language)


@bp.route("/mine")
@login_required
def mine():
    certs = certificates.of_learner(db.session, current_user.id)
    return learner_page("certificates/mine.html", ("certificates", tuple(_state(c) for c in certs)),
                        lambda: {"certs": certs})


@bp.route("/mine/course/<int:course_id>")
@login_required
def for_course(course_id: int):
    """The learner's certificate of a course (the course page links here)."""
    cert = certificates.for_enrollment(db.session, current_user.id, course_id)
    if cert is None:
        abort(404)
    return redirect(url_for("certificates.detail", cert_id=cert.id))


@bp.route("/mine/<int:cert_id>")
@login_required
def detail(cert_id: int):
    cert = _own(cert_id)
    return learner_page("certificates/detail.html", ("certificate", _state(cert)), lambda: {
        "cert": cert, "face": render_face(cert), "verify_url": verify_url(cert)})


@bp.route("/mine/<int:cert_id>/print")
@login_required
def print_page(cert_id: int):
    cert = _own(cert_id)
    return learner_page("certificates/print.html", ("certificate-print", _state(cert)), lambda: {
        "cert": cert, "face": render_face(cert)})


@bp.route("/mine/<int:cert_id>.png")
@login_required
def image(cert_id: int):
    """The certificate as a PNG for WeChat, drawn on request (about 0.1 s). Its ETag covers the
    certificate, its revocation, its language and the release, so a saved copy revalidates."""
    cert = _own(cert_id)
    tag = hashlib.blake2b(repr((current_app.config["RELEASE"], _state(cert), verify_url(cert)))
                          .encode(), digest_size=12).hexdigest()
    if request.if_none_match.contains(tag):
        response = current_app.response_class(status=304)
        response.set_etag(tag)
        response.headers["Cache-Control"] = "private, no-cache"
        return response
    # Pillow's drawing and the QR encoder are imported here, so that web workers stay small.
    from ..services.learning import certificate_image

    font = certificate_image.find_font(current_app.config.get("FONT_PATH"))
    try:
        with force_locale(certificate_locale(cert)):
            png = certificate_image.render_png(cert, verify_url(cert), font)
    except certificate_image.FontMissing:
        current_app.logger.error("Certificate image: no CJK font found; install fonts-noto-cjk "
                                 "or set FONT_PATH")
        return render_template("certificates/detail.html", cert=cert, face=render_face(cert),
                               verify_url=verify_url(cert), no_image=True), 503
    response = current_app.response_class(png, mimetype="image/png")
    response.set_etag(tag)
    response.headers["Cache-Control"] = "private, no-cache"
    filename = f"certificate-{cert.code}.png"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
