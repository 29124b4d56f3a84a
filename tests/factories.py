"""make_* helpers that build real rows through the same services the app uses."""
import itertools
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from training.extensions import db
from training.models import Centre, Course, User
from training.services.accounts import accounts
from training.services.authoring import course_exchange, course_reader
from training.services.learning import progress

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
        data = course_reader.read_folder(folder)
        for key, value in changes.items():
            setattr(data, key, value)
        course = course_exchange.import_course(db.session, data, self.app.config["MEDIA_DIR"])
        db.session.commit()
        return course

    def enrol(self, user: User, course: Course):
        enrollment = progress.enrol(db.session, user.id, course)
        db.session.commit()
        return enrollment

    def training_class(self, centre: str = "Centre A", courses=(), name: str = "Spring class",
                       trainer: User | None = None):
        """A class of a centre with the given courses assigned."""
        from training.services.classes import classes

        centre_id = self.centre(centre).id
        training_class = classes.create_class(
            db.session, centre_id, trainer.id if trainer else None,
            classes.ClassDetails(name=name, course_ids=tuple(c.id for c in courses)))
        db.session.commit()
        return training_class

    def member(self, training_class, user: User) -> User:
        from training.services.classes import classes

        classes.join_class(db.session, user, training_class)
        db.session.commit()
        return user

    def training_session(self, training_class, held_on, topic: str = "Live selling practice"):
        from training.services.classes import sessions

        meeting = sessions.create_session(db.session, training_class,
                                          sessions.SessionDetails(held_on=held_on, topic=topic))
        db.session.commit()
        return meeting

    def profile(self, user: User, **fields) -> User:
        """Set optional profile fields (gender, birth_year, township, village)."""
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.commit()
        return user
