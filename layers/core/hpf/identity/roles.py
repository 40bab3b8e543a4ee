"""The role set and the organisations (the center and its branch offices, 管理部).

Default deny: a route names the roles it admits; a role not named is refused. docs/roles.md explains each role.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    COUNTER_CLERK = "counter_clerk"  # 柜员: counter business for depositors and units
    APPROVER = "approver"  # 审批人: approval nodes (initial review, director, section chief)
    FINANCE = "finance"  # 财务: settlement, reconciliation, accounting
    AUDITOR = "auditor"  # 稽核审计: reads operation records, audit rules
    LEADER = "leader"  # 领导: cockpit and statistics
    OPERATOR = "operator"  # 运维: watches state machines, queues, schedules
    ARCHIVIST = "archivist"  # 档案管理员: files, appraises and lends the electronic archive
    DATA_ADMIN = "data_admin"  # 数据共享管理员: the exchange's users, organisations, interfaces, grants, settings
    DEPOSITOR = "depositor"  # 缴存职工: APP, web hall, mini program
    UNIT_AGENT = "unit_agent"  # 单位经办人: unit web hall
    DEVELOPER = "developer"  # 开发商: developer web hall
    TERMINAL = "terminal"  # 智能交互终端: a hall terminal's edge agent
    REGULATOR = "regulator"  # 监管/外部机构: supervision and partner agencies


STAFF_ROLES = frozenset(
    {Role.COUNTER_CLERK, Role.APPROVER, Role.FINANCE, Role.AUDITOR, Role.LEADER, Role.OPERATOR, Role.ARCHIVIST,
     Role.DATA_ADMIN}
)
ALL_ROLES = frozenset(Role)


class Channel(StrEnum):
    """渠道: where a request came from, recorded on every operation."""

    COUNTER = "counter"  # 柜台
    APP = "app"  # 手机APP
    WEB = "web"  # 个人网厅
    UNIT_WEB = "unit_web"  # 单位网厅
    DEVELOPER_WEB = "developer_web"  # 开发商网厅
    MINI_PROGRAM = "mini_program"  # 微信小程序
    GANFUTONG = "ganfutong"  # 赣服通
    TERMINAL = "terminal"  # 大厅终端
    SYSTEM = "system"  # schedules, queues, state machines
    PARTNER = "partner"  # another agency's system
    PUBLIC = "public"  # anyone, without an account: the voucher QR check (扫码验真)


# 组织机构. The center (中心) oversees every branch office (管理部); codes follow the administrative division
# codes of the districts each office serves. This list is our assumption (docs/roles.md) and is configuration
# a deployment may replace through HPF_ORGANISATIONS.
CENTER_ORG = "360600"
DEFAULT_ORGANISATIONS = {
    "360600": "鹰潭市住房公积金管理中心",
    "360602": "月湖管理部",
    "360603": "余江管理部",
    "360681": "贵溪管理部",
}


def organisations() -> dict[str, str]:
    """The offices in force: HPF_ORGANISATIONS (JSON code → name) when set, else the defaults above."""
    import json
    import os

    configured = os.environ.get("HPF_ORGANISATIONS")
    return json.loads(configured) if configured else dict(DEFAULT_ORGANISATIONS)


def org_covers(staff_org: str, data_org: str) -> bool:
    """Staff of the center see every office's data; staff of a branch office see their own office only."""
    return staff_org == CENTER_ORG or staff_org == data_org
