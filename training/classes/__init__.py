"""Classes (培训班): trainers run classes, sessions and the training ledger; learners join by
code or QR and check in at sessions; the trainer help desk for their learners.

Every view needs a signed-in user; all but the learner views (common.LEARNER_VIEWS) are for
staff, guarded once for the whole blueprint. Object rules come from policy.py.
"""
from . import helpdesk, ledger_views, photo_views, session_views, views  # noqa: F401  (register the routes)
from .common import bp

__all__ = ["bp"]
