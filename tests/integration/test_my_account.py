"""本人账户: a signed-in depositor's own account, found by the resident ID in the token (the APP's first call)."""

from __future__ import annotations

from hpf.sandbox.identity import SandboxUser
from tests.integration.conftest import fresh_resident_id


def test_a_depositor_gets_their_own_open_account_and_nobody_elses(platform, http, auth, new_unit, new_account):
    account = new_account(new_unit()["unit_account"])
    platform.identity.add_user(SandboxUser(f"me-{account['account_no']}", "pw", "depositor", ["depositor"], "李华",
                                           id_number=account["full_id_number"], default_channel="app"))
    mine = http.get("/ledger/me/account", headers=auth(f"me-{account['account_no']}"))
    assert mine.status_code == 200 and mine.json()["account_no"] == account["account_no"]
    assert mine.json()["balance"] == "0.00"

    platform.identity.add_user(SandboxUser("me-nobody", "pw", "depositor", ["depositor"], "王五",
                                           id_number=fresh_resident_id(), default_channel="app"))
    none = http.get("/ledger/me/account", headers=auth("me-nobody"))
    assert (none.status_code, none.json()["code"]) == (422, "NO_ACCOUNT")
    assert http.get("/ledger/me/account", headers=auth("clerk01")).status_code == 403  # staff look accounts up by number
