"""Every page of the learner, trainer and admin areas reads in Chinese (issue 6), found by
walking the same route table as the access test."""
import re

from sqlalchemy import select

from training.access_table import parse
from training.extensions import db
from training.services.learning import certificates
from training.models import Centre, Certificate, TrainingClass, TrainingSession, User

from ..test_i18n import _VisibleText
from .test_access_table import build_url, routes

HTML_SKIP = {"static", "main.media", "main.healthz"}


def test_every_html_page_has_no_english_interface_words(app, world):
    """Render every GET page each role may open, in Chinese, and look for English words."""
    # User content (names, centres, classes, sessions) in Chinese too, so only interface text is judged.
    for number, person in enumerate(db.session.scalars(select(User)), start=1):
        person.language = "zh_CN"
        person.display_name = f"学员{number}号"
    for centre in db.session.scalars(select(Centre)):
        centre.name = f"{centre.id}号电商服务中心"
    for training_class in db.session.scalars(select(TrainingClass)):
        training_class.name = "春季直播培训班"
    for meeting in db.session.scalars(select(TrainingSession)):
        meeting.topic = "直播练习"
    # Certificates keep a copy of the names they were issued with.
    for certificate in db.session.scalars(select(Certificate)):
        certificate.learner_name, certificate.centre_name = "学员证书", "电商服务中心"
        certificate.class_name = "春季直播培训班"
    db.session.commit()
    # Login names are user content, in Latin letters by design.
    usernames = {part for u in db.session.scalars(select(User.username)) if u
                 for part in re.findall(r"[A-Za-z]+", u)}
    # Join and check-in codes are made of letters too.
    usernames |= set(db.session.scalars(select(TrainingClass.code)))
    usernames |= {part for code in db.session.scalars(select(Certificate.code))
                  for shown in (code, certificates.format_code(code))
                  for part in re.findall(r"[A-Za-z]+", shown)}
    table = parse()
    problems, pages = {}, 0
    for endpoint, method, rule in routes(app):
        if method != "GET" or endpoint in HTML_SKIP:
            continue
        expectation = table[(endpoint, method)]
        for role, user in world.users.items():
            if expectation.outcomes[role] != 200:
                continue
            client = app.test_client(user=user) if user else app.test_client()
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
            response = client.get(build_url(app, rule, world, expectation))
            if not response.mimetype == "text/html":
                response.close()  # a file (a photo, a download) is streamed from disk
                continue
            pages += 1
            html = response.get_data(as_text=True)
            assert '<html lang="zh-CN">' in html, (endpoint, role)
            words = _VisibleText(html).latin_words() - usernames
            if words:
                problems[f"{endpoint} as {role}"] = sorted(words)
    assert pages > 40
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
