"""Archive function app (电子档案): records and their proofs over HTTP, and the scheduled solidification work —
the daily signed tree head and the daily integrity check (``hpf archive verify`` runs the same function)."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from hpf import bootstrap
from hpf.identity.roles import Role
from hpf.web.api import Api, RequestContext
from hpf.web.schemas import Base64Text, Position, Schema

api = Api("archive", "电子档案", "档案上传、查阅、关联查询、归档与全流程管理、固化证明")
app = api.app
handler = api.lambda_handler  # the function's entry behind API Gateway (infra/areas/<area>.yaml)

READERS = {Role.COUNTER_CLERK, Role.AUDITOR, Role.LEADER, Role.ARCHIVIST}
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class RecordPath(Schema):
    model_config = ConfigDict(extra="forbid")
    document_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.-]{4,120}$")] = Field(
        description="文件键（凭证编号等业务侧编号）")


class RecordView(Schema):
    archival_code: str = Field(description="档号")
    document_key: str
    title: str = Field(description="题名")
    category: str = Field(description="门类代码")
    category_label: str
    retention: str = Field(description="保管期限代码")
    retention_label: str
    business_id: str
    subject_name: str = Field(description="责任者/所涉对象名称")
    org: str
    creator: str
    media_type: str
    size: int
    sha256: str
    sm3: str
    source: str
    created_at: datetime
    retain_until: date
    status: str
    status_label: str
    log_index: int = Field(description="在固化日志中的序号")
    transitions: int = Field(description="已办理的全流程管理步骤数")

    @classmethod
    def of(cls, r) -> RecordView:
        return cls(archival_code=r.archival_code, document_key=r.document_key, title=r.title,
                   category=r.category.value, category_label=r.category.label, retention=r.retention.value,
                   retention_label=r.retention.label, business_id=r.business_id, subject_name=r.subject_name,
                   org=r.org, creator=r.creator, media_type=r.media_type, size=r.size, sha256=r.sha256, sm3=r.sm3,
                   source=r.source.value, created_at=r.created_at, retain_until=r.retain_until,
                   status=r.status.value, status_label=r.status.label, log_index=r.log_index,
                   transitions=r.transitions)


class RecordList(Schema):
    records: list[RecordView]


class RelatedQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    subject: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{6,30}$")] | None = Field(
        None, description="所涉对象：身份证号或单位账号")
    business_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9/-]{4,80}$")] | None = Field(
        None, description="业务号（贷款、提取、汇缴等）")

    @model_validator(mode="after")
    def _one(self) -> RelatedQuery:
        if (self.subject is None) == (self.business_id is None):
            raise ValueError("subject 与 business_id 须且只须给出一个")
        return self


class UploadRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    upload_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{8,64}$")] = Field(
        description="上传方生成的唯一编号（重试时不变，同一编号只存一次）")
    title: Text = Field(description="题名")
    category: Literal["GJ", "TQ", "DK", "KJ", "WS"]
    retention: Literal["Y", "D30", "D10"]
    business_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9/-]{4,80}$")]
    subject: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{6,30}$")]
    subject_name: Text
    media_type: Literal["application/pdf", "image/jpeg", "image/png"]
    content_base64: Base64Text = Field(max_length=7 * 1024 * 1024, description="文件内容（Base64，5MB以内）")


class TransitionRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    event: Literal["file", "extend", "propose_disposal", "approve_disposal", "reject_disposal"] = Field(
        description="归档 / 延长保管 / 提出销毁 / 批准销毁 / 驳回销毁")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]
    years: int = Field(0, ge=0, le=100, description="延长保管的年数（仅 extend）")

    @model_validator(mode="after")
    def _years(self) -> TransitionRequest:
        if (self.event == "extend") != (self.years > 0):
            raise ValueError("延长保管须给出年数，其他操作不得给出")
        return self


class BorrowingRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    request_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{8,64}$")] = Field(
        description="申请方生成的唯一编号（重试时不变）")
    document_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.-]{4,120}$")]
    purpose: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=500)] = Field(
        description="借阅事由")
    days: int = Field(ge=1, le=30, description="借阅天数")
    basis: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = Field(
        "", description="外部机构借阅的依据（协查函编号等；外部机构必填）")


class BorrowingPath(Schema):
    model_config = ConfigDict(extra="forbid")
    borrowing_id: Annotated[str, StringConstraints(pattern=r"^BRW-[A-Za-z0-9-]{8,64}$")] = Field(description="借阅编号")


class DecisionRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    approve: bool
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)] = Field(
        description="审批意见")


class BorrowingView(Schema):
    borrowing_id: str
    document_key: str
    org: str
    borrower: str
    borrower_name: str
    purpose: str
    days: int
    status: str
    status_label: str
    requested_at: datetime
    decided_by: str
    decided_at: datetime | None
    due_on: date | None
    returned_at: datetime | None
    note: str
    borrower_kind: str = Field(description="staff 本中心人员 / partner 外部机构（共享利用）")
    basis: str
    approval_form: str | None = Field(description="借阅审批单（申请人、审批人签名并加盖中心印章）的凭证编号")

    @classmethod
    def of(cls, b) -> BorrowingView:
        return cls(borrowing_id=b.borrowing_id, document_key=b.document_key, org=b.org, borrower=b.borrower,
                   borrower_name=b.borrower_name, purpose=b.purpose, days=b.days, status=b.status.value,
                   status_label=b.status.label, requested_at=b.requested_at, decided_by=b.decided_by,
                   decided_at=b.decided_at, due_on=b.due_on, returned_at=b.returned_at, note=b.note,
                   borrower_kind=b.borrower_kind, basis=b.basis,
                   approval_form=f"JYSP-{b.borrowing_id}" if b.decided_at and b.due_on else None)


class AlertsView(Schema):
    retention_ending: list[RecordView] = Field(description="180天内保管期满（待鉴定）")
    unfiled: list[RecordView] = Field(description="收集超过30天未归档")
    overdue_borrowings: list[BorrowingView] = Field(description="借阅逾期未还")
    integrity: dict | None = Field(description="最近一次完整性校验（时间、是否完好、发现的问题）")


class ViewGrant(Schema):
    document_key: str
    media_type: str
    download_url: str = Field(description="查阅地址（5分钟内有效）")


class TreeHeadView(Schema):
    size: int
    root: str
    at: str
    seal_code: str
    signature: str = Field(description="中心印章对 {size, root, at} 规范化JSON的签名（Base64）")
    certificate: str


class ProofView(Schema):
    record: RecordView
    leaf_hash: str = Field(description="SHA-256(0x00 || 日志条目)")
    tree_head: TreeHeadView
    path: list[str] = Field(description="RFC 6962 审计路径（自叶向根）")


@api.route("/uploads", method="POST", roles={Role.COUNTER_CLERK, Role.ARCHIVIST}, body=UploadRequest,
           response=RecordView, status=201, summary="上传文件入档（扫描件、PDF）")
def upload(ctx: RequestContext) -> RecordView:
    from hpf.archive.model import Category, Retention

    b = ctx.body
    return RecordView.of(bootstrap.uploads(ctx.correlation_id).upload(
        b.upload_id, b.title, Category(b.category), Retention(b.retention), b.business_id, b.subject,
        b.subject_name, b.media_type, base64.b64decode(b.content_base64), ctx.principal))


class LicenceRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    licence_type: Literal["ID_CARD", "HOUSEHOLD", "MARRIAGE", "PROPERTY", "CONTRACT_FILING"] = Field(
        description="证照类型：居民身份证 / 户口簿 / 结婚证 / 不动产权证书 / 商品房买卖合同备案")
    holder_id: Annotated[str, StringConstraints(pattern=r"^\d{17}[\dX]$")] | None = Field(
        None, description="持证人身份证号（柜台必填；缴存人本人调用时不填，即本人）")
    authorization_code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{8,64}$")] = Field(
        description="持证人在赣服通授予本中心的授权码")
    business_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9/-]{4,80}$")] = Field(
        description="用于哪笔业务")
    purpose: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)] = Field(
        description="用途")


@api.route("/licences", method="POST", roles={Role.COUNTER_CLERK, Role.DEPOSITOR}, body=LicenceRequest,
           response=RecordView, status=201, summary="调用共享电子证照（凭持证人授权，入档留痕）")
def use_licence(ctx: RequestContext) -> RecordView:
    b = ctx.body
    return RecordView.of(bootstrap.shared_licences().use(b.licence_type, b.holder_id, b.authorization_code,
                                                         b.business_id, b.purpose, ctx.principal))


class SearchQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=50)] = Field(
        description="检索词（在扫描件识别出的文字中查找）")


class SearchHit(Schema):
    record: RecordView
    lines: list[str] = Field(description="识别出的文字（逐行）")


class SearchResult(Schema):
    hits: list[SearchHit]


@api.route("/search", roles=READERS, query=SearchQuery, response=SearchResult, summary="全文检索：扫描件识别文字")
def search(ctx: RequestContext) -> SearchResult:
    hits = bootstrap.archive_text().search(ctx.query.q, ctx.principal)
    return SearchResult(hits=[SearchHit(record=RecordView.of(r), lines=list(t.lines)) for r, t in hits])


@api.route("/records", roles=READERS, query=RelatedQuery, response=RecordList,
           summary="关联查询：某人、某单位或某笔业务的全部档案")
def related_records(ctx: RequestContext) -> RecordList:
    q = ctx.query
    found = bootstrap.archive_service().related(ctx.principal, subject=q.subject, business_id=q.business_id)
    return RecordList(records=[RecordView.of(r) for r in found])


@api.route("/records/{document_key}/views", method="POST", roles=READERS | {Role.DEPOSITOR, Role.UNIT_AGENT},
           path_model=RecordPath, response=ViewGrant, status=201, summary="查阅档案原件（留痕）")
def view_record(ctx: RequestContext, document_key: str) -> ViewGrant:
    record, url = bootstrap.archive_service().view(document_key, ctx.principal)
    return ViewGrant(document_key=record.document_key, media_type=record.media_type, download_url=url)


@api.route("/records/{document_key}/transitions", method="POST", roles={Role.ARCHIVIST, Role.LEADER},
           path_model=RecordPath, body=TransitionRequest, response=RecordView,
           summary="档案全流程管理：归档、延长保管、销毁鉴定（档案管理员提议，中心负责人批准）")
def transition(ctx: RequestContext, document_key: str) -> RecordView:
    from hpf.archive.model import ArchiveEvent

    b = ctx.body
    return RecordView.of(bootstrap.lifecycle_steps().take(document_key, ArchiveEvent(b.event), ctx.principal,
                                                          b.reason, b.years))


# Staff, and partner agencies (共享利用, 7.5.2: they must cite their basis; an archivist decides as for anyone)
BORROWERS = {Role.COUNTER_CLERK, Role.APPROVER, Role.FINANCE, Role.AUDITOR, Role.LEADER, Role.ARCHIVIST,
             Role.REGULATOR}


@api.route("/borrowings", method="POST", roles=BORROWERS, body=BorrowingRequest, response=BorrowingView, status=201,
           summary="档案借阅申请")
def request_borrowing(ctx: RequestContext) -> BorrowingView:
    b = ctx.body
    return BorrowingView.of(bootstrap.borrowing_service().request(b.request_id, b.document_key, b.purpose, b.days,
                                                                  ctx.principal, b.basis))


class BorrowingList(Schema):
    borrowings: list[BorrowingView]


@api.route("/borrowings", roles={Role.ARCHIVIST}, response=BorrowingList,
           summary="待审批的借阅申请（本管理部的档案，先到先列）")
def borrowings_awaiting_decision(ctx: RequestContext) -> BorrowingList:
    return BorrowingList(borrowings=[BorrowingView.of(b) for b in
                                     bootstrap.borrowing_service().awaiting_decision(ctx.principal)])


@api.route("/borrowings/{borrowing_id}", roles=BORROWERS, path_model=BorrowingPath, response=BorrowingView,
           summary="档案借阅查询")
def get_borrowing(ctx: RequestContext, borrowing_id: str) -> BorrowingView:
    return BorrowingView.of(bootstrap.borrowing_service().get(borrowing_id, ctx.principal))


@api.route("/borrowings/{borrowing_id}/decision", method="POST", roles={Role.ARCHIVIST}, path_model=BorrowingPath,
           body=DecisionRequest, response=BorrowingView, summary="档案借阅审批")
def decide_borrowing(ctx: RequestContext, borrowing_id: str) -> BorrowingView:
    b = ctx.body
    return BorrowingView.of(bootstrap.borrowing_service().decide(borrowing_id, b.approve, b.note, ctx.principal))


@api.route("/borrowings/{borrowing_id}/return", method="POST", roles=BORROWERS, path_model=BorrowingPath,
           response=BorrowingView, summary="档案归还")
def return_borrowing(ctx: RequestContext, borrowing_id: str) -> BorrowingView:
    return BorrowingView.of(bootstrap.borrowing_service().return_(borrowing_id, ctx.principal))


@api.route("/borrowings/{borrowing_id}/views", method="POST", roles=BORROWERS, path_model=BorrowingPath,
           response=ViewGrant, status=201, summary="查阅借阅的档案（借阅期内，留痕）")
def view_borrowed(ctx: RequestContext, borrowing_id: str) -> ViewGrant:
    _, record, url = bootstrap.borrowing_service().view(borrowing_id, ctx.principal)
    return ViewGrant(document_key=record.document_key, media_type=record.media_type, download_url=url)


@api.route("/alerts", roles={Role.ARCHIVIST, Role.LEADER, Role.AUDITOR}, response=AlertsView,
           summary="档案状态预警：保管期满、未归档、借阅逾期、完整性")
def alerts(ctx: RequestContext) -> AlertsView:
    found = bootstrap.archive_alerts().for_office(ctx.principal)
    return AlertsView(retention_ending=[RecordView.of(r) for r in found.retention_ending],
                      unfiled=[RecordView.of(r) for r in found.unfiled],
                      overdue_borrowings=[BorrowingView.of(b) for b in found.overdue_borrowings],
                      integrity=found.integrity)


@api.route("/records/{document_key}", roles=READERS, path_model=RecordPath, response=RecordView,
           summary="档案元数据查询")
def get_record(ctx: RequestContext, document_key: str) -> RecordView:
    from hpf.archive.queries import record_for

    return RecordView.of(record_for(bootstrap.archive_service(), document_key, ctx.principal))


@api.route("/records/{document_key}/proof", roles={Role.AUDITOR}, path_model=RecordPath, response=ProofView,
           summary="固化证明：档案在已签名日志中的审计路径")
def record_proof(ctx: RequestContext, document_key: str) -> ProofView:
    from hpf.archive.queries import inclusion_proof

    proof = inclusion_proof(bootstrap.archive_service(), document_key, ctx.principal)
    return ProofView(record=RecordView.of(proof.record), leaf_hash=proof.leaf_hash,
                     tree_head=TreeHeadView(**vars(proof.tree_head)), path=list(proof.path))


class TreeHeadList(Schema):
    tree_heads: list[TreeHeadView]


class ConsistencyQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    first: Position = Field(description="前一已签名树头的日志大小")
    second: Position = Field(description="后一已签名树头的日志大小")


class ConsistencyView(Schema):
    first: TreeHeadView
    second: TreeHeadView
    path: list[str] = Field(description="RFC 6962 一致性证明")


@api.route("/tree-heads", roles={Role.AUDITOR}, response=TreeHeadList, summary="已签名树头列表（每日签署）")
def list_tree_heads(ctx: RequestContext) -> TreeHeadList:
    from hpf.archive.queries import signed_heads

    return TreeHeadList(tree_heads=[TreeHeadView(**vars(h)) for h in signed_heads(bootstrap.archive_service())])


@api.route("/tree-heads/consistency", roles={Role.AUDITOR}, query=ConsistencyQuery, response=ConsistencyView,
           summary="一致性证明：后一树头的日志是前一树头日志的延续（未被改写）")
def tree_head_consistency(ctx: RequestContext) -> ConsistencyView:
    from hpf.archive.queries import consistency_proof

    proof = consistency_proof(bootstrap.archive_service(), ctx.query.first, ctx.query.second)
    return ConsistencyView(first=TreeHeadView(**vars(proof.first)), second=TreeHeadView(**vars(proof.second)),
                           path=list(proof.path))


@app.lambda_function(name="sign_tree_head")
def sign_tree_head(event, context):
    """Schedule (00:10 daily): sign the solidification log's tree head with the center's seal."""
    from hpf.entrypoints import archive as entrypoints

    return entrypoints.sign_tree_head(event, context)


@app.lambda_function(name="verify_archive")
def verify_archive(event, context):
    """Schedule (03:00 daily) and ``hpf archive verify``: check every file, record, log entry and tree head."""
    from hpf.entrypoints import archive as entrypoints

    return entrypoints.verify_archive(event, context)


@app.lambda_function(name="recognise_text")
def recognise_text(event, context):
    """OCR queue consumer: recognise the text of filed scans (7.5.10; its own function — the engine is heavy)."""
    from hpf.entrypoints import archive as entrypoints

    return entrypoints.recognise_text(event, context)
