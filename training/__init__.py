"""CunBo Academy (村播学堂): courses and quizzes that teach farmers to sell online."""
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """The app factory; reads like a table of contents."""
    app = Flask(
        __name__,
        instance_path=(config or {}).get("INSTANCE_PATH"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from .config import load_config

    load_config(app, config)

    from . import (account, admin, assets, auth, author, certificates, classes, classroom, cli,
                   errors, httpcache, i18n, learn, main, offline, quiz, reports, security, serve)
    from .extensions import csrf, db, init_migrations, limiter, login_manager

    db.init_app(app)
    if app.config["MIGRATIONS"]:
        init_migrations(app, str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    security.init_app(app)  # before Flask-Login: its after-request hook must run last
    auth.init_app(app, login_manager)
    i18n.init_app(app)
    errors.init_app(app)
    main.init_app(app)
    httpcache.init_app(app, ROOT)
    offline.init_app(app)
    assets.init_app(app)

    app.register_blueprint(auth.bp)
    app.register_blueprint(learn.bp)
    app.register_blueprint(quiz.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(offline.bp)
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(classes.bp, url_prefix="/classes")
    app.register_blueprint(classroom.bp, url_prefix="/classroom")
    app.register_blueprint(certificates.bp, url_prefix="/certificates")
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
