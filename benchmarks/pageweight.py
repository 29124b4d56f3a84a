"""Page weight on a phone: requests and bytes each main page costs, cold (empty cache) and warm
(second visit), measured at the server while headless Chromium loads the page at 360 px.

    .venv/bin/python benchmarks/pageweight.py [--port 5301]

Bytes are what the server sent (status line, headers, compressed body), so anything the browser
or the service worker takes from its cache costs nothing. A cold visit includes the service
worker and the app shell it saves. Media (/media/) is counted apart, as the budget sets it aside.
Budget for a lesson page: cold ≤ 30 KB in ≤ 6 requests, warm ≤ 10 KB.
"""
import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.live import CHROMIUM, CHROMIUM_ARGS, PHONE, LiveServer  # noqa: E402
from training import create_app  # noqa: E402
from training.extensions import db  # noqa: E402
from training.models import Centre, Course  # noqa: E402
from training.services.accounts import accounts  # noqa: E402
from training.services.authoring import course_exchange, course_reader  # noqa: E402
from training.services.classes import classes  # noqa: E402
from training.services.learning import progress  # noqa: E402

PASSWORD = "pageweight benchmark"
COURSE = "livestream-basics-zh"
BUDGET = {"cold_bytes": 30 * 1024, "cold_requests": 6, "warm_bytes": 10 * 1024}


def prepare(tmp: Path):
    """An app on a fresh SQLite database with one seed course, a learner part-way through it and an admin."""
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}", "INSTANCE_PATH": str(tmp / "instance"),
        "MEDIA_DIR": str(tmp / "media"), "SECRET_KEY": "pageweight-only", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    with app.app_context():
        db.create_all()
        course = course_exchange.import_course(
            db.session, course_reader.read_folder(ROOT / "seed_courses" / COURSE), app.config["MEDIA_DIR"])
        learner = accounts.create_user(db.session, username="lina", password=PASSWORD, display_name="李娜",
                                       role="learner")
        accounts.create_user(db.session, username="boss", password=PASSWORD, display_name="Admin", role="admin")
        centre = Centre(name="安定区电子商务公共服务中心", province="甘肃省", city="定西市", county="安定区")
        db.session.add(centre)
        db.session.flush()
        trainer = accounts.create_user(db.session, username="wang", password=PASSWORD, display_name="王老师",
                                       role="trainer", centre_id=centre.id)
        progress.enrol(db.session, learner.id, course)
        progress.complete_lesson(db.session, learner.id, course.lessons[0])
        spring = classes.create_class(db.session, centre.id, trainer.id,
                                      classes.ClassDetails(name="春季直播班", course_ids=(course.id,)))
        classes.join_class(db.session, learner, spring)
        db.session.commit()
        course = db.session.scalar(db.select(Course).where(Course.slug == course.slug))
        pages = [
            ("Sign in", "/login", None),
            ("Sign up", "/register", None),
            ("Catalogue", "/courses", "lina"),
            ("Course", f"/courses/{course.slug}", "lina"),
            ("Lesson", f"/courses/{course.slug}/lessons/{course.lessons[2].key}", "lina"),
            ("Quiz", f"/courses/{course.slug}/quizzes/{course.lessons[0].quiz.id}", "lina"),
            ("My learning", "/me", "lina"),
            ("Trainer: class", f"/classes/{spring.id}", "wang"),
            ("Admin area", "/admin/", "boss"),
            ("Admin: training ledger", "/classes/ledger", "boss"),
            ("Trainer: class report", f"/reports/classes/{spring.id}", "wang"),
            ("Admin: overview report", "/reports/overview", "boss"),
            ("Trainer: course studio", "/author/", "wang"),
        ]
    return app, pages


def log_in(context, base: str, username: str) -> None:
    """Log in through HTTP requests that share the context's cookies but not its cache."""
    form = context.request.get(f"{base}/login").text()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form) or \
        re.search(r'name="csrf_token" value="([^"]+)"', form)
    context.request.post(f"{base}/login", form={"csrf_token": token.group(1), "login": username,
                                                 "password": PASSWORD})


def visit(page, counter, url: str) -> dict:
    counter.take()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.evaluate("navigator.serviceWorker ? navigator.serviceWorker.ready.then(() => true) : true")
    page.wait_for_load_state("networkidle")
    log = counter.take()
    pages = [(p, n) for p, n in log if not p.startswith("/media/")]
    media = [(p, n) for p, n in log if p.startswith("/media/")]
    return {"requests": len(pages), "bytes": sum(n for _, n in pages), "media": sum(n for _, n in media),
            "paths": [p for p, _ in pages]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5301)
    parser.add_argument("-v", "--verbose", action="store_true", help="list each request")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, pages = prepare(Path(tmp))
        server = LiveServer(app, port=args.port, count_bytes=True).start()
        rows = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for name, path, user in pages:
                    context = browser.new_context(**PHONE)
                    if user:  # the sign-in and sign-up pages are measured signed out
                        log_in(context, server.url, user)
                    page = context.new_page()
                    cold = visit(page, server.counter, server.url + path)
                    warm = visit(page, server.counter, server.url + path)
                    rows.append((name, path, cold, warm))
                    if args.verbose:
                        print(name, "cold:", cold["paths"], "warm:", warm["paths"])
                    context.close()
                browser.close()
        finally:
            server.stop()

    kb = lambda n: f"{n / 1024:.1f}"  # noqa: E731
    print("| Page | Cold requests | Cold KB | Warm requests | Warm KB | Media KB (cold, apart) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, path, cold, warm in rows:
        print(f"| {name} (`{path}`) | {cold['requests']} | {kb(cold['bytes'])} | {warm['requests']} "
              f"| {kb(warm['bytes'])} | {kb(cold['media'])} |")
    _, _, cold, warm = next(r for r in rows if r[0] == "Lesson")
    ok = (cold["bytes"] <= BUDGET["cold_bytes"] and cold["requests"] <= BUDGET["cold_requests"]
          and warm["bytes"] <= BUDGET["warm_bytes"])
    print(f"\nLesson budget (cold ≤ 30 KB in ≤ 6 requests, warm ≤ 10 KB): {'met' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
