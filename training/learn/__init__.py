from .views import bp
from . import glossary  # noqa: F401,E402  (registers the course glossary page on bp)

__all__ = ["bp"]
