"""Certificates of completion and study hours: the public check anyone can open from a QR code
(/certificates/<code>, a URL that stays stable forever), the learner's certificates and hours,
and the staff's class view, batch print and revocation."""
from . import hours, learner, public, staff  # noqa: F401  (register the routes)
from .common import bp

__all__ = ["bp"]
