"""Journeys through the front ends in a real browser: Debian's Chromium driven by Playwright against the local
platform — the identity sandbox's sign-in page, the built pages (web/dist), the areas' APIs. Each journey leaves
its screenshots in build/test-artifacts/screenshots/; each page it passes is checked with axe-core."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hpf.sandbox.identity import SandboxUser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "test-artifacts" / "screenshots"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert (ROOT / "web" / "dist" / "console" / "index.html").is_file(), "web/dist missing: run scripts/setup"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def page_of(browser: Any, width: int, height: int) -> Any:
    # axe is evaluated through the DevTools protocol, which the pages' content security policy does not stop
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_serious_accessibility_violations(page: Any) -> None:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))")
    serious = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in json.loads(result)["violations"]
               if v["impact"] in {"serious", "critical"}]
    assert serious == [], serious


def sign_in(page: Any, username: str, password: str) -> None:
    page.wait_for_selector("text=江西省统一身份认证")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_a_clerk_signs_in_at_the_console_finds_a_unit_and_opens_a_depositors_account(
        platform, browser, deposited_account):
    unit, account = deposited_account()
    page = page_of(browser, 1366, 768)
    page.goto(f"{platform.gateway_url}/console/")
    page.wait_for_selector("#password")  # the page sends the browser on to the identity system's sign-in page
    no_serious_accessibility_violations(page)
    shot(page, "console-1-sign-in")
    sign_in(page, "clerk01", "demo-clerk01")

    page.wait_for_selector("text=单位查询")
    page.wait_for_selector(f"text={unit['unit_account']}")  # the office's units, the new one among them
    assert page.get_by_text("王敏（360600）").is_visible()
    shot(page, "console-2-units")
    no_serious_accessibility_violations(page)

    page.locator("tr", has_text=unit["unit_account"]).get_by_role("button", name="职工账户").click()
    page.get_by_role("button", name="查看").first.click()
    page.wait_for_selector("[data-testid=balance]")
    assert page.locator("[data-testid=balance]").inner_text() == "¥1,200.00"
    assert page.get_by_text(account["account_no"]).first.is_visible()
    assert page.locator("table", has_text="1,200.00").count() >= 1  # the month's deposit in the statement
    shot(page, "console-3-account")
    no_serious_accessibility_violations(page)
    page.context.close()


def test_a_depositor_sees_the_balance_on_the_app_at_phone_width_and_signs_out(platform, browser, deposited_account):
    _, account = deposited_account()
    username = f"app-{account['account_no']}"
    platform.identity.add_user(SandboxUser(username, "demo-app-pass", "depositor", ["depositor"], "李华",
                                           id_number=account["full_id_number"], default_channel="app"))
    page = page_of(browser, 375, 812)
    page.goto(f"{platform.gateway_url}/app/")
    sign_in(page, username, "demo-app-pass")

    page.wait_for_selector("[data-testid=balance]")
    assert page.locator("[data-testid=balance]").inner_text() == "1,200.00"
    assert page.get_by_text(account["account_no"]).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing runs off a phone's screen
    shot(page, "app-1-home")
    no_serious_accessibility_violations(page)

    page.get_by_text("明细").last.click()
    page.wait_for_selector("text=1,200.00")
    shot(page, "app-2-entries")

    # a reload keeps no token anywhere a script could find it, and signs in again silently
    assert page.evaluate("JSON.stringify(localStorage)") == "{}"
    page.reload()
    page.wait_for_selector("text=1,200.00")

    page.get_by_text("退出").click()
    page.wait_for_url(re.compile(r"/oauth/authorize"))  # back at the sign-in page: the session has ended
    page.wait_for_selector("#password")
    shot(page, "app-3-signed-out")
    page.context.close()
