"""Light pages on slow networks: fingerprinted static files cached for a year, and compressed
responses (brotli where the browser accepts it, gzip otherwise).

`url_for('static', filename='css/app.css')` builds `/static/css/app.<hash>.css`, where the hash
is the file's content hash; the same URL can then be cached forever (`immutable`). The plain
`/static/css/app.css` still works but must be revalidated. Static files are small, so they are
read and compressed once, at the best brotli and gzip levels, and served from memory. In
production they are all read when the app is made: gunicorn's workers, forked from it, share
them and never compress one in a learner's request (nor again after each worker's recycling).
"""
import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path

import brotli
from flask import Flask, abort, current_app, request
from flask_compress import Compress

ONE_YEAR = 365 * 24 * 3600
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
FINGERPRINT_RE = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<suffix>\.[A-Za-z0-9]+)$")

compress = Compress()


@dataclass
class Asset:
    """One static file in memory, with its compressed forms."""

    data: bytes
    mimetype: str
    digest: str
    encoded: dict[str, bytes] = field(default_factory=dict)


def load_asset(path: Path) -> Asset:
    data = path.read_bytes()
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if mimetype == "text/javascript":
        mimetype = "application/javascript"
    asset = Asset(data, mimetype, hashlib.sha256(data).hexdigest()[:10])
    if mimetype.startswith(COMPRESSIBLE) and len(data) > 200:
        asset.encoded = {"br": brotli.compress(data, quality=11), "gzip": gzip.compress(data, 9, mtime=0)}
    return asset


class Assets:
    """The static folder's files, loaded lazily and reloaded when a file changes (in development)."""

    def __init__(self, folder: Path, watch: bool = True):
        self.folder = folder
        # In production files change only with a release (new processes): no stat per use.
        self.watch = watch
        self._cache: dict[str, tuple[float, Asset]] = {}

    def get(self, filename: str) -> Asset | None:
        if not self.watch and (cached := self._cache.get(filename)) is not None:
            return cached[1]
        path = (self.folder / filename).resolve()
        if self.folder.resolve() not in path.parents or not path.is_file():
            return None
        mtime = path.stat().st_mtime
        cached = self._cache.get(filename)
        if cached is None or cached[0] != mtime:
            cached = (mtime, load_asset(path))
            self._cache[filename] = cached
        return cached[1]

    def preload(self) -> int:
        """Read and compress every static file now; returns how many."""
        files = [p for p in self.folder.rglob("*") if p.is_file()]
        for path in files:
            self.get(path.relative_to(self.folder).as_posix())
        return len(files)

    def fingerprinted(self, filename: str) -> str:
        """css/app.css -> css/app.<hash>.css (unchanged when the file does not exist)."""
        asset = self.get(filename)
        if asset is None:
            return filename
        stem, dot, suffix = filename.rpartition(".")
        return f"{stem}.{asset.digest}.{suffix}" if dot else filename


def choose_encoding(accept_encoding: str, available) -> str | None:
    """Brotli when the browser accepts it, else gzip, else none."""
    accepted = {part.split(";")[0].strip().lower() for part in accept_encoding.split(",")}
    for name in ("br", "gzip"):
        if name in accepted and name in available:
            return name
    return None


def static_view(filename: str):
    """Serve a static file from memory: immutable when the URL carries its current hash."""
    assets: Assets = current_app.extensions["cunbo_assets"]
    real, immutable = filename, False
    match = FINGERPRINT_RE.match(filename)
    if match:
        candidate = match["stem"] + match["suffix"]
        asset = assets.get(candidate)
        if asset is not None and asset.digest == match["digest"]:
            real, immutable = candidate, True
    asset = assets.get(real)
    if asset is None:
        abort(404)
    response = current_app.response_class(mimetype=asset.mimetype)
    encoding = choose_encoding(request.headers.get("Accept-Encoding", ""), asset.encoded)
    response.set_data(asset.encoded[encoding] if encoding else asset.data)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    if asset.encoded:
        response.headers["Vary"] = "Accept-Encoding"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if immutable:
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
        response.set_etag(asset.digest)
        response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    assets = Assets(Path(app.static_folder), watch=app.debug or bool(app.config.get("TEMPLATES_AUTO_RELOAD")))
    app.extensions["cunbo_assets"] = assets
    if not assets.watch and not app.testing:
        assets.preload()
    app.view_functions["static"] = static_view

    @app.url_defaults
    def fingerprint_static(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = assets.fingerprinted(values["filename"])

    # Pages: brotli (quick level) or gzip; static files arrive here already compressed.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    app.config.setdefault("COMPRESS_MIN_SIZE", 300)
    app.config.setdefault("COMPRESS_STREAMS", False)
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/plain", "application/javascript", "application/json",
        "image/svg+xml",
    ])
    compress.init_app(app)
