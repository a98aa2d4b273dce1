"""``python -m entraclient.emulator``: prints where it is and the sample, serves, stops."""

from __future__ import annotations

import signal
import subprocess
import sys

import requests

COMMAND = [sys.executable, "-m", "entraclient.emulator"]


def read_banner(process: subprocess.Popen[str]) -> dict[str, str]:
    """The ``Name: value`` lines printed before ``Press Ctrl-C``."""
    assert process.stdout is not None
    fields: dict[str, str] = {}
    for line in process.stdout:
        if line.startswith("Press Ctrl-C"):
            break
        if line.startswith("entraclient emulator listening on "):
            fields["url"] = line.split()[-1]
        elif ": " in line and not line.startswith(" "):
            name, value = line.rstrip("\n").split(": ", 1)
            fields[name] = value
    return fields


def test_runs_prints_and_stops_on_ctrl_c() -> None:
    with subprocess.Popen(COMMAND, stdout=subprocess.PIPE, text=True) as process:
        try:
            banner = read_banner(process)
            tenant_id = banner["Sample tenant"].split()[0]
            assert banner["Sample tenant"].endswith("(contoso.onmicrosoft.com)")
            assert banner["Sample scope"] == "api://contoso-sample-api/.default"
            form = {
                "client_id": banner["Sample client id"],
                "client_secret": banner["Sample client secret"],
                "grant_type": "client_credentials",
                "scope": banner["Sample scope"],
            }
            url = f"{banner['url']}/{tenant_id}/oauth2/v2.0/token"
            response = requests.post(url, data=form, verify=banner["CA certificate"], timeout=10)
            assert response.status_code == 200
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=20) == 0
        finally:
            process.kill()


def test_exit_after() -> None:
    result = subprocess.run(
        [*COMMAND, "--exit-after", "0.2"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith("entraclient emulator listening on https://127.0.0.1:")


def test_refuses_a_non_loopback_address() -> None:
    result = subprocess.run(
        [*COMMAND, "--host", "0.0.0.0"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2
    assert "loopback" in result.stderr
