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

    from . import (account, admin, assets, auth, author, classes, cli, errors, i18n, learn, main, offline,
                   quiz, reports, security)
    from .extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    auth.init_app(app, login_manager)
    i18n.init_app(app)
    errors.init_app(app)
    main.init_app(app)
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
    return app
