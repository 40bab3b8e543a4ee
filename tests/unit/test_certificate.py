"""The deposit certificate's figures: months deposited and the unbroken run up to the latest one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from hpf.common.clock import SHANGHAI, FixedClock
from hpf.common.errors import Forbidden
from hpf.identity.principal import Principal
from hpf.identity.roles import Role
from hpf.ledger.certificate import consecutive_run
from hpf.ledger.policy import load_policy_book
from hpf.ledger.services import LedgerService, OpenAccount, RegisterUnit
from hpf.local.demo import valid_credit_code, valid_resident_id
from tests.fakes.ledger import FakeLedgerUnitOfWork, LedgerStore, fund_and_post
from tests.unit.test_ledger_services import CLERK


@pytest.mark.parametrize("months, run", [
    (set(), 0), ({"2026-05"}, 1), ({"2025-12", "2026-01", "2026-02"}, 3),
    ({"2025-11", "2026-01", "2026-02"}, 2), ({"2026-03", "2026-01"}, 1)])
def test_consecutive_run_counts_back_across_years_and_stops_at_a_gap(months, run):
    assert consecutive_run(months) == run


def test_a_certificate_from_remittances_and_a_supplementary_deposit():
    store = LedgerStore()
    clock = FixedClock(datetime(2026, 8, 3, 10, tzinfo=SHANGHAI))
    ledger = LedgerService(lambda: FakeLedgerUnitOfWork(store), clock, load_policy_book)
    unit = ledger.register_unit(RegisterUnit("鹰潭证明测试有限公司", valid_credit_code("91360600MA35CR001"),
                                             Decimal("0.12"), Decimal("0.12")), CLERK)
    person = valid_resident_id("36060219900101123")
    account = ledger.open_account(unit.unit_account, OpenAccount("李华", person, Decimal("5000.00")), CLERK)
    for month in ("2026-08", "2026-09", "2026-10"):
        clock.advance(days=31)
        fund_and_post(ledger, ledger.record_remittance(unit.unit_account, month, CLERK).remittance_id)
    fund_and_post(ledger, ledger.record_supplementary(unit.unit_account, "2026-06", [account.account_no], CLERK,
                                                       "入职漏缴").remittance_id)
    me = Principal("p", "depositor", frozenset({Role.DEPOSITOR}), id_number=person)
    certificate = ledger.deposit_certificate(account.account_no, me)
    assert (certificate.first_month, certificate.last_month) == ("2026-06", "2026-10")
    assert (certificate.months_deposited, certificate.consecutive_months) == (4, 3)  # July is missing
    assert certificate.account.balance == Decimal("4800.00")
    assert certificate.monthly_unit_amount == certificate.monthly_personal_amount == Decimal("600.00")
    assert certificate.certificate_no == f"JCZM-{account.account_no}-{certificate.as_of:%Y%m%d}"
    agent = Principal("a", "unit_agent", frozenset({Role.UNIT_AGENT}), unit_account=unit.unit_account)
    with pytest.raises(Forbidden):
        ledger.deposit_certificate(account.account_no, agent)
