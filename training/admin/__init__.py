from . import centres  # noqa: F401  (registers the centre and staff pages on bp)
from .views import bp

__all__ = ["bp"]
