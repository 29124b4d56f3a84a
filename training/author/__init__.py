from .views import bp
from . import glossary_views  # noqa: F401,E402  (registers the glossary page on bp)
from . import recording_views  # noqa: F401,E402  (registers the voice recording views on bp)

__all__ = ["bp"]
