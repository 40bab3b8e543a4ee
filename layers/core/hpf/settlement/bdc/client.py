"""The center's BDC client: one connection to a bank's front, reused, signed in once, 30-second timeout (4.1.2).

What a caller learns from a call, and what it may do next — the distinction every payment depends on:
- ``BdcUnavailable``: the request never left (no connection, sign-in refused). Nothing happened at the bank:
  retrying is safe.
- ``BdcOutcomeUnknown``: the request was sent and no answer came (timeout, connection dropped). The bank may
  or may not have booked it: never resend — ask with the result query (BDC110) under the same serial.
- a response with TxStatus ≠ 0: the bank refused the message itself (``RtnCode``); nothing was booked.
- otherwise the response, whose business outcome (``HostStatus``) the caller reads.
"""

from __future__ import annotations

import itertools
import socket
import threading
from dataclasses import dataclass
from datetime import datetime

from hpf.common.clock import SHANGHAI
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
    Sm4Cipher,
    encode_frame,
    read_frame,
    unwrap_session_key,
)

TIMEOUT_SECONDS = 30.0  # 4.1.2


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
    master_key: bytes  # 16 bytes, agreed with the bank: wraps each session key
    tx_unit_no: str  # 15 digits
    oper_no: str = "000000000000000000001"
    timeout: float = TIMEOUT_SECONDS


class BdcClient:
    def __init__(self, link: BankLink):
        self._link = link
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
        validate_request(request)  # a message we would be refused for is not sent at all
        with self._lock:
            if spec.encrypted and self._session is None:
                self._sign_in()
            return self._exchange(request, encrypted=spec.encrypted)

    def close(self) -> None:
        """Sign out (BDC002) if signed in, then close the connection. A failed sign-out changes nothing: the
        bank ends the session with the connection anyway."""
        with self._lock:
            if self._session is not None and self._sock is not None:
                try:
                    self._exchange(self._request("BDC002", {}, None, None), encrypted=True)
                except (BdcOutcomeUnknown, BdcUnavailable):
                    pass
            self._drop()

    # -- internals -------------------------------------------------------------------------------------------
    def _sign_in(self) -> None:
        answer = self._exchange(self._request("BDC001", {}, None, None), encrypted=False, sign_in=True)
        if not answer.ok:
            self._drop()
            raise BdcUnavailable(f"sign-in refused: {answer.head.get('RtnCode')} {answer.head.get('RtnMessage')}")
        try:
            self._session = Sm4Cipher(unwrap_session_key(Sm4Cipher(self._link.master_key), answer.body["HandKey"]))
        except (CipherError, ValueError) as error:
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

    def _exchange(self, request: BdcMessage, *, encrypted: bool, sign_in: bool = False) -> BdcMessage:
        payload = to_xml(request)
        if encrypted:
            assert self._session is not None
            payload = self._session.encrypt(payload)
        try:
            sock = self._connection()
            sock.sendall(encode_frame(self._link.center_node, encrypted, payload))
        except OSError as error:
            self._drop()
            raise BdcUnavailable(f"{self._link.bank}: cannot send: {error}") from None
        try:
            frame = read_frame(sock)
            data = self._session.decrypt(frame.body) if frame.encrypted and self._session else frame.body
            response = from_xml(data)
            validate_response(response)
        except (OSError, FrameError, CipherError, MalformedMessage) as error:
            self._drop()  # the connection's state is unknown: a new one, signed in anew, for the next call
            if sign_in:
                raise BdcUnavailable(f"{self._link.bank}: sign-in unanswered: {error}") from None
            raise BdcOutcomeUnknown(f"{self._link.bank}: {request.tx_code} {request.head['SendSeqNo']} "
                                    f"unanswered: {error}") from None
        if response.tx_code != request.tx_code:
            self._drop()
            raise BdcOutcomeUnknown(f"answer to {response.tx_code} for a {request.tx_code}")
        if response.head.get("RtnCode") == "NOT_SIGNED_IN":
            self._session = None  # the bank restarted or dropped the session: sign in again next time
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
