"""Archive function app (电子档案): records and their proofs over HTTP, and the scheduled solidification work —
the daily signed tree head and the daily integrity check (``hpf archive verify`` runs the same function)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from hpf import bootstrap
from hpf.identity.roles import Role
from hpf.web.api import Api, RequestContext
from hpf.web.schemas import Schema

api = Api("archive", "电子档案", "档案元数据查询与固化证明")
app = api.app
handler = api.lambda_handler  # the function's entry behind API Gateway (infra/template.yaml)

READERS = {Role.COUNTER_CLERK, Role.AUDITOR, Role.LEADER}


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

    @classmethod
    def of(cls, r) -> "RecordView":
        return cls(archival_code=r.archival_code, document_key=r.document_key, title=r.title,
                   category=r.category.value, category_label=r.category.label, retention=r.retention.value,
                   retention_label=r.retention.label, business_id=r.business_id, subject_name=r.subject_name,
                   org=r.org, creator=r.creator, media_type=r.media_type, size=r.size, sha256=r.sha256, sm3=r.sm3,
                   source=r.source.value, created_at=r.created_at, retain_until=r.retain_until,
                   status=r.status.value, status_label=r.status.label, log_index=r.log_index)


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


@app.lambda_function(name="sign_tree_head")
def sign_tree_head(event, context):
    """Schedule (00:10 daily): sign the solidification log's tree head with the center's seal."""
    from hpf.archive.jobs import sign_tree_head as job

    return job(event, context)


@app.lambda_function(name="verify_archive")
def verify_archive(event, context):
    """Schedule (03:00 daily) and ``hpf archive verify``: check every file, record, log entry and tree head."""
    from hpf.archive.jobs import verify

    return verify(event, context)
