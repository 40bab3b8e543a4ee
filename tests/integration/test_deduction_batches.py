"""A deduction batch of any size: its lines in parts outside any transaction, the batch and its event in one
(hpf.adapters.aws.lending_store). The suite splits a batch into more parts than one transaction could hold by
making the parts small; scripts/bench/deductions writes a 100,000-line day at the real part size."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from hpf.adapters.aws.clients import client
from hpf.adapters.aws.lending_store import DynamoLoanStore
from hpf.common.errors import Conflict
from hpf.common.events import DomainEvent
from hpf.ledger.settlement_port import Counterparty, SettlementInstruction
from hpf.lending.ports import DeductionBatch

DAY = date(2026, 4, 16)
# An office no bank link serves: the daily deduction run of the shared platform never covers these loans and
# batches (an office it covers would take this file's 150 repaying loans into another test's batch).
ORG = "369999"


def lines(batch_id: str, count: int) -> tuple[SettlementInstruction, ...]:
    return tuple(SettlementInstruction(
        f"DED-{batch_id}-{n:06d}", "05", "collect", ORG, Decimal("1234.56") + n,
        Counterparty(f"62170000{n:08d}", "借款人", "105"), f"LN{n:06d}", "贷款扣款") for n in range(count))


def event(batch: DeductionBatch) -> DomainEvent:
    return DomainEvent("lending.DeductionBatchRequested", batch.batch_id,
                       {"batch_id": batch.batch_id, "org": batch.org, "lines": len(batch.lines)},
                       datetime(2026, 4, 16, 6, tzinfo=UTC))


def outbox_rows(platform, batch_id: str) -> list[dict]:
    items = client("dynamodb").scan(TableName=platform.physical["OutboxTable"])["Items"]
    return [i for i in items if i["aggregate_id"]["S"] == batch_id]


@pytest.fixture
def store(platform) -> DynamoLoanStore:
    return DynamoLoanStore(platform.physical["LendingTable"], platform.physical["OutboxTable"], lines_per_part=2)


def test_a_batch_larger_than_one_transaction_is_written_in_parts_and_read_back_whole(platform, store):
    batch = DeductionBatch("BAT-369999-20260416-PARTS", ORG, DAY, lines("PARTS", 301))  # 151 parts > 100
    store.add_batch(batch, event(batch))
    assert store.batch(batch.batch_id) == batch  # every line, in order
    assert len(outbox_rows(platform, batch.batch_id)) == 1
    with pytest.raises(Conflict) as again:  # the schedule firing twice
        store.add_batch(batch, event(batch))
    assert again.value.code == "BATCH_EXISTS" and store.batch(batch.batch_id) == batch
    assert len(outbox_rows(platform, batch.batch_id)) == 1


def test_parts_left_by_a_run_that_lost_the_race_are_never_read(platform, store):
    """Two runs of the same batch with different lines (a loan repaid between them): the first to write the batch
    wins; the loser's parts stay in the table under another digest and are not part of the batch."""
    first = DeductionBatch("BAT-369999-20260416-RACE", ORG, DAY, lines("RACE", 7))
    second = DeductionBatch(first.batch_id, ORG, DAY, lines("RACE", 9))
    store.add_batch(first, event(first))
    with pytest.raises(Conflict):
        store.add_batch(second, event(second))
    from hpf.adapters.aws.dynamodb import put_all

    put_all(platform.physical["LendingTable"], [{"pk": f"BATCH#{first.batch_id}", "sk": "LINES#0000000000000000#00000",
                                                 "lines": "[]"}])  # a stray part of another digest
    assert store.batch(first.batch_id) == first


def repaying_loan(n: int):  # type: ignore[no-untyped-def]
    from hpf.lending.amortization import RepaymentMethod, schedule
    from hpf.lending.model import Loan, LoanStatus, Party

    disbursed = date(2026, 3, 16)
    plan = schedule(Decimal("120000.00"), Decimal("0.031"), 12, RepaymentMethod.EQUAL_INSTALLMENT, disbursed)
    return Loan(f"LNSAVE{n:05d}", f"HT{n:05d}", ORG, Party(f"3606{n:011d}", "借款人", "", "360602199001011234"),
                Party(f"62170000{n:011d}", "借款人", "105"), Party("36050186360109000999", "某房地产公司", "105"),
                Decimal("120000.00"), Decimal("0.031"), 12, RepaymentMethod.EQUAL_INSTALLMENT, "鹰潭市某小区",
                LoanStatus.REPAYING, disbursed, Decimal("120000.00"), disbursed, plan, 0, disbursed)


def test_many_loans_are_saved_together_and_one_moved_meanwhile_is_left_out(platform):
    """The deduction run saves its marks many loans a request; a loan a repayment moved since it was read fails
    its own version check alone: it is reported, not written, and the others are saved."""
    store = DynamoLoanStore(platform.physical["LendingTable"], platform.physical["OutboxTable"])
    loans = [repaying_loan(n) for n in range(150)]  # two transactions' worth
    for loan in loans:
        store.add(loan)
    read = [store.get(loan.loan_no) for loan in loans]
    moved = read[120]
    concurrent = store.get(moved.loan_no)
    concurrent.last_failure = "a repayment moved it"
    store.save(concurrent)
    for loan in read:
        loan.house_address = "marked"
    assert store.save_many(read) == [moved.loan_no]
    assert store.get(moved.loan_no).last_failure == "a repayment moved it"  # not overwritten
    assert all(store.get(loan.loan_no).house_address == "marked" for loan in read if loan is not moved)
    assert read[0].version == store.get(read[0].loan_no).version  # the saved ones' versions advanced
