"""Reading the emulator's ``response_mode=form_post`` page, as a browser would.

The authorize endpoint answers a ``form_post`` request with a page whose form posts the code
(or the error) to the app's redirect URI by itself. An HTTP client in a test has no script
engine: :func:`read_form_post` gives it the form's action and hidden fields to post.
"""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["read_form_post"]


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "form":
            self.action = named.get("action") or ""
        elif tag == "input" and named.get("type") == "hidden":
            self.fields[named.get("name") or ""] = named.get("value") or ""


def read_form_post(page: str) -> tuple[str, dict[str, str]]:
    """The action and the hidden fields of a ``form_post`` page."""
    reader = _FormReader()
    reader.feed(page)
    return reader.action, reader.fields
