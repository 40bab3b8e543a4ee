"""Bounds on every amount, ratio and date, in the shared request types: what an outside fuzzer sent the running
platform and got a 500 for — amounts beyond what a fen-exact Decimal holds, a JSON number like 8.36e306, a day of
0, reconciliation of an office that has no special account — answers 4xx with its stable code."""

from __future__ import annotations

import pytest

from tests.integration.conftest import fresh_credit_code, fresh_resident_id

HUGE = ["1e28", "8.36e306", "1E+400", "NaN", "Infinity", "-1", "0", "0.001", "1000000000000.00"]


def post_raw(http, auth, user: str, path: str, json_text: str):
    return http.post(path, headers={**auth(user), "Content-Type": "application/json"},
                     content=json_text.encode("utf-8"))


@pytest.mark.parametrize("amount", HUGE)
def test_an_amount_out_of_bounds_is_a_400_wherever_it_is_sent(http, auth, new_unit, new_account, amount):
    unit = new_unit()
    account = new_account(unit["unit_account"])
    for raw in (amount, f'"{amount}"'):  # as a JSON number and as a string
        opened = post_raw(http, auth, "clerk01", f"/ledger/units/{unit['unit_account']}/accounts",
                          f'{{"name": "李华", "id_number": "{fresh_resident_id()}", "deposit_base": {raw}}}')
        assert opened.status_code == 400, (raw, opened.text)
        assert opened.json()["code"] == "VALIDATION_FAILED" and opened.json()["details"][0]["field"] == "deposit_base"
        base = http.put(f"/ledger/accounts/{account['account_no']}/deposit-base",
                        headers={**auth("clerk01"), "Content-Type": "application/json"},
                        content=f'{{"deposit_base": {raw}, "reason": "基数调整"}}'.encode())
        assert base.status_code == 400 and base.json()["details"][0]["field"] == "deposit_base", (raw, base.text)
        arrival = post_raw(http, auth, "finance01", "/ledger/remittances/RMT-360600000001-202601/funds",
                           f'{{"amount": {raw}, "bank_serial": "BANK-1"}}')
        assert arrival.status_code == 400 and arrival.json()["code"] == "VALIDATION_FAILED", (raw, arrival.text)
    unit_ratio = post_raw(http, auth, "clerk01", "/ledger/units",
                          f'{{"name": "鹰潭某某有限公司", "credit_code": "{fresh_credit_code()}", '
                          f'"unit_ratio": {amount}, "personal_ratio": "0.12"}}')
    # a ratio in [0, 1] is well-formed, and the policy's 5–12 % decides (422); anything else is malformed (400)
    assert unit_ratio.status_code == (422 if amount in ("0", "0.001") else 400), unit_ratio.text


@pytest.mark.parametrize("day", ["0", "1", "-86400", '"0"', '"2026-1-5"', '"2026-11-31"', '"1970-01-01"',
                                 '"2026-11-30T00:00:00"', '"9999-12-31"', "null", "true"])
def test_a_day_that_is_not_a_business_date_is_a_400(http, auth, day):
    response = post_raw(http, auth, "finance01", "/settlement/reconciliations", f'{{"org": "360600", "day": {day}}}')
    assert response.status_code == 400, (day, response.text)
    assert response.json()["details"][0]["field"] == "day"
    query = http.get("/platform/operations", params={"day": day.strip('"')}, headers=auth("auditor01"))
    assert query.status_code == 400, (day, query.text)


def test_reconciling_an_office_without_a_special_account_is_a_404(http, auth):
    response = http.post("/settlement/reconciliations", headers=auth("finance01"),
                         json={"org": "360699", "day": "2026-11-30"})
    assert (response.status_code, response.json()["code"]) == (404, "NO_SPECIAL_ACCOUNT"), response.text
    lines = http.get("/settlement/bank-lines", params={"org": "360699", "keyword": "建设"}, headers=auth("clerk01"))
    assert (lines.status_code, lines.json()["code"]) == (404, "NO_SPECIAL_ACCOUNT")


def test_a_record_number_beyond_eight_digits_is_a_400(http, auth):
    """The bank's BeginRec has eight digits: a larger one would be refused by our own message check, as a 500."""
    statement = http.get("/settlement/statements", headers=auth("finance01"), params={
        "org": "360600", "start": "2026-11-01", "end": "2026-11-30", "begin": str(10 ** 12)})
    assert (statement.status_code, statement.json()["code"]) == (400, "INVALID_QUERY"), statement.text
    heads = http.get("/archive/tree-heads/consistency", headers=auth("auditor01"),
                     params={"first": 1, "second": str(10 ** 30)})
    assert (heads.status_code, heads.json()["code"]) == (400, "INVALID_QUERY"), heads.text
