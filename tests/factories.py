"""make_* helpers that build real rows through the same services the app uses."""
import itertools
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from training.extensions import db
from training.models import Centre, Course, User
from training.services import accounts, course_io, progress

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


class Factory:
    def __init__(self, app: Flask):
        self.app = app

    def centre(self, name: str) -> Centre:
        centre = db.session.scalar(select(Centre).where(Centre.name == name))
        if centre is None:
            centre = Centre(name=name, province="甘肃省", city="定西市", county="安定区")
            db.session.add(centre)
            db.session.commit()
        return centre

    def user(self, role: str = "learner", centre: str | None = None, username: str | None = None,
             mobile: str | None = None, password: str = PASSWORD, **fields) -> User:
        n = next(_counter)
        # Tests read English unless they ask for Chinese (the product default).
        fields.setdefault("language", "en")
        centre_id = self.centre(centre).id if centre else None
        user = accounts.create_user(
            db.session, username=username or (None if mobile else f"{role}{n}"), mobile=mobile,
            password=password, display_name=fields.pop("display_name", f"{role.title()} {n}"),
            role=role, centre_id=centre_id, **fields,
        )
        db.session.commit()
        return user

    def import_course(self, folder: Path, **changes) -> Course:
        data = course_io.read_folder(folder)
        for key, value in changes.items():
            setattr(data, key, value)
        course = course_io.import_course(db.session, data, self.app.config["MEDIA_DIR"])
        db.session.commit()
        return course

    def enrol(self, user: User, course: Course):
        enrollment = progress.enrol(db.session, user.id, course)
        db.session.commit()
        return enrollment
