"""免交材料 at the counter (6.2.4, 6.2.5, 6.2.9, 6.2.14 wired into 提取办理): the reason's scenario checked against
shared data under the person's authorization, and a material the data stands for taken with the query that spared
it as reference — which the ledger proves against the trail before it counts: a query about someone else, from
another source, or answered with nothing, is not proof."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from hpf.common.clock import SHANGHAI
from tests.integration.test_datashare import authorize
from tests.integration.test_withdrawals import purchase_request


@pytest.mark.feature("6.2.4")
def test_a_purchase_withdrawal_takes_the_contract_from_shared_data_proven_by_its_query(platform, http, auth,
                                                                                      deposited_account):
    _, acct = deposited_account()
    person = acct["full_id_number"]
    rules = {r["reason"]: r for r in http.get("/ledger/withdrawal-rules", headers=auth("clerk01")).json()["rules"]}
    assert rules["purchase_commercial"]["scenario"] == "purchase_withdrawal"
    filed_on = (datetime.now(SHANGHAI).date() - timedelta(days=10)).isoformat()
    platform.bigdata.add_records("contract_filing", [{"SFZH": person, "MSR": acct["name_full"], "BAH": f"BA-{person}",
                                                      "HTJE": "500000.00", "BARQ": filed_on}])
    consent = authorize(http, auth, "person", person, "purchase_withdrawal")
    check = http.post("/datashare/checks", headers=auth("clerk01"), json={
        "scenario": "purchase_withdrawal", "subject_id": person, "business_id": "TQ-SHARED-1",
        "authorization_id": consent, "typed": {"name": acct["name_full"]}}).json()
    assert check["online"] is True and check["materials"] == ["purchase_contract"], check
    proof = check["proofs"]["purchase_contract"]
    assert proof.startswith("DSQ-") and proof == check["query_ids"]["contract_filing"]

    def request(request_id: str, reference: str):  # type: ignore[no-untyped-def]
        body = purchase_request(request_id, "300.00", reference=f"BA-{person}")
        body["materials"] = [m if m["code"] != "purchase_contract" else {"code": "purchase_contract",
                                                                          "reference": reference}
                             for m in body["materials"]]
        return http.post(f"/ledger/accounts/{acct['account_no']}/withdrawals", headers=auth("clerk01"), json=body)

    other = check["query_ids"]["contract_cancellation"]  # a query of another source, answered with nothing
    for wrong in ("DSQ-20261130-000000000000000000ff", other):
        refused = request(f"CTR-SHARED-{wrong[-4:]}", wrong)
        assert (refused.status_code, refused.json()["code"]) == (422, "SHARED_PROOF_INVALID"), refused.text
        assert refused.json()["details"]["materials"] == ["purchase_contract"]
    taken = request("CTR-SHARED-OK", proof)
    assert taken.status_code == 202 and taken.json()["status"] == "01", taken.text  # the contract spared, proven


def test_someone_elses_query_proves_nothing_for_this_account(platform, http, auth, deposited_account):
    _, mine = deposited_account()
    _, theirs = deposited_account()
    person = theirs["full_id_number"]
    platform.bigdata.add_records("contract_filing", [{"SFZH": person, "MSR": theirs["name_full"], "BAH": "BA-X"}])
    consent = authorize(http, auth, "person", person, "purchase_withdrawal")
    check = http.post("/datashare/checks", headers=auth("clerk01"), json={
        "scenario": "purchase_withdrawal", "subject_id": person, "business_id": "TQ-SHARED-2",
        "authorization_id": consent}).json()
    body = purchase_request("CTR-SHARED-THEIRS", "100.00")
    body["materials"] = [{"code": m["code"], "reference": check["proofs"]["purchase_contract"]
                          if m["code"] == "purchase_contract" else m["reference"]} for m in body["materials"]]
    refused = http.post(f"/ledger/accounts/{mine['account_no']}/withdrawals", headers=auth("clerk01"), json=body)
    assert (refused.status_code, refused.json()["code"]) == (422, "SHARED_PROOF_INVALID")
