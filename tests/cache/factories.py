"""Builders and hypothesis strategies for cache entries, events and whole caches."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import strategies as st

from entraclient.cache.records import (
    AccountRecord,
    AppMetadataRecord,
    CacheWrite,
    IdTokenRecord,
    RefreshTokenRecord,
)
from entraclient.cache.schema import AccessTokenRecord

NOW = 1_800_000_000
ENV = "login.microsoftonline.com"


def b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned_jwt(claims: dict[str, Any]) -> str:
    return f"{b64url({'alg': 'none'})}.{b64url(claims)}.sig"


def client_info(uid: str, utid: str) -> str:
    return b64url({"uid": uid, "utid": utid})


def app_token(target: str = "api://x/.default", *, client: str = "c", realm: str = "t",
              secret: str = "s", expires_in: int = 3600, env: str = ENV,
              home: str | None = None, refresh_in: int | None = None,
              assertion_hash: str | None = None, key_id: str | None = None,
              ext: str | None = None) -> AccessTokenRecord:  # fmt: skip
    return AccessTokenRecord(
        secret=secret,
        home_account_id=home,
        environment=env,
        client_id=client,
        realm=realm,
        target=target,
        token_type="Bearer",
        cached_at=NOW,
        expires_on=NOW + expires_in,
        extended_expires_on=NOW + expires_in,
        refresh_on=NOW + refresh_in if refresh_in is not None else None,
        key_id=key_id,
        ext_cache_key=ext,
        user_assertion_hash=assertion_hash,
    )


def user_write(home: str, *, client: str = "c", realm: str = "t", env: str = ENV,
               target: str = "User.Read", rt: str = "rt", family: str | None = None,
               username: str = "alice@contoso.com", at_expires_in: int = 3600,
               modified: int = NOW) -> CacheWrite:  # fmt: skip
    return CacheWrite(
        access_token=app_token(
            target, client=client, realm=realm, env=env, home=home, expires_in=at_expires_in
        ),
        refresh_token=RefreshTokenRecord(rt, home, env, client, target, modified, family),
        id_token=IdTokenRecord("idt", home, env, realm, client),
        account=AccountRecord(home, env, realm, home.split(".")[0], username, "MSSTS"),
        app_metadata=AppMetadataRecord(client, env, family),
    )


def token_event(*, client_id: str, scope: list[str], tenant: str, response: dict[str, Any],
                grant_type: str = "authorization_code", env: str = ENV,
                data: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:  # fmt: skip
    """An MSAL ``TokenCache.add`` event."""
    return {
        "client_id": client_id,
        "scope": scope,
        "token_endpoint": f"https://{env}/{tenant}/oauth2/v2.0/token",
        "environment": env,
        "grant_type": grant_type,
        "response": response,
        "params": None,
        "data": data or {},
        **extra,
    }


def user_response(uid: str, utid: str, *, scope: str = "User.Read", rt: str = "rt-secret",
                  foci: str | None = None, username: str = "alice@contoso.com",
                  expires_in: int = 3600) -> dict[str, Any]:  # fmt: skip
    response: dict[str, Any] = {
        "token_type": "Bearer",
        "scope": scope,
        "expires_in": expires_in,
        "ext_expires_in": expires_in,
        "access_token": f"at-{uid}-{scope}",
        "refresh_token": rt,
        "id_token": unsigned_jwt(
            {"sub": f"sub-{uid}", "oid": uid, "tid": utid, "preferred_username": username}
        ),
        "client_info": client_info(uid, utid),
    }
    if foci:
        response["foci"] = foci
    return response


# -- hypothesis strategies ------------------------------------------------------------------

_name = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.", min_size=1, max_size=12)
_text = st.text(max_size=20)
_number_text = st.integers(min_value=0, max_value=4_000_000_000).map(str)
_unknown_fields = st.dictionaries(
    st.text(alphabet="xyz_", min_size=3, max_size=8).map(lambda s: "x_" + s),
    st.one_of(_text, st.integers(), st.none(), st.lists(_text, max_size=2)),
    max_size=2,
)


def _with_unknown(base: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.tuples(base, _unknown_fields).map(lambda pair: {**pair[1], **pair[0]})


access_token_entries = _with_unknown(
    st.fixed_dictionaries(
        {
            "credential_type": st.just("AccessToken"),
            "secret": _text,
            "home_account_id": st.one_of(st.none(), _name),
            "environment": _name,
            "client_id": _name,
            "realm": _name,
            "target": st.lists(_name, min_size=1, max_size=3).map(" ".join),
            "token_type": st.just("Bearer"),
            "cached_at": _number_text,
            "expires_on": _number_text,
            "extended_expires_on": _number_text,
        },
        optional={
            "refresh_on": _number_text,
            "key_id": _name,
            "ext_cache_key": _name,
            "user_assertion_hash": _name,
        },
    )
)
refresh_token_entries = _with_unknown(
    st.fixed_dictionaries(
        {
            "credential_type": st.just("RefreshToken"),
            "secret": _text,
            "home_account_id": _name,
            "environment": _name,
            "client_id": _name,
            "target": _name,
            "last_modification_time": _number_text,
        },
        optional={"family_id": st.just("1"), "user_assertion_hash": _name},
    )
)
id_token_entries = _with_unknown(
    st.fixed_dictionaries(
        {
            "credential_type": st.just("IdToken"),
            "secret": _text,
            "home_account_id": _name,
            "environment": _name,
            "realm": _name,
            "client_id": _name,
        }
    )
)
account_entries = _with_unknown(
    st.fixed_dictionaries(
        {
            "home_account_id": _name,
            "environment": _name,
            "realm": _name,
            "local_account_id": _name,
            "username": _text,
            "authority_type": st.sampled_from(["MSSTS", "ADFS"]),
        },
        optional={"account_source": st.just("authorization_code")},
    )
)
app_metadata_entries = _with_unknown(
    st.fixed_dictionaries(
        {"client_id": _name, "environment": _name}, optional={"family_id": st.just("1")}
    )
)
_unknown_section = st.dictionaries(
    _name, st.one_of(_text, st.integers(), st.dictionaries(_name, _text, max_size=2)), max_size=3
)


def _section(entries: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.text(min_size=1, max_size=30), entries, max_size=4)


cache_states = st.fixed_dictionaries(
    {},
    optional={
        "AccessToken": _section(access_token_entries),
        "RefreshToken": _section(refresh_token_entries),
        "IdToken": _section(id_token_entries),
        "Account": _section(account_entries),
        "AppMetadata": _section(app_metadata_entries),
        "x_OtherSdkSection": _unknown_section,
    },
)
"""Whole caches as MSAL-format dicts, with unknown fields and an unknown section."""
