"""A signed-in "hello" for throughput.py: "Hello, <name>" for a learner, whom Flask-Login
loads through Flask-SQLAlchemy from our database, with the session cookie our app issued.
Served by the same gunicorn configuration as our app, it is what any signed-in page costs
before it does anything of its own: the floor under our pages."""
import os

from flask import Flask
from flask_login import LoginManager, UserMixin, current_user, login_required
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()


class User(UserMixin, db.Model):
    """The columns of our users table that signing in needs."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str]
    session_version: Mapped[int]
    active: Mapped[bool]


@login_manager.user_loader
def load_user(session_id: str):
    # Our identity: "<user id>.<session version>.<session start>.<session id>".
    user_id, _, rest = session_id.partition(".")
    version = rest.split(".", 1)[0]
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user and user.active and str(user.session_version) == version else None


def _database_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


app = Flask("signed_in")
app.config.update(SECRET_KEY=os.environ.get("SECRET_KEY", ""),
                  SQLALCHEMY_DATABASE_URI=_database_url(os.environ.get("DATABASE_URL", "sqlite://")),
                  # Our sessions are permanent: without this Flask would re-sign the cookie on
                  # every response, which our app does not do either.
                  SESSION_REFRESH_EACH_REQUEST=False)
db.init_app(app)
login_manager.init_app(app)


@app.route("/")
@login_required
def hello_learner():
    return f"Hello, {current_user.display_name}!"
