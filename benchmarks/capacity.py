"""load.py --capacity: how many learners, reading between pages as people do, the app holds.

Learners are added in steps (--start, then --step more every --step-seconds, up to --max).
Before each step its new learners log in through the real form (neither that nor the
--settle seconds after is measured); then every learner goes on as in load.py (catalogue,
course, lessons, quizzes, double taps) with --think seconds between actions, and the step's
window is measured. The ramp stops when a step's p95 reaches 300 ms or it has errors, at
--max, or before --time-cap. Afterwards the database check of load.py. The largest step held
is the one with p95 < 300 ms and no error, if nothing acknowledged was lost or duplicated.

The generator is light so that it can share the two cores: one asyncio process, a bare
HTTP/1.1 client on asyncio streams (a new connection per request, as gunicorn's sync workers
close each one), accounts inserted in bulk with one password hash, and by default a cheap
PASSWORD_HASH_METHOD for the benchmark's server (logins are never measured; --hash-method
argon2id for the production one).
"""
import asyncio
import math
import os
import random
import resource
import signal
import sys
import time
import zlib
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

import brotli

from common import CSRF_RE, answer_key, percentile, private_mib, rss_mib
from load import PASSWORD, Learner, Stats

# Accounts in bulk: one password hash (the method PASSWORD_HASH_METHOD sets) for all of them,
# the same columns accounts.create_user() sets; names on stdin.
MAKE_MANY_USERS = """
import sys
from training import create_app
from training.extensions import db
from training.models import User
from training.services.accounts.passwords import hash_password
app = create_app()
names = sys.stdin.read().split()
with app.app_context():
    digest = hash_password({password!r})
    for start in range(0, len(names), 2000):
        db.session.add_all([User(username=name, mobile=None, display_name=name, password_hash=digest,
                                 role="learner", language="en", centre_id=None,
                                 must_change_password=False) for name in names[start:start + 2000]])
        db.session.flush()
    db.session.commit()
"""


class RequestFailed(Exception):
    pass


class Reply:
    """What the learners read of a response: httpx's names, so load.py's Learner works on it."""
    __slots__ = ("status_code", "headers", "text")

    def __init__(self, status_code: int, headers: dict, text: str):
        self.status_code, self.headers, self.text = status_code, headers, text


def _dechunk(body: bytes) -> bytes:
    out, at = [], 0
    while True:
        end = body.index(b"\r\n", at)
        size = int(body[at:end].split(b";", 1)[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(body[end + 2:end + 2 + size])
        at = end + 4 + size


@dataclass
class Window:
    """One step's measurement: latencies of requests that ended in it."""
    latencies: list = field(default_factory=list)


class CapacityLearner(Learner):
    """load.py's learner on a bare HTTP/1.1 client: one connection per request, its own
    cookies and client address; runs until cancelled."""

    def __init__(self, index: int, args, stats: Stats, run: str, windows: list):
        self.name = f"load-{run}-{index}"
        self.args = args
        self.stats = stats
        self.windows = windows  # [current Window or None]
        self.rng = random.Random(f"{run}-{index}")
        self.cookies: dict[str, str] = {}
        address = f"198.{18 + index // 62500}.{index // 250 % 250}.{index % 250 + 1}"  # RFC 2544
        self.fixed = (f"Host: 127.0.0.1:{args.port}\r\nX-Forwarded-For: {address}\r\n"
                      f"User-Agent: cunbo-load/{index}\r\nAccept-Language: en\r\n"
                      f"Accept-Encoding: gzip, br\r\nConnection: close\r\n")

    def time_left(self) -> bool:
        return True  # the run ends by cancelling the learners

    async def fetch(self, method: str, url: str, data: dict | None) -> Reply:
        head = f"{method} {url} HTTP/1.1\r\n{self.fixed}"
        if self.cookies:
            head += "Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()) + "\r\n"
        body = b""
        if data is not None:
            body = urlencode(data, doseq=True).encode()
            head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        reader, writer = await asyncio.open_connection("127.0.0.1", self.args.port)
        try:
            writer.write(head.encode() + b"\r\n" + body)
            lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {}
            for line in lines[1:]:
                if not line:
                    continue
                name, _, value = line.partition(":")
                name, value = name.lower(), value.strip()
                if name == "set-cookie":
                    pair, _, attributes = value.partition(";")
                    key, _, cookie = pair.partition("=")
                    low = attributes.lower()
                    if cookie in ("", '""') or "max-age=0" in low or "1970" in low:
                        self.cookies.pop(key.strip(), None)
                    else:
                        self.cookies[key.strip()] = cookie
                else:
                    headers[name] = value
            if "content-length" in headers:
                raw = await reader.readexactly(int(headers["content-length"]))
            elif status in (204, 304) or method == "HEAD":
                raw = b""
            else:
                raw = await reader.read()
                if headers.get("transfer-encoding", "").lower() == "chunked":
                    raw = _dechunk(raw)
        finally:
            writer.close()
        encoding = headers.get("content-encoding")
        if encoding == "br":
            raw = brotli.decompress(raw)
        elif encoding == "gzip":
            raw = zlib.decompress(raw, 47)
        return Reply(status, headers, raw.decode("utf-8", "replace"))

    async def request(self, kind: str, method: str, url: str, expect: tuple, data: dict | None = None):
        """One request, timed; the reply, or None after recording an error."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.args.request_timeout):
                reply = await self.fetch(method, url, data)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                ValueError, IndexError, brotli.error, zlib.error) as exc:
            self.stats.errors[f"{kind}: {type(exc).__name__}"] += 1
            return None
        elapsed = (time.perf_counter() - started) * 1000
        self.stats.latencies[kind].append(elapsed)
        window = self.windows[0]
        if window is not None:
            window.latencies.append(elapsed)
        if reply.status_code not in expect:
            self.stats.errors[f"{kind}: HTTP {reply.status_code}"] += 1
            return None
        return reply

    async def log_in(self) -> bool:
        form = await self.request("GET /login", "GET", "/login", (200,))
        if form is None:
            return False
        data = {"csrf_token": CSRF_RE.search(form.text).group(1), "login": self.name, "password": PASSWORD}
        if await self.request("POST /login", "POST", "/login", (302,), data=data) is None:
            return False
        self.stats.logged_in += 1
        return True

    async def live(self) -> None:
        """Start as if in the middle of reading a page (the wait left of a think time drawn
        in proportion to its length), so a step's request rate is steady from its start."""
        low, high = self.args.think
        drawn = math.sqrt(low * low + self.rng.random() * (high * high - low * low))
        await asyncio.sleep(self.rng.uniform(0, drawn))
        await self.learn()


def _crashed(stats: Stats, task: asyncio.Task) -> None:
    """A learner stopped by an exception nobody expected: counted as an error."""
    if not task.cancelled() and task.exception() is not None:
        stats.errors[f"learner stopped: {type(task.exception()).__name__}"] += 1


def raise_file_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def machine_busy() -> tuple[int, int, int]:
    """Busy, waiting for the disk (iowait) and total jiffies of all cores (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4], fields[4], sum(fields)


def checkpoints(url: str) -> int | None:
    """PostgreSQL checkpoints so far, timed and requested (by anyone's CREATE or DROP
    DATABASE, among others): each writes out dirty pages, and commits wait on the disk."""
    if not url.startswith("postgresql"):
        return None
    import psycopg

    with psycopg.connect(url, connect_timeout=5) as conn:
        return sum(conn.execute("SELECT checkpoints_timed, checkpoints_req FROM pg_stat_bgwriter").fetchone())


@dataclass
class Step:
    learners: int
    seconds: float
    requests: int
    p50: float
    p95: float
    p99: float
    errors: int
    generator: float  # share of all cores: user + system time / wall time / cores
    generator_system: float  # of which system (the kernel's loopback TCP work, much of it)
    server: float
    machine: float
    iowait: float
    checkpoints: int | None
    login_seconds: float
    load: str

    @property
    def server_ms_per_request(self) -> float:
        return self.server * os.cpu_count() * self.seconds * 1000 / max(1, self.requests)

    @property
    def held(self) -> bool:
        return self.errors == 0 and self.p95 < 300


HEADER = ("| learners | window s | requests | req/s | p50 ms | p95 ms | p99 ms | errors | "
          "generator CPU (system) | server CPU | server CPU ms/request | machine CPU | iowait | "
          "PG checkpoints | load avg | login s |")


def print_row(step: Step) -> None:
    print(f"| {step.learners} | {step.seconds:.0f} | {step.requests} | {step.requests / step.seconds:.0f} | "
          f"{step.p50:.0f} | {step.p95:.0f} | {step.p99:.0f} | {step.errors} | "
          f"{step.generator * 100:.0f}% ({step.generator_system * 100:.0f}%) | {step.server * 100:.0f}% | "
          f"{step.server_ms_per_request:.1f} | {step.machine * 100:.0f}% | {step.iowait * 100:.0f}% | "
          f"{'-' if step.checkpoints is None else step.checkpoints} | "
          f"{step.load} | {step.login_seconds:.0f} |", flush=True)


async def ramp(args, stats: Stats, run: str, server, deadline: float) -> list[Step]:
    cores = os.cpu_count()
    windows: list = [None]
    learners: list[CapacityLearner] = []
    tasks: list[asyncio.Task] = []
    steps: list[Step] = []
    target = args.start
    print(f"\n{HEADER}\n|" + "---:|" * 16, flush=True)
    try:
        while True:
            login_started = time.monotonic()
            batch = [CapacityLearner(i, args, stats, run, windows) for i in range(len(learners), target)]
            gate = asyncio.Semaphore(args.login_concurrency)

            async def admit(learner: CapacityLearner) -> bool:
                async with gate:
                    return await learner.log_in()

            try:
                async with asyncio.timeout(max(1.0, deadline - time.monotonic())):
                    admitted = await asyncio.gather(*(admit(learner) for learner in batch))
            except TimeoutError:
                print(f"stopped: the time cap came while {len(batch)} learners were logging in")
                break
            if not all(admitted):
                print(f"stopped: {admitted.count(False)} of {len(batch)} logins failed")
                break
            learners += batch
            for learner in batch:
                task = asyncio.create_task(learner.live())
                task.add_done_callback(partial(_crashed, stats))
                tasks.append(task)
            login_seconds = time.monotonic() - login_started
            # The logins kept the workers busy: let the queue they left behind drain first.
            await asyncio.sleep(max(0.0, min(args.settle, deadline - time.monotonic())))

            window_seconds = min(args.step_seconds, deadline - time.monotonic())
            if window_seconds < args.step_seconds / 2:
                print("stopped: no time left for another step (--time-cap)")
                break
            windows[0] = Window()
            errors_before = sum(stats.errors.values())
            started, cpu_before = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
            server_before, machine_before = server.cpu_seconds(), machine_busy()
            checkpoints_before = checkpoints(args.db_url)
            await asyncio.sleep(window_seconds)
            window, windows[0] = windows[0], None
            wall = time.monotonic() - started
            cpu_after = resource.getrusage(resource.RUSAGE_SELF)
            machine_after = machine_busy()
            values = sorted(window.latencies)
            step = Step(
                learners=len(learners), seconds=wall, requests=len(values), p50=percentile(values, 50),
                p95=percentile(values, 95), p99=percentile(values, 99),
                errors=sum(stats.errors.values()) - errors_before,
                generator=(cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime
                           - cpu_before.ru_stime) / wall / cores,
                generator_system=(cpu_after.ru_stime - cpu_before.ru_stime) / wall / cores,
                server=(server.cpu_seconds() - server_before) / wall / cores,
                machine=(machine_after[0] - machine_before[0]) / max(1, machine_after[2] - machine_before[2]),
                iowait=(machine_after[1] - machine_before[1]) / max(1, machine_after[2] - machine_before[2]),
                checkpoints=(None if checkpoints_before is None
                             else checkpoints(args.db_url) - checkpoints_before),
                login_seconds=login_seconds, load=Path("/proc/loadavg").read_text().split()[0])
            steps.append(step)
            print_row(step)
            if not step.held:
                print(f"stopped: p95 {step.p95:.0f} ms, {step.errors} errors at {step.learners} learners")
                break
            if target >= args.max:
                print(f"stopped: --max {args.max} learners reached")
                break
            target = min(args.max, target + args.step)
    finally:
        windows[0] = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return steps


def report(args, stats: Stats, steps: list[Step], checks: dict, workers: list[tuple[int, float, float]],
           elapsed: float) -> bool:
    print(f"\ncapacity: {args.database}, {args.workers} sync workers (gunicorn.conf.py), think "
          f"{args.think[0]:g}-{args.think[1]:g} s, steps of {args.step_seconds:g} s from {args.start} "
          f"by {args.step} to at most {args.max}; {os.cpu_count()} cores shared by server, database "
          f"and generator; {elapsed:.0f} s in all")
    print(f"benchmark server's PASSWORD_HASH_METHOD: {args.hash_method} (only the unmeasured logins "
          f"check passwords); {stats.logged_in} learners logged in through the form")
    print("generator / server / machine CPU: share of all cores over the window, user + system time "
          "(generator: in brackets its system time, mostly loopback TCP; server: gunicorn master and "
          "workers; machine: everything, the database included); iowait: share of the cores idle "
          "waiting for the disk; PG checkpoints: in the window, by anyone on the PostgreSQL server\n")
    print(HEADER + "\n|" + "---:|" * 16)
    for step in steps:
        print_row(step)
    print("\n| request | count | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for kind, values in sorted(stats.latencies.items()):
        values.sort()
        print(f"| {kind} | {len(values)} | {percentile(values, 50):.0f} | {percentile(values, 95):.0f} | "
              f"{percentile(values, 99):.0f} |")
    for reason, count in stats.errors.most_common():
        print(f"error: {reason} x{count}")
    print(f"\n{len(stats.completions)} completions and {len(stats.attempts)} quiz attempts acknowledged, "
          f"{stats.double_taps} double-tapped submissions; {stats.quizzes_passed} quizzes passed, "
          f"{stats.courses_finished} courses finished; database check:")
    for name, value in checks.items():
        print(f"  {name}: {value}")
    print("\ngunicorn workers after the run (target: RSS <= 80 MiB each):")
    for pid, rss, private in workers:
        print(f"  pid {pid}: RSS {rss:.1f} MiB, of which private {private:.1f} MiB")
    intact = not (checks["completions lost"] or checks["attempts lost"]
                  or checks["completions duplicated"] or checks["attempts duplicated"])
    held = [step.learners for step in steps if step.held]
    generator = max((step.generator for step in steps), default=0)
    print(f"\nload generator: at most {generator * 100:.0f}% of the {os.cpu_count()} cores in a step")
    if held and intact:
        print(f"result: held {max(held)} concurrent learners (p95 < 300 ms, zero errors, nothing lost "
              f"or duplicated)")
    elif held:
        print(f"result: none held: records were lost or duplicated (steps up to {max(held)} learners "
              f"had p95 < 300 ms and no errors)")
    else:
        print("result: none held: the first step already had p95 >= 300 ms or errors")
    return bool(held) and intact and all(rss <= 80 for _, rss, _ in workers)


def worker_memory(server) -> list[tuple[int, float, float]]:
    out = []
    for pid in server.worker_pids():
        try:
            out.append((pid, rss_mib(pid), private_mib(pid)))
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


def main(args, run: str) -> int:
    import subprocess

    from common import ROOT, Database, Server
    from load import check_database

    begun = time.monotonic()
    deadline = begun + args.time_cap
    # Stopped from outside, still stop the server and drop the database (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    raise_file_limit()
    db = Database(args.database, args.pg_server, args.pg_name)
    extra = {"PROXY_FIX_X_FOR": 1, "PASSWORD_HASH_METHOD": args.hash_method}
    if args.redis_url:
        extra["REDIS_URL"] = args.redis_url
    env = db.env(**extra)
    server = None
    try:
        db.flask(env, "db", "upgrade")
        db.flask(env, "courses", "import", "seed_courses")
        args.answer_key = answer_key(db.url)
        made = time.monotonic()
        subprocess.run([sys.executable, "-c", MAKE_MANY_USERS.format(password=PASSWORD)],
                       input="\n".join(f"load-{run}-{i}" for i in range(args.max)), text=True,
                       env=env, cwd=ROOT, check=True)
        print(f"{args.max} learner accounts made in {time.monotonic() - made:.1f} s "
              f"(PASSWORD_HASH_METHOD={args.hash_method})", flush=True)
        args.db_url = db.url
        server = Server.training(env, args.port, args.workers, db.tmp / "server.log")
        server.wait_ready("/healthz")
        stats = Stats()
        steps = asyncio.run(ramp(args, stats, run, server, deadline))
        workers = worker_memory(server)
        server.stop()
        server = None
        checks = check_database(db.url, run, stats)
        return 0 if report(args, stats, steps, checks, workers, time.monotonic() - begun) else 1
    finally:
        if server is not None:
            server.stop()
        db.drop()
        import shutil
        shutil.rmtree(db.tmp, ignore_errors=True)


def add_arguments(parser) -> None:
    group = parser.add_argument_group("capacity mode (--capacity)")
    group.add_argument("--capacity", action="store_true", help="ramp learners in steps until p95 >= 300 ms")
    group.add_argument("--start", type=int, default=1000, help="learners in the first step")
    group.add_argument("--step", type=int, default=1000, help="learners added at each step")
    group.add_argument("--step-seconds", type=float, default=60, help="measured window of each step")
    group.add_argument("--max", type=int, default=20000, help="most learners (accounts made beforehand)")
    group.add_argument("--time-cap", type=float, default=2400,
                       help="seconds for the whole run, setup included")
    group.add_argument("--login-concurrency", type=int, default=2, help="logins at a time between steps")
    group.add_argument("--settle", type=float, default=10,
                       help="seconds between a step's logins and its measured window")
    group.add_argument("--request-timeout", type=float, default=30,
                       help="seconds before a request counts as an error")
    group.add_argument("--hash-method", default="pbkdf2:sha256:1000",
                       help="the benchmark server's PASSWORD_HASH_METHOD (argon2id: production's)")
