"""Links trainers pass on: the session's check-in link to paste into WeChat, the class's report."""
import re
from datetime import date
from html import unescape

from training.extensions import db


def test_session_page_shows_a_copyable_check_in_link_beside_the_qr(factory, trainer_client):
    """Issue 21: beside the QR code, the check-in URL sits in a labelled read-only field that a
    phone can select and copy into a WeChat group, without any script."""
    meeting = factory.training_session(factory.training_class(), date(2026, 3, 5))
    page = trainer_client.get(f"/classes/sessions/{meeting.id}").get_data(as_text=True)
    url = f"http://localhost/classes/checkin/{meeting.checkin_code}"
    field = re.search(r'<input[^>]*id="checkin-link"[^>]*>', page)
    assert field, "no check-in link field"
    tag = unescape(field.group(0))
    assert 'readonly' in tag and f'value="{url}"' in tag and 'type="url"' in tag
    assert '<label for="checkin-link">' in page and 'class="qr"' in page
    # The link and the QR code are in the same card, the link right after the code.
    card = page.split('class="card checkin-qr"')[1].split("</section>")[0]
    assert card.index('class="qr"') < card.index('id="checkin-link"')
    assert "<script" not in card and "onclick" not in page


def test_session_link_is_labelled_in_chinese(app, factory, trainer):
    """A Chinese trainer reads what the link is for."""
    trainer.language = "zh_CN"
    db.session.commit()
    meeting = factory.training_session(factory.training_class(), date(2026, 3, 5))
    page = app.test_client(user=trainer).get(f"/classes/sessions/{meeting.id}").get_data(as_text=True)
    assert "签到链接" in page and "微信" in page


def test_class_page_links_to_its_report(factory, trainer_client, admin_client):
    """Issue 21: the class page links to the class's progress report, for trainers and admins."""
    training_class = factory.training_class()
    for client in (trainer_client, admin_client):
        page = client.get(f"/classes/{training_class.id}").get_data(as_text=True)
        assert f'href="/reports/classes/{training_class.id}"' in page
    assert trainer_client.get(f"/reports/classes/{training_class.id}").status_code == 200
