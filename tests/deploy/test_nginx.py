"""The nginx site of docs/deployment.md, run by a real nginx in front of the app under gunicorn:
what the pages link (fingerprinted stylesheets and scripts, images and their srcset copies)
must load through it. The site block is read from the document itself, so the two cannot drift.

Skipped only when nginx is not installed (scripts/test.sh installs it with apt-get as root).
"""
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image

from training import create_app
from training.dbutil import dispose_engines
from training.extensions import db
from training.services.authoring import course_exchange, course_reader

from ..conftest import EXAMPLE_COURSE, ROOT
from ..conftest import test_config as base_config
from ..factories import PASSWORD, Factory
from ..security.live_server import Browser

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")


def site_from_doc() -> str:
    """The nginx block of docs/deployment.md's "nginx in front" section, as written there."""
    text = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    section = text.split("## 6. nginx in front", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```nginx\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, "the section should hold one nginx block"
    return blocks[0]


def local_site(site: str, port: int, app_port: int, media_dir: Path) -> str:
    """The documented site with this machine's ports and folders in place of the production ones."""
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{port};",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "/srv/cunbo/app/static/": f"{ROOT / 'static'}/",
        "/srv/cunbo/media/": f"{media_dir}/",
    }
    for production, here in replacements.items():
        assert production in site, f"docs/deployment.md's nginx site no longer has {production!r}"
        site = site.replace(production, here)
    assert "/srv/" not in site, "a production path is left that this test does not replace"
    return site


def nginx_conf(prefix: Path, site: str) -> str:
    """A whole nginx.conf around the site: everything nginx writes stays under prefix."""
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers must read the temp folders
    mime_types = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").is_file() else (
        "types { text/css css; application/javascript js; image/png png; image/webp webp; "
        "image/svg+xml svg; }")
    temp = "\n".join(f"    {name}_temp_path {prefix / name};"
                     for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{ worker_connections 64; }}
http {{
    {mime_types}
    default_type application/octet-stream;
    access_log {prefix / 'access.log'};
{temp}
{site}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start:\n" + (log.read_text() if log.exists() else ""))
        time.sleep(0.2)


@contextmanager
def running(argv: list[str], log: Path, health_url: str, what: str, **popen):
    with open(log, "ab") as output:
        process = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, **popen)
        try:
            wait_for(health_url, process, log, what)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def photo_png(width: int = 1000, height: int = 600) -> bytes:
    """A picture wide enough to get 480w and 960w copies."""
    image = Image.new("RGB", (width, height))
    image.putdata([(x % 256, y % 256, (x * y) % 256) for y in range(height) for x in range(width)])
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def prepare(workdir: Path, database_url: str, media_dir: Path) -> tuple[str, str, str]:
    """The example course with a photo in its first lesson, and a learner; returns
    (username, course slug, first lesson key)."""
    course_dir = workdir / "course"
    shutil.copytree(EXAMPLE_COURSE, course_dir)
    (course_dir / "images" / "photo.png").write_bytes(photo_png())
    lesson = course_dir / "lessons" / "01-kit.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n![A photo](images/photo.png)\n",
                      encoding="utf-8")
    app = create_app(base_config(workdir, SQLALCHEMY_DATABASE_URI=database_url,
                                 MEDIA_DIR=str(media_dir), INSTANCE_PATH=str(workdir / "instance")))
    with app.app_context():
        db.create_all()
        course = course_exchange.import_course(db.session, course_reader.read_folder(course_dir), str(media_dir))
        db.session.commit()
        slug, key = course.slug, course.lessons[0].key
        username = Factory(app).user("learner", username="nginx-learner").username
        db.session.remove()
        dispose_engines(db)
    assert list(media_dir.glob("*-480w.*")), "the photo got no 480w copy"
    return username, slug, key


@pytest.fixture
def behind_nginx(tmp_path):
    """The app under gunicorn (flask serve) with nginx in front, configured as the document
    says; yields nginx's base URL."""
    media_dir = tmp_path / "media"
    database_url = f"sqlite:///{tmp_path / 'nginx.sqlite3'}"
    account = prepare(tmp_path, database_url, media_dir)
    app_port, port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "nginx-test",
           "MEDIA_DIR": str(media_dir), "FLASK_DEBUG": "0", "PYTHONUNBUFFERED": "1",
           "WEB_CONCURRENCY": "1"}
    env.pop("TEST_DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    app_argv = [sys.executable, "-m", "flask", "--app", "training", "serve",
                "-b", f"127.0.0.1:{app_port}"]
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_conf(prefix, local_site(site_from_doc(), port, app_port, media_dir)))
    nginx_argv = [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log"),
                  "-g", "daemon off;"]
    check = subprocess.run([*nginx_argv, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    with running(app_argv, tmp_path / "app.log", f"http://127.0.0.1:{app_port}/healthz", "gunicorn",
                 cwd=ROOT, env=env):
        with running(nginx_argv, prefix / "error.log", f"http://127.0.0.1:{port}/healthz", "nginx"):
            yield f"http://127.0.0.1:{port}", account


def test_lesson_page_assets_load_through_nginx(behind_nginx):
    """Through the documented nginx site, a lesson page's fingerprinted stylesheet and scripts
    and its picture with every srcset copy (-480w, WebP) answer 200, from disk, cached for a year."""
    base, (username, slug, key) = behind_nginx
    browser = Browser(base)
    _, _, page = browser.get("/login")
    status, _, _ = browser.post("/login", {"login": username, "password": PASSWORD,
                                           "csrf_token": browser.csrf(page)})
    assert status == 302
    _, _, page = browser.get(f"/courses/{slug}")
    assert browser.post(f"/courses/{slug}/enrol", {"csrf_token": browser.csrf(page)})[0] == 302
    status, _, page = browser.get(f"/courses/{slug}/lessons/{key}")
    assert status == 200

    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert stylesheets and all(re.search(r"\.[0-9a-f]{10}\.css$", url) for url in stylesheets)
    static = set(re.findall(r'"(/static/[^"]+)"', page))
    assert set(stylesheets) <= static
    media = set(re.findall(r'(/media/[^" ,]+)', page))
    assert any("-480w." in url for url in media), "the lesson page links no 480w copy"

    answers = {url: fetch(base + url) for url in sorted(static | media)}
    assert {url: status for url, (status, _, _) in answers.items()} == dict.fromkeys(answers, 200)
    for url, (_, headers, body) in answers.items():
        assert "immutable" in headers["Cache-Control"], url
        if url.startswith("/static/"):
            on_disk = re.sub(r"\.[0-9a-f]{10}(\.\w+)$", r"\1", url.removeprefix("/static/"))
            assert body == (ROOT / "static" / on_disk).read_bytes(), url


def fetch(url: str):
    """(status, headers, body) of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()
