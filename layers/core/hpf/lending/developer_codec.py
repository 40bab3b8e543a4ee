"""Developers and projects as JSON (the store keeps them so; the fakes round-trip through the same code)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hpf.lending.developers import (
    Developer,
    Project,
    RegistrationStatus,
    SupervisedAccount,
    Verification,
    verification_dict,
)


def developer_dict(d: Developer) -> dict[str, Any]:
    return {"credit_code": d.credit_code, "name": d.name, "legal_representative": d.legal_representative,
            "address": d.address, "accounts": [{"bank": a.bank, "account_no": a.account_no,
                                                "account_name": a.account_name} for a in d.accounts],
            "status": d.status.value, "registered_on": d.registered_on.isoformat(),
            "verification": verification_dict(d.verification), "registered_by": d.registered_by}


def developer_of(v: dict[str, Any]) -> Developer:
    return Developer(v["credit_code"], v["name"], v["legal_representative"], v["address"],
                     tuple(SupervisedAccount(a["bank"], a["account_no"], a["account_name"]) for a in v["accounts"]),
                     RegistrationStatus(v["status"]), date.fromisoformat(v["registered_on"]),
                     _verification(v["verification"]), v["registered_by"])


def project_dict(p: Project) -> dict[str, Any]:
    return {"project_id": p.project_id, "developer": p.developer, "name": p.name, "location": p.location,
            "planning_permit": p.planning_permit, "land_planning_permit": p.land_planning_permit,
            "construction_permit": p.construction_permit, "supervised_account": p.supervised_account,
            "status": p.status.value, "registered_on": p.registered_on.isoformat(),
            "verification": verification_dict(p.verification)}


def project_of(v: dict[str, Any]) -> Project:
    return Project(v["project_id"], v["developer"], v["name"], v["location"], v["planning_permit"],
                   v["land_planning_permit"], v["construction_permit"], v["supervised_account"],
                   RegistrationStatus(v["status"]), date.fromisoformat(v["registered_on"]),
                   _verification(v["verification"]))


def _verification(v: dict[str, Any]) -> Verification:
    return Verification(v["online"], tuple(v["paper"]), tuple(v["differences"]), dict(v["query_ids"]),
                        v.get("confirmed_by", ""), v.get("materials_reference", ""))
