"""Arrival notices (账户变动通知, SBDC100): the bank tells the center money came into a special account.

The bank pushes them to the center's front machine (前置机: the center's end of the bank link, on premises);
``NoticeFront`` there validates each notice and forwards it to the settlement-notices queue. ``match_notice``
(called by the queue consumer ``hpf.entrypoints.settlement.match_notices``) confirms the remittance the unit
named in its transfer (附言 = the list's id): the list's money has arrived, and posting starts. A notice
delivered twice confirms once (the bank's serial is the arrival's identity); notices out of order do not matter
(each names its own list). A notice that matches nothing — no list named, a different amount, a list already
paid — is left for the day's reconciliation, which lists it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hpf.common.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from hpf.observability.logging import get_logger
from hpf.observability.metrics import count
from hpf.settlement.bdc.message import BdcMessage, MalformedMessage, validate_request

logger = get_logger("hpf-settlement-notices")
_LIST_PREFIXES = ("RMT-", "SUP-", "VOL-")


class NoticeFront:
    """The front machine's forwarder: a valid notice becomes one queue message, keyed by the bank's serial."""

    def __init__(self, send: Any):
        self._send = send  # callable(body: str, deduplication id: str)

    def __call__(self, notice: BdcMessage) -> None:
        try:
            validate_request(notice)
        except MalformedMessage as error:
            logger.error("malformed arrival notice dropped at the front", extra={"code": error.code})
            count("ArrivalNoticesMalformed", 1)
            return
        self._send(json.dumps(notice.body, ensure_ascii=False), notice.body["NoticeSeqNo"])


def match_notice(notice: dict[str, str], funding: Any, special_accounts: set[str]) -> str:
    """Confirm the list a credit notice names; returns what happened (for the log and tests)."""
    if notice.get("DcFlag") != "C" or notice.get("AcctNo") not in special_accounts:
        return "ignored"  # debits and our own collections are settlement's; other accounts are not ours
    reference = notice.get("RefSeqNo", "")
    if not reference.startswith(_LIST_PREFIXES):
        count("ArrivalNoticesUnmatched", 1)
        logger.warning("arrival without a list named", extra={"host_seq_no": notice.get("HostSeqNo")})
        return "unmatched"
    try:
        funding.confirm_funds(reference, Decimal(notice["Amt"]), notice["HostSeqNo"])
    except (NotFound, BusinessRuleViolation, Conflict, ValidationFailed) as error:
        count("ArrivalNoticesUnmatched", 1)
        logger.warning("arrival does not match its list", extra={"reference": reference, "code": error.code})
        return "unmatched"
    return "confirmed"
