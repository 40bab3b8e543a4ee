"""The ledger's port to fund settlement (资金结算): what it asks settlement to do, and the interface it asks through.

The ledger never calls a bank. A business step that moves money out (a withdrawal, a transfer-out) or in (the
collection of a remittance) writes its ``SettlementInstruction`` into the outbox in the same transaction as the
reservation or the list; the ledger-events consumer hands it to the ``SettlementPort``. Settlement answers by
calling the ledger back (``WithdrawalService.record_payment``, ``RemittanceFunding.record_collection``) — the
ledger never waits on ``submit``, so a bank that is slow or silent costs the ledger nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol


@dataclass(frozen=True)
class Counterparty:
    """The other side of the movement: the payee of a payout, the payer of a collection."""

    account_no: str
    name: str
    bank: str
    id_number: str = ""


@dataclass(frozen=True)
class SettlementInstruction:
    instruction_id: str  # from the business id: settlement is idempotent by it and never moves the money twice
    business: str  # settlement BusType (domain facts §1.6): 01 汇补缴, 02 部分提取, 03 销户提取, 07 外部转出
    direction: str  # "pay" out of the office's special account, or "collect" into it
    org: str  # whose special account (专户)
    amount: Decimal
    counterparty: Counterparty
    reference: str  # the ledger's business id: a withdrawal id, a remittance id
    summary: str
    agreement_no: str = ""  # 多方协议号 of a collection

    def to_payload(self) -> dict[str, Any]:
        c = self.counterparty
        return {"instruction_id": self.instruction_id, "business": self.business, "direction": self.direction,
                "org": self.org, "amount": str(self.amount), "reference": self.reference, "summary": self.summary,
                "agreement_no": self.agreement_no,
                "counterparty": {"account_no": c.account_no, "name": c.name, "bank": c.bank,
                                 "id_number": c.id_number}}

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> SettlementInstruction:
        c = p["counterparty"]
        return cls(p["instruction_id"], p["business"], p["direction"], p["org"], Decimal(p["amount"]),
                   Counterparty(c["account_no"], c["name"], c["bank"], c.get("id_number", "")), p["reference"],
                   p["summary"], p.get("agreement_no", ""))


class SettlementPort(Protocol):
    def submit(self, instruction: SettlementInstruction) -> None: ...

    def submit_batch(self, batch_id: str, org: str) -> None:
        """A batch file (deductions) whose lines the owning area wrote, named by its id."""
        ...
