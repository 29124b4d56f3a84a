"""The public check of a certificate: /certificates/<code>, opened from its QR code without
signing in. Valid or revoked, the facts, the masked name, one 404 for everything else."""
import re
from datetime import datetime

from flask import url_for

from training.extensions import db
from training.services.learning import certificates


def test_the_verify_url_is_pinned_forever(app):
    """Is the URL printed in every QR code exactly /certificates/<code>? It must never change."""
    with app.test_request_context():
        assert url_for("certificates.verify", code="ABCDEFGHJKLMNPQR") == "/certificates/ABCDEFGHJKLMNPQR"
        assert (url_for("certificates.verify", code="ABCD", _external=True)
                == "http://localhost/certificates/ABCD")


def test_a_valid_certificate_shows_its_facts_without_login(app, factory, learner, example_course,
                                                          make_cert):
    """Does anyone, signed out, see 'Valid' and what the certificate states?"""
    centre = factory.centre("Dingxi Centre")
    cert = make_cert(learner, example_course, centre, completed_at=datetime(2026, 11, 30, 17, 0))
    response = app.test_client().get(f"/certificates/{cert.code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Valid" in page and "Revoked" not in page
    for fact in (example_course.title, "Dingxi Centre", "Trainer Wang", "90", "2.5 hours",
                 certificates.format_code(cert.code), "in Chinese"):
        assert fact in page, fact
    # 17:00 UTC on 30 November is 1 December in China.
    assert "December 1, 2026" in page
    assert "not a vocational skill level certificate" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_the_code_may_be_typed_with_dashes_and_in_any_case(app, learner, example_course, make_cert):
    """A code read aloud and typed as abcd-efgh-... still opens the check."""
    cert = make_cert(learner, example_course)
    client = app.test_client()
    for typed in (certificates.format_code(cert.code), cert.code.lower(),
                  certificates.format_code(cert.code).lower()):
        assert client.get(f"/certificates/{typed}").status_code == 200, typed


def test_the_check_is_in_the_visitors_language(app, learner, example_course, make_cert):
    """A Chinese phone sees the check in Chinese: 有效."""
    cert = make_cert(learner, example_course)
    page = app.test_client().get(f"/certificates/{cert.code}",
                                 headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "有效" in page and "结业证书" in page and "职业技能等级证书" in page


def test_a_revoked_certificate_says_so_with_the_date(app, admin, learner, example_course, make_cert):
    """After revocation the same QR says 已撤销 and when; the certificate is still there."""
    cert = make_cert(learner, example_course)
    certificates.revoke(db.session, cert, "issued by mistake", admin.id,
                        now=datetime(2026, 12, 3, 2, 0))
    db.session.commit()
    client = app.test_client()
    page = client.get(f"/certificates/{cert.code}").get_data(as_text=True)
    assert "Revoked" in page and "December 3, 2026" in page and "Valid" not in page
    zh = client.get(f"/certificates/{cert.code}", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "已撤销" in zh and "2026年12月3日" in zh
    # The reason is for staff, not for whoever scans the code.
    assert "issued by mistake" not in page


def test_unknown_and_malformed_codes_get_the_same_404(app, learner, example_course, make_cert):
    """Nothing tells 'no such certificate' from 'not a code at all': same status, body, headers."""
    make_cert(learner, example_course)
    asked = ("ABCDEFGHJKLMNPQR", "ABCD-EFGH-JKLM-NPQR", "not-a-code", "0000000000000000", "A" * 40)
    # A fresh visitor each time, as a scanning phone is.
    answers = [app.test_client().get(f"/certificates/{raw}") for raw in asked]
    assert {r.status_code for r in answers} == {404}
    # The page repeats its own address (the language switch returns to it); nothing else differs.
    # So does each new visitor's form token.
    bodies = {re.sub(r'name="csrf_token" value="[^"]+"', "", r.get_data(as_text=True).replace(raw, "CODE"))
              for r, raw in zip(answers, asked)}
    assert len(bodies) == 1
    # Same headers; the values of the length (the address is repeated) and of the new visitor's
    # session cookie differ by nature.
    varying = {"Content-Length", "Set-Cookie"}
    headers = {tuple(sorted((k, "" if k in varying else v) for k, v in r.headers.items()))
               for r in answers}
    assert len(headers) == 1
    assert answers[0].headers["X-Robots-Tag"] == "noindex"


def test_the_name_is_masked_unless_the_learner_chose_otherwise(app, factory, example_course, make_cert):
    """张*华 by default; the whole name once the learner ticks the setting."""
    learner = factory.user("learner", display_name="张小华")
    cert = make_cert(learner, example_course)
    client = app.test_client()
    page = client.get(f"/certificates/{cert.code}").get_data(as_text=True)
    assert "张*华" in page and "张小华" not in page
    learner.certificate_full_name = True
    db.session.commit()
    page = client.get(f"/certificates/{cert.code}").get_data(as_text=True)
    assert "张小华" in page


def test_checks_are_rate_limited_per_address(make_app, factory, learner, example_course, make_cert):
    """Guessing codes from one address is stopped (429); another address still gets through."""
    code = make_cert(learner, example_course).code
    # A second app on the same database, with a small limit.
    client = make_app(CERTIFICATE_VERIFY_LIMIT="3 per minute").test_client()
    statuses = [client.get(f"/certificates/{code}").status_code for _ in range(3)]
    statuses.append(client.get("/certificates/ABCDEFGHJKLMNPQR").status_code)
    assert statuses == [200, 200, 200, 429]
    other = client.get(f"/certificates/{code}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200


def test_the_learner_chooses_full_name_in_their_profile(app, factory, example_course, make_cert):
    """The profile's tick box turns the full name on, and unticking turns it off again."""
    learner = factory.user("learner", display_name="张小华")
    cert = make_cert(learner, example_course)
    client = app.test_client(user=learner)
    form = client.get("/account/").get_data(as_text=True)
    assert 'name="certificate_full_name"' in form and "张*华" in form
    profile = {"display_name": "张小华", "language": "zh_CN", "certificate_full_name": "y"}
    assert client.post("/account/", data=profile).status_code == 302
    db.session.expire_all()
    assert learner.certificate_full_name is True
    assert "张小华" in app.test_client().get(f"/certificates/{cert.code}").get_data(as_text=True)
    del profile["certificate_full_name"]
    client.post("/account/", data=profile)
    db.session.expire_all()
    assert learner.certificate_full_name is False
    page = app.test_client().get(f"/certificates/{cert.code}").get_data(as_text=True)
    assert "张*华" in page and "张小华" not in page
