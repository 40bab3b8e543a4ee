"""The ledger's unit of work on one DynamoDB table (single-table design) plus the outbox table.

Keys (pk / sk):
  UNIT#<dwzh>        / META                 unit, version-checked (gsi1: ORGUNITS#<org> / <dwzh>)
  USCC#<code>        / UNIQUE               one unit per credit code
  ACCOUNT#<grzh>     / META                 personal account (gsi1: UNIT#<dwzh> / ACCOUNT#<grzh>)
  PERSON#<sha256(id)>/ ACTIVE               one active account per person (the ID itself is not a key)
  ACCOUNT#<grzh>     / ENTRY#<date>#<id>    statement entries, append-only, in date order
                                            (gsi1: ENTRYDAY#<date> / <grzh>#<id>, a day's business ledger)
  JOURNAL#<date>     / <entry id>           financial-ledger entries of a business date, append-only
  UNIT#… | ACCOUNT#… / HISTORY#<version>    change records, one per aggregate version, append-only
  ACCOUNT#<grzh>     / POSTED#<id>          marker that makes each posting happen once
  REMIT#<id>         / META                 remittance or supplementary list (gsi1: UNITREMIT#<dwzh>#<month> / <id>)
  WDR#<id>           / META                 withdrawal, version-checked (gsi1: ACCOUNTWDR#<grzh> / <requested_at>#<id>)
  SEQ#<name>         / SEQ                  number sequences (gaps allowed)
"""

from __future__ import annotations

import builtins
import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hpf.adapters.aws.clients import client
from hpf.adapters.aws.dynamodb import TransactionBuffer, from_item, key
from hpf.adapters.aws.outbox import buffer_event
from hpf.common.errors import Conflict
from hpf.common.events import DomainEvent
from hpf.common.paging import Page, PageRequest, encode_token
from hpf.ledger.accounting import JournalEntry, JournalLine, Side
from hpf.ledger.model import (
    AccountEntry,
    AccountStatus,
    ChangeRecord,
    CollectionAgreement,
    EntryKind,
    PersonalAccount,
    Remittance,
    RemittanceKind,
    RemittanceLine,
    RemittanceStatus,
    Unit,
    UnitKind,
    UnitStatus,
)

if TYPE_CHECKING:
    from hpf.ledger.withdrawal import Withdrawal


def _concurrent() -> Conflict:
    """A fresh error for each conflict: one instance raised again and again in a warm function would keep each
    raise's frames on its traceback, growing with every request."""
    return Conflict("数据已被他人修改，请刷新后重试", code="CONCURRENT_UPDATE")


_VERSION_CHECK = "#v = :expected"


def _person_key(id_number: str) -> str:
    return "PERSON#" + hashlib.sha256(id_number.encode()).hexdigest()


class _Repo:
    def __init__(self, table: str, buffer: TransactionBuffer):
        self._table = table
        self._buffer = buffer

    def _get(self, pk: str, sk: str = "META") -> dict[str, Any] | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(pk, sk), ConsistentRead=True).get("Item")
        return from_item(item) if item else None

    def _put_versioned(self, values: dict[str, Any], version: int) -> None:
        """Write a whole aggregate if nobody else wrote it since we read ``version``."""
        self._buffer.put(
            self._table, {**values, "version": version + 1},
            condition="attribute_not_exists(pk)" if version == 0 else _VERSION_CHECK,
            names=None if version == 0 else {"#v": "version"},
            values=None if version == 0 else {":expected": version},
            on_conflict=_concurrent(),
        )


class DynamoUnits(_Repo):
    def get(self, unit_account: str) -> Unit | None:
        item = self._get(f"UNIT#{unit_account}")
        return self._unit(item) if item else None

    def voluntary_unit(self, org: str) -> Unit | None:
        pointer = self._get(f"VOLUNIT#{org}", "UNIQUE")
        return self.get(pointer["unit_account"]) if pointer else None

    def list_by_org(self, org: str, page: PageRequest) -> Page[Unit]:
        query: dict[str, Any] = {
            "TableName": self._table, "IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :org",
            "ExpressionAttributeValues": {":org": {"S": f"ORGUNITS#{org}"}}, "Limit": page.size,
        }
        if page.cursor:
            query["ExclusiveStartKey"] = {k: {"S": str(v)} for k, v in page.cursor.items()}
        result = client("dynamodb").query(**query)
        last = result.get("LastEvaluatedKey")
        return Page([self._unit(from_item(i)) for i in result.get("Items", [])],
                    encode_token({k: v["S"] for k, v in last.items()}) if last else None)

    @staticmethod
    def _unit(item: dict[str, Any]) -> Unit:
        return Unit(
            unit_account=item["unit_account"], name=item["name"], credit_code=item["credit_code"], org=item["org"],
            unit_ratio=item["unit_ratio"], personal_ratio=item["personal_ratio"],
            status=UnitStatus(item["status"]), opened_on=date.fromisoformat(item["opened_on"]),
            address=item.get("address", ""), kind=UnitKind(item.get("kind", UnitKind.EMPLOYER.value)),
            collection=CollectionAgreement(c["bank_account"], c["account_name"], c["bank"], c["agreement_no"],
                                           date.fromisoformat(c["signed_on"])) if (c := item.get("collection"))
            else None,
            version=int(item["version"]),
        )

    def add(self, unit: Unit) -> None:
        identity = f"USCC#{unit.credit_code}" if unit.kind is UnitKind.EMPLOYER else f"VOLUNIT#{unit.org}"
        self._buffer.put(
            self._table, {"pk": identity, "sk": "UNIQUE", "unit_account": unit.unit_account},
            condition="attribute_not_exists(pk)",
            on_conflict=Conflict("该统一社会信用代码已开立单位账户" if unit.kind is UnitKind.EMPLOYER
                                 else "该管理部的自愿缴存户已存在", code="UNIT_ALREADY_REGISTERED"),
        )
        self._put_versioned(self._values(unit), 0)
        unit.version = 1

    def update(self, unit: Unit) -> None:
        self._put_versioned(self._values(unit), unit.version)
        unit.version += 1

    @staticmethod
    def _values(unit: Unit) -> dict[str, Any]:
        return {
            "pk": f"UNIT#{unit.unit_account}", "sk": "META", "unit_account": unit.unit_account, "name": unit.name,
            "gsi1pk": f"ORGUNITS#{unit.org}", "gsi1sk": unit.unit_account,
            "credit_code": unit.credit_code, "org": unit.org, "unit_ratio": unit.unit_ratio,
            "personal_ratio": unit.personal_ratio, "status": unit.status.value,
            "opened_on": unit.opened_on.isoformat(), "address": unit.address, "kind": unit.kind.value,
            "collection": {"bank_account": c.bank_account, "account_name": c.account_name, "bank": c.bank,
                           "agreement_no": c.agreement_no, "signed_on": c.signed_on.isoformat()}
            if (c := unit.collection) else None,
        }


class DynamoAccounts(_Repo):
    def get(self, account_no: str) -> PersonalAccount | None:
        item = self._get(f"ACCOUNT#{account_no}")
        return self._account(item) if item else None

    def active_of_person(self, id_number: str) -> PersonalAccount | None:
        marker = self._get(_person_key(id_number), "ACTIVE")
        return self.get(marker["account_no"]) if marker else None

    def add(self, account: PersonalAccount) -> None:
        self._buffer.put(
            self._table, {"pk": _person_key(account.id_number), "sk": "ACTIVE", "account_no": account.account_no},
            condition="attribute_not_exists(pk)",
            on_conflict=Conflict("该职工在本中心已有个人账户", code="PERSON_ALREADY_HAS_ACCOUNT"),
        )
        self._put_versioned(self._values(account), 0)
        account.version = 1

    def update(self, account: PersonalAccount) -> None:
        self._put_versioned(self._values(account), account.version)
        account.version += 1

    def list_by_unit(self, unit_account: str) -> list[PersonalAccount]:
        return [self._account(i) for i in _query_all(self._table, "gsi1", "gsi1pk", f"UNIT#{unit_account}")]

    def release_person(self, account: PersonalAccount) -> None:
        self._buffer.delete(self._table, key(_person_key(account.id_number), "ACTIVE"),
                            condition="account_no = :a", values={":a": account.account_no}, on_conflict=_concurrent())

    @staticmethod
    def _values(account: PersonalAccount) -> dict[str, Any]:
        return {
            "pk": f"ACCOUNT#{account.account_no}", "sk": "META",
            "gsi1pk": f"UNIT#{account.unit_account}", "gsi1sk": f"ACCOUNT#{account.account_no}",
            "account_no": account.account_no, "unit_account": account.unit_account, "org": account.org,
            "name": account.name, "id_number": account.id_number, "deposit_base": account.deposit_base,
            "status": account.status.value, "opened_on": account.opened_on.isoformat(),
            "balance": account.balance, "mobile": account.mobile, "current_year": account.current_year,
            "interest_settled_on": account.interest_settled_on.isoformat() if account.interest_settled_on else None,
            "reserved": account.reserved, "current_at_accrual": account.current_at_accrual,
            "interest_accrued_to": account.interest_accrued_to.isoformat() if account.interest_accrued_to else None,
        }

    @staticmethod
    def _account(item: dict[str, Any]) -> PersonalAccount:
        return PersonalAccount(
            account_no=item["account_no"], unit_account=item["unit_account"], org=item["org"], name=item["name"],
            id_number=item["id_number"], deposit_base=item["deposit_base"], status=AccountStatus(item["status"]),
            opened_on=date.fromisoformat(item["opened_on"]), balance=Decimal(item["balance"]),
            mobile=item.get("mobile", ""), current_year=Decimal(item.get("current_year", 0)),
            interest_settled_on=date.fromisoformat(item["interest_settled_on"]) if item.get("interest_settled_on")
            else None,
            reserved=Decimal(item.get("reserved", 0)), current_at_accrual=Decimal(item.get("current_at_accrual", 0)),
            interest_accrued_to=date.fromisoformat(item["interest_accrued_to"]) if item.get("interest_accrued_to")
            else None,
            version=int(item["version"]),
        )


class DynamoRemittances(_Repo):
    def get(self, remittance_id: str) -> Remittance | None:
        item = self._get(f"REMIT#{remittance_id}")
        return self._remittance(item) if item else None

    def of_unit_month(self, unit_account: str, month: str) -> list[Remittance]:
        return [self._remittance(i) for i in
                _query_all(self._table, "gsi1", "gsi1pk", f"UNITREMIT#{unit_account}#{month}")]

    @staticmethod
    def _remittance(item: dict[str, Any]) -> Remittance:
        return Remittance(
            remittance_id=item["remittance_id"], unit_account=item["unit_account"], org=item["org"],
            month=item["month"],
            lines=[RemittanceLine(ln["account_no"], ln["unit_amount"], ln["personal_amount"]) for ln in item["lines"]],
            status=RemittanceStatus(item["status"]), recorded_at=datetime.fromisoformat(item["recorded_at"]),
            posted_at=datetime.fromisoformat(item["posted_at"]) if item.get("posted_at") else None,
            kind=RemittanceKind(item.get("kind", RemittanceKind.REGULAR.value)), reason=item.get("reason", ""),
            funded_at=datetime.fromisoformat(item["funded_at"]) if item.get("funded_at") else None,
            bank_serial=item.get("bank_serial", ""), funding=item.get("funding", ""),
            collection_failure=item.get("collection_failure", ""),
            version=int(item["version"]),
        )

    def add(self, remittance: Remittance) -> None:
        self._buffer.put(
            self._table, {**self._values(remittance), "version": 1}, condition="attribute_not_exists(pk)",
            on_conflict=Conflict(f"{remittance.month}的汇缴已登记", code="REMITTANCE_ALREADY_RECORDED"),
        )
        remittance.version = 1

    def update(self, remittance: Remittance) -> None:
        self._put_versioned(self._values(remittance), remittance.version)
        remittance.version += 1

    @staticmethod
    def _values(r: Remittance) -> dict[str, Any]:
        return {
            "pk": f"REMIT#{r.remittance_id}", "sk": "META", "remittance_id": r.remittance_id,
            "gsi1pk": f"UNITREMIT#{r.unit_account}#{r.month}", "gsi1sk": r.remittance_id,
            "kind": r.kind.value, "reason": r.reason,
            "unit_account": r.unit_account, "org": r.org, "month": r.month, "status": r.status.value,
            "lines": [{"account_no": ln.account_no, "unit_amount": ln.unit_amount,
                       "personal_amount": ln.personal_amount} for ln in r.lines],
            "recorded_at": r.recorded_at.isoformat(),
            "posted_at": r.posted_at.isoformat() if r.posted_at else None,
            "funded_at": r.funded_at.isoformat() if r.funded_at else None, "bank_serial": r.bank_serial,
            "funding": r.funding, "collection_failure": r.collection_failure,
        }


class DynamoWithdrawals(_Repo):
    def get(self, withdrawal_id: str) -> Withdrawal | None:
        item = self._get(f"WDR#{withdrawal_id}")
        return self._withdrawal(item) if item else None

    def add(self, withdrawal: Withdrawal) -> None:
        self._buffer.put(self._table, {**self._values(withdrawal), "version": 1}, condition="attribute_not_exists(pk)",
                         on_conflict=Conflict("该笔提取已受理", code="WITHDRAWAL_ALREADY_REQUESTED"))
        withdrawal.version = 1

    def update(self, withdrawal: Withdrawal) -> None:
        self._put_versioned(self._values(withdrawal), withdrawal.version)
        withdrawal.version += 1

    def of_account(self, account_no: str) -> list[Withdrawal]:
        return [self._withdrawal(i) for i in _query_all(self._table, "gsi1", "gsi1pk", f"ACCOUNTWDR#{account_no}")]

    @staticmethod
    def _values(w: Withdrawal) -> dict[str, Any]:
        return {
            "pk": f"WDR#{w.withdrawal_id}", "sk": "META", "withdrawal_id": w.withdrawal_id,
            "gsi1pk": f"ACCOUNTWDR#{w.account_no}", "gsi1sk": f"{w.requested_at.isoformat()}#{w.withdrawal_id}",
            "account_no": w.account_no, "org": w.org, "rule": w.rule, "reason_code": w.reason_code,
            "closing": w.closing, "amount": w.amount, "status": w.status.value,
            "payee": {"card_no": w.payee.card_no, "name": w.payee.name, "bank": w.payee.bank,
                      "id_number": w.payee.id_number},
            "requested_on": w.requested_on.isoformat(), "requested_at": w.requested_at.isoformat(),
            "requested_by": w.requested_by, "channel": w.channel,
            "materials": [{"code": m.code, "reference": m.reference} for m in w.materials],
            "evidence_reference": w.evidence_reference, "evidence_amount": w.evidence_amount,
            "evidence_date": w.evidence_date.isoformat() if w.evidence_date else None,
            "closing_interest": w.closing_interest, "bank_serial": w.bank_serial, "transfer_out": w.transfer_out,
            "settled_at": w.settled_at.isoformat() if w.settled_at else None, "failure_reason": w.failure_reason,
        }

    @staticmethod
    def _withdrawal(i: dict[str, Any]) -> Withdrawal:
        # Imported here: a cold balance query never reads a withdrawal, and the module costs ~5 ms to import.
        from hpf.ledger.withdrawal import Material, PayeeAccount, Withdrawal, WithdrawalStatus

        payee = i["payee"]
        return Withdrawal(
            withdrawal_id=i["withdrawal_id"], account_no=i["account_no"], org=i["org"], rule=i["rule"],
            reason_code=i["reason_code"], closing=bool(i["closing"]), amount=Decimal(i["amount"]),
            payee=PayeeAccount(payee["card_no"], payee["name"], payee["bank"], payee.get("id_number", "")),
            status=WithdrawalStatus(i["status"]), requested_on=date.fromisoformat(i["requested_on"]),
            requested_at=datetime.fromisoformat(i["requested_at"]), requested_by=i["requested_by"],
            channel=i["channel"], materials=[Material(m["code"], m.get("reference", "")) for m in i["materials"]],
            evidence_reference=i.get("evidence_reference", ""),
            evidence_amount=Decimal(i["evidence_amount"]) if i.get("evidence_amount") is not None else None,
            evidence_date=date.fromisoformat(i["evidence_date"]) if i.get("evidence_date") else None,
            closing_interest=Decimal(i.get("closing_interest", 0)), bank_serial=i.get("bank_serial", ""),
            settled_at=datetime.fromisoformat(i["settled_at"]) if i.get("settled_at") else None,
            failure_reason=i.get("failure_reason", ""), transfer_out=bool(i.get("transfer_out", False)),
            version=int(i["version"]),
        )


class DynamoEntries(_Repo):
    def exists(self, account_no: str, entry_id: str) -> bool:
        return self._get(f"ACCOUNT#{account_no}", f"POSTED#{entry_id}") is not None

    def add(self, entry: AccountEntry) -> None:
        pk = f"ACCOUNT#{entry.account_no}"
        self._buffer.put(
            self._table, {"pk": pk, "sk": f"POSTED#{entry.entry_id}", "entry_date": entry.business_date.isoformat()},
            condition="attribute_not_exists(pk)",
            on_conflict=Conflict("该笔业务已入账", code="ENTRY_ALREADY_POSTED"),
        )
        self._buffer.put(self._table, {
            "pk": pk, "sk": f"ENTRY#{entry.business_date.isoformat()}#{entry.entry_id}",
            "account_no": entry.account_no, "entry_id": entry.entry_id,
            "business_date": entry.business_date.isoformat(), "kind": entry.kind.value, "amount": entry.amount,
            "balance_after": entry.balance_after, "reference": entry.reference, "month": entry.month,
            "description": entry.description,
            "gsi1pk": f"ENTRYDAY#{entry.business_date.isoformat()}", "gsi1sk": f"{entry.account_no}#{entry.entry_id}",
        }, condition="attribute_not_exists(pk)")

    def list(self, account_no: str, start: date | None, end: date | None, page: PageRequest) -> Page[AccountEntry]:
        low = f"ENTRY#{start.isoformat() if start else ''}"
        high = f"ENTRY#{end.isoformat() if end else '9999-12-31'}#~"
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": {":pk": {"S": f"ACCOUNT#{account_no}"}, ":low": {"S": low},
                                          ":high": {"S": high}},
            "Limit": page.size,
            "ConsistentRead": True,
        }
        cursor = page.cursor
        if cursor:
            query["ExclusiveStartKey"] = {"pk": {"S": f"ACCOUNT#{account_no}"}, "sk": {"S": str(cursor.get("sk"))}}
        result = client("dynamodb").query(**query)
        items = [from_item(i) for i in result.get("Items", [])]
        last = result.get("LastEvaluatedKey")
        return Page(items=[self._entry(i) for i in items],
                    next_token=encode_token({"sk": last["sk"]["S"]}) if last else None)

    def on_day(self, day: date) -> builtins.list[AccountEntry]:
        return [self._entry(i) for i in _query_all(self._table, "gsi1", "gsi1pk", f"ENTRYDAY#{day.isoformat()}")]

    @staticmethod
    def _entry(i: dict[str, Any]) -> AccountEntry:
        return AccountEntry(
            account_no=i["account_no"], entry_id=i["entry_id"], business_date=date.fromisoformat(i["business_date"]),
            kind=EntryKind(i["kind"]), amount=Decimal(i["amount"]), balance_after=Decimal(i["balance_after"]),
            reference=i["reference"], month=i.get("month", ""), description=i.get("description", ""),
        )


class DynamoJournal(_Repo):
    def add(self, entry: JournalEntry) -> None:
        self._buffer.put(self._table, {
            "pk": f"JOURNAL#{entry.business_date.isoformat()}", "sk": entry.entry_id, "entry_id": entry.entry_id,
            "business_date": entry.business_date.isoformat(), "business_type": entry.business_type,
            "reference": entry.reference, "description": entry.description, "reverses": entry.reverses,
            "lines": [{"subject": ln.subject, "side": ln.side.value, "amount": ln.amount, "sub_account": ln.sub_account}
                      for ln in entry.lines],
        }, condition="attribute_not_exists(pk)",
            on_conflict=Conflict("该笔记账凭证已存在", code="JOURNAL_ENTRY_EXISTS"))

    def get(self, entry_id: str, business_date: date) -> JournalEntry | None:
        item = self._get(f"JOURNAL#{business_date.isoformat()}", entry_id)
        return self._journal_entry(item) if item else None

    def on_day(self, day: date) -> list[JournalEntry]:
        return [self._journal_entry(i) for i in _query_all(self._table, None, "pk", f"JOURNAL#{day.isoformat()}")]

    @staticmethod
    def _journal_entry(i: dict[str, Any]) -> JournalEntry:
        return JournalEntry(
            entry_id=i["entry_id"], business_date=date.fromisoformat(i["business_date"]),
            business_type=i["business_type"], reference=i["reference"], description=i.get("description", ""),
            reverses=i.get("reverses"),
            lines=tuple(JournalLine(ln["subject"], Side(ln["side"]), Decimal(ln["amount"]), ln.get("sub_account", ""))
                        for ln in i["lines"]),
        )


class DynamoHistory(_Repo):
    def add(self, record: ChangeRecord) -> None:
        self._buffer.put(self._table, {
            "pk": record.aggregate, "sk": f"HISTORY#{record.version:010d}", "version": record.version,
            "at": record.at.isoformat(), "action": record.action, "detail": record.detail, "reason": record.reason,
            "actor": record.actor,
        }, condition="attribute_not_exists(pk)", on_conflict=_concurrent())

    def of(self, aggregate: str) -> list[ChangeRecord]:
        result = client("dynamodb").query(
            TableName=self._table, KeyConditionExpression="pk = :pk AND begins_with(sk, :h)",
            ExpressionAttributeValues={":pk": {"S": aggregate}, ":h": {"S": "HISTORY#"}}, ConsistentRead=True)
        return [ChangeRecord(aggregate, int(i["version"]), datetime.fromisoformat(i["at"]), i["action"],
                             dict(i.get("detail", {})), i.get("reason", ""), i["actor"])
                for i in (from_item(raw) for raw in result.get("Items", []))]


def _query_all(table: str, index: str | None, key_name: str, key_value: str) -> list[dict[str, Any]]:
    query: dict[str, Any] = {"TableName": table, "KeyConditionExpression": f"{key_name} = :k",
                             "ExpressionAttributeValues": {":k": {"S": key_value}}}
    if index:
        query["IndexName"] = index
    items: list[dict[str, Any]] = []
    for page in client("dynamodb").get_paginator("query").paginate(**query):
        items.extend(from_item(i) for i in page.get("Items", []))
    return items


class DynamoLedgerUnitOfWork:
    def __init__(self, table: str, outbox_table: str):
        self._table = table
        self._outbox_table = outbox_table
        self._buffer = TransactionBuffer()
        self.units = DynamoUnits(table, self._buffer)
        self.accounts = DynamoAccounts(table, self._buffer)
        self.remittances = DynamoRemittances(table, self._buffer)
        self.withdrawals = DynamoWithdrawals(table, self._buffer)
        self.entries = DynamoEntries(table, self._buffer)
        self.journal = DynamoJournal(table, self._buffer)
        self.history = DynamoHistory(table, self._buffer)

    def next_number(self, sequence: str) -> int:
        result = client("dynamodb").update_item(
            TableName=self._table, Key=key(f"SEQ#{sequence}", "SEQ"),
            UpdateExpression="ADD #n :one", ExpressionAttributeNames={"#n": "value"},
            ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="UPDATED_NEW",
        )
        return int(result["Attributes"]["value"]["N"])

    def publish(self, event: DomainEvent) -> None:
        buffer_event(self._buffer, self._outbox_table, event)

    def commit(self) -> None:
        self._buffer.commit()

    def __enter__(self) -> DynamoLedgerUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        self._buffer.clear()  # whatever was not committed is dropped: no partial writes
