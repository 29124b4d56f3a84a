"""A small thread-safe least-recently-used store, and one per app: the worker-local caches
(courses, shared pages) are built on it."""
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from flask import current_app

V = TypeVar("V")
C = TypeVar("C")


class LRU(Generic[V]):
    """At most `size` values by key; putting one more drops the least recently used."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def __getitem__(self, key: Hashable) -> V:
        """The value without counting it as used (for tests and inspection)."""
        with self._lock:
            return self._values[key]

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def per_app(name: str, make: Callable[[], C]) -> C:
    """The current app's `name` cache in this process, made by `make()` on first use."""
    cache = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions[name] = make()
    return cache
