"""http/bodies.py: bodies are decoded strictly and capped; problems become a defect."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from entraclient.http.bodies import MAX_BODY_BYTES, charset_of, decode_body, read_capped


def test_charset_from_the_content_type() -> None:
    assert charset_of("application/json; charset=UTF-8") == "utf-8"
    assert charset_of('text/html; charset="iso-8859-1"') == "iso8859-1"
    assert charset_of("text/html; charset=no-such-charset") == "utf-8"
    assert charset_of("application/json") == "utf-8"
    assert charset_of(None) == "utf-8"


def test_read_capped_stops_after_the_limit() -> None:
    pulled = []

    def chunks() -> object:
        for n in range(100):
            pulled.append(n)
            yield b"x" * 10

    content, cut = read_capped(chunks(), limit=25)  # type: ignore[arg-type]
    assert cut and len(content) == 26
    assert len(pulled) == 3  # it stopped pulling once over the limit


def test_read_capped_keeps_a_body_at_the_limit() -> None:
    assert read_capped([b"ab", b"cd"], limit=4) == (b"abcd", False)


def test_an_oversize_body_is_a_defect() -> None:
    decoded = decode_body(b"{" + b" " * MAX_BODY_BYTES + b"}", "application/json")
    assert decoded.defect is not None
    assert len(decoded.text) == MAX_BODY_BYTES


def test_undecodable_bytes_are_a_defect_with_a_lossy_text() -> None:
    decoded = decode_body(b'{"a": "\xff"}', "application/json")
    assert decoded.defect == "the body is not valid utf-8"
    assert decoded.text == '{"a": "\ufffd"}'


@given(
    st.binary(max_size=300),
    st.sampled_from([None, "application/json", "text/html; charset=latin-1"]),
)
def test_decode_body_never_fails(content: bytes, content_type: str | None) -> None:
    decoded = decode_body(content, content_type)
    assert isinstance(decoded.text, str)


@given(st.text(max_size=200))
def test_utf8_text_round_trips(text: str) -> None:
    decoded = decode_body(text.encode("utf-8"), "application/json; charset=utf-8")
    assert decoded == decode_body(text.encode("utf-8"), None)
    assert decoded.text == text and decoded.defect is None
