"""In-memory loan store and financial ledger, with the same conditions as the real ones."""

from __future__ import annotations

import copy
import threading

from hpf.common.errors import Conflict


class FakeLoanStore:
    def __init__(self) -> None:
        self.loans: dict = {}
        self.detail_rows: dict = {}  # (loan no, detail id) → detail
        self.batches: dict = {}
        self.events: list = []
        self._lock = threading.Lock()

    def get(self, loan_no):  # type: ignore[no-untyped-def]
        with self._lock:
            found = self.loans.get(loan_no)
            return copy.deepcopy(found) if found else None

    def add(self, loan) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            if loan.loan_no in self.loans:
                raise Conflict(code="LOAN_EXISTS")
            loan.version = 1
            self.loans[loan.loan_no] = copy.deepcopy(loan)

    def save_many(self, loans) -> list[str]:  # type: ignore[no-untyped-def]
        moved = []
        for loan in loans:
            try:
                self.save(loan)
            except Conflict:
                moved.append(loan.loan_no)
        return moved

    def save(self, loan, detail=None, events=()) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            if self.loans[loan.loan_no].version != loan.version:
                raise Conflict(code="CONCURRENT_UPDATE")
            if detail is not None and (loan.loan_no, detail.detail_id) in self.detail_rows:
                raise Conflict(code="LOAN_DETAIL_EXISTS")
            loan.version += 1
            self.loans[loan.loan_no] = copy.deepcopy(loan)
            if detail is not None:
                self.detail_rows[(loan.loan_no, detail.detail_id)] = detail
            self.events += list(events)

    def details(self, loan_no):  # type: ignore[no-untyped-def]
        with self._lock:
            return [d for (n, _), d in self.detail_rows.items() if n == loan_no]

    def detail(self, loan_no, detail_id):  # type: ignore[no-untyped-def]
        with self._lock:
            return self.detail_rows.get((loan_no, detail_id))

    def find_detail(self, detail_id):  # type: ignore[no-untyped-def]
        with self._lock:
            return next((d for (_, i), d in self.detail_rows.items() if i == detail_id), None)

    def of_org(self, org):  # type: ignore[no-untyped-def]
        with self._lock:
            return [copy.deepcopy(ln) for ln in self.loans.values() if ln.org == org]

    def list_by_org(self, org, status, page):  # type: ignore[no-untyped-def]
        from hpf.common.paging import Page, encode_token

        with self._lock:
            after = (page.cursor or {}).get("after", "")
            found = sorted((ln for ln in self.loans.values() if ln.org == org and ln.loan_no > after
                            and (status is None or ln.status is status)), key=lambda ln: ln.loan_no)
        shown = [copy.deepcopy(ln) for ln in found[:page.size]]
        return Page(shown, encode_token({"after": shown[-1].loan_no}) if len(found) > page.size else None)

    def of_borrower(self, id_number):  # type: ignore[no-untyped-def]
        with self._lock:
            return [copy.deepcopy(ln) for ln in self.loans.values() if ln.borrower.id_number == id_number]

    def add_batch(self, batch, event) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            if batch.batch_id in self.batches:
                raise Conflict(code="BATCH_EXISTS")
            self.batches[batch.batch_id] = batch
            self.events.append(event)

    def batch(self, batch_id):  # type: ignore[no-untyped-def]
        return self.batches.get(batch_id)


class FakeFinancialLedger:
    def __init__(self) -> None:
        self.entries: dict = {}

    def post_entry(self, entry) -> None:  # type: ignore[no-untyped-def]
        self.entries.setdefault(entry.entry_id, entry)
