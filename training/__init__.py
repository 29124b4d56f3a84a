"""CunBo Academy (村播学堂): courses and quizzes that teach farmers to sell online."""
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


class App(Flask):
    """Flask, remembering which views and hooks are plain functions: Flask asks `inspect`
    whether each one is a coroutine function on every call, a dozen times per request."""

    _SYNC_REMEMBERED = 512  # functions made per request (after_this_request) must not pile up

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync_functions: dict = {}

    def ensure_sync(self, func):
        remembered = self._sync_functions
        try:
            return remembered[func]
        except KeyError:
            pass
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)
        if len(remembered) >= self._SYNC_REMEMBERED:
            remembered.clear()
        remembered[func] = synced = super().ensure_sync(func)
        return synced


def create_app(config: dict | None = None) -> Flask:
    """The app factory; reads like a table of contents."""
    app = App(
        __name__,
        instance_path=(config or {}).get("INSTANCE_PATH"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from .config import load_config

    load_config(app, config)

    from . import (account, admin, assets, auth, author, classes, cli, csrf, errors, httpcache, i18n, learn,
                   main, offline, pagecache, quiz, reads, reports, security, serve)
    from .extensions import db, init_limiter, login_manager, migrate

    db.init_app(app)
    reads.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    pagecache.init_app(app)
    init_limiter(app)
    auth.init_app(app, login_manager)
    i18n.init_app(app)
    errors.init_app(app)
    main.init_app(app)
    httpcache.init_app(app, ROOT)
    security.init_app(app)
    offline.init_app(app)
    assets.init_app(app)

    app.register_blueprint(auth.bp)
    app.register_blueprint(learn.bp)
    app.register_blueprint(quiz.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(offline.bp)
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(classes.bp, url_prefix="/classes")
    app.register_blueprint(reports.bp, url_prefix="/reports")
    app.register_blueprint(account.bp, url_prefix="/account")
    app.register_blueprint(author.bp, url_prefix="/author")
    cli.init_app(app)
    serve.init_app(app)
    apply_proxy_fix(app)
    return app


def apply_proxy_fix(app: Flask) -> None:
    """Behind a reverse proxy, take the client address, scheme, host, port and path prefix
    from X-Forwarded-* headers. TRUSTED_PROXIES (the number of proxies in front) sets all but
    the prefix; PROXY_FIX_X_FOR, _X_PROTO, _X_HOST, _X_PORT and _X_PREFIX override one header
    each. Off by default: a directly exposed app must not believe what clients claim."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    counts = {}
    for name in ("x_for", "x_proto", "x_host", "x_port", "x_prefix"):
        value = app.config.get(f"PROXY_FIX_{name.upper()}")
        counts[name] = value if value is not None else (0 if name == "x_prefix" else proxies)
    if any(counts.values()):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, **counts)
