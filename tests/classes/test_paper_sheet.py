"""The paper sign-in sheet (签到表) of a session: every member, a signature column, blank rows."""
from datetime import date

from training.extensions import db


def test_sheet_lists_members_by_pinyin_with_signature_boxes(factory, trainer, trainer_client):
    training_class = factory.training_class("Centre A", trainer=trainer, name="春季班")
    for name in ("张三", "李四", "阿明"):
        person = factory.user("learner", centre="Centre A")
        person.display_name = name
        person.mobile = None
        factory.member(training_class, person)
    db.session.commit()
    meeting = factory.training_session(training_class, date(2026, 11, 2), topic="直播练习")
    meeting.hours = 3
    trainer.language = "zh_CN"
    db.session.commit()
    html = trainer_client.get(f"/classes/sessions/{meeting.id}/sheet").get_data(as_text=True)
    assert html.index("阿明") < html.index("李四") < html.index("张三")
    assert "签到表" in html and "签名" in html and "直播练习" in html and "春季班" in html
    # One row per member and five blank rows, each with its signature box.
    assert html.count('<td class="signature"></td>') == 3 + 5
    in_order = trainer_client.get(f"/classes/sessions/{meeting.id}/sheet?order=import").get_data(as_text=True)
    assert in_order.index("张三") < in_order.index("李四") < in_order.index("阿明")
    session_page = trainer_client.get(f"/classes/sessions/{meeting.id}").get_data(as_text=True)
    assert f"/classes/sessions/{meeting.id}/sheet" in session_page


def test_other_centres_cannot_print_the_sheet(factory, trainer, app, other_centre_trainer):
    training_class = factory.training_class("Centre A", trainer=trainer)
    meeting = factory.training_session(training_class, date(2026, 11, 2))
    client = app.test_client(user=other_centre_trainer)
    assert client.get(f"/classes/sessions/{meeting.id}/sheet").status_code == 403
