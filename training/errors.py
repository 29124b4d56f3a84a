"""Error pages in the user's language; a 500 rolls back the session first."""
from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from .extensions import db

ERROR_STATUSES = (400, 403, 404, 405, 413, 429)


def init_app(app: Flask) -> None:
    for status in ERROR_STATUSES:
        app.register_error_handler(status, _render(status))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/error.html", status=400, csrf=True), 400

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_template("errors/error.html", status=500), 500


def _render(status: int):
    def handler(error):
        return render_template("errors/error.html", status=status), status

    return handler
