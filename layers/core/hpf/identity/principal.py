"""The authenticated caller."""

from __future__ import annotations

from dataclasses import dataclass, field

from hpf.common.errors import Forbidden
from hpf.identity.roles import STAFF_ROLES, Channel, Role, org_covers


@dataclass(frozen=True)
class Principal:
    subject: str  # the identity system's stable user id
    kind: str  # staff | depositor | unit_agent | developer | terminal | partner
    roles: frozenset[Role]
    name: str = ""
    org: str | None = None  # staff and terminals: the office they belong to
    id_number: str | None = None  # depositors: their resident ID (from the identity system)
    unit_account: str | None = None  # unit agents: the unit account they act for
    credit_code: str | None = None  # developers (法人): their unified social credit code
    channel: Channel = Channel.SYSTEM
    token_id: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def has_any(self, roles: frozenset[Role]) -> bool:
        return bool(self.roles & roles)

    def require_org(self, data_org: str) -> None:
        """Staff may act only within their office's scope (the center covers every office)."""
        if not self.org or not org_covers(self.org, data_org):
            raise Forbidden("无权访问其他管理部的数据", code="FORBIDDEN_SCOPE")


SYSTEM_PRINCIPAL = Principal(
    subject="system", kind="system", roles=frozenset(), name="系统", channel=Channel.SYSTEM
)


PUBLIC_PRINCIPAL = Principal(
    subject="public", kind="public", roles=frozenset(), name="公众（未登录）", channel=Channel.PUBLIC
)
"""Who calls a public route (only the voucher QR check is one): no roles, so nothing else admits it."""
