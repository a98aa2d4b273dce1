"""On-behalf-of cache hits with many distinct users cached.

entraclient: ``acquire_token_on_behalf_of(incoming_token, scopes)`` answers from the cache
(tokens filed under the hash of the incoming token). MSAL Python's
``acquire_token_on_behalf_of`` always calls the identity provider, so its recommended way
to reuse a cached OBO token is ``acquire_token_silent(scopes, account)``; we time that with
the account dict built beforehand (untimed: the cheapest MSAL can do). Both caches hold the
same N users' access and refresh tokens and accounts, loaded through each library's own
``deserialize``.
"""

from __future__ import annotations

import gc
import json
import random
import time
from typing import Any

from bench.doubles import CLIENT_ID, HOST, TENANT_ID, CannedIdentityProvider
from bench.libraries import MSAL, OURS
from bench.scenarios import Row, Settings
from bench.timing import frozen_heap, once, per_op
from entraclient.cache.records import user_assertion_hash

DOWNSTREAM_SCOPE = "api://downstream/Orders.Read"
_HEADER = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6ImJlbmNoIn0"


def incoming_token(i: int) -> str:
    """The i-th user's token for the middle tier (JWT-shaped, 1.3 kB like a real one)."""
    return f"{_HEADER}.{i:012d}{'x' * 1200}.{'s' * 342}"


def _oid(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def _user_entries(i: int, now: int) -> dict[str, tuple[str, dict[str, Any]]]:
    home = f"{_oid(i)}.{TENANT_ID}"
    target = f"{DOWNSTREAM_SCOPE} openid profile"
    assertion = user_assertion_hash(incoming_token(i))
    at = {
        "credential_type": "AccessToken", "secret": f"eyJ0.{i:012d}{'y' * 1240}.sig",
        "home_account_id": home, "environment": HOST, "client_id": CLIENT_ID, "target": target,
        "realm": TENANT_ID, "token_type": "Bearer", "cached_at": str(now),
        "expires_on": str(now + 86400), "extended_expires_on": str(now + 86400),
        "user_assertion_hash": assertion,
    }  # fmt: skip
    rt = {
        "credential_type": "RefreshToken", "secret": f"1.AE{i:012d}{'r' * 200}",
        "home_account_id": home, "environment": HOST, "client_id": CLIENT_ID, "target": target,
        "last_modification_time": str(now), "user_assertion_hash": assertion,
    }  # fmt: skip
    account = {
        "home_account_id": home, "environment": HOST, "realm": TENANT_ID,
        "local_account_id": _oid(i), "username": f"user{i}@contoso.com", "authority_type": "MSSTS",
    }  # fmt: skip
    return {
        "AccessToken": (f"{home}-{HOST}-accesstoken-{CLIENT_ID}-{TENANT_ID}-{target}".lower(), at),
        "RefreshToken": (f"{home}-{HOST}-refreshtoken-{CLIENT_ID}--{target}".lower(), rt),
        "Account": (f"{home}-{HOST}-{TENANT_ID}".lower(), account),
    }


def obo_state(users: int, now: int) -> str:
    """``users`` users' on-behalf-of tokens, in MSAL's format."""
    sections: dict[str, dict[str, Any]] = {"AccessToken": {}, "RefreshToken": {}, "Account": {}}
    for i in range(users):
        for section, (key, entry) in _user_entries(i, now).items():
            sections[section][key] = entry
    return json.dumps(sections)


def _msal_account(i: int) -> dict[str, Any]:
    return {"home_account_id": f"{_oid(i)}.{TENANT_ID}", "environment": HOST,
            "realm": TENANT_ID, "username": f"user{i}@contoso.com",
            "local_account_id": _oid(i), "authority_type": "MSSTS"}  # fmt: skip


def _time_ours(state: str, picks: list[list[int]]) -> float:
    http = CannedIdentityProvider()
    app = OURS.new_app(OURS.new_cache(state), http)
    tokens = [[incoming_token(i) for i in batch] for batch in picks]
    first = app.acquire_token_on_behalf_of(tokens[0][0], [DOWNSTREAM_SCOPE])
    assert first.get("token_source") == "cache", first
    with frozen_heap():
        seconds = per_op(tokens, lambda t: app.acquire_token_on_behalf_of(t, [DOWNSTREAM_SCOPE]))
    assert http.posts == 0
    return seconds


def _time_msal(state: str, picks: list[list[int]], budget: float) -> tuple[float, int]:
    """MSAL's seconds per hit, from as many hits as fit in ``budget`` (three batches at
    least); and how many hits were timed."""
    http = CannedIdentityProvider()
    app = MSAL.new_app(MSAL.new_cache(state), http)
    accounts = [[_msal_account(i) for i in batch] for batch in picks]
    first = app.acquire_token_silent([DOWNSTREAM_SCOPE], accounts[0][0])
    assert first is not None
    assert first.get("token_source") == "cache", first
    trial = once(lambda: app.acquire_token_silent([DOWNSTREAM_SCOPE], accounts[0][1]))
    per_batch = max(3, min(len(accounts[0]), int(budget / max(trial, 1e-6) / len(accounts))))
    batches = [batch[:per_batch] for batch in accounts[: max(3, len(accounts))]]
    with frozen_heap():
        seconds = per_op(batches, lambda a: app.acquire_token_silent([DOWNSTREAM_SCOPE], a))
    assert http.posts == 0
    return seconds, sum(len(b) for b in batches)


def obo_rows(settings: Settings) -> list[Row]:
    """OBO cache hit with N distinct users cached, against MSAL's silent look-up."""
    users = settings.obo_users
    state = obo_state(users, int(time.time()))
    rng = random.Random(6)
    picks = [
        [rng.randrange(users) for _ in range(settings.hit_batch)] for _ in range(settings.repeats)
    ]
    ours = _time_ours(state, picks)
    gc.collect()
    theirs, timed = _time_msal(state, picks, settings.msal_budget_seconds)
    del state
    gc.collect()
    note = f"msal: acquire_token_silent, account known ({timed} hits timed)"
    print(f"  {users:>9,} users done", flush=True)
    return [Row("OBO cache hit", users, "us/op", ours * 1e6, theirs * 1e6, note)]
