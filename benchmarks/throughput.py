"""Throughput of the hot pages against Flask's own ceiling, on this machine.

Starts three gunicorn servers with the repository's gunicorn.conf.py and the same number of
workers: the app (through `flask --app training serve`, on a fresh SQLite or PostgreSQL
database with the seed courses), a bare Flask "hello world" and a signed-in "hello" that
only loads the learner with Flask-Login and Flask-SQLAlchemy (benchmarks/hello.py and hello_signed_in.py).
Then wrk (Debian package `wrk`) drives each on loopback for a few seconds, one after the other,
each line right after a measurement of the ceiling (its ratio is taken to that one), in rounds
(five by default; the tables show the median of the rounds):

  hello world            GET /                        the ceiling
  signed-in hello        GET /                        the floor under any signed-in page
  catalogue              GET /courses                 as a logged-in learner
  lesson page            GET /courses/<slug>/lessons/<key>
  lesson page (304)      the same with If-None-Match: the browser revalidating its copy
  quiz submission        POST of a filled-in quiz with a new attempt token each time

and prints requests/s, latency percentiles, errors, the ratio to the ceiling and each
worker's resident memory after the runs.

    .venv/bin/python benchmarks/throughput.py                       # SQLite
    .venv/bin/python benchmarks/throughput.py --database postgresql --pg-name cunbo_bench
"""
import argparse
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from common import CSRF_RE, Database, Server, add_server_arguments, login_session, private_mib, quiz_answers, rss_mib

WRK_POST = """
local n = 0
function setup(thread)
  n = n + 1
  thread:set("tid", n)
end
counter = 0
function request()
  counter = counter + 1
  local token = string.format("%s%02dx%010d", PREFIX, tid, counter)
  return wrk.format("POST", PATH, HEADERS, BODY .. "&attempt_token=" .. token)
end
"""


def lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(url: str, args, headers: dict | None = None, script: str | None = None) -> dict:
    """Run wrk and read its figures."""
    cmd = ["wrk", "--latency", "-t", str(args.threads), "-c", str(args.connections),
           "-d", f"{args.duration}s", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
               "requests": int(re.search(r"(\d+) requests in", out).group(1))}
    for label, key in (("50%", "p50"), ("90%", "p90"), ("99%", "p99")):
        m = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        scale = {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
        figures[key] = float(m.group(1)) * scale
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    figures["errors"] = (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_arguments(parser, "sqlite", "cunbo_bench")
    parser.add_argument("--hello-port", type=int, default=5410)
    parser.add_argument("--duration", type=int, default=3, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds of every measurement; the tables show the medians")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds of rest before each measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    db = Database(args.database, args.pg_server, args.pg_name)
    env = db.env(REDIS_URL=args.redis_url) if args.redis_url else db.env()
    servers = []
    try:
        db.flask(env, "db", "upgrade")
        db.flask(env, "courses", "import", "seed_courses")
        password_file = db.tmp / "password"
        password_file.write_text("bench-password-1")
        db.flask(env, "users", "create", "--role", "learner", "--username", "bench-learner",
                 "--password-file", str(password_file))

        # Each server is listed as soon as it starts, so that it is stopped whatever happens next.
        servers.append(app := Server.training(env, args.port, args.workers, db.tmp / "app.log"))
        servers.append(hello := Server.hello(env, args.hello_port, args.workers, db.tmp / "hello.log"))
        servers.append(floor := Server.hello(env, args.hello_port + 1, args.workers, db.tmp / "signed-in.log",
                                             module="hello_signed_in"))
        app.wait_ready("/healthz")
        hello.wait_ready("/")
        floor.wait_ready("/")

        slug = "livestream-basics-en"
        client = login_session(app.base, "bench-learner", "bench-password-1")
        page = client.get(f"/courses/{slug}")
        enrolled = client.post(f"/courses/{slug}/enrol", data={"csrf_token": CSRF_RE.search(page.text).group(1)})
        lesson_path = enrolled.headers["location"]
        lesson = client.get(lesson_path)
        assert lesson.status_code == 200
        # The course is sequential: its first quiz opens once the lesson before it is complete.
        client.post(f"{lesson_path}/complete", data={"csrf_token": CSRF_RE.search(lesson.text).group(1)})
        quiz_path = re.search(rf'href="(/courses/{slug}/quizzes/\d+)"', client.get(f"/courses/{slug}").text).group(1)
        script = db.tmp / "post.lua"

        def signed_in() -> tuple:
            """A session that has just logged in, and the headers that replay it: the app renews
            a session's cookie once a minute, and wrk (unlike a browser) would keep sending the
            old one, so each measurement starts from a fresh login."""
            session = login_session(app.base, "bench-learner", "bench-password-1")
            cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
            # The same browser that logged in: Flask-Login's session protection compares the
            # User-Agent with the one seen at login, and a mismatch rewrites the session each time.
            return session, {"Cookie": cookie, "User-Agent": session.headers["User-Agent"]}

        def headers_only():
            return signed_in()[1], None

        def revalidating():
            session, headers = signed_in()
            return {**headers, "If-None-Match": session.get(lesson_path).headers["ETag"]}, None

        def quiz_submissions():
            session, headers = signed_in()
            quiz_page = session.get(quiz_path).text
            body = urlencode({"csrf_token": CSRF_RE.search(quiz_page).group(1),
                              **quiz_answers(quiz_page, random.Random(1))}, doseq=True)
            # Check the submission is accepted before measuring it.
            probe = session.post(quiz_path, content=body + "&attempt_token=" + secrets.token_urlsafe(24),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
            assert probe.status_code == 302 and "/attempts/" in probe.headers["location"], probe.status_code
            script.write_text(
                f"PREFIX = {lua_string('b' + secrets.token_hex(4))}\nPATH = {lua_string(quiz_path)}\n"
                f"BODY = {lua_string(body)}\n"
                f"HEADERS = {{[\"Content-Type\"] = \"application/x-www-form-urlencoded\", "
                f"[\"Cookie\"] = {lua_string(headers['Cookie'])}, "
                f"[\"User-Agent\"] = {lua_string(headers['User-Agent'])}}}\n" + WRK_POST)
            return {}, str(script)

        ceiling = ("hello world (ceiling)", hello, "/", lambda: ({}, None))
        lines = [
            ("signed-in hello (floor)", floor, "/", headers_only),
            ("catalogue", app, "/courses", headers_only),
            ("lesson page", app, lesson_path, headers_only),
            ("lesson page, revalidated (304)", app, lesson_path, revalidating),
            ("quiz submission", app, quiz_path, quiz_submissions),
        ]

        def measure(label, server, path, prepare) -> dict:
            time.sleep(args.pause)
            hdrs, lua = prepare()
            cpu = server.cpu_seconds()
            figures = wrk(server.base + path, args, hdrs, lua)
            # Server CPU per request: unlike requests/s, barely moved by other load on the machine.
            figures["cpu_ms"] = (server.cpu_seconds() - cpu) * 1000 / max(figures["requests"], 1)
            return figures

        # Each line is measured right after a measurement of the ceiling, and its ratio is taken
        # to that one: the machine's speed drifts from minute to minute, and two figures taken
        # seconds apart share the same machine. Every line is measured once per round, and the
        # tables show the median of the rounds.
        results = {label: [] for label, *_ in [ceiling, *lines]}
        for number in range(args.rounds):
            for line in lines:
                top = measure(*ceiling)
                figures = measure(*line)
                figures["ratio"] = figures["rps"] / top["rps"]
                figures["cpu_ratio"] = top["cpu_ms"] / figures["cpu_ms"] if figures["cpu_ms"] else float("nan")
                top["ratio"] = top["cpu_ratio"] = 1.0
                results[ceiling[0]].append(top)
                results[line[0]].append(figures)
            print(f"round {number + 1}: lesson page at {results['lesson page'][-1]['ratio']:.2f} of the ceiling",
                  flush=True)

        print(f"\nthroughput: {args.database}, {args.workers} sync workers, wrk -t{args.threads} "
              f"-c{args.connections} -d{args.duration}s per measurement, each line right after the "
              f"ceiling, median of {args.rounds} rounds, "
              f"{Path('/proc/loadavg').read_text().split()[0]} load average at the end\n")
        print("| what | requests/s | ratio to ceiling | ratio in each round | p50 ms | p90 ms | p99 ms "
              "| errors | server CPU ms/request | CPU ratio |")
        print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
        for label, measured in results.items():
            f = {key: statistics.median(m[key] for m in measured)
                 for key in ("rps", "ratio", "p50", "p90", "p99", "cpu_ms", "cpu_ratio")}
            each = "" if label == ceiling[0] else " ".join(f"{m['ratio']:.2f}" for m in measured)
            print(f"| {label} | {f['rps']:.0f} | {f['ratio']:.2f} | {each} | {f['p50']:.1f} | "
                  f"{f['p90']:.1f} | {f['p99']:.1f} | {sum(m['errors'] for m in measured)} | "
                  f"{f['cpu_ms']:.2f} | {f['cpu_ratio']:.2f} |")
        print("\nCPU ratio: the hello world's server CPU per request divided by the page's, in the same "
              "pair (the ratio the pages would reach if nothing else shared the cores).")
        print("\nmemory after the runs, MiB: resident (of which private to the process, not shared "
              "with the master):")
        for name, server in (("app", app), ("hello world", hello), ("signed-in hello", floor)):
            pids = server.worker_pids()
            print(f"  {name}: master {rss_mib(server.proc.pid):.0f}, workers "
                  + ", ".join(f"{rss_mib(p):.0f} ({private_mib(p):.0f})" for p in pids))
    finally:
        for server in servers:
            server.stop()
        db.drop()
        shutil.rmtree(db.tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
