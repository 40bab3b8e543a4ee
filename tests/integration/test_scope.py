"""Authorization comes first, and tells an outsider nothing: a unit's agent or a depositor asking about something
that is not theirs gets the same answer whether it exists or not, and before any business rule is applied to what
they sent (an out-of-policy base for someone else's account is 403, not 422)."""

from __future__ import annotations

from tests.integration.conftest import fresh_resident_id


def _agent(add_user, auth, unit_account: str):
    from hpf.sandbox.identity import SandboxUser

    name = f"scope-agent-{unit_account}"
    add_user(SandboxUser(name, "pw", "unit_agent", ["unit_agent"], "经办人", unit_account=unit_account,
                         default_channel="unit_web"))
    return auth(name)


def test_an_outsider_cannot_tell_someone_else_s_account_from_no_account(http, auth, add_user, new_unit, new_account):
    mine, theirs = new_unit(), new_unit()
    agent = _agent(add_user, auth, mine["unit_account"])
    their_account = new_account(theirs["unit_account"])["account_no"]
    missing = "360600999999998"
    answers = []
    for account_no in (their_account, missing):
        for body in ({"deposit_base": "6000.00", "reason": "调整"}, {"deposit_base": "1.00", "reason": "调整"}):
            response = http.put(f"/ledger/accounts/{account_no}/deposit-base", headers=agent, json=body)
            answers.append((response.status_code, response.json()["code"], response.json()["message"]))
        response = http.get(f"/ledger/accounts/{account_no}", headers=agent)
        answers.append((response.status_code, response.json()["code"], response.json()["message"]))
    assert len(set(answers)) == 1 and answers[0][:2] == (403, "FORBIDDEN_SCOPE"), answers
    # staff are told apart: a wrong number is worth knowing at the counter
    assert http.get(f"/ledger/accounts/{missing}", headers=auth("clerk01")).status_code == 404


def test_a_depositor_cannot_probe_loans_or_vouchers(http, auth, add_user):
    from hpf.sandbox.identity import SandboxUser

    person = fresh_resident_id()
    add_user(SandboxUser(f"probe-{person}", "pw", "depositor", ["depositor"], "赵六", id_number=person))
    me = auth(f"probe-{person}")
    loans = {http.get(f"/lending/loans/{no}", headers=me).json()["code"] for no in ("DKJK2026999999", "DKJK20269")}
    assert loans == {"FORBIDDEN_SCOPE"}
