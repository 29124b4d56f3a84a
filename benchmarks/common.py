"""Shared by load.py and throughput.py: a throwaway database, gunicorn servers on loopback,
form parsing and figures. Everything runs on this machine only (127.0.0.1)."""
import argparse
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training.serve import gunicorn_argv  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
ATTEMPT_RE = re.compile(r'name="attempt_token" value="([^"]+)"')


def add_server_arguments(parser: argparse.ArgumentParser, database: str, pg_name: str) -> None:
    """The options every benchmark shares: which database, and the app server."""
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default=database)
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--pg-name", default=pg_name,
                        help="throwaway database, dropped and created (and dropped afterwards)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() + 1,
                        help="gunicorn workers (default: gunicorn.conf.py's, one per core + 1)")
    parser.add_argument("--port", type=int, default=5401, help="the app's port")
    parser.add_argument("--redis-url", default="", help="REDIS_URL for the app (rate limits)")


class Database:
    """A fresh SQLite file or PostgreSQL database for one benchmark run, dropped afterwards."""

    def __init__(self, kind: str, pg_server: str, pg_name: str, keep: bool = False):
        self.kind = kind
        self.keep = keep
        self.tmp = Path(tempfile.mkdtemp(prefix="cunbo-bench-"))
        self.pg_server = pg_server.rstrip("/")
        self.pg_name = pg_name
        if kind == "sqlite":
            self.url = f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        else:
            self.url = f"{self.pg_server}/{pg_name}"
            self._admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)', f'CREATE DATABASE "{pg_name}"')

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.pg_server}/postgres", autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def env(self, **extra) -> dict:
        """Environment for the app's commands and servers in this run."""
        env = dict(os.environ)
        env.update(DATABASE_URL=self.url, SECRET_KEY="benchmark-" + secrets.token_hex(8),
                   MEDIA_DIR=str(self.tmp / "media"), FLASK_APP="training")
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def flask(self, env: dict, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "training", *args], env=env,
                              cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def drop(self) -> None:
        if self.kind == "postgresql" and not self.keep:
            self._admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


class Server:
    """A gunicorn server started with the repository's config, stopped on exit."""

    def __init__(self, argv: list[str], env: dict, port: int, log: Path):
        # A server left running on the port would answer in this one's place, and its figures
        # (its CPU above all) would be measured as ours.
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                raise SystemExit(f"port {port} is in use: stop the server listening there first")
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(log, "w")
        self.proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @classmethod
    def training(cls, env: dict, port: int, workers: int, log: Path, threads: int | None = None):
        """The app, through the real `flask --app training serve` command."""
        argv = [sys.executable, "-m", "flask", "--app", "training", "serve", "-w", str(workers),
                "-b", f"127.0.0.1:{port}"]
        if threads:
            argv += ["--threads", str(threads)]
        return cls(argv, env, port, log)

    @classmethod
    def hello(cls, env: dict, port: int, workers: int, log: Path, threads: int | None = None,
              module: str = "hello"):
        """A reference app (benchmarks/hello.py, or hello_signed_in.py) under the same
        gunicorn config and worker count as ours."""
        argv = gunicorn_argv(workers, f"127.0.0.1:{port}", threads,
                             extra=("--chdir", str(ROOT / "benchmarks")), app_spec=f"{module}:app")
        return cls(argv, env, port, log)

    def wait_ready(self, path: str = "/", timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server on port {self.port} exited; see {self.log.name}")
            try:
                if httpx.get(self.base + path, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"server on port {self.port} did not start; see {self.log.name}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and all its workers (user + system), including
        workers already recycled (max_requests): the master's count of reaped children."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in [self.proc.pid, *self.worker_pids()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
            if pid == self.proc.pid:
                total += (int(fields[13]) + int(fields[14])) / tick
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def private_mib(pid: int) -> float:
    """Memory only this process uses (private pages, not those shared with the master), in MiB."""
    total = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            total += int(line.split()[1])
    return total / 1024


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def login_session(base: str, login: str, password: str) -> httpx.Client:
    """A client logged in through the real login form (CSRF token included)."""
    client = httpx.Client(base_url=base, timeout=10)
    page = client.get("/login")
    csrf = CSRF_RE.search(page.text).group(1)
    response = client.post("/login", data={"csrf_token": csrf, "login": login, "password": password})
    if response.status_code != 302:
        raise SystemExit(f"login as {login} failed: {response.status_code}")
    return client


QUIZ_INPUT_RE = re.compile(r'<input type="(radio|checkbox|text)"[^>]*?name="(q\d+)"(?:[^>]*?value="([^"]*)")?')
ORDER_SELECT_RE = re.compile(r'<select name="(q\d+)-(\d+)"')


def answer_key(url: str) -> dict[str, object]:
    """The right answer to every question in the database, by form field (q<id>): the correct
    choice id(s), "true"/"false", an accepted text, or ordering steps' choice ids in order."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    key: dict[str, object] = {}
    with engine.connect() as conn:
        questions = {qid: (kind, answer) for qid, kind, answer in conn.execute(
            text("SELECT id, kind, answer FROM question"))}
        choices: dict[int, list] = {}
        for qid, cid, correct in conn.execute(
                text("SELECT question_id, id, is_correct FROM choice ORDER BY question_id, position, id")):
            choices.setdefault(qid, []).append((str(cid), correct))
    engine.dispose()
    for qid, (kind, answer) in questions.items():
        answer = json.loads(answer) if isinstance(answer, str) else (answer or {})
        right = [cid for cid, correct in choices.get(qid, []) if correct]
        if kind == "single":
            key[f"q{qid}"] = right[0] if right else None
        elif kind == "multiple":
            key[f"q{qid}"] = right
        elif kind == "true_false":
            key[f"q{qid}"] = "true" if answer.get("answer") else "false"
        elif kind == "short_text":
            key[f"q{qid}"] = (answer.get("accepted") or [None])[0]
        elif kind == "ordering":
            key[f"q{qid}"] = [cid for cid, _ in choices.get(qid, [])]
    return key


def quiz_answers(html: str, rng, key: dict | None = None, skill: float = 0.0) -> dict[str, str | list[str]]:
    """Answer every question of a quiz form the way a learner would: one choice per
    single/true-false question, one or more per multiple choice, some text, and a place for
    every step of an ordering question; each one right with probability `skill` when the
    answer key is given (a learner who read the lesson), else at random."""
    options: dict[str, tuple[str, list[str]]] = {}
    for kind, name, value in QUIZ_INPUT_RE.findall(html):
        options.setdefault(name, (kind, []))[1].append(value)
    data: dict[str, str | list[str]] = {}
    knows = (lambda name: key is not None and key.get(name) is not None and rng.random() < skill)
    for name, (kind, values) in options.items():
        if knows(name):
            data[name] = key[name]
        elif kind == "radio":
            data[name] = rng.choice(values)
        elif kind == "checkbox":
            data[name] = rng.sample(values, rng.randint(1, len(values)))
        else:
            data[name] = rng.choice(["yes", "price", "scale", "1"])
    steps: dict[str, list[str]] = {}
    for question, step in ORDER_SELECT_RE.findall(html):
        steps.setdefault(question, []).append(step)
    for question, ids in steps.items():
        if knows(question):
            order = key[question]
            places = [order.index(step) + 1 if step in order else 1 for step in ids]
        else:
            places = list(range(1, len(ids) + 1))
            rng.shuffle(places)
        for step, place in zip(ids, places):
            data[f"{question}-{step}"] = str(place)
    return data
