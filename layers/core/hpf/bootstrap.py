"""The composition root: builds services from settings, once per process, on first use.

Each factory imports what it builds when first called, so a cold function imports only what its handlers use
(the names below under TYPE_CHECKING are for the type checker alone). A factory's return type is the port or the
service its callers depend on, never an adapter's class: the entrypoints cannot reach past the port.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from hpf import settings

if TYPE_CHECKING:
    from hpf.archive.alerts import ArchiveAlerts
    from hpf.archive.borrowing import BorrowingService
    from hpf.archive.intake import Uploads
    from hpf.archive.licences import SharedLicences
    from hpf.archive.ports import VerificationLog
    from hpf.archive.service import ArchiveService
    from hpf.archive.text import ArchiveText, TextStore
    from hpf.archive.treehead import TreeHeadSigner
    from hpf.common.clock import Clock
    from hpf.datashare.bad_records import BadRecordService
    from hpf.datashare.checks import ScenarioChecks
    from hpf.datashare.keys import GatewayKeys, KeyService
    from hpf.datashare.management import GovernanceService
    from hpf.datashare.ports import SolidificationLog, SourceGateway, TrailStore
    from hpf.datashare.service import DataShareService
    from hpf.identity.tokens import TokenVerifier
    from hpf.ledger.corrections import LedgerCorrections
    from hpf.ledger.funding import RemittanceFunding
    from hpf.ledger.interest_service import InterestService
    from hpf.ledger.maintenance import LedgerMaintenance
    from hpf.ledger.policy import PolicyBook
    from hpf.ledger.ports import GeneralLedgerPort, LedgerUnitOfWork, MaterialProof
    from hpf.ledger.services import LedgerService
    from hpf.ledger.settlement_port import SettlementPort
    from hpf.ledger.withdrawal_service import WithdrawalService
    from hpf.lending.deduction import DeductionRun
    from hpf.lending.developers import DeveloperService
    from hpf.lending.ports import LoanStore
    from hpf.lending.service import LoanService
    from hpf.platform.cockpit import CockpitService
    from hpf.platform.operations import OperationLog
    from hpf.platform.ports import (
        AnalyticsFiles,
        DeadLetters,
        EventRelay,
        MessageQueue,
        Schedules,
        WorkflowMonitor,
        Workflows,
    )
    from hpf.seal.accounting import AccountingArchive
    from hpf.seal.approvals import LifecycleSteps
    from hpf.seal.port import SealSystem
    from hpf.seal.public_check import PublicVerification
    from hpf.seal.service import VoucherService
    from hpf.seal.signing import PdfSealer
    from hpf.settlement.banks import BdcBankGateway
    from hpf.settlement.batches import BatchSettlement
    from hpf.settlement.core_ledger import CoreLedger
    from hpf.settlement.reconciliation import Reconciliation
    from hpf.settlement.service import SettlementService


@lru_cache(maxsize=1)
def clock() -> Clock:
    from hpf.common.clock import SystemClock

    return SystemClock()


def _ledger_uow() -> Callable[[], LedgerUnitOfWork]:
    """A factory of ledger units of work on the tables this function was given."""
    from hpf.adapters.aws.ledger_store import DynamoLedgerUnitOfWork

    table, outbox = settings.env("HPF_LEDGER_TABLE"), settings.env("HPF_OUTBOX_TABLE")
    return lambda: DynamoLedgerUnitOfWork(table, outbox)


@lru_cache(maxsize=1)
def ledger_service() -> LedgerService:
    from hpf.ledger.services import LedgerService

    return LedgerService(_ledger_uow(), clock(), _deposit_policy)


@lru_cache(maxsize=1)
def general_ledger() -> GeneralLedgerPort:
    """总账: the journal every area posts to, its trial balance and the check against the depositors' ledger."""
    from hpf.ledger.general_ledger import GeneralLedger

    return GeneralLedger(_ledger_uow(), clock())


@lru_cache(maxsize=1)
def ledger_maintenance() -> LedgerMaintenance:
    from hpf.ledger.maintenance import LedgerMaintenance

    return LedgerMaintenance(_ledger_uow(), clock(), _deposit_policy)


@lru_cache(maxsize=1)
def interest_service() -> InterestService:
    from hpf.ledger.interest import load_rate_book
    from hpf.ledger.interest_service import InterestService

    return InterestService(_ledger_uow(), clock(), load_rate_book)


@lru_cache(maxsize=1)
def ledger_corrections() -> LedgerCorrections:
    from hpf.ledger.corrections import LedgerCorrections

    return LedgerCorrections(_ledger_uow(), clock(), interest_service())


@lru_cache(maxsize=1)
def remittance_funding() -> RemittanceFunding:
    from hpf.ledger.funding import RemittanceFunding

    return RemittanceFunding(_ledger_uow(), clock(), answers_by_hand=not settings.settled_by_bank())


@lru_cache(maxsize=1)
def withdrawal_service() -> WithdrawalService:
    from hpf.ledger.withdrawal_rules import load_withdrawal_rules
    from hpf.ledger.withdrawal_service import WithdrawalService

    return WithdrawalService(_ledger_uow(), clock(), load_withdrawal_rules, interest_service(),
                             answers_by_hand=not settings.settled_by_bank(), proof=_material_proof())


def _material_proof() -> MaterialProof | None:
    """免交材料's proof: the data-sharing trail, where the ledger is given its table (HPF_DATASHARE_TABLE)."""
    if not settings.optional("HPF_DATASHARE_TABLE"):
        return None  # no shared data here: a DSQ- reference proves nothing
    from hpf.datashare.proof import TrailProof

    return TrailProof(datashare_trail())


@lru_cache(maxsize=1)
def settlement_port() -> SettlementPort:
    """Where the ledger's settlement instructions go (HPF_SETTLEMENT_MODE): ``bank`` — the settlement workflow and
    the bank links; ``manual`` — finance pays through the bank's own channel and records the answer."""
    mode = settings.optional("HPF_SETTLEMENT_MODE") or "manual"
    if mode == "bank":
        from hpf.settlement.workflow import StepFunctionsSettlement

        return StepFunctionsSettlement(workflows())
    if mode == "manual":
        from hpf.settlement.manual import ManualSettlement

        return ManualSettlement()
    raise ValueError(f"unknown HPF_SETTLEMENT_MODE {mode!r}")


class _BuiltOnFirstUse:
    """Stands for a service until it is first used: a cold query that needs only the store (the settlement
    instruction list) does not import and build the bank links and the ledger's services behind the others."""

    def __init__(self, factory: Callable[[], Any]):
        self._factory, self._built = factory, None

    def __getattr__(self, name: str) -> Any:
        if self._built is None:
            self._built = self._factory()
        return getattr(self._built, name)


@lru_cache(maxsize=1)
def settlement_service() -> SettlementService:
    """The settlement steps; batch files (deductions) ride on it — built with it, so that an instruction a person
    or the statement settles can resume the batch it belongs to."""
    from hpf.adapters.aws.settlement_store import DynamoInstructionStore
    from hpf.settlement.batches import BatchSettlement
    from hpf.settlement.service import SettlementService

    store = DynamoInstructionStore(settings.env("HPF_SETTLEMENT_TABLE"))
    service = SettlementService(store, _BuiltOnFirstUse(settlement_banks), _BuiltOnFirstUse(core_ledger), clock(),
                                _BuiltOnFirstUse(workflows))
    service.batches = BatchSettlement(store, store, _BuiltOnFirstUse(settlement_banks),
                                      _BuiltOnFirstUse(core_ledger), service, clock())
    return service


def batch_settlement() -> BatchSettlement:
    return settlement_service().batches


@lru_cache(maxsize=1)
def settlement_banks() -> BdcBankGateway:
    from hpf.settlement.banks import BdcBankGateway

    return BdcBankGateway.from_json(settings.optional("HPF_BANK_LINKS") or "{}")


def core_ledger() -> CoreLedger:
    from hpf.settlement.core_ledger import CoreLedger

    return CoreLedger(withdrawal_service(), remittance_funding(), _ledger_uow(), general_ledger(), settlement_banks(),
                      loan_service(), _loan_store().batch)


def _loan_store() -> LoanStore:
    from hpf.adapters.aws.lending_store import DynamoLoanStore

    return DynamoLoanStore(settings.env("HPF_LENDING_TABLE"), settings.env("HPF_OUTBOX_TABLE"))


@lru_cache(maxsize=1)
def loan_service() -> LoanService:
    """Loans journal into the core ledger's financial ledger and name their office's special account there."""
    from hpf.lending.service import LoanService
    from hpf.settlement.cards import RepaymentCards

    return LoanService(_loan_store(), _BuiltOnFirstUse(general_ledger),
                       lambda org: settlement_banks().special_account(org).account_no, clock(),
                       bank_link_on=settings.settled_by_bank(),
                       cards=RepaymentCards(_BuiltOnFirstUse(settlement_banks)) if settings.settled_by_bank() else None)


@lru_cache(maxsize=1)
def deduction_run() -> DeductionRun:
    from hpf.lending.deduction import DeductionRun

    return DeductionRun(_loan_store(), clock(), offices=lambda: settlement_banks().offices(),
                        bank_link_on=settings.settled_by_bank())


@lru_cache(maxsize=1)
def reconciliation() -> Reconciliation:
    from hpf.adapters.aws.settlement_store import DynamoInstructionStore
    from hpf.settlement.reconciliation import Reconciliation

    return Reconciliation(DynamoInstructionStore(settings.env("HPF_SETTLEMENT_TABLE")), settlement_banks(),
                          settlement_service(), core_ledger().day, clock())


@lru_cache(maxsize=1)
def seal_system() -> SealSystem:
    from hpf.adapters.partners.seal_system import SealSystemClient

    return SealSystemClient(settings.env("HPF_SEAL_SYSTEM_URL"), settings.env("HPF_SEAL_APP_ID"),
                            settings.env("HPF_SEAL_APP_KEY"), settings.optional("HPF_SEAL_TIME_STAMP") or "separate")


@lru_cache(maxsize=1)
def pdf_sealer() -> PdfSealer:
    """Built on the first voucher this instance seals: importing pyHanko costs ~0.7 s."""
    from hpf.seal.signing import PdfSealer

    return PdfSealer(seal_system(), settings.env("HPF_CENTER_SEAL"))


@lru_cache(maxsize=1)
def archive_service() -> ArchiveService:
    from hpf.adapters.aws.archive_store import DynamoArchiveIndex, DynamoLogStore, S3ArchiveObjects
    from hpf.archive.service import ArchiveService

    table = settings.env("HPF_ARCHIVE_TABLE")
    return ArchiveService(S3ArchiveObjects(settings.env("HPF_ARCHIVE_BUCKET")), DynamoArchiveIndex(table),
                          DynamoLogStore(table), clock())


@lru_cache(maxsize=1)
def borrowing_service() -> BorrowingService:
    from hpf.adapters.aws.archive_store import DynamoBorrowingStore
    from hpf.archive.borrowing import BorrowingService
    from hpf.seal.approvals import ApprovalForms

    forms = ApprovalForms(voucher_service, archive_service(), clock())
    return BorrowingService(DynamoBorrowingStore(settings.env("HPF_ARCHIVE_TABLE")), archive_service(), clock(),
                            forms.borrowing_approved)


def uploads(correlation_id: str | None = None) -> Uploads:
    from hpf.archive.intake import Uploads

    def request_text(document_key: str) -> None:
        queue_sender().send(settings.env("HPF_OCR_QUEUE"), [{"document_key": document_key}], correlation_id)

    return Uploads(archive_service(), request_text)


@lru_cache(maxsize=1)
def shared_licences() -> SharedLicences:
    from hpf.adapters.partners.licence_library import LicenceLibraryClient
    from hpf.archive.licences import SharedLicences

    library = LicenceLibraryClient(settings.env("HPF_LICENCE_LIBRARY_URL"), settings.env("HPF_LICENCE_APP_ID"),
                                   settings.env("HPF_LICENCE_APP_KEY"))
    return SharedLicences(archive_service(), library)


def lifecycle_steps() -> LifecycleSteps:
    from hpf.seal.approvals import ApprovalForms, LifecycleSteps

    return LifecycleSteps(archive_service(), ApprovalForms(voucher_service, archive_service(), clock()))


def text_store() -> TextStore:
    from hpf.adapters.aws.archive_store import DynamoTextStore

    return DynamoTextStore(settings.env("HPF_ARCHIVE_TABLE"))


def archive_text() -> ArchiveText:
    from hpf.archive import ocr
    from hpf.archive.text import ArchiveText

    return ArchiveText(archive_service(), text_store(), ocr.read, ocr.ENGINE)


def verification_log() -> VerificationLog:
    from hpf.adapters.aws.archive_store import DynamoVerificationLog

    return DynamoVerificationLog(settings.env("HPF_ARCHIVE_TABLE"))


def archive_alerts() -> ArchiveAlerts:
    from hpf.archive.alerts import ArchiveAlerts

    return ArchiveAlerts(archive_service(), borrowing_service(), verification_log(), clock())


def accounting_archive() -> AccountingArchive:
    from hpf.seal.accounting import AccountingArchive

    return AccountingArchive(general_ledger(), voucher_service, archive_service(), clock())


@lru_cache(maxsize=1)
def voucher_service() -> VoucherService:
    from hpf.seal.ledger_source import LedgerVoucherSource
    from hpf.seal.loan_source import LoanVoucherSource, VoucherSources
    from hpf.seal.service import VoucherService

    source = VoucherSources(LedgerVoucherSource(_BuiltOnFirstUse(ledger_service), _BuiltOnFirstUse(remittance_funding),
                                                _BuiltOnFirstUse(withdrawal_service), clock()),
                            LoanVoucherSource(_BuiltOnFirstUse(loan_service), clock()))
    from hpf.adapters.aws.archive_store import DynamoClaims

    return VoucherService(source, archive_service(), pdf_sealer, clock(),
                          settings.optional("HPF_PUBLIC_BASE_URL") or "", settings.seal_trust_roots,
                          DynamoClaims(settings.env("HPF_ARCHIVE_TABLE")),
                          code_of=lambda number: public_verification().code_of(number))


@lru_cache(maxsize=1)
def public_verification() -> PublicVerification:
    """扫码验真: the public QR check, rate-limited by caller and recorded in the operation record."""
    from hpf.adapters.aws.archive_store import DynamoRateLimiter
    from hpf.identity.roles import organisations
    from hpf.seal.public_check import PublicVerification

    return PublicVerification(archive_service(), settings.voucher_code_key(),
                              DynamoRateLimiter(settings.env("HPF_ARCHIVE_TABLE")), _record_public_check,
                              organisations())


def _record_public_check(voucher_no: str, caller: str, verified: bool, correlation_id: str) -> None:
    import uuid
    from datetime import datetime

    from hpf.common.clock import SHANGHAI
    from hpf.platform.operations import OperationRecord

    operation_log().append(OperationRecord(
        record_id=uuid.uuid4().hex, at=datetime.now(SHANGHAI), subject="public", subject_name=caller,
        roles=(), org=None, channel="public", area="seal", action="GET /public/vouchers/{voucher_no}",
        target=f"voucher_no={voucher_no}", outcome=200, error_code=None if verified else "NOT_VERIFIED",
        correlation_id=correlation_id or None))


@lru_cache(maxsize=1)
def analytics_files() -> AnalyticsFiles:
    """The analytics bucket: the ledger's nightly snapshot, the reconciliation workbooks."""
    from hpf.adapters.aws.snapshot_store import AnalyticsFiles as BucketFiles

    return BucketFiles(settings.env("HPF_ANALYTICS_BUCKET"))


def ledger_rows() -> list[dict[str, Any]]:
    """Every item of the ledger table, for the nightly snapshot (a parallel scan)."""
    from hpf.adapters.aws.snapshot_store import scan_table

    return scan_table(settings.env("HPF_LEDGER_TABLE"))


def tree_head_signer() -> TreeHeadSigner:
    """The solidification log's tree heads are signed with the center's seal in the e-seal system."""
    from hpf.archive.treehead import SealSystemTreeHeadSigner

    return SealSystemTreeHeadSigner(seal_system(), settings.env("HPF_CENTER_SEAL"))


@lru_cache(maxsize=1)
def queue_sender() -> MessageQueue:
    from hpf.adapters.aws.queues import QueueSender

    return QueueSender()


def _deposit_policy() -> PolicyBook:
    # Imported at first use: the policy file (and yaml) matter to writes only, not to a cold query.
    from hpf.ledger.policy import load_policy_book

    return load_policy_book()


@lru_cache(maxsize=1)
def operation_log() -> OperationLog:
    from hpf.adapters.aws.oplog import DynamoOperationLog

    return DynamoOperationLog(settings.env("HPF_OPLOG_TABLE"))


@lru_cache(maxsize=1)
def token_verifier() -> TokenVerifier:
    from hpf.identity.tokens import TokenVerifier

    refresh = settings.identity_jwks_from_store if settings.optional("HPF_IDENTITY_JWKS_PARAMETER") else None
    revocation_url = settings.optional("HPF_IDENTITY_REVOCATION_URL")
    revoked = None
    if revocation_url:
        from hpf.adapters.partners.identity import RevocationListClient

        revoked = RevocationListClient(revocation_url)
    return TokenVerifier(settings.identity_jwks(), settings.env("HPF_IDENTITY_ISSUER"), refresh_keys=refresh,
                         revoked_tokens=revoked,
                         revocation_max_age=float(settings.optional("HPF_IDENTITY_REVOCATION_MAX_AGE") or 30))


@lru_cache(maxsize=1)
def outbox_relay() -> EventRelay:
    from hpf.adapters.aws.outbox import OutboxRelay

    return OutboxRelay(settings.env("HPF_OUTBOX_TABLE"), settings.event_routes(), settings.event_subscriptions())


@lru_cache(maxsize=1)
def workflows() -> Workflows:
    from hpf.adapters.aws.workflows import StepFunctionsWorkflows

    return StepFunctionsWorkflows()


@lru_cache(maxsize=1)
def cockpit() -> CockpitService:
    """Kept per warm instance: it holds the figures of the snapshots it has read."""
    from hpf.identity.roles import organisations
    from hpf.ledger.withdrawal_rules import load_withdrawal_rules
    from hpf.platform.cockpit import CockpitService

    return CockpitService(analytics_files(), load_withdrawal_rules().names(), organisations())


def schedules() -> Schedules:
    from hpf.adapters.aws.schedules import AwsSchedules

    return AwsSchedules(settings.env("HPF_STAGE"), settings.env("HPF_OPLOG_TABLE"))


def dead_letters() -> DeadLetters:
    from hpf.adapters.aws.dead_letters import SqsDeadLetters

    return SqsDeadLetters(settings.env("HPF_STAGE"))


def workflow_monitor() -> WorkflowMonitor:
    from hpf.adapters.aws.workflows import StepFunctionsMonitor

    return StepFunctionsMonitor(settings.env("HPF_STAGE"))


@lru_cache(maxsize=1)
def exchange_gateway() -> SourceGateway:
    """Kept per warm instance: its circuits remember which sources just failed."""
    from hpf.adapters.partners.exchange_gateway import GatewayRouter

    return GatewayRouter(_exchange_clients())


@lru_cache(maxsize=1)
def _exchange_clients() -> dict[str, Any]:
    """The big-data center's exchange, and each bank's gateway configured in HPF_BANK_DATA_GATEWAYS ({"icbc":
    {"url", "client_id", "secret"}, …}); a national-algorithm gateway's keys come from 证书管理 at each call."""
    import json

    from hpf.adapters.partners.exchange_gateway import ExchangeGatewayClient
    from hpf.datashare.dialect import dialects

    clients = {"bigdata": ExchangeGatewayClient(settings.env("HPF_BIGDATA_URL"), settings.env("HPF_BIGDATA_CLIENT_ID"),
                                                settings.env("HPF_BIGDATA_SECRET"), dialects()["bigdata"])}
    links = json.loads(settings.optional("HPF_BANK_DATA_GATEWAYS") or "{}")
    national = settings.optional("HPF_NATIONAL_DATA_GATEWAY")  # the national data-sharing platform (S.9.7)
    if national:
        links["national"] = json.loads(national)
    for name, link in links.items():
        clients[name] = ExchangeGatewayClient(link["url"], link["client_id"], link.get("secret", ""), dialects()[name],
                                              keys=partial(_ring, name))
    return clients


def bad_records() -> BadRecordService:
    """不良信息处理 over the datashare table, reported through the exchange its platform sits behind (reports.yaml)."""
    from hpf.adapters.aws.datashare_management_store import DynamoBadRecordStore
    from hpf.adapters.partners.credit_platform import ExchangeCreditPlatform
    from hpf.datashare.bad_records import BadRecordService
    from hpf.datashare.report_specs import report_specs

    spec = report_specs()["bad_records"]
    return BadRecordService(DynamoBadRecordStore(settings.env("HPF_DATASHARE_TABLE")),
                            ExchangeCreditPlatform(_exchange_clients()[spec.gateway], spec), clock())


def _ring(gateway: str) -> GatewayKeys:
    return datashare_keys().ring(gateway)


def datashare_keys() -> KeyService:
    """证书管理 over the datashare table; the secret halves sealed with HPF_CONFIG_KEY (an encrypted parameter)."""
    from hpf.adapters.aws.datashare_management_store import DynamoKeyStore
    from hpf.datashare.gm import ConfigSealer
    from hpf.datashare.keys import KeyService, KeysMissing

    configured = settings.optional("HPF_CONFIG_KEY")
    if not configured:
        raise KeysMissing("配置密钥（HPF_CONFIG_KEY）未设置")
    return KeyService(DynamoKeyStore(settings.env("HPF_DATASHARE_TABLE")), ConfigSealer(configured), clock())


def datashare_trail() -> TrailStore:
    from hpf.adapters.aws.datashare_store import DynamoTrailStore

    return DynamoTrailStore(settings.env("HPF_DATASHARE_TABLE"))


@lru_cache(maxsize=1)
def datashare() -> DataShareService:
    from hpf.adapters.aws.datashare_management_store import DynamoPolicyStore
    from hpf.adapters.aws.datashare_store import (
        DynamoAnswerCache,
        DynamoAuthorizationStore,
        DynamoRateStorage,
        LimitsThrottle,
    )
    from hpf.datashare.service import DataShareService, Rates

    table = settings.env("HPF_DATASHARE_TABLE")
    rates = Rates(settings.optional("HPF_DATASHARE_CALLER_RATE") or Rates.per_caller,
                  settings.optional("HPF_DATASHARE_SOURCE_RATE") or Rates.per_source)
    return DataShareService(exchange_gateway(), DynamoAuthorizationStore(table), datashare_trail(),
                            DynamoAnswerCache(table), LimitsThrottle(DynamoRateStorage(table)),
                            DynamoPolicyStore(table), clock(), rates)


def datashare_governance() -> GovernanceService:
    from hpf.adapters.aws.datashare_management_store import DynamoPolicyStore
    from hpf.datashare.management import GovernanceService

    return GovernanceService(DynamoPolicyStore(settings.env("HPF_DATASHARE_TABLE")), clock())


def developer_service() -> DeveloperService:
    from hpf.adapters.aws.lending_store import DynamoDeveloperStore, DynamoLoanStore
    from hpf.lending.developers import DeveloperService

    table = settings.env("HPF_LENDING_TABLE")
    store = DynamoDeveloperStore(table, DynamoLoanStore(table, settings.env("HPF_OUTBOX_TABLE")))
    return DeveloperService(store, scenario_checks(), clock())


def solidification_log() -> SolidificationLog:
    """The archive's log alone (the trail's solidification needs nothing else of the archive)."""
    from hpf.adapters.aws.archive_store import DynamoLogStore

    return DynamoLogStore(settings.env("HPF_ARCHIVE_TABLE"))


def scenario_checks() -> ScenarioChecks:
    from hpf.datashare.checks import ScenarioChecks

    return ScenarioChecks(datashare())


def reset() -> None:
    """Forget every built service (tests that change settings between cases)."""
    for factory in (clock, ledger_service, general_ledger, ledger_maintenance, interest_service, withdrawal_service,
                    remittance_funding, ledger_corrections, settlement_port, settlement_service, settlement_banks,
                    reconciliation, loan_service, deduction_run, queue_sender, seal_system, pdf_sealer, archive_service,
                    voucher_service, analytics_files,
                    borrowing_service, shared_licences, public_verification,
                    operation_log, token_verifier, outbox_relay, workflows, cockpit, exchange_gateway, _exchange_clients,
                    datashare):
        factory.cache_clear()
