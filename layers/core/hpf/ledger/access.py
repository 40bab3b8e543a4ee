"""Who may see and change what in the ledger (beyond the route's role check)."""

from __future__ import annotations

from hpf.common.errors import Forbidden
from hpf.identity.principal import Principal
from hpf.identity.roles import Role
from hpf.ledger.model import PersonalAccount, Unit


def require_unit_visible(principal: Principal, unit: Unit) -> None:
    if principal.is_staff:
        principal.require_org(unit.org)
        return
    if Role.UNIT_AGENT in principal.roles and principal.unit_account == unit.unit_account:
        return
    raise Forbidden("无权查看该单位的信息", code="FORBIDDEN_SCOPE")


def require_account_visible(principal: Principal, account: PersonalAccount, *, unit_agent_allowed: bool) -> None:
    if principal.is_staff:
        principal.require_org(account.org)
        return
    if Role.DEPOSITOR in principal.roles and principal.id_number and principal.id_number == account.id_number:
        return
    if unit_agent_allowed and Role.UNIT_AGENT in principal.roles and principal.unit_account == account.unit_account:
        return
    raise Forbidden("无权查看该个人账户", code="FORBIDDEN_SCOPE")
