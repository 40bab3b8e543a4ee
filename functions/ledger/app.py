"""Ledger function app (核心业务): units, personal accounts, remittances, balances and statements.

Handlers are one line of mapping around one service call; the rules live in hpf.ledger.
"""

from __future__ import annotations  # return annotations stay names: the lazy models are not built at import

from typing import TYPE_CHECKING

from hpf import bootstrap
from hpf.common.paging import PageRequest
from hpf.identity.roles import Role
from hpf.ledger import schemas as s
from hpf.ledger.model import AccountEvent, UnitEvent
from hpf.ledger.services import OpenAccount, RegisterUnit
from hpf.web.api import Api, LazyModule, RequestContext

ADMIN = "hpf.ledger.admin_schemas"
WDR = "hpf.ledger.withdrawal_schemas"
if TYPE_CHECKING:
    from hpf.ledger import admin_schemas as a
    from hpf.ledger import withdrawal_schemas as w
else:
    a = LazyModule(ADMIN)  # models of the less frequent routes, built only when one of them is first called
    w = LazyModule(WDR)

STAFF = {Role.COUNTER_CLERK}
VIEWERS = {Role.COUNTER_CLERK, Role.AUDITOR, Role.LEADER}
ACCOUNTING = {Role.FINANCE, Role.AUDITOR, Role.LEADER}

api = Api("ledger", "核心业务（缴存）", "单位开户、个人开户、汇缴、余额与明细查询")
app = api.app
handler = api.lambda_handler  # the function's entry behind API Gateway (infra/areas/<area>.yaml)


@api.route("/units", method="POST", roles=STAFF, body=s.RegisterUnitRequest, response=s.UnitView, status=201,
           summary="单位开户")
def register_unit(ctx: RequestContext) -> s.UnitView:
    b = ctx.body
    command = RegisterUnit(b.name, b.credit_code, b.unit_ratio, b.personal_ratio, b.org, b.address)
    return s.UnitView.of(bootstrap.ledger_service().register_unit(command, ctx.principal, ctx.correlation_id))


@api.route("/units", roles=VIEWERS, query=f"{ADMIN}:UnitListQuery", response=f"{ADMIN}:UnitPage",
           summary="单位列表（按管理部）")
def list_units(ctx: RequestContext) -> a.UnitPage:
    q = ctx.query
    org = q.org or ctx.principal.org or ""
    page = bootstrap.ledger_service().list_units(org, PageRequest(q.page_size, q.page_token), ctx.principal)
    return a.UnitPage(units=[s.UnitView.of(u) for u in page.items], next_page_token=page.next_token)


@api.route("/units/{unit_account}", roles=VIEWERS | {Role.UNIT_AGENT, Role.FINANCE}, path_model=s.UnitPath, response=s.UnitView,
           summary="单位信息查询")
def get_unit(ctx: RequestContext, unit_account: str) -> s.UnitView:
    return s.UnitView.of(bootstrap.ledger_service().get_unit(unit_account, ctx.principal))


@api.route("/units/{unit_account}/accounts", method="POST", roles=STAFF, path_model=s.UnitPath,
           body=s.OpenAccountRequest, response=s.AccountView, status=201, summary="个人开户")
def open_account(ctx: RequestContext, unit_account: str) -> s.AccountView:
    b = ctx.body
    command = OpenAccount(b.name, b.id_number, b.deposit_base, b.mobile or "")
    return s.AccountView.of(
        bootstrap.ledger_service().open_account(unit_account, command, ctx.principal, ctx.correlation_id))


@api.route("/units/{unit_account}/accounts", roles=VIEWERS | {Role.UNIT_AGENT}, path_model=s.UnitPath,
           response=f"{ADMIN}:UnitAccountsView", summary="单位职工列表")
def unit_accounts(ctx: RequestContext, unit_account: str) -> a.UnitAccountsView:
    accounts = bootstrap.ledger_service().unit_accounts(unit_account, ctx.principal)
    return a.UnitAccountsView(unit_account=unit_account, accounts=[s.AccountView.of(acc) for acc in accounts])


@api.route("/voluntary-accounts", method="POST", roles=STAFF | {Role.DEPOSITOR},
           body=f"{ADMIN}:RegisterVoluntaryRequest",
           response=s.AccountView, status=201, summary="自愿缴存者登记（柜台或本人）")
def register_voluntary(ctx: RequestContext) -> s.AccountView:
    b = ctx.body
    command = OpenAccount(b.name, b.id_number, b.deposit_base, b.mobile or "")
    return s.AccountView.of(bootstrap.ledger_service().register_voluntary(command, ctx.principal, b.org,
                                                                          ctx.correlation_id))


@api.route("/accounts/{account_no}/voluntary-deposits", method="POST", roles=STAFF | {Role.DEPOSITOR},
           path_model=s.AccountPath, body=f"{ADMIN}:VoluntaryDepositRequest", response=s.RemittanceView, status=202,
           summary="自愿缴存（按月，入账异步完成）")
def voluntary_deposit(ctx: RequestContext, account_no: str) -> s.RemittanceView:
    return s.RemittanceView.of(bootstrap.ledger_service().record_voluntary_deposit(
        account_no, ctx.body.month, ctx.principal, ctx.correlation_id))


@api.route("/units/{unit_account}/remittances", method="POST", roles=STAFF | {Role.UNIT_AGENT},
           path_model=s.UnitPath, body=s.RecordRemittanceRequest, response=s.RemittanceView, status=202,
           summary="登记月度汇缴（入账异步完成）")
def record_remittance(ctx: RequestContext, unit_account: str) -> s.RemittanceView:
    return s.RemittanceView.of(bootstrap.ledger_service().record_remittance(
        unit_account, ctx.body.month, ctx.principal, ctx.correlation_id))


@api.route("/units/{unit_account}/supplementary-remittances", method="POST", roles=STAFF | {Role.UNIT_AGENT},
           path_model=s.UnitPath, body=f"{ADMIN}:RecordSupplementaryRequest", response=s.RemittanceView, status=202,
           summary="登记补缴（入账异步完成）")
def record_supplementary(ctx: RequestContext, unit_account: str) -> s.RemittanceView:
    b = ctx.body
    return s.RemittanceView.of(bootstrap.ledger_service().record_supplementary(
        unit_account, b.month, b.account_nos, ctx.principal, b.reason, ctx.correlation_id))


@api.route("/units/{unit_account}/remittances", roles=VIEWERS | {Role.UNIT_AGENT, Role.FINANCE}, path_model=s.UnitPath,
           query=f"{ADMIN}:MonthQuery", response=f"{ADMIN}:RemittanceList", summary="单位某月的汇补缴清册")
def remittances_of_month(ctx: RequestContext, unit_account: str) -> a.RemittanceList:
    found = bootstrap.ledger_service().remittances_of_month(unit_account, ctx.query.month, ctx.principal)
    return a.RemittanceList(remittances=[s.RemittanceView.of(r) for r in found])


@api.route("/remittances/{remittance_id}", roles=VIEWERS | {Role.UNIT_AGENT}, path_model=s.RemittancePath,
           response=s.RemittanceView,
           summary="汇缴查询")
def get_remittance(ctx: RequestContext, remittance_id: str) -> s.RemittanceView:
    return s.RemittanceView.of(bootstrap.ledger_service().get_remittance(remittance_id, ctx.principal))


@api.route("/remittances/{remittance_id}/funds", method="POST", roles={Role.FINANCE}, path_model=s.RemittancePath,
           body=f"{ADMIN}:FundsRequest", response=s.RemittanceView, summary="汇缴资金到账确认（入账随后异步完成）")
def confirm_funds(ctx: RequestContext, remittance_id: str) -> s.RemittanceView:
    b = ctx.body
    return s.RemittanceView.of(bootstrap.remittance_funding().confirm_funds(
        remittance_id, b.amount, b.bank_serial, actor=ctx.principal, correlation_id=ctx.correlation_id))


@api.route("/remittances/{remittance_id}/collection-result", method="POST", roles={Role.FINANCE},
           path_model=s.RemittancePath, body=f"{ADMIN}:CollectionResultRequest", response=s.RemittanceView,
           summary="登记托收结果")
def collection_result(ctx: RequestContext, remittance_id: str) -> s.RemittanceView:
    b = ctx.body
    return s.RemittanceView.of(bootstrap.remittance_funding().record_collection(
        remittance_id, b.outcome == "collected", bank_serial=b.bank_serial, reason=b.reason, actor=ctx.principal,
        correlation_id=ctx.correlation_id))


@api.route("/remittances/{remittance_id}/collection", method="POST", roles=STAFF | {Role.UNIT_AGENT},
           path_model=s.RemittancePath, response=s.RemittanceView, status=202, summary="重新发起托收")
def collect_again(ctx: RequestContext, remittance_id: str) -> s.RemittanceView:
    return s.RemittanceView.of(bootstrap.remittance_funding().collect_again(
        remittance_id, ctx.principal, ctx.correlation_id))


@api.route("/remittances/{remittance_id}/receipt", roles=VIEWERS | {Role.UNIT_AGENT}, path_model=s.RemittancePath,
           response=f"{ADMIN}:RemittanceReceiptView", summary="汇补缴回单（数据）")
def remittance_receipt(ctx: RequestContext, remittance_id: str) -> a.RemittanceReceiptView:
    return a.RemittanceReceiptView.of(bootstrap.remittance_funding().receipt(remittance_id, ctx.principal))


@api.route("/units/{unit_account}/collection-agreement", method="PUT", roles=STAFF | {Role.UNIT_AGENT},
           path_model=s.UnitPath, body=f"{ADMIN}:CollectionAgreementRequest", response=s.UnitView,
           summary="签订或变更托收协议")
def sign_collection(ctx: RequestContext, unit_account: str) -> s.UnitView:
    return s.UnitView.of(bootstrap.ledger_maintenance().set_collection_agreement(
        unit_account, ctx.body.agreement(), ctx.principal, reason=ctx.body.reason, correlation_id=ctx.correlation_id))


@api.route("/units/{unit_account}/collection-agreement", method="DELETE", roles=STAFF, path_model=s.UnitPath,
           body=f"{ADMIN}:EndCollectionRequest", response=s.UnitView, summary="终止托收协议")
def end_collection(ctx: RequestContext, unit_account: str) -> s.UnitView:
    return s.UnitView.of(bootstrap.ledger_maintenance().set_collection_agreement(
        unit_account, None, ctx.principal, reason=ctx.body.reason, correlation_id=ctx.correlation_id))


# Finance reads an account and its statement to reverse a deposit posted in error (冲正 is theirs).
@api.route("/accounts/{account_no}", roles=VIEWERS | {Role.FINANCE, Role.DEPOSITOR, Role.UNIT_AGENT},
           path_model=s.AccountPath, response=s.AccountView,
           summary="个人账户余额查询")
def get_account(ctx: RequestContext, account_no: str) -> s.AccountView:
    return s.AccountView.of(bootstrap.ledger_service().get_account(account_no, ctx.principal))


@api.route("/me/account", roles={Role.DEPOSITOR}, response=s.AccountView, summary="本人的个人账户（APP、网厅的首页）")
def my_account(ctx: RequestContext) -> s.AccountView:
    return s.AccountView.of(bootstrap.ledger_service().my_account(ctx.principal))


@api.route("/accounts/{account_no}/deposit-certificate", roles={Role.COUNTER_CLERK, Role.DEPOSITOR},
           path_model=s.AccountPath, response=f"{ADMIN}:DepositCertificateView", summary="缴存证明（数据）")
def deposit_certificate(ctx: RequestContext, account_no: str) -> a.DepositCertificateView:
    return a.DepositCertificateView.of(bootstrap.ledger_service().deposit_certificate(account_no, ctx.principal))


@api.route("/accounts/{account_no}/entries", roles=VIEWERS | {Role.FINANCE, Role.DEPOSITOR}, path_model=s.AccountPath,
           query=s.StatementQuery,
           response=s.StatementView, summary="个人明细查询")
def statement(ctx: RequestContext, account_no: str) -> s.StatementView:
    q = ctx.query
    page = bootstrap.ledger_service().statement(account_no, q.start, q.end, PageRequest(q.page_size, q.page_token),
                                                ctx.principal)
    return s.StatementView(account_no=account_no, entries=[s.EntryView.of(e) for e in page.items],
                           next_page_token=page.next_token)


@api.route("/units/{unit_account}", method="PATCH", roles=STAFF, path_model=s.UnitPath, body=f"{ADMIN}:ChangeUnitRequest",
           response=s.UnitView, summary="单位信息变更")
def change_unit(ctx: RequestContext, unit_account: str) -> s.UnitView:
    b = ctx.body
    return s.UnitView.of(bootstrap.ledger_maintenance().change_unit(
        unit_account, ctx.principal, name=b.name, address=b.address, reason=b.reason,
        correlation_id=ctx.correlation_id))


@api.route("/units/{unit_account}/ratios", method="PUT", roles=STAFF | {Role.UNIT_AGENT}, path_model=s.UnitPath,
           body=f"{ADMIN}:SetRatiosRequest", response=s.UnitView, summary="缴存比例调整")
def set_ratios(ctx: RequestContext, unit_account: str) -> s.UnitView:
    b = ctx.body
    return s.UnitView.of(bootstrap.ledger_maintenance().set_unit_ratios(
        unit_account, b.unit_ratio, b.personal_ratio, ctx.principal, reason=b.reason,
        correlation_id=ctx.correlation_id))


@api.route("/units/{unit_account}/status-events", method="POST", roles=STAFF, path_model=s.UnitPath,
           body=f"{ADMIN}:UnitStatusEventRequest", response=s.UnitView, summary="单位缓缴、封存、启封、销户")
def unit_status_event(ctx: RequestContext, unit_account: str) -> s.UnitView:
    return s.UnitView.of(bootstrap.ledger_maintenance().unit_status_event(
        unit_account, UnitEvent(ctx.body.event), ctx.principal, reason=ctx.body.reason,
        correlation_id=ctx.correlation_id))


@api.route("/units/{unit_account}/history", roles=VIEWERS | {Role.UNIT_AGENT, Role.FINANCE}, path_model=s.UnitPath,
           response=f"{ADMIN}:HistoryView", summary="单位业务变更记录")
def unit_history(ctx: RequestContext, unit_account: str) -> a.HistoryView:
    records = bootstrap.ledger_maintenance().unit_history(unit_account, ctx.principal)
    return a.HistoryView(records=[a.ChangeRecordView.of(r) for r in records])


@api.route("/accounts/{account_no}", method="PATCH", roles=STAFF, path_model=s.AccountPath,
           body=f"{ADMIN}:ChangeAccountRequest", response=s.AccountView, summary="个人信息变更")
def change_account(ctx: RequestContext, account_no: str) -> s.AccountView:
    b = ctx.body
    return s.AccountView.of(bootstrap.ledger_maintenance().change_account(
        account_no, ctx.principal, name=b.name, mobile=b.mobile, reason=b.reason, correlation_id=ctx.correlation_id))


@api.route("/accounts/{account_no}/deposit-base", method="PUT", roles=STAFF | {Role.UNIT_AGENT},
           path_model=s.AccountPath, body=f"{ADMIN}:AdjustBaseRequest", response=s.AccountView, summary="缴存基数调整")
def adjust_base(ctx: RequestContext, account_no: str) -> s.AccountView:
    return s.AccountView.of(bootstrap.ledger_maintenance().adjust_base(
        account_no, ctx.body.deposit_base, ctx.principal, reason=ctx.body.reason,
        correlation_id=ctx.correlation_id))


@api.route("/accounts/{account_no}/status-events", method="POST", roles=STAFF, path_model=s.AccountPath,
           body=f"{ADMIN}:AccountStatusEventRequest", response=s.AccountView, summary="个人账户封存、启封、冻结、解冻")
def account_status_event(ctx: RequestContext, account_no: str) -> s.AccountView:
    return s.AccountView.of(bootstrap.ledger_maintenance().account_status_event(
        account_no, AccountEvent(ctx.body.event), ctx.principal, reason=ctx.body.reason,
        correlation_id=ctx.correlation_id))


@api.route("/accounts/{account_no}/move", method="POST", roles=STAFF, path_model=s.AccountPath,
           body=f"{ADMIN}:MoveAccountRequest", response=s.AccountView, summary="单位调整（转入本中心其他单位）")
def move_account(ctx: RequestContext, account_no: str) -> s.AccountView:
    return s.AccountView.of(bootstrap.ledger_maintenance().move_account(
        account_no, ctx.body.to_unit, ctx.principal, reason=ctx.body.reason, correlation_id=ctx.correlation_id))


@api.route("/accounts/{account_no}/history", roles=VIEWERS | {Role.DEPOSITOR}, path_model=s.AccountPath,
           response=f"{ADMIN}:HistoryView", summary="个人账户业务变更记录")
def account_history(ctx: RequestContext, account_no: str) -> a.HistoryView:
    records = bootstrap.ledger_maintenance().account_history(account_no, ctx.principal)
    return a.HistoryView(records=[a.ChangeRecordView.of(r) for r in records])


@api.route("/accounts/{account_no}/interest", roles=VIEWERS | {Role.DEPOSITOR}, path_model=s.AccountPath,
           query=f"{ADMIN}:InterestQuery", response=f"{ADMIN}:AccrualView", summary="应计利息查询（积数计息）")
def accrued_interest(ctx: RequestContext, account_no: str) -> a.AccrualView:
    accrual = bootstrap.interest_service().accrued(account_no, ctx.query.to, ctx.principal)
    return a.AccrualView(account_no=accrual.account_no, start=accrual.start, end=accrual.end,
                         carried_product=accrual.result.carried_product,
                         current_product=accrual.result.current_product, interest=accrual.result.interest)


@api.route("/units/{unit_account}/interest-settlements", method="POST", roles={Role.FINANCE},
           path_model=s.UnitPath, body=f"{ADMIN}:SettleInterestRequest", response=f"{ADMIN}:UnitSettlementView",
           summary="单位职工年度结息")
def settle_unit_interest(ctx: RequestContext, unit_account: str) -> a.UnitSettlementView:
    r = bootstrap.interest_service().settle_unit(unit_account, ctx.body.settlement, ctx.principal, ctx.correlation_id)
    return a.UnitSettlementView(unit_account=r.unit_account, settlement=r.settlement, settled=r.settled,
                                already=r.already, total_interest=r.total_interest)


@api.route("/trial-balance", roles=ACCOUNTING, query=f"{ADMIN}:DayQuery", response=f"{ADMIN}:TrialBalanceView",
           summary="财务帐试算平衡（按业务日期）")
def trial_balance(ctx: RequestContext) -> a.TrialBalanceView:
    day = ctx.query.day
    return a.TrialBalanceView.of(day, bootstrap.general_ledger().trial_balance(day, ctx.principal))


@api.route("/ledger-check", roles=ACCOUNTING, query=f"{ADMIN}:DayQuery", response=f"{ADMIN}:LedgerCheckView",
           summary="业务帐与财务帐核对（账账相符）")
def ledger_check(ctx: RequestContext) -> a.LedgerCheckView:
    day = ctx.query.day
    return a.LedgerCheckView.of(day, bootstrap.general_ledger().ledger_check(day, ctx.principal))


@api.route("/accounts/{account_no}/entries/{entry_id}/reversal", method="POST", roles={Role.FINANCE},
           path_model=f"{ADMIN}:EntryPath", body=f"{ADMIN}:ReversalRequest", response=s.EntryView, status=201,
           summary="缴存明细冲正")
def reverse_entry(ctx: RequestContext, account_no: str, entry_id: str) -> s.EntryView:
    return s.EntryView.of(bootstrap.ledger_corrections().reverse_deposit(
        account_no, entry_id, ctx.body.reason, ctx.principal, ctx.correlation_id))


@api.route("/accounts/{account_no}/merge", method="POST", roles=STAFF, path_model=s.AccountPath,
           body=f"{ADMIN}:MergeRequest", response=f"{ADMIN}:MergeView", summary="合并销户（并入同一职工的另一账户）")
def merge_accounts(ctx: RequestContext, account_no: str) -> a.MergeView:
    source, target = bootstrap.ledger_corrections().merge_accounts(account_no, ctx.body.into, ctx.body.reason,
                                                                   ctx.principal, ctx.correlation_id)
    return a.MergeView(source=s.AccountView.of(source), target=s.AccountView.of(target))


@api.route("/withdrawal-rules", roles=VIEWERS | {Role.DEPOSITOR, Role.FINANCE}, response=f"{WDR}:RuleList",
           summary="提取规则（原因、材料、频次、限额）")
def withdrawal_rules(ctx: RequestContext) -> w.RuleList:
    book, rules = bootstrap.withdrawal_service().rules_in_force()
    return w.RuleList(rules=[w.RuleView.of(r, book.materials, book.licences) for r in rules])


@api.route("/accounts/{account_no}/withdrawals", method="POST", roles={Role.COUNTER_CLERK, Role.DEPOSITOR},
           path_model=s.AccountPath, body=f"{WDR}:WithdrawalRequest", response=f"{WDR}:WithdrawalView", status=202,
           summary="提取申请（校验规则、冻结金额，支付异步完成）")
def request_withdrawal(ctx: RequestContext, account_no: str) -> w.WithdrawalView:
    return w.WithdrawalView.of(bootstrap.withdrawal_service().request(
        account_no, ctx.body.command(), ctx.principal, ctx.correlation_id))


@api.route("/accounts/{account_no}/withdrawals", roles=VIEWERS | {Role.DEPOSITOR}, path_model=s.AccountPath,
           response=f"{WDR}:WithdrawalList", summary="个人提取记录")
def account_withdrawals(ctx: RequestContext, account_no: str) -> w.WithdrawalList:
    found = bootstrap.withdrawal_service().of_account(account_no, ctx.principal)
    return w.WithdrawalList(account_no=account_no, withdrawals=[w.WithdrawalView.of(x) for x in found])


@api.route("/withdrawals/{withdrawal_id}", roles=VIEWERS | {Role.DEPOSITOR, Role.FINANCE},
           path_model=f"{WDR}:WithdrawalPath", response=f"{WDR}:WithdrawalView", summary="提取业务查询")
def get_withdrawal(ctx: RequestContext, withdrawal_id: str) -> w.WithdrawalView:
    return w.WithdrawalView.of(bootstrap.withdrawal_service().get(withdrawal_id, ctx.principal))


@api.route("/withdrawals/{withdrawal_id}/payment-result", method="POST", roles={Role.FINANCE},
           path_model=f"{WDR}:WithdrawalPath", body=f"{WDR}:PaymentResultRequest", response=f"{WDR}:WithdrawalView",
           summary="登记提取支付结果（人工支付、人工核实）")
def record_payment_result(ctx: RequestContext, withdrawal_id: str) -> w.WithdrawalView:
    b = ctx.body
    return w.WithdrawalView.of(bootstrap.withdrawal_service().record_payment(
        withdrawal_id, b.outcome == "paid", bank_serial=b.bank_serial, reason=b.reason, actor=ctx.principal,
        correlation_id=ctx.correlation_id))


@app.lambda_function(name="ledger_events")
def ledger_events(event, context):
    """Queue consumer of ledger events (SQS, partial batch failure)."""
    from hpf.entrypoints import ledger as entrypoints

    return entrypoints.ledger_events(event, context)


@app.lambda_function(name="post_remittance")
def post_remittance(event, context):
    """State-machine task of remittance-posting: post every line of the remittance to its account."""
    from hpf.entrypoints import ledger as entrypoints

    return entrypoints.post_remittance(event, context)


@app.lambda_function(name="plan_interest_run")
def plan_interest_run(event, context):
    """Schedule (1 July): one message per unit to the interest-settlement queue."""
    from hpf.entrypoints import ledger as entrypoints

    return entrypoints.plan_interest_run(event, context)


@app.lambda_function(name="settle_interest")
def settle_interest(event, context):
    """Queue consumer: settle one unit's accounts per message (partial batch failure)."""
    from hpf.entrypoints import ledger as entrypoints

    return entrypoints.settle_interest(event, context)


@app.lambda_function(name="snapshot_ledger")
def snapshot_ledger(event, context):
    """Schedule (02:00 daily): the ledger as Parquet in the analytics bucket."""
    from hpf.entrypoints import ledger as entrypoints

    return entrypoints.snapshot_ledger(event, context)
