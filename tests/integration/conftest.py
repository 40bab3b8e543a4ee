"""The local platform in this process: moto server, stack from infra/, functions dispatched in process."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from hpf.common.clock import SHANGHAI
from hpf.local.demo import STAFF
from hpf.sandbox.identity import SandboxUser


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from hpf.local.platform import LocalPlatform

    # One clerk makes every shared-data query of the session, faster than any desk: the per-caller rate is raised
    # here (test_datashare's throttling test lowers it for a caller of its own and restores it)
    os.environ.setdefault("HPF_DATASHARE_CALLER_RATE", "100000/minute")
    running = LocalPlatform(state_dir=tmp_path_factory.mktemp("hpf-state")).start()
    for user in STAFF:
        running.identity.add_user(user)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def http(platform: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def auth(platform: Any) -> Callable[..., dict[str, str]]:
    def headers(username: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {platform.identity.token_for(username)}", **extra}

    return headers


@pytest.fixture(scope="session")
def add_user(platform: Any) -> Callable[[SandboxUser], None]:
    return platform.identity.add_user


@pytest.fixture
def moved_clock(platform: Any) -> Iterator[Any]:
    from hpf import bootstrap
    from hpf.common.clock import SystemClock

    """The platform's and the banks' clock, moved by whole days: next month's installment falls due "today"."""
    from hpf.common.clock import ShiftedClock

    clock = ShiftedClock()
    bootstrap.reset()  # services are rebuilt on the moved clock
    original = bootstrap.clock
    bootstrap.clock = lambda: clock
    for bank in platform.banks.values():
        bank.clock = clock
    yield clock
    bootstrap.clock = original
    for bank in platform.banks.values():
        bank.clock = SystemClock()
    bootstrap.reset()


def this_month() -> str:
    return datetime.now(SHANGHAI).strftime("%Y-%m")


def eventually(check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.2) -> Any:
    """Poll until ``check`` returns a truthy value (the asynchronous parts run on their own threads)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout}s: {check}")
        time.sleep(interval)


def operation_records(http: httpx.Client, auth: Callable[..., dict[str, str]]) -> list[dict[str, Any]]:
    """Every operation record (操作留痕) of today, all pages, as the auditor reads them."""
    today = datetime.now(SHANGHAI).date().isoformat()
    everything, token = [], None
    while True:
        params = {"day": today, "page_size": 200, **({"page_token": token} if token else {})}
        page = http.get("/platform/operations", params=params, headers=auth("auditor01")).json()
        everything += page["records"]
        token = page["next_page_token"]
        if not token:
            return everything


_serial = iter(range(1, 10_000))
TEST_CARD = "6222021234567890128"


def fresh_credit_code() -> str:
    from hpf.local.demo import valid_credit_code

    return valid_credit_code(f"91360600MA35{next(_serial):05d}")


def fresh_resident_id() -> str:
    from hpf.local.demo import valid_resident_id

    return valid_resident_id(f"36060219880808{next(_serial):03d}")


@pytest.fixture(scope="session")
def new_unit(http: httpx.Client, auth: Callable[..., dict[str, str]]) -> Callable[..., dict[str, Any]]:
    def create(org: str = "360600", clerk: str = "clerk01") -> dict[str, Any]:
        response = http.post("/ledger/units", headers=auth(clerk), json={
            "name": "鹰潭集成测试有限公司", "credit_code": fresh_credit_code(), "unit_ratio": "0.12",
            "personal_ratio": "0.12", "org": org})
        assert response.status_code == 201, response.text
        return response.json()

    return create


@pytest.fixture(scope="session")
def new_account(http: httpx.Client, auth: Callable[..., dict[str, str]]) -> Callable[..., dict[str, Any]]:
    def create(unit_account: str, base: str = "5000.00", clerk: str = "clerk01") -> dict[str, Any]:
        id_number = fresh_resident_id()
        response = http.post(f"/ledger/units/{unit_account}/accounts", headers=auth(clerk),
                             json={"name": "李华", "id_number": id_number, "deposit_base": base})
        assert response.status_code == 201, response.text
        return {**response.json(), "full_id_number": id_number, "name_full": "李华"}

    return create


@pytest.fixture(scope="session")
def fund(http: httpx.Client, auth: Callable[..., dict[str, str]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Finance confirms a recorded list's money from the bank statement (the posting workflow then starts)."""
    def confirm(remittance: dict[str, Any]) -> dict[str, Any]:
        response = http.post(f"/ledger/remittances/{remittance['remittance_id']}/funds", headers=auth("finance01"),
                             json={"amount": remittance["total"], "bank_serial": f"BANK-{remittance['remittance_id']}"})
        assert response.status_code == 200, response.text
        return response.json()
    return confirm


@pytest.fixture(scope="session")
def deposited_account(platform: Any, http: httpx.Client, auth: Callable[..., dict[str, str]],
                      new_unit: Callable[..., dict[str, Any]],
                      new_account: Callable[..., dict[str, Any]],
                      fund: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[..., tuple[dict[str, Any], dict[str, Any]]]:
    """A new unit and account with this month's remittance recorded, funded and posted (through the real flow)."""

    def create(base: str = "5000.00", expected_balance: str = "1200.00") -> tuple[dict[str, Any], dict[str, Any]]:
        unit = new_unit()
        account = new_account(unit["unit_account"], base=base)
        # the card the withdrawal tests pay to, issued to this depositor at the office's bank (S.4.2 checks it)
        platform.banks["105"].issue_card(TEST_CARD, account["name_full"], account["full_id_number"])
        recorded = http.post(f"/ledger/units/{unit['unit_account']}/remittances", json={"month": this_month()},
                             headers=auth("clerk01"))
        assert recorded.status_code == 202, recorded.text
        fund(recorded.json())
        eventually(lambda: http.get(f"/ledger/accounts/{account['account_no']}",
                                    headers=auth("clerk01")).json()["balance"] == expected_balance)
        return unit, account

    return create


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """The OpenAPI fuzz (marked ``fuzz``) runs after every other test: the data it makes up must not disturb
    their expectations of the shared platform."""
    items.sort(key=lambda item: item.get_closest_marker("fuzz") is not None)
