"""Headless Chromium (Debian's package) driven through chromium-driver with selenium.

The browser trusts the emulator's TLS certificate by its public key
(``--ignore-certificate-errors-spki-list``), not by ignoring certificate errors, and starts
from a fresh profile without background network traffic.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import socket
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def find_program(names: tuple[str, ...]) -> str:
    """The first of ``names`` on PATH; fail saying how to install it."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError(
        f"none of {names} found: `make test` installs Debian's chromium and chromium-driver "
        "(apt-get install chromium chromium-driver)"
    )


def spki_pin(host: str, port: int, ca_path: Path) -> str:
    """The base64 SHA-256 of the public key the server at ``host:port`` presents."""
    context = ssl.create_default_context(cafile=str(ca_path))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    spki = (
        x509.load_der_x509_certificate(der)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def headless_chromium(profile: Path, trusted_spki: str) -> webdriver.Chrome:
    """A headless Chromium with a fresh profile in ``profile``."""
    options = webdriver.ChromeOptions()
    options.binary_location = find_program(CHROMIUM_NAMES)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1100,800",
        f"--user-data-dir={profile}",
        f"--ignore-certificate-errors-spki-list={trusted_spki}",
    ):
        options.add_argument(flag)
    service = Service(executable_path=find_program(("chromedriver",)))
    return webdriver.Chrome(options=options, service=service)
