"""不良信息处理 (6.3.8) and 电子信息上报 (6.3.7): the center's bad-credit records (失信信息) — a unit that does not
pay its deposits, a person who obtained a withdrawal by fraud, a borrower in serious default — recorded by the
counter with the evidence, decided by an approver who is not the recorder, published on the city's public credit
platform through the exchange, and taken down again when an objection is upheld or the credit is repaired.

Every state a record can be in and every step out of it is the one table below (as Fineract keeps its loans'):

  recorded ─approve→ approved ─object→ objected ─uphold→ approved
      │                  │                  └─withdraw→ withdrawn   (the objection stands: taken down)
      └reject→ withdrawn └repair→ repaired                          (信用修复: taken down)

What the platform must be told follows from the state: an approved record is published, a record taken down after
it was published is removed. The report run sends what is owed; an answer that never came leaves the item
``unknown`` and the next run sends the same item again (the platform keeps one item per id, so nothing doubles).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from hpf.common.clock import Clock, business_date
from hpf.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hpf.identity.principal import Principal
from hpf.identity.roles import Role

KINDS = {"unit_arrears": ("unit", "单位欠缴住房公积金"), "fraudulent_withdrawal": ("person", "骗提住房公积金"),
         "loan_default": ("person", "住房公积金贷款严重逾期")}
STATES = {"recorded": "待审核", "approved": "已认定", "objected": "异议处理中", "withdrawn": "已撤销",
          "repaired": "已信用修复"}
# (state, action) → (next state, who may take it)
TRANSITIONS: dict[tuple[str, str], tuple[str, Role]] = {
    ("recorded", "approve"): ("approved", Role.APPROVER),
    ("recorded", "reject"): ("withdrawn", Role.APPROVER),
    ("approved", "object"): ("objected", Role.COUNTER_CLERK),  # the subject's objection, received at the counter
    ("objected", "uphold"): ("approved", Role.APPROVER),
    ("objected", "withdraw"): ("withdrawn", Role.APPROVER),
    ("approved", "repair"): ("repaired", Role.APPROVER),
}
ACTIONS = {"approve": "审核认定", "reject": "审核不予认定", "object": "登记异议", "uphold": "异议不成立",
           "withdraw": "异议成立，撤销", "repair": "信用修复"}


class BadRecordNotFound(NotFound):
    code = "BAD_RECORD_NOT_FOUND"
    message = "没有该不良信息记录"


@dataclass(frozen=True)
class Step:
    action: str
    by: str
    by_name: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class BadRecord:
    record_id: str
    kind: str
    subject_kind: str
    subject_id: str  # the resident ID or credit code: the platform publishes it; views and logs mask it
    subject_name: str
    business_id: str  # what it rests on: the unit account, the withdrawal, the loan
    amount: Decimal
    evidence_reference: str  # the archived evidence (the arrears notice, the court's decision…)
    state: str
    steps: tuple[Step, ...]
    decided_on: date | None = None
    published: bool = False  # what the platform shows now, as far as its receipts tell
    owed: str | None = None  # publish | remove: what the platform has still to be told
    owed_item: str = ""  # its item id, fixed when it became owed: every resend is the same item
    report_state: str | None = None  # pending | unknown (sent, no answer) while something is owed
    receipt: str = ""
    report_error: str = ""
    version: int = 0

    def item_id(self) -> str:
        return self.owed_item


@dataclass(frozen=True)
class Receipt:
    item_id: str
    accepted: bool
    number: str = ""
    message: str = ""


class BadRecordStore(Protocol):
    def add(self, record: BadRecord) -> None: ...  # an id twice is refused
    def save(self, record: BadRecord, expected_version: int) -> None: ...  # refused if the version moved
    def get(self, record_id: str) -> BadRecord | None: ...
    def in_state(self, state: str) -> list[BadRecord]: ...
    def owed(self) -> list[BadRecord]: ...  # records with something for the platform, oldest first


class CreditPlatform(Protocol):
    def report(self, items: list[tuple[str, str, dict[str, Any]]]) -> list[Receipt]:
        """(item id, publish | remove, our fields) each; the platform's receipts. Raises ReportUnknown when the
        answer did not come (the items may or may not have arrived), SourceUnavailable when nothing was taken."""
        ...


class ReportUnknown(Exception):
    """Sent, no answer: the items stay owed as ``unknown`` and are sent again, the same, by the next run."""


@dataclass
class ReportRun:
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    unknown: int = 0
    failed: str = ""
    errors: dict[str, str] = field(default_factory=dict)


class BadRecordService:
    def __init__(self, store: BadRecordStore, platform: CreditPlatform, clock: Clock):
        self._store, self._platform, self._clock = store, platform, clock

    def record(self, kind: str, subject_id: str, subject_name: str, business_id: str, amount: Decimal,
               evidence_reference: str, reason: str, actor: Principal) -> BadRecord:
        """登记: one record per kind and business — recording the same case twice is the same record."""
        if kind not in KINDS:
            raise ValidationFailed("不良信息类型不正确", code="BAD_RECORD_KIND_INVALID")
        if amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise ValidationFailed("金额应为非负、精确到分", code="BAD_RECORD_AMOUNT_INVALID")
        if not reason.strip() or not evidence_reference.strip():
            raise ValidationFailed("请填写认定事由并上传证据材料", code="BAD_RECORD_EVIDENCE_REQUIRED")
        amount = amount.quantize(Decimal("0.01"))  # to the fen, as it is shown and published: 9600.5 → 9600.50
        record_id = "BAD-" + hashlib.sha256(f"{kind}|{business_id.strip().upper()}".encode()).hexdigest()[:16].upper()
        kept = self._store.get(record_id)
        if kept is not None:
            return kept
        record = BadRecord(record_id, kind, KINDS[kind][0], subject_id.strip().upper(), subject_name.strip(),
                           business_id.strip(), amount, evidence_reference.strip(), "recorded",
                           (Step("record", actor.subject, actor.name, self._clock.now(), reason.strip()),))
        self._store.add(record)
        return record

    def decide(self, record_id: str, action: str, reason: str, actor: Principal) -> BadRecord:
        found = self.get(record_id)
        step = TRANSITIONS.get((found.state, action))
        if step is None:
            raise Conflict(f"“{STATES[found.state]}”的记录不能“{ACTIONS.get(action, action)}”",
                           code="BAD_RECORD_STATE_INVALID")
        following, role = step
        if role not in actor.roles:
            raise Forbidden("该环节不属于当前岗位", code="FORBIDDEN_ROLE")
        if action in ("approve", "reject") and actor.subject == found.steps[0].by:
            raise Forbidden("登记人不能审核本人登记的不良信息", code="FOUR_EYES")
        if not reason.strip():
            raise ValidationFailed("请填写原因", code="CHANGE_REASON_REQUIRED")
        changed = replace(found, state=following,
                          steps=found.steps + (Step(action, actor.subject, actor.name, self._clock.now(),
                                                    reason.strip()),),
                          decided_on=business_date(self._clock) if action == "approve" else found.decided_on,
                          version=found.version + 1)
        changed = _owing(changed)
        self._store.save(changed, found.version)
        return changed

    def get(self, record_id: str) -> BadRecord:
        found = self._store.get(record_id)
        if found is None:
            raise BadRecordNotFound()
        return found

    def in_state(self, state: str) -> list[BadRecord]:
        if state not in STATES:
            raise ValidationFailed("状态不正确", code="BAD_RECORD_STATE_INVALID")
        return self._store.in_state(state)

    def report(self, limit: int = 100) -> ReportRun:
        """上报: what the platform is owed, in one batch; receipts settle each item."""
        owed = self._store.owed()[:limit]
        run = ReportRun(sent=len(owed))
        if not owed:
            return run
        items = [(r.item_id(), r.owed or "", _fields(r)) for r in owed]
        try:
            receipts = {x.item_id: x for x in self._platform.report(items)}
        except ReportUnknown:
            for r in owed:
                self._store.save(replace(r, report_state="unknown", version=r.version + 1), r.version)
            run.unknown = len(owed)
            return run
        except Exception as failed:  # nothing was taken (refused, down): all stay pending for the next run
            run.failed = getattr(failed, "message", str(failed))
            return run
        for r in owed:
            got = receipts.get(r.item_id())
            if got is None:  # the platform did not speak of it: as if unanswered
                self._store.save(replace(r, report_state="unknown", version=r.version + 1), r.version)
                run.unknown += 1
            elif got.accepted:
                self._store.save(replace(r, published=r.owed == "publish", owed=None, owed_item="", report_state=None,
                                         receipt=got.number, report_error="", version=r.version + 1), r.version)
                run.accepted += 1
            else:
                self._store.save(replace(r, report_state="pending", report_error=got.message,
                                         version=r.version + 1), r.version)
                run.rejected += 1
                run.errors[r.record_id] = got.message
        return run


def _owing(r: BadRecord) -> BadRecord:
    """What the platform must now be told, from the state and what it shows — or may show: a publication sent
    without an answer may have arrived, so taking it down then is told too (removing what is not shown is harmless)."""
    should_show = r.state in ("approved", "objected")
    maybe_shown = r.published or (r.owed == "publish" and r.report_state == "unknown")
    if (should_show and r.owed == "publish") or (not should_show and r.owed == "remove"):
        return r  # already owed, under the item id it was first sent as
    if should_show and not r.published:
        return replace(r, owed="publish", owed_item=f"{r.record_id}-P{r.version}", report_state="pending",
                       report_error="")
    if not should_show and maybe_shown:
        return replace(r, owed="remove", owed_item=f"{r.record_id}-R{r.version}", report_state="pending",
                       report_error="")
    return replace(r, owed=None, owed_item="", report_state=None)


def _fields(r: BadRecord) -> dict[str, Any]:
    approval = next((s for s in reversed(r.steps) if s.action in ("approve", "uphold")), r.steps[0])
    return {"subject_kind": r.subject_kind, "subject_id": r.subject_id, "subject_name": r.subject_name,
            "kind": r.kind, "kind_name": KINDS[r.kind][1], "business_id": r.business_id, "amount": str(r.amount),
            "decided_on": (r.decided_on or approval.at.date()).isoformat(), "reason": approval.reason}
