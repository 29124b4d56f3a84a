"""Lighthouse scores (mobile preset) of the sign-in page, the catalogue and a lesson: performance,
accessibility, best practices and SEO, and every audit that did not pass.

    npm install --prefix /tmp/lh lighthouse      # once; no global install
    .venv/bin/python benchmarks/lighthouse.py [--port 5302] [--lighthouse /tmp/lh/node_modules/.bin/lighthouse]

The app runs on a fresh SQLite database with one seed course and a learner part-way through it
(the same data as benchmarks/pageweight.py), served by the threaded test server on loopback;
Lighthouse drives Debian's Chromium (CHROME_PATH, default /usr/bin/chromium) headless. The lesson
is measured signed in: the session cookie is passed as an extra header. Loopback has no network
delay, so Lighthouse's simulated slow 4G throttling is what the performance score reflects.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from pageweight import log_in, prepare
from playwright.sync_api import sync_playwright

from tests.browser.live import CHROMIUM, CHROMIUM_ARGS, PHONE, LiveServer

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
DEFAULT_LIGHTHOUSE = "/tmp/lh/node_modules/.bin/lighthouse"


def session_cookie(base: str, username: str) -> str:
    """The Cookie header of a signed-in browser session."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(**PHONE)
        log_in(context, base, username)
        cookies = context.cookies()
        browser.close()
    return "; ".join(f"{c['name']}={c['value']}" for c in cookies)


def run(lighthouse: str, url: str, cookie: str | None) -> dict:
    """One Lighthouse run (mobile preset) as its JSON report."""
    command = [lighthouse, url, "--output=json", "--output-path=stdout", "--quiet",
               "--only-categories=" + ",".join(CATEGORIES),
               "--chrome-flags=--headless --no-sandbox --disable-gpu"]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", CHROMIUM)}
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"lighthouse failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def failed_audits(report: dict) -> list[str]:
    """The audits of the four categories that scored below 1 (binary and numeric)."""
    lines = []
    for category in CATEGORIES:
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) and audit.get("score") is not None and audit["score"] < 1:
                lines.append(f"  {category}: {ref['id']} ({audit['score']}) {audit.get('displayValue', '')}".rstrip())
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5302)
    parser.add_argument("--lighthouse", default=os.environ.get("LIGHTHOUSE", DEFAULT_LIGHTHOUSE))
    args = parser.parse_args()
    if not Path(args.lighthouse).exists():
        print(f"Lighthouse is not installed at {args.lighthouse}: npm install --prefix /tmp/lh lighthouse")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        app, pages = prepare(Path(tmp))
        lesson = next(path for name, path, _ in pages if name == "Lesson")
        server = LiveServer(app, port=args.port).start()
        try:
            cookie = session_cookie(server.url, "lina")
            targets = [("Sign in", "/login", None), ("Catalogue", "/courses", None), ("Lesson", lesson, cookie)]
            rows = []
            for name, path, cookies in targets:
                report = run(args.lighthouse, server.url + path, cookies)
                final = report.get("finalDisplayedUrl") or report.get("finalUrl", "")
                if final != server.url + path:  # e.g. a lesson sent to the login page: not measured
                    raise RuntimeError(f"{name}: Lighthouse ended on {final}, not {server.url + path}")
                scores = [round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES]
                rows.append((name, path, scores, failed_audits(report)))
        finally:
            server.stop()
    print("| Page | Performance | Accessibility | Best practices | SEO |")
    print("|---|---:|---:|---:|---:|")
    for name, path, scores, _ in rows:
        print(f"| {name} (`{path}`) | " + " | ".join(str(s) for s in scores) + " |")
    for name, _, _, failed in rows:
        if failed:
            print(f"\n{name}: audits below 1")
            print("\n".join(failed))
    return 0 if all(s == 100 for _, _, scores, _ in rows for s in scores) else 1


if __name__ == "__main__":
    sys.exit(main())
