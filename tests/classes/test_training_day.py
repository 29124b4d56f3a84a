"""A county training day, end to end through the pages a trainer and farmers use: import 30
farmers, two sessions (one with a classroom quiz and five farmers answering aloud), a forwarded
check-in link the next day, a mistaken session deleted, the paper sign-in sheet, and the county
ledger whose every number is checked against what happened."""
import io
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from training.classes import session_views
from training.extensions import db
from training.models import Attempt, Attendance, ClassroomQuiz, TrainingSession, User
from training.services.classes import classroom

from ..conftest import EXAMPLE_COURSE
from .test_classroom import fresh, phone_form

DAY_ONE, DAY_TWO = date(2026, 11, 2), date(2026, 11, 9)
GENDERS = ["男", "女"]


def at(day: date, hour: int) -> datetime:
    """Naive UTC of a China-time hour on a day (China is UTC+8)."""
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hour - 8)


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = at(DAY_ONE, 9)
    monkeypatch.setattr(session_views, "utcnow", lambda: Clock.now)
    return Clock


def roster_csv() -> bytes:
    lines = ["姓名,手机号,性别,出生年份,乡镇,村"]
    for n in range(30):
        lines.append(f"农户{n:02d},139{n:08d},{GENDERS[n % 2]},{1960 + n},柳沟乡,{'王家村' if n < 18 else '石门村'}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def new_session(client, class_id, held_on, topic, trainer) -> TrainingSession:
    response = client.post(f"/classes/{class_id}/sessions/new", data={
        "held_on": held_on.isoformat(), "topic": topic, "place": "柳沟乡电商服务站",
        "trainer_id": trainer.id, "opens": "07:00", "closes": "22:00", "hours": "3"})
    body = response.get_data(as_text=True)
    assert response.status_code == 302, body[body.find("<main"):][:3000]
    db.session.expire_all()  # SQLite may give a deleted session's id to the new one
    return db.session.scalar(select(TrainingSession).where(TrainingSession.topic == topic))


def test_a_county_training_day(app, factory, trainer, clock):
    trainer.language = "zh_CN"
    db.session.commit()
    staff = app.test_client(user=trainer)
    course = factory.import_course(EXAMPLE_COURSE)
    training_class = factory.training_class("Centre A", courses=[course], trainer=trainer, name="柳沟乡直播班")

    # 1. Import 30 farmers with gender and birth year.
    response = staff.post(f"/classes/{training_class.id}/import",
                          data={"file": (io.BytesIO(roster_csv()), "名单.csv")},
                          content_type="multipart/form-data")
    assert response.status_code == 200
    farmers = db.session.scalars(select(User).where(User.mobile.like("139%")).order_by(User.mobile)).all()
    assert len(farmers) == 30 and all(f.gender and f.birth_year for f in farmers)
    for farmer in farmers:  # each has chosen their own password at first sign-in
        farmer.must_change_password = False
    db.session.commit()

    # 2. Session one: 20 farmers scan, the trainer ticks 3 more at roll call.
    first = new_session(staff, training_class.id, DAY_ONE, "开播前的准备", trainer)
    for farmer in farmers[:20]:
        assert app.test_client(user=farmer).post(f"/classes/checkin/{first.checkin_code}").status_code == 302
    assert _present(first) == 20
    roll = [f.id for f in farmers[:23]]
    assert staff.post(f"/classes/sessions/{first.id}/roll", data={"present": roll}).status_code == 302

    # A mistaken session (the wrong day), with two check-ins, is deleted again.
    clock.now = at(DAY_ONE + timedelta(days=1), 9)
    mistake = new_session(staff, training_class.id, DAY_ONE + timedelta(days=1), "录错的培训", trainer)
    for farmer in farmers[:2]:
        app.test_client(user=farmer).post(f"/classes/checkin/{mistake.checkin_code}")
    assert staff.post(f"/classes/sessions/{mistake.id}/delete", data={"confirm": "yes"}).status_code == 302

    # 3. The next day, the first session's link forwarded in a WeChat group no longer checks in.
    late = app.test_client(user=farmers[25]).post(f"/classes/checkin/{first.checkin_code}",
                                                   follow_redirects=True)
    assert "签到已于" in late.get_data(as_text=True)
    assert _present(first) == 23

    # 4. Session two: 20 scan; 5 without a phone are checked in by the trainer (代签) and
    #    answer a classroom quiz aloud; the 20 answer on their phones.
    clock.now = at(DAY_TWO, 9)
    second = new_session(staff, training_class.id, DAY_TWO, "现场直播练习", trainer)
    phones, aloud = farmers[:20], farmers[20:25]
    for farmer in phones:
        app.test_client(user=farmer).post(f"/classes/checkin/{second.checkin_code}")
    assert _present(second) == 20
    staff.post(f"/classes/sessions/{second.id}/roll",
               data={"present": [f.id for f in phones + aloud], "assisted": [f.id for f in aloud]})
    quiz = course.lessons[0].quiz
    assert staff.post(f"/classroom/sessions/{second.id}/start", data={"quiz_id": quiz.id}).status_code == 302
    cq = db.session.scalar(select(ClassroomQuiz))
    while True:
        current = fresh(cq.id)
        view = classroom.question(current)
        pick = {"multiple": [0], "true_false": True}.get(view.kind, 0)
        for farmer in phones:
            app.test_client(user=farmer).post(f"/classroom/{cq.code}", data=phone_form(view, current, pick))
        for farmer in aloud:
            classroom.answer(db.session, current, farmer, current.position,
                             classroom.parse(view, _multidict(phone_form(view, current, pick)))[0],
                             assisted=True, recorded_by=trainer)
        db.session.commit()
        classroom.show(db.session, current, current.version)
        db.session.commit()
        if current.position + 1 >= view.count:
            break
        classroom.next_question(db.session, fresh(cq.id), fresh(cq.id).version)
        db.session.commit()
    classroom.end(db.session, fresh(cq.id))
    db.session.commit()
    modes = Counter(db.session.scalars(select(Attempt.mode).where(Attempt.quiz_id == quiz.id)))
    assert modes == {"classroom": 20, "assisted": 5}

    # 5. The paper sign-in sheet lists all 30 members with a signature box each.
    sheet = staff.get(f"/classes/sessions/{second.id}/sheet").get_data(as_text=True)
    assert sheet.count('<td class="signature"></td>') == 30 + session_views.PAPER_SHEET_BLANK_ROWS

    # 6. The county ledger: every number as it happened.
    xlsx = staff.get(f"/classes/ledger?start={DAY_ONE}&end={DAY_TWO}&format=xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames[:2] == ["台账", "汇总"]
    rows = list(book["台账"].iter_rows(values_only=True))
    header, body = rows[0], [r for r in rows[1:] if r and r[0] is not None]
    assert list(header) == ["序号", "姓名", "性别", "年龄", "联系电话", "乡镇", "村", "培训内容", "培训日期",
                            "培训地点", "学时", "签到方式", "签到时间（北京时间）"]
    assert len(body) == 23 + 25  # person-times; the deleted session counts nothing
    assert Counter(r[7] for r in body) == {"开播前的准备": 23, "现场直播练习": 25}
    assert Counter(r[11] for r in body) == {"扫码": 40, "点名": 3, "代签": 5}
    assert "录错的培训" not in {r[7] for r in body}
    by_name = {f.display_name: f for f in farmers}
    for row in body:
        farmer = by_name[row[1]]
        assert row[2] == {"m": "男", "f": "女"}[farmer.gender]
        assert int(row[3]) == int(str(row[8])[:4]) - farmer.birth_year
        assert row[6] == farmer.village and float(row[10]) == 3
    totals = {r[0]: r[1] for r in book["汇总"].iter_rows(values_only=True) if r and r[0]}
    assert _number(totals, "人次") == 48 and _number(totals, "人数") == 25


def _present(meeting) -> int:
    return db.session.scalar(select(func.count(Attendance.id)).where(Attendance.session_id == meeting.id))


def _number(totals: dict, label: str) -> int:
    return next(int(v) for k, v in totals.items() if str(k).startswith(label))


def _multidict(data: dict):
    from werkzeug.datastructures import MultiDict

    return MultiDict([(k, v) for k, values in data.items()
                      for v in (values if isinstance(values, list) else [values])])
