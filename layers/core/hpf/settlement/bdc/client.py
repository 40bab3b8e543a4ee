"""The center's BDC client: one connection to a bank's front, reused, signed in once, 30-second timeout (4.1.2).

What a caller learns from a call, and what it may do next — the distinction every payment depends on:
- ``BdcUnavailable``: the request never left (no connection, sign-in refused). Nothing happened at the bank:
  retrying is safe.
- ``BdcOutcomeUnknown``: the request was sent and no answer came (timeout, connection dropped). The bank may
  or may not have booked it: never resend — ask with the result query (BDC110) under the same serial.
- a response with TxStatus ≠ 0: the bank refused the message itself (``RtnCode``); nothing was booked.
- otherwise the response, whose business outcome (``HostStatus``) the caller reads.

The link's profile (dialect.py) translates at the wire: callers speak our vocabulary whatever the bank's dialect,
and a reply's additions are set aside and logged, never taken for a garbled answer.
"""

from __future__ import annotations

import itertools
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from hpf.common.clock import SHANGHAI
from hpf.settlement.bdc.ciphers import CipherSuite, cipher_suite
from hpf.settlement.bdc.dialect import OURS, BankProfile
from hpf.settlement.bdc.message import (
    BdcMessage,
    MalformedMessage,
    from_xml,
    to_xml,
    validate_request,
    validate_response,
)
from hpf.settlement.bdc.spec import TRANSACTIONS
from hpf.settlement.bdc.transport import (
    CipherError,
    FrameError,
    SessionCipher,
    encode_frame,
    read_frame,
)

TIMEOUT_SECONDS = 30.0  # 4.1.2
# A bank that lost our session (restarted, timed it out) refuses in clear with this code: it read nothing, so the
# same message may go again, under the same serial, once signed in anew.
NOT_SIGNED_IN = "NOT_SIGNED_IN"


class BdcUnavailable(ConnectionError):
    """Not sent: safe to retry."""


class BdcOutcomeUnknown(TimeoutError):
    """Sent, unanswered: query the result, never resend."""


@dataclass(frozen=True)
class BankLink:
    """One bank's front as the center sees it (configuration of a deployment, per office special account)."""

    bank: str  # bank code, e.g. 105 建设银行
    host: str
    port: int
    center_node: str  # 6 characters
    bank_node: str
    master_key: bytes  # 16 bytes agreed with the bank (the sm4 cipher wraps each session key with it); may be b""
    tx_unit_no: str  # 15 digits
    oper_no: str = "000000000000000000001"
    timeout: float = TIMEOUT_SECONDS
    profile: BankProfile = OURS  # the bank's dialect
    keys: Mapping[str, str] = field(default_factory=dict)  # other key material its cipher needs (secrets)

    def cipher_keys(self) -> dict[str, str]:
        return {**({"master_key": self.master_key.hex()} if self.master_key else {}), **self.keys}


class BdcClient:
    def __init__(self, link: BankLink):
        self._link = link
        self._profile = link.profile
        self._suite: CipherSuite = cipher_suite(link.profile.cipher)
        self._extra_codes = link.profile.extra_codes()
        self._lock = threading.Lock()  # one message in flight per connection: answers match requests by order
        self._sock: socket.socket | None = None
        self._session: SessionCipher | None = None
        self._serial = itertools.count(1)

    # -- public ----------------------------------------------------------------------------------------------
    def call(self, tx_code: str, body: dict[str, str] | None = None, *, serial: str | None = None,
             paging: tuple[int, int] | None = None, sent_at: datetime | None = None,
             lists: dict[str, list[dict[str, str]]] | None = None) -> BdcMessage:
        """Send one request and return the validated response. ``serial`` (SendSeqNo) is the caller's for a
        business message — the id it will query by, with ``sent_at``'s date (SendDate); otherwise both are
        made here."""
        spec = TRANSACTIONS[tx_code]
        request = self._request(tx_code, body or {}, serial, paging, sent_at)
        request.lists = lists or {}
        validate_request(request, self._extra_codes)  # a message we would be refused for is not sent at all
        with self._lock:
            if spec.encrypted and self._session is None:
                self._sign_in()
            response = self._exchange(request, in_session=spec.encrypted)
            if spec.encrypted and response.head.get("RtnCode") == NOT_SIGNED_IN:
                self._sign_in()  # the bank read nothing: sign in anew and send the same message once more
                response = self._exchange(request, in_session=True)
            return response

    def close(self) -> None:
        """Sign out (BDC002) if signed in, then close the connection. A failed sign-out changes nothing: the
        bank ends the session with the connection anyway."""
        with self._lock:
            if self._session is not None and self._sock is not None:
                try:
                    self._exchange(self._request("BDC002", {}, None, None), in_session=True)
                except (BdcOutcomeUnknown, BdcUnavailable):
                    pass
            self._drop()

    # -- internals -------------------------------------------------------------------------------------------
    def _sign_in(self) -> None:
        self._session = None
        answer = self._exchange(self._request("BDC001", {}, None, None), in_session=False, sign_in=True)
        if not answer.ok:
            self._drop()
            raise BdcUnavailable(f"sign-in refused: {answer.head.get('RtnCode')} {answer.head.get('RtnMessage')}")
        try:
            hand_key = self._profile.decode_hand_key(answer.body["HandKey"])
            self._session = self._suite.open_session(self._link.cipher_keys(), hand_key)
        except (CipherError, MalformedMessage, ValueError) as error:
            self._drop()
            raise BdcUnavailable(f"sign-in answer unusable: {error}") from None

    def _request(self, tx_code: str, body: dict[str, str], serial: str | None,
                 paging: tuple[int, int] | None, sent_at: datetime | None = None) -> BdcMessage:
        now = (sent_at or datetime.now(SHANGHAI)).astimezone(SHANGHAI)
        head = {
            "TxCode": tx_code, "SendNode": self._link.center_node, "ReceiveNode": self._link.bank_node,
            "SendDate": now.strftime("%Y%m%d"), "SendTime": now.strftime("%H%M%S"),
            "SendSeqNo": serial or f"{self._link.center_node}{now:%Y%m%d%H%M%S}{next(self._serial):08d}",
            "TxUnitNo": self._link.tx_unit_no, "OperNo": self._link.oper_no,
            "Timeout": str(int(self._link.timeout)),
        }
        if paging:
            head["BeginRec"], head["MaxRec"] = str(paging[0]), str(paging[1])
        return BdcMessage(head, body)

    def _exchange(self, request: BdcMessage, *, in_session: bool, sign_in: bool = False) -> BdcMessage:
        profile = self._profile
        payload = to_xml(profile.outgoing(request), profile.declaration, profile.encoding)
        encrypted = in_session and self._suite.encrypts
        if encrypted:
            assert self._session is not None
            payload = self._session.encrypt(payload)
        try:
            sock = self._connection()
            sock.sendall(encode_frame(self._link.center_node, encrypted, payload, profile.padding))
        except OSError as error:
            self._drop()
            raise BdcUnavailable(f"{self._link.bank}: cannot send: {error}") from None
        try:
            frame = read_frame(sock)
            if frame.encrypted and self._session is None:
                raise CipherError("an encrypted answer without a session")
            data = self._session.decrypt(frame.body) if frame.encrypted and self._session else frame.body
            response = profile.incoming(from_xml(data, profile.encoding))
            validate_response(response, self._extra_codes)
        except (OSError, FrameError, CipherError, MalformedMessage) as error:
            self._drop()  # the connection's state is unknown: a new one, signed in anew, for the next call
            if sign_in:
                raise BdcUnavailable(f"{self._link.bank}: sign-in unanswered: {error}") from None
            raise BdcOutcomeUnknown(f"{self._link.bank}: {request.tx_code} {request.head['SendSeqNo']} "
                                    f"unanswered: {error}") from None
        not_signed_in = not response.ok and response.head.get("RtnCode") == NOT_SIGNED_IN
        if response.tx_code != request.tx_code and not not_signed_in:  # (it could not read which: see the bank)
            self._drop()
            raise BdcOutcomeUnknown(f"answer to {response.tx_code} for a {request.tx_code}")
        if not_signed_in:
            self._session = None  # the bank restarted or dropped the session: sign in again
        if response.extras:
            _log_extras(self._link.bank, request.tx_code, response.extras)
        return response

    def _connection(self) -> socket.socket:
        if self._sock is None:
            self._sock = socket.create_connection((self._link.host, self._link.port), timeout=self._link.timeout)
            self._sock.settimeout(self._link.timeout)
        return self._sock

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None
        self._session = None


_EXTRAS_SEEN: set[tuple[str, str, frozenset[str]]] = set()


def _log_extras(bank: str, tx_code: str, extras: dict[str, str]) -> None:
    """Logged once per bank, transaction and set of names in a process — a bank adds the same fields to every reply,
    and a line per message would drown the log. Names only: values may be personal data."""
    key = (bank, tx_code, frozenset(extras))
    if key in _EXTRAS_SEEN:
        return
    _EXTRAS_SEEN.add(key)
    from hpf.observability.logging import get_logger

    get_logger("hpf-settlement-bdc").info("bank reply carries fields we do not know; kept aside",
                                          extra={"bank": bank, "tx_code": tx_code, "fields": sorted(extras)})
