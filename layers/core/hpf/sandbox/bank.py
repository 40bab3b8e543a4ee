"""A bank's settlement front, runnable: it speaks the BDC protocol over framed TCP, keeps accounts, balances and
statements, books payments and collections once per serial, answers result, balance, detail and line-number
queries — and injects the faults a real bank link produces, on demand.

Faults (``inject``), each for the next ``times`` matching messages:
- ``delay``: book, then answer only after ``seconds`` (past the center's timeout: the outcome becomes unknown);
- ``drop_after_book``: book, then close the connection without answering;
- ``drop_before_book``: close the connection without booking (the request was lost);
- ``fail``: answer HostStatus 4 (failure), book nothing;
- ``uncertain``: answer HostStatus 5 (result uncertain); ``booked`` says whether the transfer really happened —
  the result query tells the truth later;
- ``refuse``: answer TxStatus 1 (message refused, e.g. the host is busy; with tx_code ``BDC001``, sign-in refused);
- ``duplicate_notice``, ``late_notice`` (tx_code ``SBDC100``): the next arrival notice is pushed twice, or held
  back and pushed after the one that follows it (out of order);
- ``late_batch`` (tx_code ``BDC107``): the batch's results are late — the next ``times`` result queries say
  "still processing" although the bank has booked the lines.

A batch (BDC103 payouts, BDC104 collections, BDC105 loan deduction) is booked line by line when it arrives — each
line moves money between the special account and the line's account, or fails on its own (no such account, not
enough money) — and its results wait for the result query (BDC107) and the download (BDC108). The same serial
again is the same batch.

Money paid in from outside (a unit's transfer, ``receive_transfer``) is booked on the special account and
announced to the center with an account-change notice (SBDC100) through whoever subscribed (the center's front).

A sandbox speaks one dialect (``profile``, dialect.py) and is strict about it, as a bank front would be: a
transaction code or field name of ours that its dialect replaced is refused, and so are frames padded or XML
declared otherwise than its profile says — so a test against a sandbox on a foreign profile proves the center
speaks that dialect. Its replies carry the profile's additions (``reply_extras``) and all twelve head fields.
"""

from __future__ import annotations

import itertools
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hpf.common.clock import SHANGHAI, Clock, SystemClock
from hpf.settlement.bdc.ciphers import cipher_suite
from hpf.settlement.bdc.dialect import OURS, BankProfile
from hpf.settlement.bdc.message import (
    BdcMessage,
    MalformedMessage,
    amount,
    from_xml,
    money,
    to_xml,
    validate_request,
)
from hpf.settlement.bdc.transport import (
    CipherError,
    FrameError,
    SessionCipher,
    encode_frame,
    read_frame,
)

# A few Jiangxi bank branches for the line-number queries (联行号): bank code, 12-digit line number, name, area.
LINE_NUMBERS = [
    ("102", "102427000018", "中国工商银行股份有限公司鹰潭分行", "4270"),
    ("103", "103427000010", "中国农业银行股份有限公司鹰潭分行", "4270"),
    ("104", "104427000016", "中国银行股份有限公司鹰潭分行", "4270"),
    ("105", "105427000019", "中国建设银行股份有限公司鹰潭分行", "4270"),
    ("105", "105427100017", "中国建设银行股份有限公司贵溪支行", "4271"),
    ("313", "313427000012", "上饶银行股份有限公司鹰潭分行", "4270"),
    ("105", "105421000016", "中国建设银行股份有限公司南昌分行", "4210"),
]


@dataclass
class StatementLine:
    tx_date: str
    tx_time: str
    host_seq_no: str
    dc_flag: str  # D out, C in
    amount: Decimal
    balance: Decimal
    opp_acct_no: str
    opp_acct_name: str
    summary: str
    ref_seq_no: str


@dataclass
class Account:
    acct_no: str
    name: str
    balance: Decimal
    lines: list[StatementLine] = field(default_factory=list)


@dataclass
class Card:
    """A personal card (个人银行账户) the bank issued: who holds it, its class (I/II/III), whether it is usable."""

    card_no: str
    name: str
    id_number: str
    acct_class: str = "1"
    usable: bool = True


@dataclass
class Booking:
    """What the bank did with one request (date + serial): the result query reads it."""

    tx_code: str
    host_status: str  # 1 booked, 4 failed, 5 uncertain (until the truth is known)
    host_seq_no: str
    amount: Decimal
    booked: bool


@dataclass
class BatchJob:
    """A batch the bank took (date + serial): each line's result, for BDC107/BDC108."""

    tx_code: str
    results: list[dict[str, str]]


@dataclass
class Fault:
    kind: str
    tx_code: str
    times: int
    seconds: float = 0.0
    booked: bool = True


class BankSandbox:
    def __init__(self, bank: str, name: str, node: str, master_key: bytes, profile: BankProfile = OURS,
                 keys: dict[str, str] | None = None):
        self.bank, self.name, self.node = bank, name, node
        self.profile = profile
        self._suite = cipher_suite(profile.cipher)
        self._keys = {**({"master_key": master_key.hex()} if master_key else {}), **(keys or {})}
        self._extra_codes = profile.extra_codes()
        self._lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.bookings: dict[tuple[str, str], Booking] = {}
        self.batches: dict[tuple[str, str], BatchJob] = {}
        self.cards: dict[str, Card] = {}
        self.received: list[BdcMessage] = []  # every valid request, in arrival order: tests read what arrived
        self._faults: list[Fault] = []
        self._host_seq = itertools.count(1)
        self._server: socketserver.ThreadingTCPServer | None = None
        # The other sandboxes, as CNAPS (大额支付系统) connects the banks: a payee at another bank is credited there.
        self.network: dict[str, BankSandbox] = {}
        self._subscribers: list[Any] = []  # callables taking an SBDC100 BdcMessage: the center's front
        self._held: list[BdcMessage] = []  # a notice held back (late_notice)
        self._notice_seq = itertools.count(1)
        # The bank's own clock: its statement dates and answers. A test of a month's deductions moves it together
        # with the platform's (the deduction of an installment due next month is booked "next month").
        self.clock: Clock = SystemClock()
        self._session_epoch = 0  # forget_sessions() moves it: every open session ends, as at a restart

    # -- control ---------------------------------------------------------------------------------------------
    def open_account(self, acct_no: str, name: str, balance: Decimal | str = "0.00") -> Account:
        with self._lock:
            account = Account(acct_no, name, Decimal(balance))
            self.accounts[acct_no] = account
            return account

    def issue_card(self, card_no: str, name: str, id_number: str, acct_class: str = "1",
                   usable: bool = True) -> Card:
        with self._lock:
            card = Card(card_no, name, id_number, acct_class, usable)
            self.cards[card_no] = card
            if card_no not in self.accounts:
                self.accounts[card_no] = Account(card_no, name, Decimal("0.00"))
            return card

    def subscribe(self, receiver: Any) -> None:
        self._subscribers.append(receiver)

    def receive_transfer(self, to_account: str, from_account: str, from_name: str, amount: Decimal | str,
                         memo: str) -> str:
        """A transfer from outside into an account here (a unit paying its remittance, memo = the list's id):
        booked, then announced with an arrival notice. Returns the bank's serial of it."""
        value = Decimal(amount)
        now = self.clock.now().astimezone(SHANGHAI)
        with self._lock:
            account = self.accounts[to_account]
            host_seq_no = f"{self.bank}{next(self._host_seq):012d}"
            account.balance += value
            line = StatementLine(now.strftime("%Y%m%d"), now.strftime("%H%M%S"), host_seq_no, "C", value,
                                 account.balance, from_account, from_name, "转账存入", memo)
            account.lines.append(line)
            fault = self._take_fault("SBDC100")
        self._announce(account.acct_no, line, fault)
        return host_seq_no

    def _announce(self, acct_no: str, line: StatementLine, fault: Fault | None) -> None:
        notice = BdcMessage(
            {"TxCode": "SBDC100", "SendNode": self.node, "ReceiveNode": "C36060", "SendDate": line.tx_date,
             "SendTime": line.tx_time, "SendSeqNo": f"N{self.node}{next(self._notice_seq):012d}",
             "TxUnitNo": "360600000000001", "OperNo": "BANK"},
            {"AcctNo": acct_no, "NoticeSeqNo": f"{self.bank}{line.host_seq_no}", "TxDate": line.tx_date,
             "TxTime": line.tx_time, "HostSeqNo": line.host_seq_no, "DcFlag": line.dc_flag, "Amt": money(line.amount),
             "Balance": money(line.balance), "OppAcctNo": line.opp_acct_no, "OppAcctName": line.opp_acct_name,
             "Summary": line.summary, "RefSeqNo": line.ref_seq_no})
        validate_request(notice)
        if fault is not None and fault.kind == "late_notice":
            self._held.append(notice)  # goes out after the next one
            return
        outgoing = [notice, notice] if fault is not None and fault.kind == "duplicate_notice" else [notice]
        outgoing += self._held
        self._held = []
        for message in outgoing:
            for receiver in self._subscribers:
                receiver(message)

    def deposit(self, acct_no: str, amount: Decimal | str, memo: str = "现金存入") -> None:
        """Money paid in at the bank's counter (a borrower tops up the repayment card): no notice to the center."""
        value = Decimal(amount)
        now = self.clock.now().astimezone(SHANGHAI)
        with self._lock:
            account = self.accounts[acct_no]
            account.balance += value
            account.lines.append(StatementLine(now.strftime("%Y%m%d"), now.strftime("%H%M%S"),
                                               f"{self.bank}{next(self._host_seq):012d}", "C", value,
                                               account.balance, "", "", memo, ""))

    def balance(self, acct_no: str) -> Decimal:
        with self._lock:
            return self.accounts[acct_no].balance

    def inject(self, kind: str, tx_code: str = "BDC101", times: int = 1, *, seconds: float = 0.0,
               booked: bool = True) -> None:
        if kind not in {"delay", "drop_after_book", "drop_before_book", "fail", "uncertain", "refuse",
                        "duplicate_notice", "late_notice", "late_batch"}:
            raise ValueError(f"unknown fault {kind}")
        with self._lock:
            self._faults.append(Fault(kind, tx_code, times, seconds, booked))

    def forget_sessions(self) -> None:
        """The front restarts its session table: connections stay open, but every session is gone."""
        with self._lock:
            self._session_epoch += 1

    def clear_faults(self) -> None:
        """Forget the faults not yet used (a campaign injects one per business and moves on)."""
        with self._lock:
            self._faults.clear()

    def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        sandbox = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sandbox._serve(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer((host, port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name=f"bank-{self.bank}", daemon=True).start()
        host_bound, port_bound = self._server.server_address[:2]
        return str(host_bound), int(port_bound)

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- one connection -------------------------------------------------------------------------------------
    def _serve(self, sock: socket.socket) -> None:
        session: SessionCipher | None = None  # set at sign-in (a clear "session" when the cipher is none)
        epoch = self._session_epoch
        while True:
            try:
                frame = read_frame(sock)
            except (FrameError, OSError):
                return
            if epoch != self._session_epoch:
                session, epoch = None, self._session_epoch
            data = frame.body
            try:
                if frame.padding != self.profile.padding * len(frame.padding):
                    raise MalformedMessage("BAD_FRAME", f"报文头填充应为0x{self.profile.padding.hex()}")
                if frame.encrypted:
                    if session is None or not self._suite.encrypts:
                        # It cannot read which message this is: the refusal names the sign-in it needs.
                        self._reply(sock, None, self._refusal("BDC001", "NOT_SIGNED_IN", "未签到，请先签到", ""))
                        continue
                    data = session.decrypt(data)
                self._check_declaration(data)
                request = self.profile.incoming(from_xml(data, self.profile.encoding), strict=True)
                spec = validate_request(request, self._extra_codes)
            except (MalformedMessage, CipherError) as error:
                code = getattr(error, "code", "BAD_CIPHER")
                raw = _raw_tx_code(data)  # the refusal names the code as the request named it
                self._reply(sock, session if frame.encrypted else None,
                            self._refusal(raw or "SYS600", code, str(error), ""), as_named=raw)
                continue
            with self._lock:
                self.received.append(request)
            sender = request.head.get("SendNode", "")
            if request.tx_code == "BDC001":
                if self._take_fault("BDC001"):
                    self._reply(sock, None, self._refusal("BDC001", "SIGN_IN_REFUSED", "签到被拒：中心节点未登记", sender))
                    continue
                hand_key, session = self._suite.issue_session(self._keys)
                self._reply(sock, None, self._answer(request, {"HandKey": self.profile.encode_hand_key(hand_key)}))
                continue
            if spec.encrypted and session is None:
                self._reply(sock, None, self._refusal(request.tx_code, "NOT_SIGNED_IN", "未签到，请先签到", sender))
                continue
            if spec.encrypted and self._suite.encrypts and not frame.encrypted:
                self._reply(sock, None, self._refusal(request.tx_code, "NOT_ENCRYPTED", "业务报文须加密", sender))
                continue
            fault = self._take_fault(request.tx_code)
            if fault and fault.kind == "drop_before_book":
                return
            if fault and fault.kind == "refuse":
                self._reply(sock, session if frame.encrypted else None,
                            self._refusal(request.tx_code, "HOST_BUSY", "银行主机忙，请稍后再试", sender))
                continue
            response = self._handle(request, fault)
            if fault and fault.kind == "drop_after_book":
                return
            if fault and fault.kind == "delay":
                time.sleep(fault.seconds)
            try:
                self._reply(sock, session if frame.encrypted else None, response)
            except OSError:
                return
            if request.tx_code == "BDC002":
                session = None  # signed out: business messages need a new sign-in

    def _check_declaration(self, data: bytes) -> None:
        start = data[:60]
        style = "double" if start.startswith(b'<?xml version="') else \
            "single" if start.startswith(b"<?xml version='") else "none"
        if style != self.profile.declaration:
            raise MalformedMessage("BAD_XML", f"XML声明应为{self.profile.declaration}，收到{style}")

    def _reply(self, sock: socket.socket, session: SessionCipher | None, message: BdcMessage,
                as_named: str = "") -> None:
        wire = self.profile.outgoing(message)
        if as_named:
            wire.head["TxCode"] = as_named
        if message.ok:  # what this bank adds to its answers, in its own names
            wire.body.update({**self.profile.reply_extras.get("*", {}),
                              **self.profile.reply_extras.get(message.tx_code, {})})
        body = to_xml(wire, self.profile.declaration, self.profile.encoding)
        if session is not None:
            body = session.encrypt(body)
        sock.sendall(encode_frame(self.node, session is not None, body, self.profile.padding))

    def _take_fault(self, tx_code: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.tx_code == tx_code and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    # -- business ----------------------------------------------------------------------------------------------
    def _handle(self, request: BdcMessage, fault: Fault | None) -> BdcMessage:
        handler = {"SYS600": self._probe, "BDC002": self._probe, "BDC101": self._pay, "BDC102": self._collect,
                   "BDC103": self._take_batch, "BDC104": self._take_batch, "BDC105": self._take_batch,
                   "BDC107": self._batch_status, "BDC108": self._batch_results,
                   "BDC110": self._result, "BDC123": self._balance, "BDC113": self._detail,
                   "BDC112": self._line_numbers, "BDC200": self._line_numbers,
                   "BDC300": self._check_card}.get(request.tx_code)
        if handler is None or not self.profile.offers(request.tx_code):
            return self._refusal(request.tx_code, "UNSUPPORTED", "本行不支持该交易")
        with self._lock:
            return handler(request, fault)

    def _probe(self, request: BdcMessage, fault: Fault | None) -> BdcMessage:
        return self._answer(request, {})

    def _pay(self, request: BdcMessage, fault: Fault | None) -> BdcMessage:
        b = request.body
        return self._book(request, fault, debit=b["DeAcctNo"], credit=b["CrAcctNo"],
                          debit_name=b["DeAcctName"], credit_name=b["CrAcctName"])

    def _collect(self, request: BdcMessage, fault: Fault | None) -> BdcMessage:
        b = request.body
        return self._book(request, fault, debit=b["DeAcctNo"], credit=b["CrAcctNo"],
                          debit_name=b["DeAcctName"], credit_name=b["CrAcctName"])

    def _book(self, request: BdcMessage, fault: Fault | None, *, debit: str, credit: str, debit_name: str,
              credit_name: str) -> BdcMessage:
        key = (request.head["SendDate"], request.head["SendSeqNo"])
        done = self.bookings.get(key)
        if done is not None:  # the same serial again: the same answer, nothing booked twice
            return self._answer(request, {"HostStatus": done.host_status, "HostSeqNo": done.host_seq_no})
        value = amount(request.body["Amt"])
        host_seq_no = f"{self.bank}{next(self._host_seq):012d}"
        if fault and fault.kind == "fail":
            return self._record(request, key, "4", host_seq_no, value, False, "交易失败")
        payer = self.accounts.get(debit)
        if payer is None and request.tx_code == "BDC101":
            return self._record(request, key, "4", host_seq_no, value, False, "付款账户不存在")
        if payer is not None and payer.balance < value:
            return self._record(request, key, "4", host_seq_no, value, False, "付款账户余额不足")
        if request.tx_code == "BDC102" and payer is None:
            return self._record(request, key, "4", host_seq_no, value, False, "扣款账户不存在或未签约")
        uncertain = fault is not None and fault.kind == "uncertain"
        if not uncertain or fault.booked:  # type: ignore[union-attr]
            self._move(payer, self.accounts.get(credit), value, host_seq_no, request, debit, debit_name, credit,
                       credit_name)
        if uncertain:
            # HostStatus 5: the bank itself does not yet know; the result query will say what happened
            return self._record(request, key, "5", host_seq_no, value, fault.booked, "结果不确定")  # type: ignore[union-attr]
        return self._record(request, key, "1", host_seq_no, value, True, "交易成功")

    def _move(self, payer: Account | None, payee: Account | None, value: Decimal, host_seq_no: str,
              request: BdcMessage, debit: str, debit_name: str, credit: str, credit_name: str) -> None:
        now = self.clock.now().astimezone(SHANGHAI)
        date_, time_ = now.strftime("%Y%m%d"), now.strftime("%H%M%S")
        summary, ref = request.body.get("Summary", ""), request.body.get("RefSeqNo1", "")
        if payer is not None:
            payer.balance -= value
            payer.lines.append(StatementLine(date_, time_, host_seq_no, "D", value, payer.balance, credit,
                                             credit_name, summary, ref))
        line = lambda balance: StatementLine(date_, time_, host_seq_no, "C", value, balance, debit,  # noqa: E731
                                             debit_name, summary, ref)
        if payee is not None:
            payee.balance += value
            payee.lines.append(line(payee.balance))
            return
        for other in self.network.values():  # a payee at another bank: through CNAPS to it, when it is one of ours
            if other is not self:
                with other._lock:
                    if credit in other.accounts:
                        other.accounts[credit].balance += value
                        other.accounts[credit].lines.append(line(other.accounts[credit].balance))
                        return

    def _record(self, request: BdcMessage, key: tuple[str, str], status: str, host_seq_no: str, value: Decimal,
                booked: bool, message: str) -> BdcMessage:
        self.bookings[key] = Booking(request.tx_code, status, host_seq_no, value, booked)
        return self._answer(request, {"HostStatus": status, "HostSeqNo": host_seq_no}, rtn_message=message)

    # -- batches ----------------------------------------------------------------------------------------------------
    def _take_batch(self, request: BdcMessage, fault: Fault | None) -> BdcMessage:
        """BDC103 pays each line out of the special account; BDC104 and BDC105 collect each line into it."""
        key = (request.head["SendDate"], request.head["SendSeqNo"])
        if key in self.batches:  # the same batch again: accepted once, booked once
            return self._answer(request, {"BatchNo": request.body["BatchNo"]}, rtn_message="批次已受理")
        if fault and fault.kind == "fail":
            return self._refusal(request.tx_code, "BATCH_REJECTED", "批量文件校验未通过，整批拒绝")
        paying = request.tx_code == "BDC103"
        special = self.accounts.get(request.body["DeAcctNo" if paying else "CrAcctNo"])
        if special is None:
            return self._refusal(request.tx_code, "NO_ACCOUNT", "付款账户不存在" if paying else "入账账户不存在")
        lines = request.lists.get("DETAIL_LIST", [])
        if len(lines) != int(request.body["TotalNum"]) or \
                sum((amount(ln["Amt"]) for ln in lines), Decimal("0.00")) != amount(request.body["TotalAmt"]):
            return self._refusal(request.tx_code, "BATCH_TOTALS_DIFFER", "批量文件笔数或金额与汇总不符")
        summary = {"BDC103": "公积金批量付款", "BDC104": "公积金批量收款"}.get(request.tx_code, "公积金贷款扣款")
        book = self._pay_line if paying else self._collect_line
        self.batches[key] = BatchJob(request.tx_code, [book(line, special, summary) for line in lines])
        return self._answer(request, {"BatchNo": request.body["BatchNo"]}, rtn_message="批次已受理")

    def _collect_line(self, line: dict[str, str], credit: Account, summary: str) -> dict[str, str]:
        """One line of a collection: the payer's account (here or at another of ours) into the special account."""
        value = amount(line["Amt"])
        result = {"SeqNo": line["SeqNo"], "RefSeqNo": line["RefSeqNo"], "AcctNo": line["DeAcctNo"], "Amt": line["Amt"]}
        holder = next((o for o in [self, *self.network.values()] if line["DeAcctNo"] in o.accounts), None)
        if holder is None:
            return {**result, "Result": "1", "Reason": "扣款账户不存在"}
        with holder._lock:
            payer = holder.accounts[line["DeAcctNo"]]
            if payer.balance < value:
                return {**result, "Result": "1", "Reason": "扣款账户余额不足"}
            host_seq_no, day, at = self._stamp()
            payer.balance -= value
            payer.lines.append(StatementLine(day, at, host_seq_no, "D", value, payer.balance, credit.acct_no,
                                             credit.name, summary, line["RefSeqNo"]))
        credit.balance += value
        credit.lines.append(StatementLine(day, at, host_seq_no, "C", value, credit.balance, payer.acct_no,
                                          line["DeAcctName"], summary, line["RefSeqNo"]))
        return {**result, "Result": "0", "HostSeqNo": host_seq_no}

    def _pay_line(self, line: dict[str, str], debit: Account, summary: str) -> dict[str, str]:
        """One line of a payout: the special account to the payee — here, at another of ours (as CNAPS would), or
        beyond the sandboxes (the money leaves)."""
        value = amount(line["Amt"])
        result = {"SeqNo": line["SeqNo"], "RefSeqNo": line["RefSeqNo"], "AcctNo": line["CrAcctNo"], "Amt": line["Amt"]}
        if debit.balance < value:
            return {**result, "Result": "1", "Reason": "付款账户余额不足"}
        host_seq_no, day, at = self._stamp()
        debit.balance -= value
        debit.lines.append(StatementLine(day, at, host_seq_no, "D", value, debit.balance, line["CrAcctNo"],
                                         line["CrAcctName"], summary, line["RefSeqNo"]))
        holder = next((o for o in [self, *self.network.values()] if line["CrAcctNo"] in o.accounts), None)
        if holder is not None:
            with holder._lock:
                payee = holder.accounts[line["CrAcctNo"]]
                payee.balance += value
                payee.lines.append(StatementLine(day, at, host_seq_no, "C", value, payee.balance, debit.acct_no,
                                                 debit.name, summary, line["RefSeqNo"]))
        return {**result, "Result": "0", "HostSeqNo": host_seq_no}

    def _stamp(self) -> tuple[str, str, str]:
        now = self.clock.now().astimezone(SHANGHAI)
        return f"{self.bank}{next(self._host_seq):012d}", now.strftime("%Y%m%d"), now.strftime("%H%M%S")

    def _batch_status(self, request: BdcMessage, fault: Fault | None) -> BdcMessage:
        job = self.batches.get((request.body["OldTxDate"], request.body["OldSeqNo"]))
        if job is None:
            return self._answer(request, {"BatchStatus": "3"}, rtn_message="原批次不存在")
        if fault and fault.kind == "late_batch":
            return self._answer(request, {"BatchStatus": "2"}, rtn_message="批次处理中")
        done = [r for r in job.results if r["Result"] == "0"]
        failed = [r for r in job.results if r["Result"] != "0"]
        total = lambda rs: money(sum((amount(r["Amt"]) for r in rs), Decimal("0.00")))  # noqa: E731
        return self._answer(request, {"BatchStatus": "0", "TotalNum": str(len(job.results)),
                                      "SuccNum": str(len(done)), "SuccAmt": total(done),
                                      "FailNum": str(len(failed)), "FailAmt": total(failed)})

    def _batch_results(self, request: BdcMessage, fault: Fault | None) -> BdcMessage:
        job = self.batches.get((request.body["OldTxDate"], request.body["OldSeqNo"]))
        if job is None:
            return self._refusal(request.tx_code, "NO_BATCH", "原批次不存在")
        return self._page(request, {}, "RESULT_LIST", job.results)

    def _check_card(self, request: BdcMessage, fault: Fault | None) -> BdcMessage:
        """Verify a personal card against its holder — at this bank or, as UnionPay would, at another of ours."""
        b = request.body
        card = self.cards.get(b["CardNo"]) or next(
            (o.cards[b["CardNo"]] for o in self.network.values() if b["CardNo"] in o.cards), None)
        if card is None:
            return self._answer(request, {"CheckResult": "3"}, rtn_message="卡号不存在")
        bank = next((o.name for o in [self, *self.network.values()] if card.card_no in o.cards), self.name)
        if not card.usable:
            result = "4"
        elif card.name != b["AcctName"]:
            result = "1"
        elif card.id_number != b["IdNo"]:
            result = "2"
        else:
            result = "0"
        return self._answer(request, {"CheckResult": result, "AcctClass": card.acct_class, "BankName": bank[:60]})

    def _result(self, request: BdcMessage, fault: Fault | None) -> BdcMessage:
        booking = self.bookings.get((request.body["OldTxDate"], request.body["OldSeqNo"]))
        if booking is None:
            # Not (yet) here: it may still be on its way. Unknown, not failed — a center must not conclude
            # "not booked" from one query.
            return self._answer(request, {"OldTxStatus": "2"}, rtn_message="原交易不存在")
        status = "0" if booking.booked else "1"
        return self._answer(request, {"OldTxStatus": status, "OldHostStatus": "1" if booking.booked else "4",
                                      "HostSeqNo": booking.host_seq_no, "Amt": money(booking.amount)})

    def _balance(self, request: BdcMessage, fault: Fault | None) -> BdcMessage:
        account = self.accounts.get(request.body["AcctNo"])
        if account is None:
            return self._refusal(request.tx_code, "NO_ACCOUNT", "账户不存在")
        return self._answer(request, {"AcctNo": account.acct_no, "AcctName": account.name,
                                      "Balance": money(account.balance), "AvailBal": money(account.balance)})

    def _detail(self, request: BdcMessage, fault: Fault | None) -> BdcMessage:
        account = self.accounts.get(request.body["AcctNo"])
        if account is None:
            return self._refusal(request.tx_code, "NO_ACCOUNT", "账户不存在")
        lines = [ln for ln in account.lines if request.body["BeginDate"] <= ln.tx_date <= request.body["EndDate"]]
        records = [{"TxDate": ln.tx_date, "TxTime": ln.tx_time, "HostSeqNo": ln.host_seq_no, "DcFlag": ln.dc_flag,
                    "Amt": money(ln.amount), "Balance": money(ln.balance), "OppAcctNo": ln.opp_acct_no,
                    "OppAcctName": ln.opp_acct_name, "Summary": ln.summary, "RefSeqNo": ln.ref_seq_no} for ln in lines]
        return self._page(request, {"AcctNo": account.acct_no}, "DETAIL_LIST", records)

    def _line_numbers(self, request: BdcMessage, fault: Fault | None) -> BdcMessage:
        b = request.body
        if request.tx_code == "BDC112":
            found = [r for r in LINE_NUMBERS if r[0] == b["BankNo"] and r[3] == b["AreaNo"]]
        else:  # BDC200: every line whose name contains the keyword, optionally within an area
            found = [r for r in LINE_NUMBERS if b["Keyword"] in r[2] and (not b.get("AreaNo") or r[3] == b["AreaNo"])]
        records = [{"ChgNo": r[1], "BankName": r[2], "AreaNo": r[3]} for r in found]
        if request.tx_code == "BDC112":
            answer = self._answer(request, {})
            answer.lists["LINE_LIST"] = records
            return answer
        return self._page(request, {}, "LINE_LIST", records)

    def _page(self, request: BdcMessage, body: dict[str, str], list_name: str,
              records: list[dict[str, str]]) -> BdcMessage:
        begin, size = int(request.head["BeginRec"]), int(request.head["MaxRec"])
        chunk = records[max(begin - 1, 0): max(begin - 1, 0) + size]
        answer = self._answer(request, body)
        answer.head.update({"TotalRec": str(len(records)), "ReturnRec": str(len(chunk))})
        answer.lists[list_name] = chunk
        return answer

    # -- messages ------------------------------------------------------------------------------------------------
    def _answer(self, request: BdcMessage, body: dict[str, str], rtn_message: str = "交易成功") -> BdcMessage:
        # 4.1.3: a reply has two spare fields; this bank echoes the request's first two there (a reference of the
        # center's that its own systems carry through)
        spares = {f"Spare{i}": request.body[f"Spare{i}"] for i in (1, 2) if request.body.get(f"Spare{i}")}
        return BdcMessage(self._head(request.tx_code, request.head.get("SendNode", ""), "0", "00000000",
                                     rtn_message), {**body, **spares})

    def _refusal(self, tx_code: str, code: str, message: str, to_node: str = "") -> BdcMessage:
        """A refusal names the transaction it refuses (as far as the bank could read it) and says why."""
        return BdcMessage(self._head(tx_code or "SYS600", to_node, "1", code, message[:255]))

    def _head(self, tx_code: str, to_node: str, status: str, code: str, message: str) -> dict[str, str]:
        """The twelve fields of a reply head; BDCDate/BDCTime/BDCSeqNo are the settlement platform's stamp (here
        the front's, as the bank answers for it)."""
        now = self.clock.now().astimezone(SHANGHAI)
        day, at, serial = now.strftime("%Y%m%d"), now.strftime("%H%M%S"), next(self._host_seq)
        return {"TxCode": tx_code, "TxStatus": status, "RtnCode": code, "RtnMessage": message,
                "SendNode": self.node, "ReceiveNode": to_node or "000000", "ReceiveDate": day, "ReceiveTime": at,
                "ReceiveSeqNo": f"{self.node}{serial:014d}", "BDCDate": day, "BDCTime": at,
                "BDCSeqNo": f"BDC{day}{serial:012d}"}

    def statement(self, acct_no: str) -> Iterator[StatementLine]:
        with self._lock:
            yield from list(self.accounts[acct_no].lines)


def _raw_tx_code(data: bytes) -> str:
    """Best effort: the transaction code of a message that could not be read, as it was written."""
    import re

    found = re.search(rb'name=["\']TxCode["\']>([A-Z0-9]{6,7})<', data)
    return found.group(1).decode() if found else ""
