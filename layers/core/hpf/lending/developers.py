"""Developers and their projects (开发商登记 6.2.15, 项目登记 6.2.16): the sellers whose buyers borrow, each checked
against shared data before it is kept — the developer against business registration, a project against its
presale, planning and construction permits — and the supervised accounts (资金监管账户) loans are paid into.

What the shared data says decides: a developer whose registration is cancelled, a permit that names another
developer or an account the presale permit does not supervise is refused. A source that is down, or a name typed
differently from the record, does not refuse: the registration waits for an approver to check the paper
(待核验), who confirms it with the archived scan's key. A developer sees its own registration, projects and the
loans paid into its accounts in the developer hall."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

from hpf.common.clock import Clock, business_date
from hpf.common.coded import CodedEnum
from hpf.common.errors import BusinessRuleViolation, Conflict, Forbidden, NotFound
from hpf.datashare.checks import CheckRequest
from hpf.datashare.scenarios import Evaluation
from hpf.identity.principal import Principal
from hpf.identity.roles import Role
from hpf.lending.model import Loan


class RegistrationStatus(CodedEnum):
    REGISTERED = ("01", "已登记")
    PENDING = ("02", "待核验")  # the shared data could not confirm it: an approver checks the paper


@dataclass(frozen=True)
class SupervisedAccount:
    """资金监管账户: where the loans of a developer's buyers are paid."""

    bank: str  # bank code (104 中行…)
    account_no: str
    account_name: str


@dataclass(frozen=True)
class Verification:
    """What the shared-data check said, kept with the registration (the reviewer's evidence)."""

    online: bool
    paper: tuple[str, ...] = ()
    differences: tuple[dict[str, str], ...] = ()
    query_ids: dict[str, str] = field(default_factory=dict)
    confirmed_by: str = ""
    materials_reference: str = ""  # the archived scan an approver confirmed a pending registration with

    @classmethod
    def of(cls, e: Evaluation) -> Verification:
        return cls(e.online and not e.review, tuple(e.paper), tuple(
            {"field": d.field, "typed": d.typed, "shared": d.shared, "source": d.source} for d in e.differences),
            dict(e.query_ids))


@dataclass(frozen=True)
class Developer:
    credit_code: str
    name: str
    legal_representative: str
    address: str
    accounts: tuple[SupervisedAccount, ...]
    status: RegistrationStatus
    registered_on: date
    verification: Verification
    registered_by: str


@dataclass(frozen=True)
class Project:
    project_id: str  # the presale permit's number (预售许可证号): one project per permit
    developer: str  # credit code
    name: str
    location: str
    planning_permit: str
    land_planning_permit: str
    construction_permit: str
    supervised_account: str  # the account the presale permit names
    status: RegistrationStatus
    registered_on: date
    verification: Verification


@dataclass(frozen=True)
class RegisterDeveloper:
    credit_code: str
    name: str
    legal_representative: str
    address: str
    accounts: tuple[SupervisedAccount, ...]
    authorization_id: str


@dataclass(frozen=True)
class RegisterProject:
    name: str
    location: str
    presale_permit: str
    planning_permit: str
    land_planning_permit: str
    construction_permit: str
    authorization_id: str


class ScenarioCheck(Protocol):
    """The shared-data check of a scenario (hpf.datashare.checks.ScenarioChecks)."""

    def check(self, request: CheckRequest, actor: Principal) -> Evaluation: ...


class DeveloperStore(Protocol):
    def add_developer(self, developer: Developer) -> None: ...  # Conflict DEVELOPER_EXISTS
    def developer(self, credit_code: str) -> Developer | None: ...
    def save_developer(self, developer: Developer) -> None: ...
    def add_project(self, project: Project) -> None: ...  # Conflict PROJECT_EXISTS
    def projects(self, credit_code: str) -> list[Project]: ...
    def loans_paid_to(self, account_no: str) -> list[Loan]: ...


class DeveloperService:
    def __init__(self, store: DeveloperStore, checks: ScenarioCheck, clock: Clock):
        self._store, self._checks, self._clock = store, checks, clock

    def register(self, r: RegisterDeveloper, actor: Principal) -> Developer:
        if not r.accounts:
            raise BusinessRuleViolation("请至少登记一个资金监管账户", code="SUPERVISED_ACCOUNT_REQUIRED")
        if self._store.developer(r.credit_code) is not None:
            raise Conflict("该开发商已登记", code="DEVELOPER_EXISTS")
        e = self._checks.check(CheckRequest("developer_registration", r.credit_code, f"KFS-{r.credit_code}",
                                            r.authorization_id, {"name": r.name}), actor)
        _refuse_unmet(e, "DEVELOPER_NOT_IN_BUSINESS", "开发商工商登记不符合登记条件")
        developer = Developer(r.credit_code, r.name, r.legal_representative, r.address, r.accounts,
                              _status(e), business_date(self._clock), Verification.of(e), actor.subject)
        self._store.add_developer(developer)
        return developer

    def confirm(self, credit_code: str, materials_reference: str, actor: Principal) -> Developer:
        """核验确认: an approver, the paper in hand (its scan archived), confirms a pending registration."""
        developer = self.developer(credit_code, actor)
        if developer.status is RegistrationStatus.REGISTERED:
            return developer
        if developer.registered_by == actor.subject:
            raise Forbidden("登记人不能核验本人办理的登记", code="OWN_REGISTRATION")
        confirmed = replace(developer, status=RegistrationStatus.REGISTERED, verification=replace(
            developer.verification, confirmed_by=actor.subject, materials_reference=materials_reference))
        self._store.save_developer(confirmed)
        return confirmed

    def add_project(self, credit_code: str, r: RegisterProject, actor: Principal) -> Project:
        developer = self.developer(credit_code, actor)
        if developer.status is not RegistrationStatus.REGISTERED:
            raise BusinessRuleViolation("开发商登记尚待核验，暂不能登记项目", code="DEVELOPER_PENDING")
        if any(p.project_id == r.presale_permit for p in self._store.projects(credit_code)):
            raise Conflict("该预售许可证的项目已登记", code="PROJECT_EXISTS")
        e = self._checks.check(CheckRequest(
            "project_registration", r.presale_permit, f"XM-{r.presale_permit}", r.authorization_id,
            {"project_name": r.name, "developer_credit_code": credit_code},
            {"planning_permit": r.planning_permit, "land_planning_permit": r.land_planning_permit,
             "construction_permit": r.construction_permit}), actor)
        _refuse_unmet(e, "PROJECT_PERMITS_INVALID", "项目许可证信息不符合登记条件")
        if any(d.field == "developer_credit_code" for d in e.differences):
            raise BusinessRuleViolation("预售许可证登记的开发商不是本开发商", code="PERMIT_OF_ANOTHER_DEVELOPER")
        account = e.prefill.get("supervised_account", "")
        if account and account not in {a.account_no for a in developer.accounts}:
            raise BusinessRuleViolation(f"预售许可证监管账户{account}不是该开发商登记的资金监管账户",
                                        code="SUPERVISED_ACCOUNT_UNKNOWN")
        project = Project(r.presale_permit, credit_code, r.name, r.location, r.planning_permit,
                          r.land_planning_permit, r.construction_permit, account, _status(e),
                          business_date(self._clock), Verification.of(e))
        self._store.add_project(project)
        return project

    # -- reading -------------------------------------------------------------------------------------------------
    def developer(self, credit_code: str, actor: Principal) -> Developer:
        _require_visible(credit_code, actor)
        found = self._store.developer(credit_code)
        if found is None:
            raise NotFound("开发商未登记", code="DEVELOPER_NOT_FOUND")
        return found

    def projects(self, credit_code: str, actor: Principal) -> list[Project]:
        self.developer(credit_code, actor)
        return sorted(self._store.projects(credit_code), key=lambda p: p.project_id)

    def loans(self, credit_code: str, actor: Principal) -> list[tuple[SupervisedAccount, Loan]]:
        """The loans paid (or to be paid) into the developer's supervised accounts: its buyers' loans."""
        developer = self.developer(credit_code, actor)
        return [(account, loan) for account in developer.accounts
                for loan in sorted(self._store.loans_paid_to(account.account_no), key=lambda ln: ln.loan_no)]


def _require_visible(credit_code: str, actor: Principal) -> None:
    if actor.is_staff:
        return
    if Role.DEVELOPER in actor.roles and actor.credit_code == credit_code:
        return
    raise Forbidden("无权查看该开发商的信息", code="FORBIDDEN_SCOPE")


def _status(e: Evaluation) -> RegistrationStatus:
    return RegistrationStatus.REGISTERED if e.online and not e.review else RegistrationStatus.PENDING


def _refuse_unmet(e: Evaluation, code: str, message: str) -> None:
    """Refuse on what the data says; a source that could not be asked is the paper path, not a refusal."""
    if e.unmet:
        raise BusinessRuleViolation(f"{message}：{'；'.join(e.unmet)}", code=code, details={"reasons": e.unmet})


def verification_dict(v: Verification) -> dict[str, Any]:
    return {"online": v.online, "paper": list(v.paper), "differences": list(v.differences),
            "query_ids": v.query_ids, "confirmed_by": v.confirmed_by, "materials_reference": v.materials_reference}
