"""Classroom mode: a live quiz during a session. The trainer starts it from the session page
and runs the classroom screen (one question at a time, a QR code, counts per choice); learners
answer on their phones at /classroom/<code>; the trainer enters answers given aloud.

Every view needs a signed-in user; the trainer's views check policy.can_manage_session, the
phone's views that the learner is in the class (services/classes/classroom.py).
"""
from . import phone, views  # noqa: F401  (register the routes)
from .common import bp

__all__ = ["bp"]
