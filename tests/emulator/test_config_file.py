"""emulator/config_file.py: stable registrations from TOML or JSON, clear errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from entraclient import ConfidentialClientApplication
from entraclient.emulator import Emulator
from entraclient.emulator.config_file import ConfigError, apply_config, load_config
from tests.pki import issue

TENANT_ID = "6f1c0f2e-1d3b-4f7a-9a55-0c1e4c2e9f10"
CLIENT_ID = "0b5b5d8e-5f0a-4a8e-9d57-2d3b1f0c7a11"

TOML = f"""
[emulator]
port = 8443
ca_file = "ca/emulator-ca.pem"
hosts = ["adfs.fabrikam.test"]

[[tenants]]
domain = "fabrikam.onmicrosoft.com"
id = "{TENANT_ID}"

[[apis]]
tenant = "fabrikam.onmicrosoft.com"
app_id_uri = "api://orders"
roles = ["Orders.Read", "Orders.Write"]
scopes = ["Orders.Manage"]

[[apps]]
tenant = "fabrikam.onmicrosoft.com"
client_id = "{CLIENT_ID}"
name = "orders daemon"
secrets = ["a-development-secret"]
certificates = ["daemon.pem"]
roles = {{ "api://orders" = ["Orders.Read"] }}

[[users]]
tenant = "fabrikam.onmicrosoft.com"
username = "ann@fabrikam.onmicrosoft.com"
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    (tmp_path / "daemon.pem").write_text(issue("config-daemon.contoso.test").cert_pem)
    (tmp_path / "emulator.toml").write_text(TOML)
    return tmp_path


def test_toml_is_read(config_dir: Path) -> None:
    config = load_config(config_dir / "emulator.toml")
    assert config.port == 8443
    assert config.ca_file == config_dir / "ca" / "emulator-ca.pem"
    assert config.tenants[0].id == TENANT_ID
    assert config.apps[0].certificates == (config_dir / "daemon.pem",)
    assert config.apps[0].roles == {"api://orders": ("Orders.Read",)}
    assert config.apis[0].scopes == ("Orders.Manage",)
    assert "a-development-secret" not in repr(config)


def test_json_is_read_too(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    path.write_text(json.dumps({"tenants": [{"domain": "j.onmicrosoft.com"}]}))
    assert load_config(path).tenants[0].domain == "j.onmicrosoft.com"


def test_registrations_are_stable_and_work(config_dir: Path, entra_emulator: Emulator) -> None:
    registered = apply_config(entra_emulator, load_config(config_dir / "emulator.toml"))
    assert registered.tenants["fabrikam.onmicrosoft.com"].id == TENANT_ID
    app = ConfidentialClientApplication(
        CLIENT_ID,
        client_credential="a-development-secret",
        authority="https://login.microsoftonline.com/fabrikam.onmicrosoft.com",
        http_client=entra_emulator.http_client(),
    )
    result = app.acquire_token_for_client(["api://orders/.default"])
    assert result.get("token_type") == "Bearer", result
    assert registered.users["ann@fabrikam.onmicrosoft.com"].tenant_id == TENANT_ID
    assert registered.hosts == ["adfs.fabrikam.test"]
    assert "adfs.fabrikam.test" in entra_emulator.router().extra_hosts


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[tenant]]\ndomain='x'", "unknown section 'tenant'"),
        ("[[tenants]]\ndomian='x'", "tenants[0]: unknown setting 'domian'"),
        ("[[tenants]]\nid='x'", "tenants[0]: 'domain' must be a non-empty string"),
        ("[[apps]]\ntenant='nowhere'\nclient_id='c'", "apps[0]: tenant 'nowhere' is not in"),
        ("[[apps]]\ntenant='contoso.onmicrosoft.com'\nclient_id='c'\ncertificates=['no.pem']",
         "certificate file"),
        ("[[apps]]\ntenant='contoso.onmicrosoft.com'\nclient_id='c'\nsecrets='s3cret'",
         "'secrets' must be a list"),
        ("[emulator]\nport=70000", "'port' must be a TCP port"),
        ("tenants = 3", "must be a list of tables"),
        ("[[tenants]\n", "not valid TOML"),
    ],
)  # fmt: skip
def test_problems_name_the_entry_and_the_fix(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)) as raised:
        load_config(path)
    assert "s3cret" not in str(raised.value)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "absent.toml")


def test_conflicts_found_while_registering_name_the_file(
    tmp_path: Path, entra_emulator: Emulator
) -> None:
    path = tmp_path / "dup.toml"
    path.write_text("[[tenants]]\ndomain='contoso.onmicrosoft.com'\n")  # the sample's domain
    with pytest.raises(ConfigError, match=r"dup\.toml: .*already registered"):
        apply_config(entra_emulator, load_config(path))


def test_roles_of_an_unknown_api(tmp_path: Path, entra_emulator: Emulator) -> None:
    path = tmp_path / "roles.toml"
    path.write_text(
        "[[apps]]\ntenant='contoso.onmicrosoft.com'\nclient_id='c1'\n"
        "roles = { 'api://nope' = ['R'] }\n"
    )
    with pytest.raises(ConfigError, match="unknown API api://nope"):
        apply_config(entra_emulator, load_config(path))
