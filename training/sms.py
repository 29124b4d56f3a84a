"""Text messages (SMS) to mainland mobile numbers, through a small backend interface.

SMS_BACKEND chooses the backend: "console" (development and tests: logs each message and keeps
it in `outbox`), "none" (no SMS: the default in production), or "package.module:Class" for a
provider, built with the app's config and offering send(mobile, text). The backend is built on
first use; call send() and available() inside an app context.
"""
import importlib
import logging
from typing import Protocol

from flask import current_app

log = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, mobile: str, text: str) -> None: ...


class SmsUnavailable(RuntimeError):
    """No SMS backend is configured."""


class ConsoleBackend:
    """Logs messages instead of sending them, and keeps them for tests."""

    def __init__(self, config=None):
        self.outbox: list[tuple[str, str]] = []

    def send(self, mobile: str, text: str) -> None:
        log.info("SMS to %s: %s", mobile, text)
        self.outbox.append((mobile, text))


def _build(name: str, config) -> SmsBackend | None:
    if name == "none":
        return None
    if name == "console":
        return ConsoleBackend(config)
    module, _, cls = name.partition(":")
    if not module or not cls:
        raise RuntimeError(f"SMS_BACKEND must be console, none or package.module:Class, not {name!r}")
    return getattr(importlib.import_module(module), cls)(config)


def backend() -> SmsBackend | None:
    """The app's backend, built on first use (default: console when testing or debugging, else none)."""
    if "sms" not in current_app.extensions:
        name = current_app.config.get("SMS_BACKEND") or (
            "console" if current_app.testing or current_app.debug else "none")
        current_app.extensions["sms"] = _build(str(name).strip(), current_app.config)
    return current_app.extensions["sms"]


def available() -> bool:
    return backend() is not None


def send(mobile: str, text: str) -> None:
    """Send one text message; SmsUnavailable when no backend is configured."""
    chosen = backend()
    if chosen is None:
        raise SmsUnavailable("no SMS backend is configured")
    chosen.send(mobile, text)
