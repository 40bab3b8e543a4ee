"""电子档案的收集 (7.5.4 counter business, 7.5.5 online business): when the ledger says a business is done, its
documents go to the archive without anyone asking — the sealed voucher and the snapshot of its data. Counter and
online business alike: the voucher names the channel, and a counter business carries its clerk's co-signature.

Subscribed events (the outbox relay sends the archive a copy: HPF_SUBSCRIBE_ARCHIVE):
- ``ledger.RemittancePosted`` → the remittance receipt (汇补缴回单);
- ``ledger.WithdrawalPaid``   → the withdrawal voucher (提取凭证);
- ``lending.LoanSettled``     → the loan settlement certificate (贷款结清证明).
Issuing is idempotent by the voucher number: a redelivered event finds the voucher already archived. A seal
system that is down fails the message back to the queue (retried, then the dead-letter queue): nothing is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hpf.identity.principal import Principal
from hpf.identity.roles import CENTER_ORG, Channel, Role
from hpf.observability.logging import get_logger
from hpf.seal.vouchers import VoucherKind

if TYPE_CHECKING:
    from hpf.seal.service import VoucherService

logger = get_logger("hpf-archive-collection")
COLLECTOR = Principal(subject="hpf-archive-collector", kind="system", roles=frozenset({Role.ARCHIVIST}),
                      name="电子档案收集", org=CENTER_ORG, channel=Channel.SYSTEM)
COLLECTED = {"ledger.RemittancePosted": (VoucherKind.REMITTANCE_RECEIPT, "remittance_id"),
             "ledger.WithdrawalPaid": (VoucherKind.WITHDRAWAL_VOUCHER, "withdrawal_id"),
             "lending.LoanSettled": (VoucherKind.LOAN_SETTLEMENT_CERTIFICATE, "loan_no")}


class BusinessCollector:
    def __init__(self, vouchers: VoucherService):
        self._vouchers = vouchers

    def handle(self, message: dict[str, Any], correlation_id: str = "") -> str | None:
        """The voucher number archived for the event, or None for an event the archive does not collect."""
        found = COLLECTED.get(message["event_type"])
        if found is None:
            return None
        kind, field = found
        issued = self._vouchers.issue(kind, message["payload"][field], COLLECTOR)
        logger.info("business documents collected", extra={"event_type": message["event_type"],
                                                            "voucher_no": issued.voucher_no,
                                                            "archival_code": issued.record.archival_code})
        return issued.voucher_no
