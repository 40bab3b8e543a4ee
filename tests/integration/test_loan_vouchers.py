"""Loan vouchers on the local platform (8.1.4–8.1.6, S.8.3): the borrower prints the early-repayment voucher and
the repayment statement, the archive collects the settlement certificate the moment the loan is settled, and the
counter prints every kind S.8.3 names — each a PDF sealed through the e-seal sandbox that pdfsig finds valid and
the verification endpoint finds identical to the archived original."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from hpf.common.clock import SHANGHAI
from hpf.sandbox.identity import SandboxUser
from tests.integration.conftest import eventually, fresh_resident_id, this_month
from tests.integration.test_lending import disbursed, loan_of
from tests.integration.test_vouchers import issue, verify
from tests.integration.test_withdrawals import purchase_request, withdrawal
from tests.pdf_tools import pdfsig, pdftext, trusting_nss


@pytest.fixture(scope="module")
def nss(platform: Any, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return trusting_nss(tmp_path_factory.mktemp("nss-loans"), platform.seal.root_pem())


def repaid_early(platform, http, auth, add_user, moved_clock, *, full_after: bool) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A loan disbursed today, half-repaid early ten days later, and (``full_after``) then settled."""
    loan = disbursed(platform, http, auth, add_user)
    no, user = loan["loan_no"], loan["user"]
    moved_clock.move_to(datetime.now(SHANGHAI).date() + timedelta(days=10))
    platform.banks["105"].deposit(loan["card"], "50000.00")  # 100,000.00 on the card is not enough
    asked = http.post(f"/lending/loans/{no}/early-repayments", headers=auth(user),
                      json={"request_id": f"ER-{no}-1", "principal": "120000.00"})
    assert asked.status_code == 202, asked.text
    eventually(lambda: loan_of(http, auth, loan)["balance"] == "120000.00", timeout=30)
    if full_after:
        platform.banks["105"].deposit(loan["card"], "150000.00")
        assert http.post(f"/lending/loans/{no}/early-repayments", headers=auth(user),
                         json={"request_id": f"ER-{no}-2"}).status_code == 202
        eventually(lambda: loan_of(http, auth, loan)["status"] == "04", timeout=30)
    return loan


def sealed_pdf(http, auth, user: str, kind: str, reference: str) -> tuple[dict[str, Any], bytes]:  # type: ignore[no-untyped-def]
    issued = issue(http, auth, user, kind, reference)
    assert issued.status_code == 201, issued.text
    return issued.json(), httpx.get(issued.json()["download_url"]).content


@pytest.mark.feature("8.1.4")
@pytest.mark.feature("8.1.5")
@pytest.mark.feature("8.1.6")
def test_a_borrower_prints_the_loan_vouchers_and_the_archive_collects_the_settlement_certificate(
        platform, http, auth, add_user, moved_clock, nss, tmp_path):
    loan = repaid_early(platform, http, auth, add_user, moved_clock, full_after=False)
    no, user = loan["loan_no"], loan["user"]
    add_user(SandboxUser("loan-voucher-stranger", "pw", "depositor", ["depositor"], "王五",
                         id_number=fresh_resident_id()))

    # 提前还款凭证 (8.1.6): the repayment's own voucher, its amount in figures and in capitals
    voucher, pdf = sealed_pdf(http, auth, user, "early_repayment_voucher", f"PRE-ER-{no}-1")
    assert voucher["voucher_no"] == f"TQHK-PRE-ER-{no}-1"
    report = pdfsig(nss, pdf, tmp_path)
    assert "Signature is Valid." in report and "Certificate is Trusted." in report, report
    text = pdftext(pdf, tmp_path)
    assert "住房公积金贷款提前还款凭证" in text and "部分提前还款" in text and "120,000.00" in text
    assert "壹拾贰万" in text and loan["card"] not in text  # the card number is masked on paper
    assert verify(http, auth, user, pdf)["verdict"] == "authentic"
    assert issue(http, auth, "loan-voucher-stranger", "early_repayment_voucher",
                 f"PRE-ER-{no}-1").status_code == 403

    # 还款流水 (8.1.5): every movement so far; the loan is still being repaid, so the voucher is today's
    statement, pdf = sealed_pdf(http, auth, user, "repayment_statement", no)
    today = moved_clock.now().date()
    assert statement["voucher_no"] == f"HKLS-{no}-{today:%Y%m%d}"
    text = pdftext(pdf, tmp_path)
    assert "住房公积金贷款还款流水" in text and "发放" in text and "提前还款" in text and "240,000.00" in text
    assert "Signature is Valid." in pdfsig(nss, pdf, tmp_path)

    # 借款合同明细表 (S.8.3): the plan in force after the early repayment — 120,000.00 left over the same months
    schedule, pdf = sealed_pdf(http, auth, user, "loan_contract_schedule", no)
    assert schedule["voucher_no"] == f"HTMX-{no}-2"  # after two movements: the disbursement and the repayment
    text = pdftext(pdf, tmp_path)
    assert "住房公积金借款合同明细表" in text and "120,000.00" in text and "剩余期数" in text
    assert "Signature is Valid." in pdfsig(nss, pdf, tmp_path)
    assert verify(http, auth, user, pdf)["verdict"] == "authentic"

    # 贷款结清证明 (8.1.4): refused while the loan is open; collected into the archive when it settles
    early = issue(http, auth, user, "loan_settlement_certificate", no)
    assert (early.status_code, early.json()["code"]) == (422, "LOAN_NOT_SETTLED")
    platform.banks["105"].deposit(loan["card"], "150000.00")
    assert http.post(f"/lending/loans/{no}/early-repayments", headers=auth(user),
                     json={"request_id": f"ER-{no}-2"}).status_code == 202
    eventually(lambda: loan_of(http, auth, loan)["status"] == "04", timeout=30)
    collected = eventually(lambda: (lambda r: r.status_code == 200 and r.json())(
        http.get(f"/seal/vouchers/DKJQ-{no}", headers=auth(user))), timeout=30)
    pdf = httpx.get(collected["download_url"]).content
    text = pdftext(pdf, tmp_path)
    assert "住房公积金贷款结清证明" in text and "本息已全部结清" in text and "贰拾肆万元整" in text
    assert "Signature is Valid." in pdfsig(nss, pdf, tmp_path)
    checked = verify(http, auth, user, pdf)
    assert (checked["verdict"], checked["identical_to_archive"]) == ("authentic", True)
    assert verify(http, auth, user, pdf + b"\n%edited\n")["verdict"] == "modified"
    record = http.get("/archive/records", params={"business_id": no}, headers=auth("archivist01")).json()
    assert any(r["archival_code"] == collected["archival_code"] and r["retention"] == "Y" for r in record["records"])
    # the settled loan's statement is final: one voucher for good
    final, _ = sealed_pdf(http, auth, user, "repayment_statement", no)
    assert final["voucher_no"] == f"HKLS-{no}"


@pytest.mark.feature("S.8.3")
def test_the_counter_prints_every_voucher_kind_sealed(platform, http, auth, add_user, deposited_account,
                                                      moved_clock, nss, tmp_path):
    unit, account = deposited_account()
    remittance_id = f"RMT-{unit['unit_account']}-{this_month().replace('-', '')}"  # the month's list, posted
    paid = http.post(f"/ledger/accounts/{account['account_no']}/withdrawals", headers=auth("clerk01"),
                     json=purchase_request("CTR-S83-0001", "100.00")).json()["withdrawal_id"]
    eventually(lambda: withdrawal(http, auth, paid).get("status") == "02")
    loan = repaid_early(platform, http, auth, add_user, moved_clock, full_after=True)

    kinds = {"remittance_receipt": ("住房公积金汇（补）缴回单", remittance_id),
             "deposit_statement": ("住房公积金个人缴存明细", account["account_no"]),
             "withdrawal_voucher": ("住房公积金提取凭证", paid),
             "payment_confirmation": ("住房公积金缴款确认单", remittance_id),
             "loan_settlement_certificate": ("住房公积金贷款结清证明", loan["loan_no"]),
             "repayment_statement": ("住房公积金贷款还款流水", loan["loan_no"]),
             "loan_contract_schedule": ("住房公积金借款合同明细表", loan["loan_no"])}
    for kind, (title, reference) in kinds.items():
        voucher, pdf = sealed_pdf(http, auth, "clerk01", kind, reference)
        report = pdfsig(nss, pdf, tmp_path)
        assert "Signature is Valid." in report and "Certificate is Trusted." in report, (kind, report)
        assert title in pdftext(pdf, tmp_path), kind
        assert verify(http, auth, "clerk01", pdf)["verdict"] == "authentic", kind
    schedule = pdftext(sealed_pdf(http, auth, "clerk01", "loan_contract_schedule", loan["loan_no"])[1], tmp_path)
    assert "等额本息" in schedule and "2.6%" in schedule and "剩余期数" in schedule
