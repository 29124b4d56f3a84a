"""The public check of a certificate: /certificates/<code>, printed in every certificate's QR
code, so this URL never changes (tests/certificates/test_verify.py pins it). No login."""
from flask import current_app, render_template

from ..auth.throttle import client_address
from ..extensions import db, limiter
from ..services.learning import certificates
from .common import bp

# Never cached by a proxy or kept by the phone (a revocation shows at once), never indexed.
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def verify_limit() -> str:
    """Checks per address: a training room scanning together fits; guessing codes does not
    (80 random bits make it hopeless anyway)."""
    return current_app.config["CERTIFICATE_VERIFY_LIMIT"]


@bp.route("/<code>")
@limiter.limit(verify_limit, key_func=client_address)
def verify(code: str):
    """Valid or revoked, with the facts the certificate states; the learner's name masked
    unless they chose to show it. Unknown and malformed codes get the very same 404."""
    cert = certificates.find(db.session, code)
    if cert is None:
        # One answer for "no such code" and "not a code": nothing tells them apart.
        return render_template("errors/error.html", status=404), 404, HEADERS
    full_name = cert.user is not None and cert.user.certificate_full_name
    name = cert.learner_name if full_name else certificates.mask_name(cert.learner_name)
    return render_template("certificates/verify.html", cert=cert, name=name,
                           code=certificates.format_code(cert.code)), HEADERS
