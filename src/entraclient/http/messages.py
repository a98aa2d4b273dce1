"""The two wire values every flow speaks: :class:`HttpRequest` and :class:`HttpResponse`.

Invariants:

* Both are frozen and slotted; code that receives one cannot change it.
* Header names are kept as given on requests and lower-cased on responses, so a look-up
  on a response is ``response.header("retry-after")`` whatever the server sent.
* ``form`` and ``query`` are ordered tuples of pairs: the order is the order on the wire.
* A response whose body could not be read as sent (too large, not decodable) says so in
  ``defect``; ``text`` then holds what could be read, and parsers refuse it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["HttpRequest", "HttpResponse", "Pairs", "pairs"]

Pairs = tuple[tuple[str, str], ...]
Method = Literal["GET", "POST"]


def pairs(items: Mapping[str, str | None] | Iterable[tuple[str, str | None]]) -> Pairs:
    """Return ``items`` as ordered pairs, dropping those whose value is ``None`` or empty."""
    iterable = items.items() if isinstance(items, Mapping) else items
    return tuple((k, v) for k, v in iterable if v is not None and v != "")


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A request a flow wants sent. ``form`` is sent form-encoded; ``query`` goes in the URL.

    ``timeout`` (seconds), when set, replaces the transport's own timeout for this request.
    ``cache_requires`` names the JSON members a 2xx answer must carry (non-empty) for the
    HTTP cache to keep it: a document missing one is passed to the flow but never stored.
    """

    method: Method
    url: str
    headers: Pairs = ()
    query: Pairs = ()
    form: Pairs | None = None
    timeout: float | None = None
    cache_requires: tuple[str, ...] = ()

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive), or ``None``."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def form_value(self, name: str) -> str | None:
        """The value of form field ``name``, or ``None``."""
        for key, value in self.form or ():
            if key == name:
                return value
        return None

    def __repr__(self) -> str:
        # Forms carry secrets and assertions: show only the field names.
        fields = ",".join(k for k, _ in self.form) if self.form is not None else "-"
        return f"HttpRequest({self.method} {self.url.split('?')[0]} form=[{fields}])"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A response handed back to a flow. ``headers`` keys are lower-case.

    ``defect`` describes a body the transport could not read faithfully (larger than it
    reads, or not in its declared encoding); ``None`` for a body read as sent.
    """

    status_code: int
    text: str
    headers: Mapping[str, str] = field(default_factory=dict)
    defect: str | None = None

    @classmethod
    def build(
        cls,
        status_code: int,
        text: str,
        headers: Mapping[str, str] | None = None,
        *,
        defect: str | None = None,
    ) -> HttpResponse:
        """Build a response, lower-casing header names."""
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        return cls(status_code=status_code, text=text, headers=lowered, defect=defect)

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive), or ``None``."""
        return self.headers.get(name.lower())

    def __repr__(self) -> str:
        # Bodies carry tokens: never print them.
        return f"HttpResponse({self.status_code}, {len(self.text)} chars)"
