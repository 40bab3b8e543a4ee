"""Loans on DynamoDB (the lending table), events through the shared outbox table.

Keys (pk / sk):
  LOAN#<loan no>    / META             the loan, version-checked (gsi1: ORG#<org> / <loan no>;
                                       gsi2: BORROWER#<sha256(id)> / <loan no> — the ID itself is not a key;
                                       gsi3: PAYEE#<account no> / <loan no> — a developer's buyers' loans)
  LOAN#<loan no>    / DETAIL#<id>      贷款业务明细, append-only, one per settlement instruction
                                       (gsi1: DETAIL#<id> / <loan no> — a voucher finds its movement by id)
  BATCH#<batch id>  / META             a deduction batch: office, day, how many parts and their digest
  BATCH#<batch id>  / LINES#<digest>#<nnnnn>   its lines, up to 200 a part, written before the META
  DEV#<credit code> / META             a developer (开发商登记)
  DEV#<credit code> / PROJECT#<permit> one of its projects (项目登记), by presale permit number
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from hpf.adapters.aws.clients import client
from hpf.adapters.aws.dynamodb import CheckedPut, TransactionBuffer, from_item, key, put_all, put_each_checked, to_item
from hpf.adapters.aws.outbox import buffer_event
from hpf.common.errors import Conflict, TransientFailure
from hpf.common.events import DomainEvent
from hpf.common.paging import Page, PageRequest, encode_token
from hpf.ledger.settlement_port import SettlementInstruction
from hpf.lending.amortization import Installment, RepaymentMethod
from hpf.lending.developer_codec import developer_dict, developer_of, project_dict, project_of
from hpf.lending.developers import Developer, Project
from hpf.lending.model import DetailType, FlightKind, InFlight, Loan, LoanDetail, LoanStatus, Party
from hpf.lending.ports import DeductionBatch

LINES_PER_PART = 200  # ~70 KB an item (the item limit is 400 KB)
_READS_PER_PAGE = 10


class DynamoLoanStore:
    def __init__(self, table: str, outbox_table: str, lines_per_part: int = LINES_PER_PART):
        self._table = table
        self._outbox = outbox_table
        self._lines_per_part = lines_per_part

    def get(self, loan_no: str) -> Loan | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"LOAN#{loan_no}", "META"),
                                           ConsistentRead=True).get("Item")
        return _loan(from_item(item)) if item else None

    def add(self, loan: Loan) -> None:
        buffer = TransactionBuffer()
        buffer.put(self._table, self._loan_item(loan), condition="attribute_not_exists(pk)",
                   on_conflict=Conflict("该借款合同已登记", code="LOAN_EXISTS"))
        buffer.commit()
        loan.version += 1

    def save(self, loan: Loan, detail: LoanDetail | None = None, events: tuple[DomainEvent, ...] = ()) -> None:
        buffer = TransactionBuffer()
        buffer.put(self._table, self._loan_item(loan), condition="#v = :expected", names={"#v": "version"},
                   values={":expected": loan.version},
                   on_conflict=Conflict("贷款已被并发修改，请刷新后重试", code="CONCURRENT_UPDATE"))
        if detail is not None:
            buffer.put(self._table, {"pk": f"LOAN#{loan.loan_no}", "sk": f"DETAIL#{detail.detail_id}",
                                     "gsi1pk": f"DETAIL#{detail.detail_id}", "gsi1sk": loan.loan_no,
                                     "detail": json.dumps(_detail_dict(detail), ensure_ascii=False)},
                       condition="attribute_not_exists(pk)",
                       on_conflict=Conflict("该笔贷款业务已记账", code="LOAN_DETAIL_EXISTS"))
        for event in events:
            buffer_event(buffer, self._outbox, event)
        buffer.commit()
        loan.version += 1

    def details(self, loan_no: str) -> list[LoanDetail]:
        pages = client("dynamodb").get_paginator("query").paginate(
            TableName=self._table, KeyConditionExpression="pk = :p AND begins_with(sk, :d)", ConsistentRead=True,
            ExpressionAttributeValues={":p": {"S": f"LOAN#{loan_no}"}, ":d": {"S": "DETAIL#"}})
        return [_detail(json.loads(from_item(i)["detail"])) for page in pages for i in page.get("Items", [])]

    def detail(self, loan_no: str, detail_id: str) -> LoanDetail | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"LOAN#{loan_no}", f"DETAIL#{detail_id}"),
                                           ConsistentRead=True).get("Item")
        return _detail(json.loads(from_item(item)["detail"])) if item else None

    def find_detail(self, detail_id: str) -> LoanDetail | None:
        items = client("dynamodb").query(
            TableName=self._table, IndexName="gsi1", KeyConditionExpression="gsi1pk = :k",
            ExpressionAttributeValues={":k": {"S": f"DETAIL#{detail_id}"}}).get("Items", [])
        return _detail(json.loads(from_item(items[0])["detail"])) if items else None

    def of_org(self, org: str) -> list[Loan]:
        return self._index("gsi1", f"ORG#{org}")

    def of_borrower(self, id_number: str) -> list[Loan]:
        return self._index("gsi2", _borrower_key(id_number))

    def of_payee(self, account_no: str) -> list[Loan]:
        return self._index("gsi3", f"PAYEE#{account_no}")

    def list_by_org(self, org: str, status: LoanStatus | None, page: PageRequest) -> Page[Loan]:
        # A status is a filter, and DynamoDB filters after it reads: one query of Limit n may hand back fewer than n
        # loans. Ask again for what is missing, from where the last query stopped, so a page is full unless the
        # office has no more — but stop after a few reads, so a rare status does not read a whole office at once
        # (the token carries on from there).
        query: dict[str, Any] = {"TableName": self._table, "IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :k",
                                 "ExpressionAttributeValues": {":k": {"S": f"ORG#{org}"}}}
        if status is not None:
            query["FilterExpression"] = "#s = :s"
            query["ExpressionAttributeNames"] = {"#s": "status"}
            query["ExpressionAttributeValues"][":s"] = {"S": status.value}
        loans: list[Loan] = []
        last = {k: {"S": str(v)} for k, v in page.cursor.items()} if page.cursor else None
        for _ in range(_READS_PER_PAGE):
            asked = {**query, "Limit": page.size - len(loans), **({"ExclusiveStartKey": last} if last else {})}
            answer = client("dynamodb").query(**asked)
            loans += [_loan(from_item(i)) for i in answer.get("Items", [])]
            last = answer.get("LastEvaluatedKey")
            if not last or len(loans) >= page.size:
                break
        return Page(loans, encode_token({k: v["S"] for k, v in last.items()}) if last else None)

    def save_many(self, loans: list[Loan]) -> list[str]:
        puts = [CheckedPut(self._loan_item(loan), "#v = :expected", {"#v": "version"}, {":expected": loan.version})
                for loan in loans]
        moved = {loans[n].loan_no for n in put_each_checked(self._table, puts)}
        for loan in loans:
            if loan.loan_no not in moved:
                loan.version += 1
        return sorted(moved)

    def add_batch(self, batch: DeductionBatch, event: DomainEvent) -> None:
        """A batch of any size, atomic where it matters: the lines go first, in parts outside any transaction (a
        transaction holds 100 items and 4 MB — about 10,000 lines; a large office's day is more); then the batch's
        META and its event in one transaction. The META names the parts by a digest of their content, so parts
        left by a run that died or lost a race to a concurrent one are never read; the same run again writes the
        same parts (same content, same keys)."""
        parts = [json.dumps([ln.to_payload() for ln in batch.lines[i:i + self._lines_per_part]], ensure_ascii=False)
                 for i in range(0, len(batch.lines), self._lines_per_part)]
        digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
        if self.get_batch_meta(batch.batch_id) is not None:
            raise Conflict("扣款批次已存在", code="BATCH_EXISTS")  # nothing written: the parts are its own
        put_all(self._table, [{"pk": f"BATCH#{batch.batch_id}", "sk": f"LINES#{digest}#{n:05d}", "lines": part}
                              for n, part in enumerate(parts)])
        buffer = TransactionBuffer()
        buffer.put(self._table, {"pk": f"BATCH#{batch.batch_id}", "sk": "META", "org": batch.org,
                                 "day": batch.day.isoformat(), "parts": len(parts), "digest": digest,
                                 "lines": len(batch.lines)},
                   condition="attribute_not_exists(pk)", on_conflict=Conflict("扣款批次已存在", code="BATCH_EXISTS"))
        buffer_event(buffer, self._outbox, event)
        buffer.commit()

    def get_batch_meta(self, batch_id: str) -> dict[str, Any] | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"BATCH#{batch_id}", "META"),
                                           ConsistentRead=True).get("Item")
        return from_item(item) if item else None

    def batch(self, batch_id: str) -> DeductionBatch | None:
        meta = self.get_batch_meta(batch_id)
        if meta is None:
            return None
        prefix = f"LINES#{meta['digest']}#"
        pages = client("dynamodb").get_paginator("query").paginate(
            TableName=self._table, KeyConditionExpression="pk = :p AND begins_with(sk, :s)", ConsistentRead=True,
            ExpressionAttributeValues={":p": {"S": f"BATCH#{batch_id}"}, ":s": {"S": prefix}})
        parts = sorted((from_item(i) for page in pages for i in page.get("Items", [])), key=lambda i: i["sk"])
        if len(parts) != int(meta["parts"]):  # cannot happen: the META is written after every part
            raise TransientFailure(f"扣款批次{batch_id}明细不全（{len(parts)}/{meta['parts']}）", code="BATCH_INCOMPLETE")
        lines = [SettlementInstruction.from_payload(p) for part in parts for p in json.loads(part["lines"])]
        return DeductionBatch(batch_id, meta["org"], date.fromisoformat(meta["day"]), tuple(lines))

    def _index(self, index: str, value: str) -> list[Loan]:
        pages = client("dynamodb").get_paginator("query").paginate(
            TableName=self._table, IndexName=index, KeyConditionExpression=f"{index}pk = :k",
            ExpressionAttributeValues={":k": {"S": value}})
        return [_loan(from_item(i)) for page in pages for i in page.get("Items", [])]

    @staticmethod
    def _loan_item(loan: Loan) -> dict[str, Any]:
        return {"pk": f"LOAN#{loan.loan_no}", "sk": "META", "version": loan.version + 1,
                "gsi1pk": f"ORG#{loan.org}", "gsi1sk": loan.loan_no,
                "gsi2pk": _borrower_key(loan.borrower.id_number), "gsi2sk": loan.loan_no,
                "gsi3pk": f"PAYEE#{loan.payee.account_no}", "gsi3sk": loan.loan_no,
                "status": loan.status.value, "loan": json.dumps(_loan_dict(loan), ensure_ascii=False)}


class DynamoDeveloperStore:
    """Developers and projects in the lending table (port ``hpf.lending.developers.DeveloperStore``)."""

    def __init__(self, table: str, loans: DynamoLoanStore):
        self._table, self._loans = table, loans

    def add_developer(self, developer: Developer) -> None:
        self._put_new(f"DEV#{developer.credit_code}", "META", developer_dict(developer),
                      Conflict("该开发商已登记", code="DEVELOPER_EXISTS"))

    def developer(self, credit_code: str) -> Developer | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"DEV#{credit_code}", "META"),
                                           ConsistentRead=True).get("Item")
        return developer_of(json.loads(from_item(item)["body"])) if item else None

    def save_developer(self, developer: Developer) -> None:
        client("dynamodb").put_item(TableName=self._table, Item=to_item({
            "pk": f"DEV#{developer.credit_code}", "sk": "META",
            "body": json.dumps(developer_dict(developer), ensure_ascii=False)}))

    def add_project(self, project: Project) -> None:
        self._put_new(f"DEV#{project.developer}", f"PROJECT#{project.project_id}", project_dict(project),
                      Conflict("该预售许可证的项目已登记", code="PROJECT_EXISTS"))

    def projects(self, credit_code: str) -> list[Project]:
        pages = client("dynamodb").get_paginator("query").paginate(
            TableName=self._table, KeyConditionExpression="pk = :p AND begins_with(sk, :s)", ConsistentRead=True,
            ExpressionAttributeValues={":p": {"S": f"DEV#{credit_code}"}, ":s": {"S": "PROJECT#"}})
        return [project_of(json.loads(from_item(i)["body"])) for page in pages for i in page.get("Items", [])]

    def loans_paid_to(self, account_no: str) -> list[Loan]:
        return self._loans.of_payee(account_no)

    def _put_new(self, pk: str, sk: str, body: dict[str, Any], conflict: Conflict) -> None:
        try:
            client("dynamodb").put_item(TableName=self._table, ConditionExpression="attribute_not_exists(pk)",
                                        Item=to_item({"pk": pk, "sk": sk, "body": json.dumps(body, ensure_ascii=False)}))
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise conflict from error
            raise


def _borrower_key(id_number: str) -> str:
    return "BORROWER#" + hashlib.sha256(id_number.encode()).hexdigest()


# -- (de)serialisation: JSON text, amounts as strings ---------------------------------------------------------------
def _party(p: Party) -> dict[str, str]:
    return {"account_no": p.account_no, "name": p.name, "bank": p.bank, "id_number": p.id_number}


def _loan_dict(ln: Loan) -> dict[str, Any]:
    return {
        "loan_no": ln.loan_no, "contract_no": ln.contract_no, "org": ln.org, "borrower": _party(ln.borrower),
        "repayment_card": _party(ln.repayment_card), "payee": _party(ln.payee), "principal": str(ln.principal),
        "annual_rate": str(ln.annual_rate), "months": ln.months, "method": ln.method.value,
        "house_address": ln.house_address, "registered_on": ln.registered_on.isoformat(), "balance": str(ln.balance),
        "disbursed_on": _iso(ln.disbursed_on), "interest_from": _iso(ln.interest_from),
        "settled_on": _iso(ln.settled_on), "paid_periods": ln.paid_periods, "disbursements": ln.disbursements,
        "last_failure": ln.last_failure,
        "plan": [[i.period, i.due.isoformat(), str(i.principal), str(i.interest), str(i.balance_after)]
                 for i in ln.plan],
        "in_flight": {k: {"kind": f.kind.value, "amount": str(f.amount), "principal": str(f.principal),
                          "interest": str(f.interest), "period": f.period, "batch_id": f.batch_id, "full": f.full,
                          "requested_on": _iso(f.requested_on)} for k, f in ln.in_flight.items()},
    }


def _loan(item: dict[str, Any]) -> Loan:
    d = json.loads(item["loan"])
    return Loan(
        d["loan_no"], d["contract_no"], d["org"], Party(**d["borrower"]), Party(**d["repayment_card"]),
        Party(**d["payee"]), Decimal(d["principal"]), Decimal(d["annual_rate"]), d["months"],
        RepaymentMethod(d["method"]), d["house_address"], LoanStatus(item["status"]),
        date.fromisoformat(d["registered_on"]), Decimal(d["balance"]), _day(d["disbursed_on"]),
        [Installment(p, date.fromisoformat(due), Decimal(pr), Decimal(it), Decimal(b)) for p, due, pr, it, b in d["plan"]],
        d["paid_periods"], _day(d["interest_from"]),
        {k: InFlight(FlightKind(f["kind"]), Decimal(f["amount"]), Decimal(f["principal"]), Decimal(f["interest"]),
                     f["period"], f["batch_id"], f["full"], _day(f["requested_on"])) for k, f in d["in_flight"].items()},
        d["disbursements"], _day(d["settled_on"]), d["last_failure"], int(item["version"]))


def _detail_dict(d: LoanDetail) -> dict[str, Any]:
    return {"detail_id": d.detail_id, "loan_no": d.loan_no, "type": d.type.value, "on": d.on.isoformat(),
            "amount": str(d.amount), "principal": str(d.principal), "interest": str(d.interest),
            "balance_after": str(d.balance_after), "period": d.period, "bank_serial": d.bank_serial}


def _detail(d: dict[str, Any]) -> LoanDetail:
    return LoanDetail(d["detail_id"], d["loan_no"], DetailType(d["type"]), date.fromisoformat(d["on"]),
                      Decimal(d["amount"]), Decimal(d["principal"]), Decimal(d["interest"]),
                      Decimal(d["balance_after"]), d["period"], d["bank_serial"])


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def _day(s: str) -> date | None:
    return date.fromisoformat(s) if s else None
