"""operations.py: each function checks its arguments and returns the answer or what to run."""

from __future__ import annotations

from typing import Any

import pytest

from entraclient import ConfidentialClientApplication, operations
from entraclient.emulator import Emulator


def _app(emu: Emulator) -> ConfidentialClientApplication:
    sample = emu.sample
    return ConfidentialClientApplication(
        sample.app.client_id,
        client_credential=sample.app.secret,
        authority=sample.authority,
        http_client=emu.http_client(),
    )


def test_a_cache_hit_is_the_answer_itself_and_a_miss_is_an_operation(
    entra_emulator: Emulator,
) -> None:
    app, scope = _app(entra_emulator), entra_emulator.sample.scope
    first = operations.acquire_token_for_client(app._core, [scope], None, None, None, {})
    assert isinstance(first, operations.Operation)  # nothing discovered yet
    assert app._execute(first)["token_source"] == "identity_provider"
    hit = operations.acquire_token_for_client(app._core, [scope], None, None, None, {})
    assert isinstance(hit, dict)
    assert hit["token_source"] == "cache"
    challenge = '{"access_token": {"nbf": {"essential": true, "value": "1"}}}'
    bypass = operations.acquire_token_for_client(app._core, [scope], challenge, None, None, {})
    assert isinstance(bypass, operations.Operation)
    bypass.flow.close()


def test_the_flow_finds_what_the_quick_path_finds(entra_emulator: Emulator) -> None:
    app, scope = _app(entra_emulator), entra_emulator.sample.scope
    app.acquire_token_for_client([scope])
    # An empty fmi_path keys the cache as no fmi_path, but is not the plain call the quick
    # path answers: the flow runs and its own look-up finds the same token.
    operation = operations.acquire_token_for_client(app._core, [scope], None, "", None, {})
    assert isinstance(operation, operations.Operation)
    result = app._execute(operation)
    assert result["token_source"] == "cache"
    quick = operations.acquire_token_for_client(app._core, [scope], None, None, None, {})
    assert isinstance(quick, dict)
    assert result["access_token"] == quick["access_token"]


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"fmi_path": 3}, ValueError, "fmi_path"),
        ({"forwarded_client_claims": {"a": 1}}, ValueError, "forwarded_client_claims"),
        ({"forwarded_client_claims": "[1]"}, ValueError, "forwarded_client_claims"),
        ({"claims_challenge": 5}, TypeError, "claims_challenge"),
    ],
)
def test_for_client_refuses_misuse_before_any_flow(
    entra_emulator: Emulator, arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    app = _app(entra_emulator)
    values: dict[str, Any] = {"claims_challenge": None, "fmi_path": None}
    values["forwarded_client_claims"] = None
    values.update(arguments)
    with pytest.raises(error, match=message):
        operations.acquire_token_for_client(
            app._core, [entra_emulator.sample.scope], values["claims_challenge"],
            values["fmi_path"], values["forwarded_client_claims"], {},
        )  # fmt: skip


def test_on_behalf_of_checks_the_assertion_and_extras_at_once(entra_emulator: Emulator) -> None:
    app, scope = _app(entra_emulator), entra_emulator.sample.scope
    with pytest.raises(ValueError, match="not a JWT"):
        operations.acquire_token_on_behalf_of(app._core, "Bearer x", [scope], None, None, {})
    with pytest.raises(TypeError, match="unexpected"):
        operations.acquire_token_on_behalf_of(app._core, "a.b.c", [scope], None, None, {"x": 1})
    with pytest.raises(ValueError, match="forwarded_client_claims"):
        operations.acquire_token_on_behalf_of(app._core, "a.b.c", [scope], None, 7, {})


def test_silent_without_an_account_is_none_without_a_flow(entra_emulator: Emulator) -> None:
    app = _app(entra_emulator)
    step = operations.acquire_token_silent(
        app._core, ["User.Read"], None, None, False, None, None, None, {}, keep_errors=True
    )
    assert step is None


def test_a_discovery_failure_raises_for_a_sign_in_url() -> None:
    finish = operations._raise_if_error("initiate_auth_code_flow")
    assert finish({"auth_uri": "u"}) == {"auth_uri": "u"}
    with pytest.raises(ValueError, match="discovery failed: invalid_instance"):
        finish({"error": "invalid_instance"})
