"""Certificates written directly, with the facts the live rule stores."""
from datetime import datetime
from decimal import Decimal

import pytest

from training.extensions import db
from training.models import Certificate
from training.services.learning import certificates


def make_certificate(user, course, centre=None, training_class=None, **changes) -> Certificate:
    """A certificate of a learner for a course (issued through a class of a centre if given)."""
    values = {
        "code": certificates.new_code(), "user_id": user.id, "course_id": course.id,
        "learner_name": user.display_name, "course_title": course.title,
        "course_language": course.language, "completed_at": datetime(2026, 11, 30, 17, 0),
        "hours": Decimal("2.5"), "centre_id": centre.id if centre else None,
        "centre_name": centre.name if centre else "",
        "class_id": training_class.id if training_class else None,
        "class_name": training_class.name if training_class else "",
        "trainer_name": "Trainer Wang", "final_score": 90,
    }
    values.update(changes)
    cert = Certificate(**values)
    db.session.add(cert)
    db.session.commit()
    return cert


@pytest.fixture
def make_cert():
    return make_certificate
