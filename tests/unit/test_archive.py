"""The archive's filing, lifecycle and verification on in-memory stores: filing once whatever the retries and
crashes, and the tamper campaign — bytes, metadata, a log entry, a tree head — each changed and each named."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from hpf.archive.model import ARCHIVE_LIFECYCLE, ArchiveEvent, ArchiveStatus, Category, Document, Retention, Source
from hpf.archive.ports import LogEntry
from hpf.archive.service import ArchiveService
from hpf.archive.treehead import TreeHead, sign_tree_head, tree_heads
from hpf.archive.verify import verify_archive
from hpf.common.clock import FixedClock
from hpf.common.errors import BusinessRuleViolation, ValidationFailed
from tests.fakes.archive import MemoryIndex, MemoryLog, MemoryObjects
from tests.fakes.seal import KeySigner

AT = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.objects, self.index, self.log = MemoryObjects(), MemoryIndex(), MemoryLog()
        self.clock = FixedClock(AT)
        self.archive = ArchiveService(self.objects, self.index, self.log, self.clock)
        self.signer = KeySigner()

    def verify(self):
        return verify_archive(self.objects, self.index, self.log, [self.signer.root_der])

    def head(self) -> TreeHead:
        return sign_tree_head(self.log, self.objects, self.signer, self.clock)


def document(key: str = "HJHD-RMT-1", content: bytes = b"%PDF-1.7 voucher", **changes) -> Document:
    values = dict(document_key=key, title="住房公积金汇（补）缴回单", category=Category.DEPOSIT,
                  retention=Retention.YEARS_30, business_id="RMT-1", subject="360600000001", subject_name="示范公司",
                  org="360600", creator="clerk01", media_type="application/pdf", content=content,
                  source=Source.GENERATED)
    return Document(**{**values, **changes})


def test_a_file_gets_its_metadata_digests_code_and_retention():
    w = World()
    record = w.archive.file(document())
    assert record.archival_code == "YTGJJ-2026-D30-GJ-00000001"
    assert record.size == len(b"%PDF-1.7 voucher") and len(record.sha256) == 64 and len(record.sm3) == 64
    assert record.sha256 != record.sm3
    assert record.retain_until.isoformat() == "2056-11-27" and record.status is ArchiveStatus.COLLECTED
    assert w.objects.retention[record.object_key] == record.retain_until
    assert record.object_key.endswith(record.sha256)
    assert w.archive.content(record) == b"%PDF-1.7 voucher"
    entry = w.log.entries()[0]
    assert json.loads(entry.leaf)["title"] == "住房公积金汇（补）缴回单"


def test_filing_the_same_key_again_files_once():
    w = World()
    first = w.archive.file(document())
    again = w.archive.file(document(content=b"%PDF-1.7 sealed a second time, other bytes"))
    assert again == first and len(w.log.entries()) == 1 and len(w.index.records) == 1
    assert w.verify().intact


def test_a_crash_between_the_log_and_the_index_is_completed_by_the_retry():
    w = World()
    w.log.fail_after_append = True
    with pytest.raises(ConnectionError):
        w.archive.file(document())
    assert w.index.get("HJHD-RMT-1") is None
    found = w.verify()
    assert [f.check for f in found.findings] == ["record_missing"]
    record = w.archive.file(document())
    assert record.log_index == 0 and len(w.log.entries()) == 1
    assert w.verify().intact


def test_a_lost_race_leaves_an_unreferenced_object_and_one_record():
    w = World()
    winner = w.archive.file(document(content=b"winner"))
    # the loser had stored its own bytes before finding the key's log entry made by the winner
    w.objects.put_once("files/GJ/HJHD-RMT-1/loser-digest", b"loser", "application/pdf", winner.retain_until)
    w.index.records.clear()  # and it got to the index first: it must still write the winner's record
    assert w.archive.file(document(content=b"loser")) == winner
    assert w.archive.content(winner) == b"winner" and len(w.log.entries()) == 1
    report = w.verify()
    assert report.intact and report.unreferenced == ["files/GJ/HJHD-RMT-1/loser-digest"]


def test_the_lifecycle_table_over_every_pair():
    allowed = {(ArchiveStatus.COLLECTED, ArchiveEvent.FILE): ArchiveStatus.FILED,
               (ArchiveStatus.FILED, ArchiveEvent.EXTEND): ArchiveStatus.FILED,
               (ArchiveStatus.FILED, ArchiveEvent.PROPOSE_DISPOSAL): ArchiveStatus.DISPOSAL_PROPOSED,
               (ArchiveStatus.DISPOSAL_PROPOSED, ArchiveEvent.REJECT_DISPOSAL): ArchiveStatus.FILED,
               (ArchiveStatus.DISPOSAL_PROPOSED, ArchiveEvent.APPROVE_DISPOSAL): ArchiveStatus.DISPOSED}
    walk_every_pair(ARCHIVE_LIFECYCLE, ArchiveStatus, ArchiveEvent, allowed)


def walk_every_pair(lifecycle, states, events, allowed) -> None:
    """Every (state, event): the table's answer where allowed, its stable refusal everywhere else."""
    for state in states:
        for event in events:
            if (state, event) in allowed:
                assert lifecycle.next(state, event) is allowed[(state, event)]
            else:
                with pytest.raises(BusinessRuleViolation) as refused:
                    lifecycle.next(state, event)
                assert refused.value.code == f"{lifecycle.name}_TRANSITION_NOT_ALLOWED"


def filed_world(n: int = 5) -> World:
    w = World()
    for i in range(n):
        w.archive.file(document(f"DOC-{i}", f"content {i}".encode(), business_id=f"B-{i}"))
    w.head()
    w.archive.file(document("DOC-late", b"after the first head"))
    w.head()
    return w


def test_an_untouched_archive_verifies():
    w = filed_world()
    report = w.verify()
    assert report.intact, report.findings
    assert (report.entries, report.records, report.tree_heads) == (6, 6, 2)
    assert [h.size for h in tree_heads(w.objects)[0]] == [5, 6]


def checks(w: World) -> set[str]:
    return {f.check for f in w.verify().findings}


def test_tamper_campaign_each_change_is_named():
    # 1. the bytes of a file
    w = filed_world()
    w.objects.overwrite(w.index.get("DOC-2").object_key, b"content 2, quietly changed")
    assert checks(w) == {"bytes_differ"}

    # 2. a record's metadata (the index is the editable copy; the log states the original)
    w = filed_world()
    r = w.index.get("DOC-1")
    w.index.records["DOC-1"] = type(r)(**{**vars(r), "subject_name": "另一家公司"})
    assert checks(w) == {"metadata_differs"}

    # 3. a log entry, changed together with its record so they agree: the signed root no longer does
    w = filed_world()
    entry = w.log.items[3]
    leaf = json.loads(entry.leaf)
    leaf["title"] = "被改写的标题"
    w.log.items[3] = LogEntry(entry.index, entry.key, json.dumps(leaf, ensure_ascii=False, sort_keys=True,
                                                                   separators=(",", ":")).encode(), entry.at)
    r = w.index.get("DOC-3")
    w.index.records["DOC-3"] = type(r)(**{**vars(r), "title": "被改写的标题"})
    assert checks(w) == {"tree_head_root"}

    # 4. a tree head: its root rewritten to match a rewritten log fails the signature
    w = filed_world()
    key = "log/tree-heads/000000000005.json"
    head = TreeHead.from_json(w.objects.get_latest(key))
    w.objects.overwrite(key, TreeHead(head.size, "00" * 32, head.at, head.seal_code, head.signature,
                                      head.certificate).to_json())
    assert checks(w) == {"tree_head_signature"}

    # 5. an entry removed from the middle of the log
    w = filed_world()
    del w.log.items[2]
    assert {"log_gap", "entry_missing"} <= checks(w)


def test_a_head_signed_by_another_key_is_not_trusted():
    w = filed_world()
    stranger = KeySigner()
    sign_tree_head(w.log, w.objects, stranger, w.clock)  # would be size 6 again: the write-once key keeps ours
    assert w.verify().intact
    w.archive.file(document("DOC-extra", b"x"))
    sign_tree_head(w.log, w.objects, stranger, w.clock)
    assert checks(w) == {"tree_head_signature"}


def archivist():
    from hpf.identity.principal import Principal
    from hpf.identity.roles import Role

    return Principal(subject="archivist01", kind="staff", roles=frozenset({Role.ARCHIVIST}), org="360600")


def test_lifecycle_steps_are_logged_and_the_lock_only_grows():
    w = World()
    w.archive.file(document())
    filed = w.archive.transition("HJHD-RMT-1", ArchiveEvent.FILE, archivist(), "年度归档")
    assert (filed.status, filed.transitions) == (ArchiveStatus.FILED, 1)
    extended = w.archive.transition("HJHD-RMT-1", ArchiveEvent.EXTEND, archivist(), "涉诉，延长保管", extend_years=10)
    assert extended.retain_until.isoformat() == "2066-11-27"
    assert w.objects.retention[extended.object_key].isoformat() == "2066-11-27"
    with pytest.raises(BusinessRuleViolation):
        w.archive.transition("HJHD-RMT-1", ArchiveEvent.APPROVE_DISPOSAL, archivist(), "未经鉴定不能销毁")
    steps = [json.loads(e.leaf) for e in w.log.entries() if json.loads(e.leaf).get("type") == "status"]
    assert [(s["event"], s["to"], s["actor"]) for s in steps] == [("file", "filed", "archivist01"),
                                                                  ("extend", "filed", "archivist01")]
    w.head()
    assert w.verify().intact


def test_a_step_logged_but_not_recorded_is_completed_by_the_retry_not_repeated():
    w = World()
    w.archive.file(document())
    w.log.fail_after_append = True
    with pytest.raises(ConnectionError):
        w.archive.transition("HJHD-RMT-1", ArchiveEvent.FILE, archivist(), "年度归档")
    assert checks(w) == {"metadata_differs"}  # the log is ahead of the record: named until completed
    again = w.archive.transition("HJHD-RMT-1", ArchiveEvent.FILE, archivist(), "年度归档")
    assert again.transitions == 1 and len(w.log.entries()) == 2
    assert w.verify().intact


def test_a_status_changed_behind_the_logs_back_is_named():
    w = World()
    w.archive.file(document())
    w.archive.transition("HJHD-RMT-1", ArchiveEvent.FILE, archivist(), "年度归档")
    r = w.index.get("HJHD-RMT-1")
    w.index.records["HJHD-RMT-1"] = type(r)(**{**vars(r), "status": ArchiveStatus.DISPOSED})
    found = w.verify().findings
    assert [(f.check, "status" in f.detail) for f in found] == [("metadata_differs", True)]


def test_staff_of_another_office_cannot_move_a_record():
    from hpf.common.errors import Forbidden
    from hpf.identity.principal import Principal
    from hpf.identity.roles import Role

    w = World()
    w.archive.file(document())
    outsider = Principal(subject="a2", kind="staff", roles=frozenset({Role.ARCHIVIST}), org="360681")
    with pytest.raises(Forbidden):
        w.archive.transition("HJHD-RMT-1", ArchiveEvent.FILE, outsider, "归档")


# -- borrowing (7.5.14) and alerts (7.5.15) ------------------------------------------------------------------


def staff(subject: str, role, org: str = "360600"):
    from hpf.identity.principal import Principal

    return Principal(subject=subject, kind="staff", roles=frozenset({role}), name=subject, org=org)


def borrowing_world():
    from hpf.archive.borrowing import BorrowingService
    from tests.fakes.archive import MemoryBorrowings

    w = World()
    w.archive.file(document())
    return w, BorrowingService(MemoryBorrowings(), w.archive, w.clock)


def test_the_borrowing_table_over_every_pair():
    from hpf.archive.borrowing import BORROWING_LIFECYCLE, BorrowingEvent, BorrowingStatus

    allowed = {(BorrowingStatus.REQUESTED, BorrowingEvent.APPROVE): BorrowingStatus.APPROVED,
               (BorrowingStatus.REQUESTED, BorrowingEvent.REJECT): BorrowingStatus.REJECTED,
               (BorrowingStatus.APPROVED, BorrowingEvent.RETURN): BorrowingStatus.RETURNED}
    walk_every_pair(BORROWING_LIFECYCLE, BorrowingStatus, BorrowingEvent, allowed)


def test_a_borrowing_from_request_to_return_with_every_step_logged():

    from hpf.archive.borrowing import BorrowingStatus
    from hpf.common.errors import Forbidden
    from hpf.identity.roles import Role

    w, borrowings = borrowing_world()
    auditor, keeper = staff("auditor01", Role.AUDITOR), staff("archivist01", Role.ARCHIVIST)
    asked = borrowings.request("AUD-2026-0001", "HJHD-RMT-1", "稽核抽查汇缴凭证", 7, auditor)
    assert borrowings.request("AUD-2026-0001", "HJHD-RMT-1", "稽核抽查汇缴凭证", 7, auditor) == asked  # a retry
    with pytest.raises(BusinessRuleViolation) as not_yet:
        borrowings.view(asked.borrowing_id, auditor)
    assert not_yet.value.code == "BORROWING_NOT_APPROVED"
    with pytest.raises(BusinessRuleViolation) as own:
        borrowings.decide(asked.borrowing_id, True, "同意", staff("auditor01", Role.ARCHIVIST))
    assert own.value.code == "OWN_BORROWING"
    with pytest.raises(Forbidden):  # an archivist of another office
        borrowings.decide(asked.borrowing_id, True, "同意", staff("a-gx", Role.ARCHIVIST, org="360681"))
    approved = borrowings.decide(asked.borrowing_id, True, "同意，限阅7天", keeper)
    assert approved.status is BorrowingStatus.APPROVED and approved.due_on.isoformat() == "2026-12-04"
    _, record, url = borrowings.view(asked.borrowing_id, auditor)
    assert record.document_key == "HJHD-RMT-1" and url.startswith("memory://")
    with pytest.raises(Forbidden):
        borrowings.view(asked.borrowing_id, staff("clerk01", Role.COUNTER_CLERK))

    w.clock.advance(days=8)
    with pytest.raises(BusinessRuleViolation) as late:
        borrowings.view(asked.borrowing_id, auditor)
    assert late.value.code == "BORROWING_EXPIRED"
    assert [b.borrowing_id for b in borrowings.overdue()] == [asked.borrowing_id]
    returned = borrowings.return_(asked.borrowing_id, auditor)
    assert returned.status is BorrowingStatus.RETURNED and borrowings.overdue() == []

    logged = [json.loads(e.leaf) for e in w.log.entries() if json.loads(e.leaf).get("type") == "borrowing"]
    assert [(x["event"], x["actor"]) for x in logged] == [("request", "auditor01"), ("approve", "archivist01"),
                                                          ("return", "auditor01")]
    w.head()
    assert w.verify().intact


def test_a_step_stored_but_not_logged_is_logged_at_the_next_touch():
    from hpf.identity.roles import Role

    w, borrowings = borrowing_world()
    auditor = staff("auditor01", Role.AUDITOR)
    asked = borrowings.request("AUD-2026-0002", "HJHD-RMT-1", "稽核抽查", 3, auditor)
    w.log.items = [e for e in w.log.items if not e.key.endswith("#request")]  # the crash took the log write
    borrowings.get(asked.borrowing_id, auditor)
    assert [e.key for e in w.log.entries()][-1] == f"{asked.borrowing_id}#request"


def test_alerts_name_ending_retention_late_filing_and_overdue_borrowings():

    from hpf.archive.alerts import ArchiveAlerts
    from hpf.identity.roles import Role

    w, borrowings = borrowing_world()
    keeper = staff("archivist01", Role.ARCHIVIST)
    w.archive.file(document("STMT-1", b"statement", retention=Retention.YEARS_10))
    w.archive.transition("STMT-1", ArchiveEvent.FILE, keeper, "归档")
    asked = borrowings.request("AUD-2026-0003", "HJHD-RMT-1", "稽核抽查", 2, staff("auditor01", Role.AUDITOR))
    borrowings.decide(asked.borrowing_id, True, "同意", keeper)
    last = {"at": "2026-11-27T03:00:00+08:00", "intact": True, "findings": []}
    alerts = ArchiveAlerts(w.archive, borrowings, lambda: last, w.clock)

    now = alerts.for_office(keeper)
    assert (now.retention_ending, now.unfiled, now.overdue_borrowings) == ([], [], [])
    w.clock.advance(days=40)
    later = alerts.for_office(keeper)
    assert [r.document_key for r in later.unfiled] == ["HJHD-RMT-1"]  # collected 40 days ago, not filed
    assert [b.borrowing_id for b in later.overdue_borrowings] == [asked.borrowing_id]
    w.clock.advance(days=365 * 10 - 200)
    assert [r.document_key for r in alerts.for_office(keeper).retention_ending] == ["STMT-1"]
    assert alerts.for_office(staff("a-gx", Role.ARCHIVIST, org="360681")).overdue_borrowings == []
    assert later.integrity == last


# -- recognised text (7.5.10) ---------------------------------------------------------------------------------


def test_recognised_text_is_stored_logged_searched_in_scope_and_checked():
    from hpf.archive.text import ArchiveText, RecognisedText
    from hpf.identity.roles import Role
    from tests.fakes.archive import MemoryTexts

    w = World()
    w.archive.file(document("UPL-1", b"png bytes", media_type="image/png"))
    w.archive.file(document("UPL-2", b"json bytes", media_type="application/json"))
    read = []

    def engine(content: bytes, media_type: str) -> list[str]:
        read.append(content)
        return ["购房合同备案编号", "赣鹰潭网签 2026001234"]

    texts = MemoryTexts()
    service = ArchiveText(w.archive, texts, engine, "test-engine")
    text = service.recognise("UPL-1")
    assert text.lines == ("购房合同备案编号", "赣鹰潭网签 2026001234") and read == [b"png bytes"]
    assert service.recognise("UPL-1") == text and len(read) == 1  # a redelivered message reads nothing again
    assert service.recognise("UPL-2") is None  # not a scan (a data snapshot)
    clerk = staff("clerk01", Role.COUNTER_CLERK)
    assert [r.document_key for r, _ in service.search("鹰潭网签2026", clerk)] == ["UPL-1"]  # spaces ignored
    assert service.search("鹰潭网签2026", staff("clerk-gx", Role.COUNTER_CLERK, org="360681")) == []
    with pytest.raises(ValidationFailed) as short:
        service.search("购", clerk)
    assert short.value.code == "SEARCH_TOO_SHORT"

    assert verify_archive(w.objects, w.index, w.log, [w.signer.root_der], texts).intact
    texts.items["UPL-1"] = RecognisedText("UPL-1", "360600", ("改过的文字",), "test-engine")
    found = verify_archive(w.objects, w.index, w.log, [w.signer.root_der], texts).findings
    assert [(f.check, f.subject) for f in found] == [("text_differs", "UPL-1")]


# -- shared e-licences (7.5.7) --------------------------------------------------------------------------------


class FakeLibrary:
    """The e-licence library's side: one licence, one code that covers it."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str]] = []

    def fetch(self, licence_type, holder_id, authorization_code, purpose):
        from hpf.archive.licences import Licence, LicenceRefused

        self.asked.append((licence_type, holder_id, authorization_code))
        if authorization_code != "GOODCODE123":
            raise LicenceRefused()
        return Licence("36PR0000000001", licence_type, "李华", holder_id, "鹰潭市不动产登记中心", AT.date(), None,
                       "valid", b"%PDF-1.7 licence")


def test_a_shared_licence_is_used_under_its_authorization_filed_once_and_every_use_logged():
    from hpf.archive.licences import LicenceRefused, SharedLicences
    from hpf.identity.roles import Role

    w, library = World(), FakeLibrary()
    licences = SharedLicences(w.archive, library)
    clerk = staff("clerk01", Role.COUNTER_CLERK)
    holder = "360602199001011237"
    first = licences.use("PROPERTY", holder, "GOODCODE123", "WDR-1", "提取核验不动产权", clerk)
    assert (first.source.value, first.subject, first.business_id) == ("shared_licence", holder, "WDR-1")
    assert "不动产权证书" in first.title and "36PR0000000001" in first.title
    again = licences.use("PROPERTY", holder, "GOODCODE123", "WDR-2", "另一笔业务", clerk)
    assert again == first  # the same licence file is archived once
    with pytest.raises(LicenceRefused):
        licences.use("PROPERTY", holder, "STOLENCODE1", "WDR-3", "无授权", clerk)
    uses = [json.loads(e.leaf) for e in w.log.entries() if json.loads(e.leaf).get("type") == "licence_use"]
    assert [(u["business_id"], u["actor"]) for u in uses] == [("WDR-1", "clerk01"), ("WDR-2", "clerk01"),
                                                              ("WDR-3", "clerk01")]  # the refused one too
    assert all("GOODCODE" not in e.leaf.decode() and "STOLEN" not in e.leaf.decode() for e in w.log.entries())
    with pytest.raises(ValidationFailed) as unknown:
        licences.use("PASSPORT", holder, "GOODCODE123", "WDR-4", "不支持", clerk)
    assert unknown.value.code == "LICENCE_TYPE_UNKNOWN"
    w.head()
    assert w.verify().intact


def test_an_approval_ends_with_its_signed_form_and_a_failed_form_is_completed_by_the_same_decision():
    from hpf.archive.borrowing import BorrowingService, BorrowingStatus
    from hpf.identity.roles import Role
    from hpf.seal.port import SealUnavailable
    from tests.fakes.archive import MemoryBorrowings

    w = World()
    w.archive.file(document())
    forms, seal_down = [], [True]

    def approval_form(borrowing, approver):
        if seal_down[0]:
            raise SealUnavailable()
        forms.append((borrowing.borrowing_id, borrowing.borrower, approver.subject))

    borrowings = BorrowingService(MemoryBorrowings(), w.archive, w.clock, approval_form)
    keeper = staff("archivist01", Role.ARCHIVIST)
    asked = borrowings.request("AUD-2026-0009", "HJHD-RMT-1", "稽核抽查", 3, staff("auditor01", Role.AUDITOR))
    with pytest.raises(SealUnavailable):
        borrowings.decide(asked.borrowing_id, True, "同意", keeper)
    assert borrowings.get(asked.borrowing_id, keeper).status is BorrowingStatus.APPROVED  # the decision stands
    seal_down[0] = False
    again = borrowings.decide(asked.borrowing_id, True, "同意", keeper)  # the same decision: the form completes
    assert again.status is BorrowingStatus.APPROVED
    assert forms == [(asked.borrowing_id, "auditor01", "archivist01")]
    with pytest.raises(BusinessRuleViolation):  # a different decision is still refused
        borrowings.decide(asked.borrowing_id, False, "改为驳回", keeper)
