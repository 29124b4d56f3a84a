"""A bounded load test on loopback: N simulated learners against gunicorn, then a check that
every acknowledged completion and quiz attempt is in the database exactly once.

Each simulated learner (an asyncio task with its own cookie jar and client address, sent as
X-Forwarded-For to an app that trusts one proxy, as behind nginx):
  1. registers, or logs in to an account made beforehand (--login-share of them), through
     the real forms with their CSRF tokens;
  2. opens the catalogue, picks a course, opens it and enrols;
  3. until the time is up: follows the app's own path through the course, as a farmer taps
     "continue" and each page's main button: reads a lesson and marks it complete (which
     leads on), takes the quiz the app leads to (reading the CSRF and attempt tokens from the
     form; each answer right with probability --skill, from the answer key in the database),
     sometimes sending it twice like a double tap, then reads the result; a quiz failed
     --retakes times running, or a finished course, sends the learner to another course.
     It waits --think seconds between pages.

Learners arrive evenly over --ramp seconds and stop at --duration; nothing runs afterwards.
Reports requests/s, p50/p95/p99 latency overall and per kind of request, errors, and the
database check. Everything stays on this machine (127.0.0.1).

    .venv/bin/python benchmarks/load.py --database postgresql --pg-name cunbo_load
    .venv/bin/python benchmarks/load.py --database sqlite --learners 50 --duration 20

--capacity (benchmarks/capacity.py) instead ramps logged-in learners, thinking 10-30 s, in
steps (--start 1000, --step 1000 every --step-seconds 60, up to --max, within --time-cap) until
a step's p95 reaches 300 ms or it has errors; it reports each step, the most learners held, the
load generator's CPU share and the workers' memory, then the same database check:

    .venv/bin/python benchmarks/load.py --capacity --database postgresql --pg-name cunbo_capacity
"""
import argparse
import asyncio
import collections
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from common import (ATTEMPT_RE, CSRF_RE, ROOT, Database, Server, add_server_arguments, answer_key,
                    percentile, quiz_answers)

PASSWORD = "load-test-password-7"
COURSE_LINK_RE = re.compile(r'href="/courses/([a-z0-9-]+)"')
ATTEMPT_LOCATION_RE = re.compile(r"/attempts/(\d+)$")

MAKE_USERS = """
import sys
from training import create_app
from training.extensions import db
from training.services.accounts import accounts
app = create_app()
with app.app_context():
    for name in sys.argv[1:]:
        accounts.create_user(db.session, username=name, mobile=None, password={password!r},
                             display_name=name, role="learner", language="en")
    db.session.commit()
"""


@dataclass
class Stats:
    latencies: dict = field(default_factory=lambda: collections.defaultdict(list))
    errors: collections.Counter = field(default_factory=collections.Counter)
    completions: set = field(default_factory=set)  # (username, slug, lesson key) acknowledged
    attempts: dict = field(default_factory=dict)  # attempt token -> attempt id acknowledged
    double_taps: int = 0
    registered: int = 0
    logged_in: int = 0
    courses_finished: int = 0
    quizzes_passed: int = 0
    server_cpu: float = 0.0
    client_cpu: float = 0.0


class Learner:
    def __init__(self, index: int, args, stats: Stats, deadline: float, run: str):
        self.name = f"load-{run}-{index}"
        self.args = args
        self.stats = stats
        self.deadline = deadline
        self.rng = random.Random(f"{run}-{index}")
        address = f"198.18.{index // 250}.{index % 250 + 1}"  # RFC 2544 benchmarking addresses
        self.client = httpx.AsyncClient(
            base_url=args.base, timeout=30, follow_redirects=False,
            headers={"X-Forwarded-For": address, "Accept-Language": "en",
                     "User-Agent": f"cunbo-load/{index}"})

    def time_left(self) -> bool:
        return time.monotonic() < self.deadline

    async def request(self, kind: str, method: str, url: str, expect: tuple, **kwargs):
        """One request, timed; returns the response, or None after recording an error."""
        started = time.perf_counter()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.stats.errors[f"{kind}: {type(exc).__name__}"] += 1
            return None
        self.stats.latencies[kind].append((time.perf_counter() - started) * 1000)
        if response.status_code not in expect:
            self.stats.errors[f"{kind}: HTTP {response.status_code}"] += 1
            return None
        return response

    async def think(self) -> None:
        await asyncio.sleep(self.rng.uniform(*self.args.think))

    async def run(self, existing: bool) -> None:
        try:
            if await self.sign_in(existing):
                await self.learn()
        finally:
            await self.client.aclose()

    async def sign_in(self, existing: bool) -> bool:
        path = "/login" if existing else "/register"
        form = await self.request(f"GET {path}", "GET", path, (200,))
        if form is None:
            return False
        data = {"csrf_token": CSRF_RE.search(form.text).group(1), "login": self.name, "password": PASSWORD}
        if not existing:
            data.update(display_name=self.name, confirm=PASSWORD, language="en", consent="y")
        await self.think()
        done = await self.request(f"POST {path}", "POST", path, (302,), data=data)
        if done is None:
            return False
        if existing:
            self.stats.logged_in += 1
        else:
            self.stats.registered += 1
        return True

    async def pick_course(self) -> str | None:
        """Open the catalogue, pick a course, open it and enrol if need be: its slug."""
        page = await self.request("GET catalogue", "GET", "/courses", (200,))
        if page is None:
            return None
        slug = self.rng.choice(sorted(set(COURSE_LINK_RE.findall(page.text))))
        await self.think()
        course = await self.request("GET course", "GET", f"/courses/{slug}", (200,))
        if course is None:
            return None
        if f'action="/courses/{slug}/enrol"' in course.text:
            await self.think()
            if await self.request("POST enrol", "POST", f"/courses/{slug}/enrol", (302,),
                                  data={"csrf_token": CSRF_RE.search(course.text).group(1)}) is None:
                return None
        return slug

    async def learn(self) -> None:
        """Take courses as a farmer does: pick one, then follow the app's own path ("continue",
        the lesson's main button, the quiz it leads to) until the course is complete. A quiz
        failed --retakes times running sends the learner to another course."""
        while self.time_left():
            slug = await self.pick_course()
            if slug is None:
                return
            failed = 0
            await self.think()
            path = await self.go_on(slug)
            while path is not None and self.time_left():
                if "/lessons/" in path:
                    path = await self.read_lesson(slug, path)
                    if path is not None and "/lessons/" not in path and "/quizzes/" not in path:
                        path = None  # the course page: complete
                    await self.think()
                    continue
                passed = await self.take_quiz(path)
                if passed is None:
                    return
                failed = 0 if passed else failed + 1
                if failed > self.args.retakes:
                    break
                await self.think()
                path = await self.go_on(slug)
            if path is None:
                self.stats.courses_finished += 1

    async def go_on(self, slug: str) -> str | None:
        """ "Continue": the next unfinished step's path, None when the course is complete."""
        answer = await self.request("GET continue", "GET", f"/courses/{slug}/continue", (302,))
        if answer is None:
            return None
        path = httpx.URL(answer.headers["location"]).path
        return path if "/lessons/" in path or "/quizzes/" in path else None

    async def read_lesson(self, slug: str, path: str) -> str | None:
        """Read a lesson and tap its main button (mark complete and go on): where it leads."""
        page = await self.request("GET lesson", "GET", path, (200,))
        if page is None:
            return None
        if 'action="' + path + '/complete"' not in page.text:
            return await self.go_on(slug)  # read before: on to the next unfinished step
        await self.think()
        done = await self.request("POST complete", "POST", path + "/complete", (302,),
                                  data={"csrf_token": CSRF_RE.search(page.text).group(1)})
        if done is None:
            return None
        self.stats.completions.add((self.name, slug, path.rsplit("/", 1)[1]))
        return httpx.URL(done.headers["location"]).path

    async def take_quiz(self, path: str) -> bool | None:
        """Answer a quiz (sometimes sending it twice) and read the result: passed or not;
        None after an error."""
        page = await self.request("GET quiz", "GET", path, (200,))
        if page is None:
            return None
        token = ATTEMPT_RE.search(page.text).group(1)
        data = {"csrf_token": CSRF_RE.search(page.text).group(1), "attempt_token": token,
                **quiz_answers(page.text, self.rng, self.args.answer_key, self.args.skill)}
        await self.think()
        sent = await self.request("POST quiz", "POST", path, (302,), data=data)
        if sent is None:
            return None
        match = ATTEMPT_LOCATION_RE.search(sent.headers["location"])
        if match is None:
            self.stats.errors["POST quiz: not sent to a result"] += 1
            return None
        self.stats.attempts[token] = int(match.group(1))
        if self.rng.random() < self.args.double_tap:
            again = await self.request("POST quiz (again)", "POST", path, (302,), data=data)
            self.stats.double_taps += 1
            if again is not None and not again.headers["location"].endswith(f"/attempts/{match.group(1)}"):
                self.stats.errors["POST quiz (again): another attempt"] += 1
        result = await self.request("GET result", "GET", sent.headers["location"], (200,))
        if result is None:
            return None
        self.stats.quizzes_passed += 'class="card score pass"' in result.text
        return 'class="card score pass"' in result.text


async def drive(args, stats: Stats, run: str, existing: set[int]) -> float:
    started = time.monotonic()
    deadline = started + args.duration

    async def arrive(index: int):
        await asyncio.sleep(index * args.ramp / args.learners)
        await Learner(index, args, stats, deadline, run).run(index in existing)

    await asyncio.gather(*(arrive(i) for i in range(args.learners)))
    return time.monotonic() - started


def check_database(url: str, run: str, stats: Stats) -> dict:
    """Compare what the learners were told with what the database holds."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        completions = collections.Counter(
            (u, c, k) for u, c, k in conn.execute(text(
                "SELECT u.username, c.slug, l.key FROM lesson_completion lc "
                "JOIN users u ON u.id = lc.user_id JOIN lesson l ON l.id = lc.lesson_id "
                "JOIN course c ON c.id = lc.course_id WHERE u.username LIKE :p"), {"p": f"load-{run}-%"}))
        attempts = collections.defaultdict(list)
        for token, attempt_id in conn.execute(text(
                "SELECT a.token, a.id FROM attempt a JOIN users u ON u.id = a.user_id "
                "WHERE u.username LIKE :p"), {"p": f"load-{run}-%"}):
            attempts[token].append(attempt_id)
    engine.dispose()
    return {
        "completions acknowledged": len(stats.completions),
        "completions lost": sum(1 for key in stats.completions if completions[key] == 0),
        "completions duplicated": sum(1 for n in completions.values() if n > 1),
        "completions never acknowledged": sum(1 for key in completions if key not in stats.completions),
        "attempts acknowledged": len(stats.attempts),
        "attempts lost": sum(1 for token, aid in stats.attempts.items() if attempts.get(token) != [aid]),
        "attempts duplicated": sum(1 for ids in attempts.values() if len(ids) > 1),
        "attempts never acknowledged": sum(1 for token in attempts if token not in stats.attempts),
    }


def report(args, stats: Stats, elapsed: float, checks: dict, load_before: str, load_after: str) -> bool:
    everything = sorted(v for values in stats.latencies.values() for v in values)
    total = len(everything)
    errors = sum(stats.errors.values())
    print(f"\nload: {args.learners} learners over {args.duration} s (arriving over {args.ramp} s, "
          f"thinking {args.think[0]}-{args.think[1]} s), {args.database}, {args.workers} sync workers; "
          f"load average {load_before} before, {load_after} after\n")
    print("| requests | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {total} | {total / elapsed:.0f} | {percentile(everything, 50):.0f} | "
          f"{percentile(everything, 95):.0f} | {percentile(everything, 99):.0f} | "
          f"{(everything or [0])[-1]:.0f} | {errors} |")
    signing_in = ("GET /login", "POST /login", "GET /register", "POST /register")
    rest = sorted(v for kind, values in stats.latencies.items() if kind not in signing_in for v in values)
    print(f"\nwithout the sign-in pages (password hashing): {len(rest)} requests, p50 "
          f"{percentile(rest, 50):.0f} ms, p95 {percentile(rest, 95):.0f} ms, p99 {percentile(rest, 99):.0f} ms")
    print("\n| request | count | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for kind, values in sorted(stats.latencies.items()):
        values.sort()
        print(f"| {kind} | {len(values)} | {percentile(values, 50):.0f} | {percentile(values, 95):.0f} | "
              f"{percentile(values, 99):.0f} |")
    print(f"\nlearners: {stats.registered} registered, {stats.logged_in} logged in; "
          f"{stats.courses_finished} courses finished, {stats.quizzes_passed} quizzes passed; "
          f"{stats.double_taps} double-tapped quiz submissions")
    print(f"server CPU: {stats.server_cpu:.1f} s in all, {stats.server_cpu / max(total, 1) * 1000:.1f} ms "
          f"per request on average (gunicorn master and workers, user + system; "
          f"excluding the database server)")
    print(f"load generator CPU: {stats.client_cpu:.1f} s on the same {os.cpu_count()} cores "
          f"({stats.client_cpu / max(elapsed, 1) * 100:.0f}% of one core)")
    for reason, count in stats.errors.most_common():
        print(f"error: {reason} x{count}")
    print("\ndatabase check:")
    for name, value in checks.items():
        print(f"  {name}: {value}")
    p95 = percentile(everything, 95)
    ok = (errors == 0 and checks["completions lost"] == 0 and checks["attempts lost"] == 0
          and checks["completions duplicated"] == 0 and checks["attempts duplicated"] == 0)
    print(f"\nresult: {'PASS' if ok and p95 < 300 else 'FAIL'} (zero errors, zero lost or duplicated "
          f"records, p95 {p95:.0f} ms {'<' if p95 < 300 else '>='} 300 ms)")
    return ok and p95 < 300


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_arguments(parser, "postgresql", "cunbo_load")
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60, help="seconds")
    parser.add_argument("--ramp", type=float, default=30, help="seconds over which learners arrive")
    parser.add_argument("--think", type=float, nargs=2, default=None, metavar=("MIN", "MAX"),
                        help="seconds a learner waits between pages (default 1 4; 10 30 with --capacity)")
    parser.add_argument("--login-share", type=float, default=0.5,
                        help="share of learners with an account already (they log in; the rest register)")
    parser.add_argument("--double-tap", type=float, default=0.1, help="share of quiz submissions sent twice")
    parser.add_argument("--skill", type=float, default=0.8,
                        help="chance that a learner answers a question right (they read the lesson)")
    parser.add_argument("--retakes", type=int, default=2,
                        help="retakes of a failed quiz before the learner turns to another course")
    import capacity  # not at the top: it imports this module

    capacity.add_arguments(parser)
    args = parser.parse_args()
    args.base = f"http://127.0.0.1:{args.port}"

    run = secrets.token_hex(3)
    if args.capacity:
        args.think = args.think or (10.0, 30.0)
        return capacity.main(args, run)
    args.think = args.think or (1.0, 4.0)
    db = Database(args.database, args.pg_server, args.pg_name)
    extra = {"PROXY_FIX_X_FOR": 1}
    if args.redis_url:
        extra["REDIS_URL"] = args.redis_url
    env = db.env(**extra)
    server = None
    try:
        db.flask(env, "db", "upgrade")
        db.flask(env, "courses", "import", "seed_courses")
        args.answer_key = answer_key(db.url)
        existing = set(random.Random(run).sample(range(args.learners), int(args.learners * args.login_share)))
        subprocess.run([sys.executable, "-c", MAKE_USERS.format(password=PASSWORD),
                        *(f"load-{run}-{i}" for i in sorted(existing))], env=env, cwd=ROOT, check=True)
        server = Server.training(env, args.port, args.workers, db.tmp / "server.log")
        server.wait_ready("/healthz")
        stats = Stats()
        load_before = Path("/proc/loadavg").read_text().split()[0]
        cpu_before, client_before = server.cpu_seconds(), time.process_time()
        elapsed = asyncio.run(drive(args, stats, run, existing))
        stats.server_cpu = server.cpu_seconds() - cpu_before
        stats.client_cpu = time.process_time() - client_before
        load_after = Path("/proc/loadavg").read_text().split()[0]
        server.stop()
        server = None
        checks = check_database(db.url, run, stats)
        return 0 if report(args, stats, elapsed, checks, load_before, load_after) else 1
    finally:
        if server is not None:
            server.stop()
        db.drop()
        shutil.rmtree(db.tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
