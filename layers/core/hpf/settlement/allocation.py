"""资金调拨 (4.2.6): moving the center's money from one office's special account to another's — finance at the
center asks, the settlement workflow pays it (BDC101, BusType 18), and the ledger posts Dr 101 (to) / Cr 101
(from) once the bank has moved it. Idempotent by the caller's request id, like every instruction."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from hpf.common.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from hpf.common.money import to_money
from hpf.identity.principal import Principal
from hpf.identity.roles import CENTER_ORG
from hpf.ledger.settlement_port import Counterparty, SettlementInstruction
from hpf.settlement.core_ledger import ALLOCATION

_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,40}$")


def allocate(banks: Any, port: Any, request_id: str, from_org: str, to_org: str, amount: Decimal, reason: str,
             actor: Principal, *, bank_link_on: bool) -> SettlementInstruction:
    actor.require_org(CENTER_ORG)  # only the center moves money between its offices' accounts
    if not _REQUEST_ID.match(request_id):
        raise ValidationFailed("业务请求号应为8至40位字母、数字或连字符", code="INVALID_REQUEST_ID")
    if from_org == to_org:
        raise BusinessRuleViolation("调出与调入专户不能相同", code="SAME_ACCOUNT")
    if not bank_link_on:
        raise Conflict("银企直连未开通，资金调拨请经银行柜面办理", code="BANK_LINK_OFF")
    try:
        source, target = banks.special_account(from_org), banks.special_account(to_org)
    except KeyError:
        raise NotFound("调出或调入管理部未配置住房公积金专户", code="NO_SPECIAL_ACCOUNT") from None
    amount = to_money(amount)
    instruction_id = f"ALC-{request_id}"
    instruction = SettlementInstruction(
        instruction_id, ALLOCATION, "pay", from_org, amount,
        Counterparty(target.account_no, target.name, target.bank_name), instruction_id,
        f"资金调拨{source.bank}→{target.bank} {reason}"[:60])
    port.submit(instruction)
    return instruction
