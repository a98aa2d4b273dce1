"""ConfidentialClientApplication's constructor: MSAL's signature, and clear errors."""

from __future__ import annotations

import inspect
from typing import Any

import msal
import pytest

from entraclient import ConfidentialClientApplication, SerializableTokenCache

AUTHORITY = "https://login.microsoftonline.com/contoso.onmicrosoft.com"


def test_signature_matches_msal_python() -> None:
    ours = inspect.signature(ConfidentialClientApplication.__init__).parameters
    theirs = inspect.signature(msal.ConfidentialClientApplication.__init__).parameters
    assert [(p.name, p.default) for p in ours.values()] == [
        (p.name, p.default) for p in theirs.values()
    ][: len(ours)]
    assert len(ours) == 21  # self + the 20 arguments of the seed


def test_method_signatures_match_msal_python() -> None:
    for name in ("acquire_token_for_client", "remove_tokens_for_client"):
        ours = inspect.signature(getattr(ConfidentialClientApplication, name)).parameters
        theirs = inspect.signature(getattr(msal.ConfidentialClientApplication, name)).parameters
        assert list(ours) == list(theirs), name


def _build(**arguments: Any) -> ConfidentialClientApplication:
    values: dict[str, Any] = {"client_credential": "secret", "authority": AUTHORITY}
    values.update(arguments)
    client_id = values.pop("client_id", "client-id")
    return ConfidentialClientApplication(client_id, **values)


def test_valid_arguments_are_kept() -> None:
    cache = SerializableTokenCache()
    app = _build(
        token_cache=cache,
        client_capabilities=["CP1"],
        exclude_scopes=["offline_access"],
        azure_region="westus2",
        http_cache={},
        instance_discovery=False,
        enable_pii_log=True,
        app_name="n",
        app_version="v",
        timeout=(1, 2),
        proxies={"https": "http://127.0.0.1:3128"},
    )
    assert app.token_cache is cache
    assert app.client_capabilities == ("CP1",)
    assert app.azure_region == "westus2"


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"client_id": ""}, ValueError, "client_id is empty"),
        ({"client_id": None}, TypeError, "client_id must be a string"),
        ({"client_credential": None}, ValueError, "needs a client_credential"),
        ({"client_credential": ""}, ValueError, "empty string"),
        ({"client_credential": 42}, TypeError, "client secret"),
        ({"client_credential": {"secret": "x"}}, ValueError, "unknown shape"),
        ({"client_credential": {"client_assertion": "a", "x": 1}}, ValueError, "only"),
        ({"authority": "http://login.microsoftonline.com/t"}, ValueError, "https"),
        ({"authority": "https://login.microsoftonline.com"}, ValueError, "no tenant"),
        ({"authority": 5}, TypeError, "authority must be a URL"),
        ({"oidc_authority": "https://idp.example.com/r"}, ValueError, "not both"),
        ({"allow_broker": True}, ValueError, "allow_broker must remain None"),
        ({"allow_broker": False}, ValueError, "allow_broker must remain None"),
        ({"token_cache": {}}, TypeError, "token_cache"),
        ({"http_client": object()}, TypeError, "http_client"),
        ({"verify": "/no/such/ca.pem"}, ValueError, "does not exist"),
        ({"verify": 3}, TypeError, "verify"),
        ({"timeout": -1}, ValueError, "positive"),
        ({"timeout": "5"}, TypeError, "timeout"),
        ({"proxies": "http://proxy"}, TypeError, "proxies"),
        ({"client_capabilities": "CP1"}, TypeError, "list of strings"),
        ({"exclude_scopes": "offline_access"}, ValueError, "must be a list"),
        ({"exclude_scopes": ["openid"]}, ValueError, "openid"),
        ({"azure_region": "West US"}, ValueError, "region name"),
        ({"azure_region": 3}, TypeError, "azure_region"),
        ({"http_cache": []}, TypeError, "dict-like"),
        ({"instance_discovery": "http://x"}, ValueError, "https"),
        ({"instance_discovery": 1}, TypeError, "instance_discovery"),
        ({"validate_authority": "yes"}, TypeError, "validate_authority"),
        ({"enable_pii_log": "yes"}, TypeError, "enable_pii_log"),
        ({"client_claims": ["x"]}, TypeError, "client_claims"),
        ({"app_name": 3}, TypeError, "app_name"),
    ],
)
def test_bad_arguments_say_what_to_change(
    arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        _build(**arguments)


def test_errors_never_echo_the_secret() -> None:
    with pytest.raises(ValueError) as failure:
        _build(client_credential={"secret": "hunter2-very-secret"})
    assert "hunter2" not in str(failure.value)


def test_credential_repr_hides_the_secret() -> None:
    app = _build(client_credential="hunter2-very-secret")
    assert "hunter2" not in repr(app._core.credential)


@pytest.mark.parametrize(
    ("scopes", "error"),
    [
        ("api://x/.default", ValueError),
        ([], ValueError),
        ([3], TypeError),
        (["openid"], ValueError),
    ],
)
def test_bad_scopes_are_refused_before_any_request(scopes: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        _build().acquire_token_for_client(scopes)


def test_force_refresh_is_refused() -> None:
    with pytest.raises(ValueError, match="force_refresh"):
        _build().acquire_token_for_client(["api://x/.default"], force_refresh=True)


def test_claims_challenge_must_be_json_object() -> None:
    with pytest.raises(ValueError, match="claims_challenge"):
        _build().acquire_token_for_client(["api://x/.default"], claims_challenge="[1]")
