"""region.py: what every azure_region input (and environment) chooses, and the host rule."""

from __future__ import annotations

import logging

import pytest

from entraclient import ConfidentialClientApplication
from entraclient.authority import parse_authority, parse_oidc_authority
from entraclient.region import (
    IMDS_DEFAULT_ENDPOINT,
    NO_REGION,
    RegionChoice,
    choose_region,
    normalize_detected_region,
    regional_host,
)

ENTRA = parse_authority("https://login.microsoftonline.com/contoso.com")


def _choose(azure_region: str | bool | None, **environment: str) -> RegionChoice:
    return choose_region(azure_region, environment, ENTRA, has_credential=True)


@pytest.mark.parametrize(
    ("azure_region", "environment", "expected"),
    [
        (None, {}, NO_REGION),
        (None, {"MSAL_FORCE_REGION": "eastus"}, RegionChoice(region="eastus")),
        (None, {"REGION_NAME": "westus2"}, NO_REGION),
        (False, {"MSAL_FORCE_REGION": "eastus"}, NO_REGION),
        ("westus2", {}, RegionChoice(region="westus2")),
        ("westus2", {"MSAL_FORCE_REGION": "eastus"}, RegionChoice(region="westus2")),
        (True, {}, RegionChoice(detect=True)),
        (True, {"REGION_NAME": "West US 2"}, RegionChoice(detect=True, region_name="West US 2")),
        (True, {"REGION_NAME": ""}, RegionChoice(detect=True)),
        (
            True,
            {"ENTRACLIENT_IMDS_ENDPOINT": "https://127.0.0.1:8443/"},
            RegionChoice(detect=True, imds_endpoint="https://127.0.0.1:8443"),
        ),
    ],
)
def test_every_input(
    azure_region: str | bool | None, environment: dict[str, str], expected: RegionChoice
) -> None:
    assert _choose(azure_region, **environment) == expected


def test_detection_defaults_to_the_real_metadata_service() -> None:
    assert _choose(True).imds_endpoint == IMDS_DEFAULT_ENDPOINT == "http://169.254.169.254"


@pytest.mark.parametrize("forced", ["", "West US", "westus2\n", "-x"])
def test_an_invalid_forced_region_fails_at_construction(forced: str) -> None:
    with pytest.raises(ValueError, match="MSAL_FORCE_REGION"):
        _choose(None, MSAL_FORCE_REGION=forced)


@pytest.mark.parametrize("endpoint", ["imds.example", "ftp://x", "http://x/?q=1", "http://"])
def test_an_invalid_imds_endpoint_fails_at_construction(endpoint: str) -> None:
    with pytest.raises(ValueError, match="ENTRACLIENT_IMDS_ENDPOINT"):
        _choose(True, ENTRACLIENT_IMDS_ENDPOINT=endpoint)


def test_without_a_credential_the_forced_region_is_not_read() -> None:
    choice = choose_region(None, {"MSAL_FORCE_REGION": "!!"}, ENTRA, has_credential=False)
    assert choice == NO_REGION


@pytest.mark.parametrize(
    "authority",
    [
        parse_authority("https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_x"),
        parse_authority("https://contoso.ciamlogin.com"),
        parse_authority("https://fs.contoso.com/adfs"),
        parse_oidc_authority("https://idp.example.com/r"),
    ],
)
def test_other_authority_kinds_stay_central_with_a_warning(authority: object) -> None:
    with pytest.warns(UserWarning, match="azure_region is ignored"):
        choice = choose_region("westus2", {}, authority, has_credential=True)  # type: ignore[arg-type]
    assert choice == NO_REGION


@pytest.mark.parametrize(
    ("authority", "expected"),
    [
        ("https://login.microsoftonline.com/t", "westus2.login.microsoft.com"),
        ("https://login.microsoft.com/t", "westus2.login.microsoft.com"),
        ("https://login.windows.net/t", "westus2.login.microsoft.com"),
        ("https://sts.windows.net/t", "westus2.login.microsoft.com"),
        ("https://login.microsoftonline.us/t", "westus2.login.microsoftonline.us"),
        ("https://login.chinacloudapi.cn/t", "westus2.login.chinacloudapi.cn"),
        ("https://login.contoso-sts.example:8443/t", "westus2.login.contoso-sts.example:8443"),
    ],
)
def test_regional_host_rule(authority: str, expected: str) -> None:
    assert regional_host(parse_authority(authority), "westus2") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("westus2", "westus2"), ("West US 2", "westus2"), (" EastUS ", "eastus"), ("a", "a")],
)
def test_detected_names_are_normalised(value: str, expected: str) -> None:
    assert normalize_detected_region(value, "test") == expected


@pytest.mark.parametrize("value", ["", "west_us", "x" * 64, "westus2.evil.example", "-west"])
def test_invalid_detected_names_are_discarded_with_a_warning(
    value: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="entraclient.region"):
        assert normalize_detected_region(value, "the test source") is None
    assert "the test source" in caplog.text


def test_the_application_constants_and_the_warning_points_at_the_caller() -> None:
    assert ConfidentialClientApplication.ATTEMPT_REGION_DISCOVERY is True
    assert ConfidentialClientApplication.DISABLE_MSAL_FORCE_REGION is False
    with pytest.warns(UserWarning, match="azure_region is ignored") as caught:
        ConfidentialClientApplication(
            "cid", client_credential="s", authority="https://fs.contoso.com/adfs",
            azure_region="westus2",
        )  # fmt: skip
    assert caught[0].filename == __file__


def test_the_application_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSAL_FORCE_REGION", "centralus")
    app = ConfidentialClientApplication("cid", client_credential="s", authority=ENTRA.url)
    assert app._core.regional.choice == RegionChoice(region="centralus")
    monkeypatch.setenv("MSAL_FORCE_REGION", "")
    with pytest.raises(ValueError, match="MSAL_FORCE_REGION"):
        ConfidentialClientApplication("cid", client_credential="s", authority=ENTRA.url)


def test_a_forced_region_is_silently_ignored_for_other_authority_kinds(
    recwarn: pytest.WarningsRecorder,
) -> None:
    adfs = parse_authority("https://fs.contoso.com/adfs")
    choice = choose_region(None, {"MSAL_FORCE_REGION": "eastus"}, adfs, has_credential=True)
    assert choice == NO_REGION
    assert len(recwarn) == 0
