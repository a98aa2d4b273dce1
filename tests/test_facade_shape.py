"""The façades' shape: one core by composition, single inheritance, one-statement methods."""

from __future__ import annotations

import ast
import inspect
import textwrap

import pytest
import requests

from entraclient import ClientApplication, ConfidentialClientApplication
from entraclient.aio import AsyncClientApplication, AsyncConfidentialClientApplication
from entraclient.core import AppCore
from entraclient.facade import ApplicationFacade

FACADES = [
    ClientApplication,
    ConfidentialClientApplication,
    AsyncClientApplication,
    AsyncConfidentialClientApplication,
]


def _public_methods(cls: type) -> list[str]:
    return [
        name
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(member) and name != "aclose"
    ]


@pytest.mark.parametrize("cls", FACADES, ids=lambda cls: cls.__name__)
def test_no_facade_inherits_from_two_classes(cls: type) -> None:
    assert all(len(klass.__bases__) == 1 for klass in cls.__mro__ if klass is not object)
    assert ApplicationFacade in cls.__mro__


@pytest.mark.parametrize("cls", FACADES, ids=lambda cls: cls.__name__)
def test_every_public_method_is_one_statement_over_execute(cls: type) -> None:
    for name in _public_methods(cls):
        source = textwrap.dedent(inspect.getsource(getattr(cls, name)))
        function = ast.parse(source).body[0]
        assert isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        body = function.body
        if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        assert len(body) == 1, name
        calls = {node.func.attr for node in ast.walk(body[0]) if isinstance(node, ast.Call)
                 and isinstance(node.func, ast.Attribute)}  # fmt: skip
        assert "_execute" in calls, name


def test_the_sync_and_async_facades_offer_the_same_methods() -> None:
    ours = set(_public_methods(ClientApplication)) | set(
        _public_methods(ConfidentialClientApplication)
    )
    theirs = set(_public_methods(AsyncClientApplication)) | set(
        _public_methods(AsyncConfidentialClientApplication)
    )
    assert ours == theirs


def test_the_facade_holds_its_core_and_mirrors_msal_attributes() -> None:
    app = ConfidentialClientApplication(
        "cid", client_credential="s", authority="https://login.microsoftonline.com/t",
        app_name="demo", client_capabilities=["CP1"],
    )  # fmt: skip
    assert isinstance(app._core, AppCore)
    assert (app.client_id, app.app_name, app.client_capabilities) == ("cid", "demo", ("CP1",))
    assert app.token_cache is app._core.token_cache
    assert app._core.context.clock() == pytest.approx(app._now(), abs=5)


def test_http_client_is_yours_when_given_else_our_session() -> None:
    yours = requests.Session()
    given = ConfidentialClientApplication("cid", client_credential="s", http_client=yours)
    assert given.http_client is yours
    default = ConfidentialClientApplication("cid", client_credential="s")
    assert isinstance(default.http_client, requests.Session)
    assert default.http_client is not yours


def test_http_client_of_the_async_facade() -> None:
    import httpx

    yours = httpx.AsyncClient()
    given = AsyncConfidentialClientApplication("cid", client_credential="s", http_client=yours)
    assert given.http_client is yours
    default = AsyncConfidentialClientApplication("cid", client_credential="s")
    assert isinstance(default.http_client, httpx.AsyncClient)
    assert default.http_client is not yours


def test_importing_the_async_facade_does_not_import_httpx() -> None:
    import subprocess
    import sys

    probe = "import sys, entraclient.aio; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
