from . import audit_views, centres, privacy_views  # noqa: F401  (routes on the admin blueprint)
from .views import bp

__all__ = ["bp"]
