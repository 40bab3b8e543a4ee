"""Data-sharing function app (政务数据共享): authorizations, queries of the 21 sources and the banks, scenario checks,
the trail a person and the auditors read, the gateway's catalogue and figures; and the trail's solidification."""

from __future__ import annotations

from datetime import timedelta

from hpf import bootstrap
from hpf.datashare import bad_record_schemas as b
from hpf.datashare import governance_schemas as g
from hpf.datashare import schemas as s
from hpf.datashare.governance import GatewayPolicy
from hpf.identity.roles import Role
from hpf.web.api import Api, RequestContext

api = Api("datashare", "政务数据共享", "共享数据查询授权、21类数据源查询、共享数据场景核验、查询留痕、接口与统计")
app = api.app
handler = api.lambda_handler

ASKERS = {Role.COUNTER_CLERK, Role.APPROVER, Role.DEPOSITOR}
WATCHERS = {Role.OPERATOR, Role.AUDITOR, Role.LEADER, Role.COUNTER_CLERK, Role.APPROVER, Role.DATA_ADMIN}


@api.route("/authorizations", method="POST", roles={Role.COUNTER_CLERK, Role.APPROVER, Role.DEPOSITOR},
           body=s.GrantBody, response=s.AuthorizationView, status=201, summary="记录数据查询授权（书面授权书或本人线上授权）")
def grant(ctx: RequestContext) -> s.AuthorizationView:
    from hpf.datashare.service import GrantRequest

    b = ctx.body
    return s.AuthorizationView.of(bootstrap.datashare().grant(GrantRequest(
        b.subject_kind, b.subject_id, b.subject_name, tuple(b.scenarios), b.valid_days, b.evidence_kind,
        b.evidence_reference), ctx.principal))


@api.route("/authorization-searches", method="POST", roles={Role.COUNTER_CLERK, Role.APPROVER, Role.AUDITOR,
           Role.DEPOSITOR}, body=s.SubjectBody, response=s.AuthorizationList, summary="查询某人（单位）的授权记录")
def authorizations_of(ctx: RequestContext) -> s.AuthorizationList:
    found = bootstrap.datashare().authorizations_of(ctx.body.subject_kind, ctx.body.subject_id, ctx.principal)
    return s.AuthorizationList(authorizations=[s.AuthorizationView.of(a) for a in found])


@api.route("/authorizations/{authorization_id}/revocation", method="POST", roles={Role.COUNTER_CLERK, Role.DEPOSITOR},
           path_model=s.AuthorizationPath, response=s.AuthorizationView, summary="撤销授权")
def revoke(ctx: RequestContext, authorization_id: str) -> s.AuthorizationView:
    return s.AuthorizationView.of(bootstrap.datashare().revoke(authorization_id, ctx.principal))


@api.route("/queries", method="POST", roles=ASKERS, body=s.QueryBody, response=s.AnswerView,
           summary="共享数据查询（须有授权；留痕）")
def query(ctx: RequestContext) -> s.AnswerView:
    from hpf.datashare.service import ShareQuery

    b = ctx.body
    answer = bootstrap.datashare().query(ShareQuery(b.source, b.scenario, b.subject_id, b.business_id,
                                                    b.authorization_id, b.key or ""), ctx.principal)
    return s.AnswerView(query_id=answer.query_id, source=answer.source, records=answer.records,
                        fetched_at=answer.fetched_at, cached=answer.cached)


@api.route("/checks", method="POST", roles=ASKERS, body=s.CheckBody, response=s.CheckView,
           summary="共享数据场景核验：自动填充、差异比对、免交材料、纸质办理原因")
def check(ctx: RequestContext) -> s.CheckView:
    from hpf.datashare.checks import CheckRequest

    b = ctx.body
    return s.CheckView.of(bootstrap.scenario_checks().check(CheckRequest(
        b.scenario, b.subject_id, b.business_id, b.authorization_id, dict(b.typed), dict(b.keys)), ctx.principal))


@api.route("/trail-searches", method="POST", roles={Role.AUDITOR, Role.DEPOSITOR}, body=s.SubjectBody,
           response=s.TrailList, summary="查询留痕：谁为何查询了某人（单位）的哪些数据")
def trail(ctx: RequestContext) -> s.TrailList:
    found = bootstrap.datashare().trail_of(ctx.body.subject_kind, ctx.body.subject_id, ctx.principal)
    return s.TrailList(records=[s.TrailView.of(r) for r in found])


@api.route("/sources", roles=WATCHERS, response=s.SourceList, summary="数据源（接口）目录与熔断状态")
def sources(ctx: RequestContext) -> s.SourceList:
    from hpf.datashare.catalog import catalog

    circuits = bootstrap.exchange_gateway().status()
    return s.SourceList(sources=[s.SourceView(
        code=x.code, feature=x.feature, name=x.name, agency=x.agency, interface=x.interface, subject=x.subject,
        freshness_seconds=int(x.freshness.total_seconds()), circuit=circuits.get(x.code, "closed"))
        for x in catalog().values()])


@api.route("/scenarios", roles=WATCHERS | {Role.DEPOSITOR}, response=s.ScenarioList, summary="共享数据场景")
def scenario_list(ctx: RequestContext) -> s.ScenarioList:
    from hpf.datashare.scenarios import scenarios

    return s.ScenarioList(scenarios=[s.ScenarioView(code=x.code, feature=x.feature, name=x.name, subject=x.subject,
                                                    sources=list(x.sources), materials=sorted(x.materials))
                                     for x in scenarios().values()])


@api.route("/statistics", roles={Role.OPERATOR, Role.AUDITOR, Role.LEADER}, query=s.StatisticsQuery,
           response=s.StatisticsView, summary="统计分析：各数据源调用量、结果、缓存命中")
def statistics(ctx: RequestContext) -> s.StatisticsView:
    from hpf.datashare.trail import figures

    since = bootstrap.clock().now() - timedelta(hours=ctx.query.hours)
    f = figures(bootstrap.datashare().since(since))
    return s.StatisticsView(since=since, total=f["total"], offices=f["offices"], scenarios=f["scenarios"],
                            sources=[s.SourceFigureView(source=x.source, queries=x.queries,
                                                        outcomes=dict(x.outcomes), cached=x.cached,
                                                        hit_rate=round(x.hit_rate, 4)) for x in f["sources"]])


# -- 数据共享管理 (6.3.1, 6.3.3, 6.3.4, 6.3.6, 6.3.12, 6.3.13) ------------------------------------------------------
@api.route("/governance", roles={Role.DATA_ADMIN, Role.AUDITOR, Role.OPERATOR, Role.LEADER},
           response=g.PolicyView, summary="数据共享管理配置：机构、用户、接口、访问授权、设置")
def governance(ctx: RequestContext) -> g.PolicyView:
    return _policy_view(bootstrap.datashare_governance().policy())


@api.route("/governance/changes", method="POST", roles={Role.DATA_ADMIN}, body=g.ChangeBody,
           response=g.PolicyView, summary="变更数据共享管理配置（说明原因；依据读取时的版本）")
def change_governance(ctx: RequestContext) -> g.PolicyView:
    b = ctx.body
    return _policy_view(bootstrap.datashare_governance().change(
        b.kind, b.target, b.values.model_dump(exclude_none=True), b.reason, b.expected_version, ctx.principal))


@api.route("/governance/changes", roles={Role.DATA_ADMIN, Role.AUDITOR}, query=g.ChangesQuery,
           response=g.ChangeList, summary="数据共享管理的变更记录")
def governance_changes(ctx: RequestContext) -> g.ChangeList:
    return g.ChangeList(changes=[g.ChangeView.of(c) for c in bootstrap.datashare_governance().changes(
        ctx.query.limit)])


# -- 证书管理 (6.3.2) ---------------------------------------------------------------------------------------------
@api.route("/keys", roles={Role.DATA_ADMIN, Role.AUDITOR, Role.OPERATOR}, response=g.KeyList,
           summary="证书管理：国密对接方的SM2密钥、对方公钥与SM4传输密钥（指纹、有效期、状态）")
def keys(ctx: RequestContext) -> g.KeyList:
    from hpf.datashare.catalog import catalog
    from hpf.datashare.dialect import dialects

    service = bootstrap.datashare_keys()
    records = service.listing()
    expiring = {r.key_id for r in service.expiring(records)}
    agencies = {src.gateway: src.agency for src in catalog().values()}
    return g.KeyList(gateways=[g.GatewayName(code=n, name=agencies.get(n, n)) for n, d in sorted(dialects().items())
                               if d.national],
                     keys=[g.KeyView.of(r, r.key_id in expiring) for r in records])


@api.route("/keys", method="POST", roles={Role.DATA_ADMIN}, body=g.KeyBody, response=g.CreatedKeyView, status=201,
           summary="生成本方SM2密钥、导入对方公钥或设定SM4传输密钥（待启用）")
def create_key(ctx: RequestContext) -> g.CreatedKeyView:
    b = ctx.body
    created = bootstrap.datashare_keys().create(b.gateway, b.kind, b.valid_days, b.reason, ctx.principal,
                                                public_key=b.public_key, transport_key=b.transport_key)
    return g.CreatedKeyView(key=g.KeyView.of(created.record), handover=created.handover)


@api.route("/keys/{key_id}/activation", method="POST", roles={Role.DATA_ADMIN}, path_model=g.KeyPath,
           body=g.KeyActionBody, response=g.KeyView, summary="启用密钥（替换同类在用密钥；对方公钥可并用）")
def activate_key(ctx: RequestContext, key_id: str) -> g.KeyView:
    return g.KeyView.of(bootstrap.datashare_keys().activate(key_id, ctx.body.reason, ctx.principal))


@api.route("/keys/{key_id}/retirement", method="POST", roles={Role.DATA_ADMIN}, path_model=g.KeyPath,
           body=g.KeyActionBody, response=g.KeyView, summary="停用密钥")
def retire_key(ctx: RequestContext, key_id: str) -> g.KeyView:
    return g.KeyView.of(bootstrap.datashare_keys().retire(key_id, ctx.body.reason, ctx.principal))


# -- 不良信息处理 (6.3.8), 电子信息上报 (6.3.7) ------------------------------------------------------------------------
@api.route("/bad-records", method="POST", roles={Role.COUNTER_CLERK}, body=b.BadRecordBody,
           response=b.BadRecordView, status=201, summary="登记不良信息（附证据材料；同一业务同一类型只登记一次）")
def record_bad(ctx: RequestContext) -> b.BadRecordView:
    x = ctx.body
    return b.BadRecordView.of(bootstrap.bad_records().record(x.kind, x.subject_id, x.subject_name, x.business_id,
                                                            x.amount, x.evidence_reference, x.reason, ctx.principal))


@api.route("/bad-records", roles={Role.COUNTER_CLERK, Role.APPROVER, Role.AUDITOR, Role.DATA_ADMIN},
           query=b.BadRecordQuery, response=b.BadRecordList, summary="不良信息：按状态查询")
def bad_records(ctx: RequestContext) -> b.BadRecordList:
    return b.BadRecordList(records=[b.BadRecordView.of(r) for r in bootstrap.bad_records().in_state(ctx.query.state)])


@api.route("/bad-records/{record_id}/decisions", method="POST", roles={Role.COUNTER_CLERK, Role.APPROVER},
           path_model=b.BadRecordPath, body=b.DecisionBody, response=b.BadRecordView,
           summary="不良信息处理：审核认定、异议登记与处理、信用修复")
def decide_bad(ctx: RequestContext, record_id: str) -> b.BadRecordView:
    return b.BadRecordView.of(bootstrap.bad_records().decide(record_id, ctx.body.action, ctx.body.reason,
                                                             ctx.principal))


@api.route("/bad-record-reports", method="POST", roles={Role.DATA_ADMIN, Role.OPERATOR}, response=b.ReportRunView,
           summary="电子信息上报：立即上报待上报的不良信息（每十分钟亦自动上报）")
def report_bad(ctx: RequestContext) -> b.ReportRunView:
    return b.ReportRunView.of(bootstrap.bad_records().report())


def _policy_view(policy: GatewayPolicy) -> g.PolicyView:
    rates = bootstrap.datashare().rates
    return g.PolicyView.of(policy, rates.per_caller, rates.per_source)


@app.lambda_function(name="report_bad_records")
def report_bad_records(event, context):
    """Schedule (each ten minutes): what the public credit platform is owed of the bad-credit records."""
    from hpf.entrypoints import datashare as entrypoints

    return entrypoints.report_bad_records(event, context)


@app.lambda_function(name="solidify_trail")
def solidify_trail(event, context):
    """Schedule (each minute): the query trail appended to the archive's log."""
    from hpf.entrypoints import datashare as entrypoints

    return entrypoints.solidify_trail(event, context)
