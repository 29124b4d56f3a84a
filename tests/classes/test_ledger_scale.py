"""Issue 21, item 9: the ledger at national scale. Totals from aggregates equal a brute-force
count; sessions come a page at a time; the CSV streams in the county layout; a large XLSX is
written in the background (in a thread, or by an RQ worker on Redis) and only the person who
asked may download it; old export files are purged."""
import io
import os
import random
import time
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from training.extensions import db
from training.models import (
    Attendance,
    AuditEvent,
    ExportJob,
    TrainingClass,
    TrainingSession,
    User,
)
from training.services import jobs
from training.services.classes import ledger

MARCH = "start=2026-03-01&end=2026-03-31"
ZH_HEADER = ["序号", "姓名", "性别", "年龄", "联系电话", "乡镇", "村", "培训内容", "培训日期",
             "培训地点", "学时", "签到方式", "签到时间（北京时间）"]
REDIS_TEST_URL = os.environ.get("REDIS_EXPORT_TEST_URL", "redis://127.0.0.1:6379/7")


@pytest.fixture
def busy_centre(factory):
    """Two centres, 24 learners with random profiles, 14 March sessions (and two in April) with
    random attendance; returns centre A's id. Seeded, so every run is the same."""
    rng = random.Random(21)
    classes = [factory.training_class("Centre A"), factory.training_class("Centre B", name="B")]
    people = []
    for n in range(24):
        person = factory.user("learner", mobile=f"1390000{n:04d}", display_name=f"P{n:02d}")
        factory.profile(person, gender=rng.choice(["f", "m", None]),
                        birth_year=rng.choice([None, 1950, 1965, 1975, 1985, 1995, 2001]),
                        township=rng.choice(["城关镇", "西川镇", None]),
                        village=rng.choice(["团结村", "新民村", None]))
        people.append(factory.member(classes[n % 2], person))
    for n, day in enumerate([*range(1, 29, 2), 33, 40]):
        training_class = classes[n % 2]
        meeting = factory.training_session(training_class, date(2026, 3, 1) + timedelta(days=day - 1),
                                           f"Day {day}")
        meeting.hours = rng.choice([None, 1, 2.5])
        for person in people:
            if rng.random() < 0.6:
                db.session.add(Attendance(session_id=meeting.id, user_id=person.id,
                                          method=rng.choice(["qr", "roll", "assisted"])))
    db.session.commit()
    return classes[0].centre_id


def brute_force(start: date, end: date, centre_id: int | None) -> dict:
    """Every attendance loaded and counted in Python: what the aggregates must equal."""
    query = (select(Attendance.user_id, User.township, User.village, User.gender, User.birth_year,
                    TrainingSession.hours)
             .join(User, User.id == Attendance.user_id)
             .join(TrainingSession, TrainingSession.id == Attendance.session_id)
             .join(TrainingClass, TrainingClass.id == TrainingSession.class_id)
             .where(TrainingSession.held_on.between(start, end)))
    if centre_id is not None:
        query = query.where(TrainingClass.centre_id == centre_id)
    rows = db.session.execute(query).all()

    def band(year):
        if year is None:
            return "unknown"
        age = end.year - year
        return next((key for limit, key in ledger.AGE_BANDS if age < limit), "60-plus")

    def grouped(key):
        out = {}
        for row in rows:
            k = key(row)
            times, people = out.setdefault(k, (0, set()))
            out[k] = (times + 1, people | {row.user_id})
        return {k: (times, len(people)) for k, (times, people) in out.items()}

    return {
        "person_times": len(rows), "people": len({r.user_id for r in rows}),
        "person_hours": sum(r.hours or 0 for r in rows),
        "by_place": grouped(lambda r: (r.township or "", r.village or "")),
        "by_gender": grouped(lambda r: (r.gender or "unknown",)),
        "by_age": grouped(lambda r: (band(r.birth_year),)),
    }


@pytest.mark.parametrize("span", [(date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 3, 1), date(2026, 4, 30))])
@pytest.mark.parametrize("every_centre", [False, True])
def test_totals_from_aggregates_equal_a_brute_force_count(busy_centre, span, every_centre):
    """Person-times, unique people, person-hours and each breakdown match counting every row."""
    centre_id = None if every_centre else busy_centre
    data = ledger.build(db.session, *span, centre_id=centre_id)
    expected = brute_force(*span, centre_id)
    assert data.person_times == expected["person_times"] > 0
    assert data.people == expected["people"]
    assert data.person_hours == pytest.approx(expected["person_hours"])
    for name in ("by_place", "by_gender", "by_age"):
        assert {g.key: (g.person_times, g.people) for g in getattr(data, name)} == expected[name], name


def test_sessions_come_a_page_at_a_time(busy_centre, admin_client):
    """Every session once across the pages, newest first; a page past the end shows the last;
    the page links to the next one and to each session's attendees."""
    start, end = date(2026, 3, 1), date(2026, 4, 30)
    first = ledger.session_page(db.session, start, end, None, page=1, per_page=5)
    assert (first.total, first.pages) == (16, 4)
    seen = [s.id for n in range(1, 5) for s in ledger.session_page(db.session, start, end, None, n, 5).items]
    held = dict(db.session.execute(select(TrainingSession.id, TrainingSession.held_on)).all())
    assert len(seen) == len(set(seen)) == 16
    assert [held[i] for i in seen] == sorted((held[i] for i in seen), reverse=True)
    assert ledger.session_page(db.session, start, end, None, 99, 5).page == 4
    counts = dict(db.session.execute(select(Attendance.session_id, func.count()).group_by(Attendance.session_id)).all())
    assert all(s.present == counts.get(s.id, 0) for s in first.items)
    text = admin_client.get(f"/classes/ledger?{MARCH}&centre_id=0").get_data(as_text=True)
    march = ledger.session_page(db.session, date(2026, 3, 1), date(2026, 3, 31), None)
    assert all(f'href="/classes/sessions/{s.id}"' in text for s in march.items)
    assert "Page 1 of" not in text  # 14 March sessions fit on one page of 50


def test_ledger_page_pager(busy_centre, admin_client, monkeypatch):
    """With 5 sessions a page the page says which page it is and links to the next."""
    monkeypatch.setattr(ledger, "PER_PAGE", 5)
    text = admin_client.get(f"/classes/ledger?{MARCH}&centre_id=0&page=2").get_data(as_text=True)
    assert "Page 2 of 3" in text and "page=3" in text and "page=1" in text
    assert text.count('class="card ledger-session"') == 5


def test_csv_streams_the_county_layout_in_chinese(busy_centre, app, trainer):
    """The CSV is a streamed response whose header is the 13 county columns in Chinese and
    whose rows have exactly 13 cells; a trainer of the learners' centre sees whole numbers."""
    trainer.centre_id, trainer.language = busy_centre, "zh_CN"
    db.session.commit()
    client = app.test_client(user=trainer)
    response = client.get(f"/classes/ledger?{MARCH}&format=csv")
    assert response.status_code == 200 and response.is_streamed
    lines = response.get_data().decode("utf-8-sig").splitlines()
    assert lines[0].split(",") == ZH_HEADER
    rows = [line.split(",") for line in lines[1:]]
    expected = db.session.scalar(
        select(func.count()).select_from(Attendance)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .join(TrainingClass, TrainingClass.id == TrainingSession.class_id)
        .where(TrainingClass.centre_id == busy_centre, TrainingSession.held_on <= date(2026, 3, 31)))
    assert len(rows) == expected and {len(r) for r in rows} == {13}
    assert [r[0] for r in rows] == [str(n) for n in range(1, expected + 1)]
    own = {u.display_name: u.centre_id == busy_centre for u in db.session.scalars(select(User))}
    assert {r[4].startswith("139") for r in rows} == {True}
    assert {("*" not in r[4]) == own[r[1]] for r in rows} == {True}  # other centres' masked
    assert any("*" in r[4] for r in rows) and any("*" not in r[4] for r in rows)
    assert {r[11] for r in rows} <= {"扫码", "点名", "代签"}
    trainer.language = "en"
    db.session.commit()
    english = app.test_client(user=trainer).get(f"/classes/ledger?{MARCH}&format=csv")
    assert english.get_data().decode("utf-8-sig").splitlines()[0].startswith("No.,Name,Gender,Age,")


def test_admin_without_the_centre_gets_masked_numbers(busy_centre, admin_client):
    """Staff of another centre (here an admin of none) get masked numbers."""
    lines = admin_client.get(f"/classes/ledger?{MARCH}&centre_id=0&format=csv").get_data().decode("utf-8-sig")
    numbers = [line.split(",")[4] for line in lines.splitlines()[1:]]
    assert numbers and all("****" in n for n in numbers)


def test_small_xlsx_has_chinese_sheets(busy_centre, app, admin):
    """A small period's XLSX comes at once: sheets 台账 (header and rows) and 汇总 (totals)."""
    admin.language = "zh_CN"
    db.session.commit()
    response = app.test_client(user=admin).get(f"/classes/ledger?{MARCH}&centre_id=0&format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["台账", "汇总"]
    rows = list(book["台账"].iter_rows(values_only=True))
    assert list(rows[0]) == ZH_HEADER
    data = ledger.build(db.session, date(2026, 3, 1), date(2026, 3, 31))
    assert len(rows) - 1 == data.person_times
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert ("人次", data.person_times) in [row[:2] for row in summary]


def _wait_for(job_id: int, seconds: float = 20) -> ExportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        job = db.session.get(ExportJob, job_id)
        if job.status in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("the export job did not finish")


def _big_export(make_app, tmp_path, **config):
    """An app that writes ledger XLSX files of more than 3 rows in the background."""
    return make_app(LEDGER_XLSX_ROWS_IN_REQUEST=3, EXPORT_DIR=str(tmp_path / "exports"), **config)


def _check_job(app, job, owner, others):
    """The job is done with every row; its page links the file for the owner; others get 404."""
    assert job.status == "done" and job.rows_done == job.rows_total > 3
    owner_client = app.test_client(user=owner)
    page = owner_client.get(f"/classes/ledger/exports/{job.id}")
    assert "Refresh" not in page.headers
    assert f"/classes/ledger/exports/{job.id}/download" in page.get_data(as_text=True)
    download = owner_client.get(f"/classes/ledger/exports/{job.id}/download")
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.data))
    assert book.sheetnames == ["Ledger", "Totals"]
    assert book["Ledger"].max_row == job.rows_total + 1
    download.close()
    for other in others:
        client = app.test_client(user=other)
        assert client.get(f"/classes/ledger/exports/{job.id}").status_code == 404
        assert client.get(f"/classes/ledger/exports/{job.id}/download").status_code == 404


def test_large_xlsx_is_written_in_a_background_thread(busy_centre, make_app, tmp_path, admin, trainer,
                                                      other_centre_trainer):
    """Past the limit the XLSX becomes a job (303 to its page, audited as background); a thread
    writes it; only the person who asked may download it."""
    app = _big_export(make_app, tmp_path, EXPORT_QUEUE="thread")
    with app.app_context():
        response = app.test_client(user=admin).get(f"/classes/ledger?{MARCH}&centre_id=0&format=xlsx")
        assert response.status_code == 303
        job_id = int(response.headers["Location"].rsplit("/", 1)[1])
        job = _wait_for(job_id)
        _check_job(app, job, admin, [trainer, other_centre_trainer])
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ledger.export"))
        assert event.detail["background"] is True and event.detail["rows"] == job.rows_total


def test_large_csv_is_written_in_the_background_too(busy_centre, make_app, tmp_path, admin, trainer):
    """A CSV past LEDGER_CSV_ROWS_IN_REQUEST rows is not streamed for minutes: a job writes it,
    with the same header and one row per attendance, for the person who asked only."""
    app = _big_export(make_app, tmp_path, EXPORT_QUEUE="thread", LEDGER_CSV_ROWS_IN_REQUEST=3)
    with app.app_context():
        owner = app.test_client(user=admin)
        response = owner.get(f"/classes/ledger?{MARCH}&centre_id=0&format=csv")
        assert response.status_code == 303
        job = _wait_for(int(response.headers["Location"].rsplit("/", 1)[1]))
        assert job.status == "done" and job.download_name.endswith(".csv")
        download = owner.get(f"/classes/ledger/exports/{job.id}/download")
        assert download.headers["Content-Type"].startswith("text/csv")
        lines = download.get_data().decode("utf-8-sig").splitlines()
        download.close()
        assert lines[0].startswith("No.,Name,Gender,Age,") and len(lines) == job.rows_total + 1
        assert app.test_client(user=trainer).get(f"/classes/ledger/exports/{job.id}/download").status_code == 404


def _redis_or_skip():
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except RedisDown:
        pytest.skip("no Redis at 127.0.0.1:6379")
    connection.flushdb()
    return connection


def test_large_xlsx_through_rq_on_redis(busy_centre, make_app, tmp_path, admin, trainer, monkeypatch):
    """With EXPORT_QUEUE "rq" the job waits in Redis until a worker (rq's SimpleWorker in
    burst mode, in this process) runs it; the same page and download follow."""
    from rq import Queue, SimpleWorker

    connection = _redis_or_skip()
    # The worker's command channel (pub/sub) would wait up to 60 s for its thread to stop.
    monkeypatch.setattr(SimpleWorker, "subscribe", lambda self: None)
    monkeypatch.setattr(SimpleWorker, "unsubscribe", lambda self: None)
    app = _big_export(make_app, tmp_path, EXPORT_QUEUE="rq", REDIS_URL=REDIS_TEST_URL)
    client = app.test_client(user=admin)
    with app.app_context():
        response = client.get(f"/classes/ledger?{MARCH}&centre_id=0&format=xlsx")
        assert response.status_code == 303
        job_id = int(response.headers["Location"].rsplit("/", 1)[1])
        waiting = client.get(f"/classes/ledger/exports/{job_id}")
        assert waiting.headers["Refresh"] == "3" and "Waiting to start" in waiting.get_data(as_text=True)
        queue = Queue(jobs.QUEUE, connection=connection)
        assert queue.count == 1
        SimpleWorker([queue], connection=connection).work(burst=True)
        job = _wait_for(job_id, 1)
        _check_job(app, job, admin, [trainer])
    connection.flushdb()


def test_old_exports_are_purged_with_their_files(app_ctx, tmp_path, admin):
    """Jobs older than EXPORT_KEEP_HOURS go, with their files; newer ones stay."""
    from training.models import utcnow

    directory = tmp_path / "exports"
    directory.mkdir()
    old = jobs.create(db.session, admin.id, "ledger", {}, 10, "ledger.xlsx")
    new = jobs.create(db.session, admin.id, "ledger", {}, 10, "ledger.xlsx")
    old.created_at = utcnow() - timedelta(hours=25)
    for job in (old, new):
        (directory / job.file_name).write_bytes(b"x")
    db.session.commit()
    assert jobs.purge(db.session, directory, 24) == 1
    db.session.commit()
    assert [j.id for j in db.session.scalars(select(ExportJob))] == [new.id]
    assert not (directory / old.file_name).exists() and (directory / new.file_name).exists()
    assert old.file_name != new.file_name and len(new.file_name) > 30


def test_the_queue_is_chosen_from_the_settings():
    """auto: RQ when there is a Redis, else a thread; an explicit choice wins."""
    assert jobs.backend({"EXPORT_QUEUE": "auto", "REDIS_URL": None}) == "thread"
    assert jobs.backend({"EXPORT_QUEUE": "auto", "REDIS_URL": "redis://x"}) == "rq"
    assert jobs.backend({"EXPORT_QUEUE": "thread", "REDIS_URL": "redis://x"}) == "thread"


def test_sessions_show_their_photo_thumbnails(busy_centre, admin_client, admin):
    """A session's photos appear as thumbnails on the ledger page (one query for the page)."""
    from training.models import SessionPhoto

    meeting = db.session.scalar(select(TrainingSession).where(TrainingSession.topic == "Day 1"))
    photo = SessionPhoto(session_id=meeting.id, file_name="a" * 32 + ".jpg", width=10, height=10,
                         uploaded_by_id=admin.id)
    db.session.add(photo)
    db.session.commit()
    text = admin_client.get(f"/classes/ledger?{MARCH}&centre_id=0").get_data(as_text=True)
    assert f"/classes/photos/{photo.id}/thumb.jpg" in text
    assert text.count("/thumb.jpg") == 1


def test_session_form_takes_the_training_hours(factory, trainer_client, trainer):
    """学时 entered on the session form is stored; a bad value is refused with a message and
    records nothing."""
    training_class = factory.training_class("Centre A", trainer=trainer)
    form = {"held_on": "2026-03-05", "topic": "直播带货", "place": "", "trainer_id": str(trainer.id)}
    refused = trainer_client.post(f"/classes/{training_class.id}/sessions/new", data={**form, "hours": "99"})
    assert refused.status_code == 422 and "24" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(TrainingSession.id))) == 0
    trainer_client.post(f"/classes/{training_class.id}/sessions/new", data={**form, "hours": "1.5"})
    assert db.session.scalar(select(TrainingSession.hours)) == 1.5


def test_a_job_whose_worker_died_says_it_failed(app, admin):
    """A job still "running" long after the queue's time limit (its worker was restarted) stops
    refreshing and asks to try again."""
    from training.models import utcnow

    with app.app_context():
        job = jobs.create(db.session, admin.id, "ledger", {"start": "2026-03-01", "end": "2026-03-31"},
                          10, "ledger.xlsx")
        job.status, job.started_at = "running", utcnow() - timedelta(seconds=jobs.JOB_TIMEOUT + 60)
        db.session.commit()
        job_id = job.id
    page = app.test_client(user=admin).get(f"/classes/ledger/exports/{job_id}")
    assert "Refresh" not in page.headers and "could not be written" in page.get_data(as_text=True)
