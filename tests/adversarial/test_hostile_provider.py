"""A hostile identity provider, met through the sync and the async façade alike.

Each case is an OpenID issuer on the hostile TLS server (``oidc_authority``) whose token
endpoint answers badly. Each checks the documented outcome (an error dict or
``TransportError``), that nothing reached the cache, that memory stayed bounded, and that
the client secret appears in no log line or error text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

import pytest
import requests

from entraclient import ConfidentialClientApplication, SerializableTokenCache, TransportError
from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.http.wire import CA_BUNDLE_VARIABLES
from tests.adversarial.hostile_server import (
    TOKEN,
    Answer,
    HostileServer,
    endless,
    hang_up,
    hostile_server,
    json_answer,
    redirect,
    silent,
    trickle,
)

SECRET = "adversarial-s3cret-value"
SCOPES = ["api://hostile/.default"]
FACADES = ["sync", "async"]
MEMORY_BOUND = 24 * 1024 * 1024


@dataclass(frozen=True)
class Case:
    name: str
    answer: Answer
    outcome: str
    timeout: float | None = None


def _json_bytes(raw: bytes, status: str = "200 OK", **headers: str) -> Answer:
    return json_answer(raw, status, **headers)


CASES = [
    Case("healthy", json_answer(TOKEN), "token"),
    Case(
        "huge-valid",
        json_answer({**TOKEN, "pad": "x" * (2 * 1024 * 1024)}),
        "error:invalid_response",
    ),
    Case("endless", endless, "error:invalid_response", timeout=5.0),
    Case("trickle", trickle, "TransportError", timeout=0.5),
    Case("silent", silent, "TransportError", timeout=0.3),
    Case("hang-up", hang_up, "TransportError"),
    Case(
        "not-utf8",
        _json_bytes(b'{"access_token": "tok\xff", "token_type": "Bearer", "expires_in": 3599}'),
        "error:invalid_response",
    ),
    Case(
        "html",
        _json_bytes(b"<html>hello</html>", **{"Content-Type": "text/html"}),
        "error:invalid_response",
    ),
    Case("json-array", json_answer([TOKEN]), "error:invalid_response"),
    Case("token-is-number", json_answer({**TOKEN, "access_token": 42}), "error:invalid_response"),
    Case("token-is-empty", json_answer({**TOKEN, "access_token": ""}), "error:invalid_response"),
    Case("expires-in-text", json_answer({**TOKEN, "expires_in": "soon"}), "error:invalid_response"),
    Case(
        "expires-in-huge",
        _json_bytes(
            b'{"token_type": "Bearer", "access_token": "a", "expires_in": ' + b"9" * 400 + b"}"
        ),
        "error:invalid_response",
    ),
    Case(
        "expires-in-thousands-of-digits",
        _json_bytes(
            b'{"token_type": "Bearer", "access_token": "a", "expires_in": ' + b"9" * 5000 + b"}"
        ),
        "error:invalid_response",
    ),
    Case("deep-nesting", _json_bytes(b"[" * 100000 + b"]" * 100000), "error:invalid_response"),
    Case(
        "error-with-token",
        json_answer(
            {"error": "invalid_client", "access_token": "leak-at", "refresh_token": "leak-rt"},
            "401 Unauthorized",
        ),
        "error:invalid_client",
    ),
    Case(
        "200-error-with-token",
        json_answer({"error": "invalid_scope", **TOKEN}),
        "error:invalid_scope",
    ),
    Case(
        "error-not-a-string",
        json_answer({"error": {"code": 1}}, "400 Bad Request"),
        "error:invalid_response",
    ),
    Case("redirect-307", redirect("/elsewhere/token"), "error:invalid_response"),
    Case(
        "retry-after-500-digits",
        json_answer(
            {"error": "temporarily_unavailable"},
            "429 Too Many Requests",
            **{"Retry-After": "9" * 500},
        ),
        "error:temporarily_unavailable",
    ),
    Case(
        "retry-after-5000-digits",
        json_answer(
            {"error": "temporarily_unavailable"},
            "503 Service Unavailable",
            **{"Retry-After": "9" * 5000},
        ),
        "error:temporarily_unavailable",
    ),
    Case("empty-200", _json_bytes(b""), "error:invalid_response"),
    Case(
        "scope-for-another-resource",
        json_answer({**TOKEN, "scope": "https://graph.microsoft.com/.default"}),
        "error:invalid_response",
    ),
    Case(
        "scope-of-the-resource", json_answer({**TOKEN, "scope": "api://hostile/.default"}), "token"
    ),
    Case("no-token-type", json_answer({"access_token": "a", "expires_in": 3599}), "token"),
]
OUTCOMES: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with hostile_server() as hostile:
        for case in CASES:
            config = {
                "issuer": hostile.url(f"/{case.name}"),
                "token_endpoint": hostile.url(f"/{case.name}/token"),
                "authorization_endpoint": hostile.url(f"/{case.name}/authorize"),
            }
            hostile.answers[f"/{case.name}/.well-known/openid-configuration"] = json_answer(config)
            hostile.answers[f"/{case.name}/token"] = case.answer
        yield hostile


def _options(server: HostileServer, case: Case) -> dict[str, Any]:
    return {
        "client_credential": SECRET,
        "oidc_authority": server.url(f"/{case.name}"),
        "verify": str(server.ca_file),
        "timeout": case.timeout,
        "token_cache": SerializableTokenCache(),
    }


def _outcome(result: object) -> str:
    if isinstance(result, TransportError):
        return "TransportError"
    assert isinstance(result, dict)
    if "error" in result:
        return f"error:{result['error']}"
    return "token" if "access_token" in result else "other"


def _acquire(
    facade: str, server: HostileServer, case: Case
) -> tuple[object, SerializableTokenCache]:
    options = _options(server, case)
    cache = options["token_cache"]
    if facade == "sync":
        app = ConfidentialClientApplication("adversarial-client", **options)
        try:
            return app.acquire_token_for_client(SCOPES), cache
        except TransportError as failure:
            return failure, cache

    async def over_asyncio() -> object:
        async with AsyncConfidentialClientApplication("adversarial-client", **options) as app:
            try:
                return await app.acquire_token_for_client(SCOPES)
            except TransportError as failure:
                return failure

    return asyncio.run(over_asyncio()), cache


@pytest.mark.parametrize("facade", FACADES)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_answer(
    case: Case, facade: str, server: HostileServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tracemalloc.start()
    try:
        result, cache = _acquire(facade, server, case)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    outcome = _outcome(result)
    OUTCOMES.setdefault(case.name, {})[facade] = outcome
    assert outcome == case.outcome
    cached = json.loads(cache.serialize()).get("AccessToken", {})
    assert (len(cached) == 1) == (outcome == "token")
    assert peak < MEMORY_BOUND
    text = json.dumps(result) if isinstance(result, dict) else str(result)
    if outcome != "token":
        assert "leak-at" not in text and "leak-rt" not in text and "hostile-at" not in text
    assert SECRET not in text
    assert SECRET not in caplog.text
    assert "/elsewhere" not in server.paths()


def test_both_facades_agree_on_every_case() -> None:
    disagreements = {n: o for n, o in OUTCOMES.items() if len(set(o.values())) != 1}
    assert OUTCOMES, "run with the hostile cases"
    assert disagreements == {}


def _frames(error: BaseException | None) -> Iterator[FrameType]:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        traceback = error.__traceback__
        while traceback is not None:
            yield traceback.tb_frame
            traceback = traceback.tb_next
        error = error.__cause__ or error.__context__


@pytest.mark.parametrize("facade", [*FACADES, "sync-http_client"])
def test_no_frame_of_ours_shows_the_secret_in_its_locals(
    facade: str, server: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Error reporters print a traceback's locals with repr: ours must not show the secret."""
    for name in CA_BUNDLE_VARIABLES:  # they would override the user session's verify
        monkeypatch.delenv(name, raising=False)
    silent_case = next(case for case in CASES if case.name == "hang-up")
    if facade == "sync-http_client":
        session = requests.Session()
        session.verify = str(server.ca_file)
        options = {**_options(server, silent_case), "http_client": session}
        del options["verify"]
        app = ConfidentialClientApplication("adversarial-client", **options)
        with pytest.raises(TransportError) as caught:
            app.acquire_token_for_client(SCOPES)
        failure: object = caught.value
    else:
        failure, _ = _acquire(facade, server, silent_case)
    assert isinstance(failure, TransportError)
    assert "/token failed" in str(failure)  # the token request itself, its form built
    shown = []
    for frame in _frames(failure):
        if "/entraclient/" in frame.f_code.co_filename:
            shown += [_safe_repr(value) for value in frame.f_locals.values()]
    assert shown, "the traceback has frames of entraclient"
    assert not [text for text in shown if SECRET in text]


def _safe_repr(value: object) -> str:
    try:
        return repr(value)
    except Exception:  # a half-built object: nothing to show
        return ""
