"""``python -m examples.webapp``: the sample against a local emulator, signed in once.

A requests session stands in for the browser: it follows the sign-in through the emulator
(which signs the user named by ``login_hint`` in) and back to the web app, then asks for
the user's orders twice; the second time the Orders API's on-behalf-of token comes from
its cache.
"""

from __future__ import annotations

import requests

from entraclient.emulator import Emulator
from entraclient.emulator.form_post import read_form_post
from examples.webapp.deployment import Deployment, deploy


def browser_for(emu: Emulator) -> requests.Session:
    """A session reaching the emulator under Entra's host names, and loopback apps directly."""
    browser = emu.http_client()
    browser.mount("http://127.0.0.1:", requests.adapters.HTTPAdapter())
    return browser


def sign_in(browser: requests.Session, sample: Deployment) -> requests.Response:
    """What a browser does: /login, the authorize page (form_post), the callback, home."""
    start = browser.get(f"{sample.web_url}/login", params={"username": sample.user.username})
    action, fields = read_form_post(start.text)  # the emulator's self-submitting page
    return browser.post(action, data=fields)


def main() -> None:
    with Emulator() as emu, browser_for(emu) as browser:
        sample = deploy(emu)
        try:
            home = sign_in(browser, sample)
            print(f"web app {sample.web_url}, Orders API {sample.api_url}")
            print("signed in:", home.status_code, "Hello" in home.text)
            for _ in range(2):
                print(browser.get(f"{sample.web_url}/orders").text)
        finally:
            sample.stop()


if __name__ == "__main__":
    main()
