"""The web app in a real browser: ``python examples/webapp/app.py`` started as a person
starts it, headless Chromium signing in at the emulator's authorize page and showing what
the Orders API answered after its on-behalf-of call. Screenshots go to build/artifacts/."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.examples.browser import headless_chromium, spki_pin
from tests.examples.running import start_example

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "artifacts"


@dataclass
class RunningWebApp:
    url: str
    username: str
    emulator_port: int
    ca_path: Path


def _read_banner(process: subprocess.Popen[str]) -> RunningWebApp:
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith("Ctrl-C"):
        line = process.stdout.readline()
        if not line:
            stderr = process.stderr.read() if process.stderr else ""
            raise AssertionError(f"the web app stopped: {''.join(lines)}{stderr}")
        lines.append(line)
    text = "".join(lines)
    web = re.search(r"web app: (http://127\.0\.0\.1:\d+)/", text)
    user = re.search(r"sign in as (\S+);", text)
    emulator = re.search(r"https://localhost:(\d+)/ \(its CA certificate: (.+)\)", text)
    assert web and user and emulator, text
    return RunningWebApp(web[1], user[1], int(emulator[1]), Path(emulator[2]))


@pytest.fixture
def webapp(tmp_path: Path) -> Iterator[RunningWebApp]:
    process = start_example("webapp/app.py", tmp_path, "--port", "0")
    try:
        yield _read_banner(process)
    finally:
        process.terminate()
        process.wait(20)


@pytest.fixture
def browser(webapp: RunningWebApp, tmp_path: Path) -> Iterator[webdriver.Chrome]:
    pin = spki_pin("localhost", webapp.emulator_port, webapp.ca_path)
    driver = headless_chromium(tmp_path / "chromium-profile", pin)
    try:
        yield driver
    finally:
        driver.quit()


def _wait_for_heading(driver: webdriver.Chrome, text: str) -> None:
    try:
        WebDriverWait(driver, 30).until(
            expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "h1"), text)
        )
    except TimeoutException:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "webapp-failure.png"))
        page = driver.page_source[:2000]
        raise AssertionError(f"no heading {text!r} at {driver.current_url}: {page}") from None


def test_a_person_signs_in_and_sees_the_orders_api_answer(
    webapp: RunningWebApp, browser: webdriver.Chrome
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "webapp-failure.png").unlink(missing_ok=True)
    browser.get(f"{webapp.url}/")
    _wait_for_heading(browser, "Welcome")
    browser.find_element(By.ID, "sign-in").click()
    # The emulator's authorize page signs Alice in and posts the code back (form_post).
    _wait_for_heading(browser, f"Hello {webapp.username}")
    assert browser.current_url == f"{webapp.url}/"
    browser.save_screenshot(str(ARTIFACTS / "webapp-signed-in.png"))

    browser.find_element(By.ID, "orders").click()
    _wait_for_heading(browser, "Orders")
    answer = json.loads(browser.find_element(By.TAG_NAME, "pre").text)
    assert answer["user"] == webapp.username
    assert [o["item"] for o in answer["orders"]] == ["keyboard", "monitor"]
    assert answer["downstream_token"]["token_source"] == "identity_provider"
    assert answer["downstream_token"]["aud"] == "api://contoso-inventory"
    screenshot = ARTIFACTS / "webapp-orders.png"
    browser.save_screenshot(str(screenshot))
    assert screenshot.read_bytes().startswith(b"\x89PNG")

    browser.refresh()  # the Orders API's on-behalf-of token now comes from its cache
    _wait_for_heading(browser, "Orders")
    again = json.loads(browser.find_element(By.TAG_NAME, "pre").text)
    assert again["downstream_token"]["token_source"] == "cache"
