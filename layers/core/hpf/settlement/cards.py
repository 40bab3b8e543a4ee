"""Bank card checks (银行卡校验, S.4.2): a depositor's card against its holder's name and ID, and its class (I/II/III),
through the office's bank (BDC300), before the card is used for a payout — asked ahead from the APP or the
counter, and always once more when a payout instruction is received."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from hpf.common.errors import Forbidden, TransientFailure, ValidationFailed
from hpf.common.versions import in_force
from hpf.identity.principal import Principal
from hpf.identity.roles import CENTER_ORG

RESULT_LABELS = {"0": "一致", "1": "户名不符", "2": "证件号码不符", "3": "卡号不存在", "4": "卡片状态异常（冻结、销户或挂失）"}
CLASS_LABELS = {"1": "一类账户", "2": "二类账户", "3": "三类账户"}


@dataclass(frozen=True)
class CardCheck:
    card_no: str
    result: str
    acct_class: str
    bank_name: str

    @property
    def matched(self) -> bool:
        return self.result == "0"

    @property
    def label(self) -> str:
        return RESULT_LABELS.get(self.result, self.result)


@dataclass(frozen=True)
class CardPolicy:
    effective: date
    class_ii_daily_in: Decimal
    class_iii_allowed: bool


@lru_cache(maxsize=2)
def load_card_policies(path: str | None = None) -> list[CardPolicy]:
    import yaml

    source = Path(path or os.environ.get("HPF_CARD_POLICY") or Path(__file__).with_name("card_policy.yaml"))
    return [CardPolicy(date.fromisoformat(v["effective"]), Decimal(v["class_ii_daily_in"]), bool(v["class_iii_allowed"]))
            for v in yaml.safe_load(source.read_text(encoding="utf-8"))["versions"]]


def policy_on(day: date) -> CardPolicy:
    return in_force(sorted(load_card_policies(), key=lambda p: p.effective), day, lambda p: p.effective,
                    lambda d: ValueError(f"no card policy in force on {d}"))


def check_card(banks: Any, org: str, card_no: str, name: str, id_number: str) -> CardCheck:
    from hpf.settlement.bdc.client import BdcOutcomeUnknown, BdcUnavailable

    account = banks.special_account(org)
    try:
        answer = banks.call(account.bank, "BDC300", {"CardNo": card_no, "AcctName": name, "IdType": "01",
                                                     "IdNo": id_number})
    except (BdcUnavailable, BdcOutcomeUnknown) as error:
        raise TransientFailure(f"银行卡校验暂不可用：{error}", code="BANK_UNAVAILABLE") from None
    if not answer.ok:
        raise TransientFailure(f"银行拒绝校验：{answer.head.get('RtnMessage')}", code="BANK_BUSY")
    return CardCheck(card_no, answer.body["CheckResult"], answer.body.get("AcctClass", ""),
                     answer.body.get("BankName", ""))


def check_for(banks: Any, actor: Principal, card_no: str, name: str, id_number: str | None) -> CardCheck:
    """A depositor checks their own card (APP, web hall: their own identity when none is given); counter staff
    check for the person in front of them."""
    from hpf.common.identifiers import bank_card, resident_id

    if id_number is None:
        if actor.is_staff or not actor.id_number:
            raise ValidationFailed("请填写持卡人身份证号码", code="HOLDER_REQUIRED")
        id_number = actor.id_number
    number, person = bank_card(card_no).number, resident_id(id_number)
    if not actor.is_staff and person != actor.id_number:
        raise Forbidden("只能校验本人的银行卡", code="FORBIDDEN_SCOPE")
    org = actor.org if actor.is_staff and actor.org else CENTER_ORG
    try:
        banks.special_account(org)
    except KeyError:
        org = CENTER_ORG
    return check_card(banks, org, number, name.strip(), person)


class RepaymentCards:
    """Lending's CardVerifier: a borrower's repayment card must be theirs, usable, and not class III (a class III
    account cannot be debited by agreement)."""

    def __init__(self, banks: Any):
        self._banks = banks

    def problem(self, org: str, card_no: str, name: str, id_number: str) -> str:
        card = check_card(self._banks, org, card_no, name, id_number)
        if not card.matched:
            return card.label
        if card.acct_class == "3":
            return f"{CLASS_LABELS['3']}不能作为还款账户"
        return ""
