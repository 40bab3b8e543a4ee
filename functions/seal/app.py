"""Seal function app (公积金业务专用电子签章): sealed vouchers for depositors, units and the counter, and their
verification. Signing imports pyHanko (~0.7 s) on the first voucher a function instance seals, never for a
voucher already archived or a QR lookup."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpf import bootstrap
from hpf.identity.roles import Role
from hpf.web.api import ANY_AUTHENTICATED, Api, LazyModule, RequestContext

api = Api("seal", "电子签章与电子凭证", "汇补缴回单、缴存明细、提取凭证等电子凭证的盖章出具与验证")
app = api.app
handler = api.lambda_handler  # the function's entry behind API Gateway (infra/areas/<area>.yaml)

S = "hpf.seal.schemas"
if TYPE_CHECKING:
    from hpf.seal import schemas as s
else:
    s = LazyModule(S)  # the models, built only when a route first needs them
ISSUERS = {Role.COUNTER_CLERK, Role.DEPOSITOR, Role.UNIT_AGENT}
READERS = ISSUERS | {Role.AUDITOR, Role.LEADER, Role.FINANCE, Role.ARCHIVIST}


@api.route("/vouchers", method="POST", roles=ISSUERS, body=f"{S}:VoucherRequest", response=f"{S}:VoucherView",
           status=201, summary="出具电子凭证（盖章、存档；同一凭证再次申请返回存档原件）")
def issue_voucher(ctx: RequestContext) -> s.VoucherView:
    from hpf.seal.vouchers import VoucherKind

    b = ctx.body
    return s.VoucherView.of(bootstrap.voucher_service().issue(VoucherKind(b.kind), b.reference, ctx.principal,
                                                              b.year))


@api.route("/vouchers/{voucher_no}", roles=READERS, path_model=f"{S}:VoucherPath", response=f"{S}:VoucherView",
           summary="查询并下载已出具的电子凭证")
def get_voucher(ctx: RequestContext, voucher_no: str) -> s.VoucherView:
    return s.VoucherView.of(bootstrap.voucher_service().get(voucher_no, ctx.principal))


@api.route("/vouchers/{voucher_no}/verification", roles=ANY_AUTHENTICATED, path_model=f"{S}:VoucherPath",
           response=f"{S}:VoucherAuthenticity", summary="扫码验证：本中心是否出具过该凭证")
def voucher_authenticity(ctx: RequestContext, voucher_no: str) -> s.VoucherAuthenticity:
    return s.VoucherAuthenticity.of(bootstrap.voucher_service().verification_of(voucher_no))


@api.public_route("/public/vouchers/{voucher_no}", path_model=f"{S}:VoucherPath", query=f"{S}:PublicCheckQuery",
                  response=f"{S}:PublicCheckView", summary="扫码验真（无需登录：凭证编号与验证码；限频并留痕）")
def public_voucher_check(ctx: RequestContext, voucher_no: str):  # noqa: ANN201 — JSON, or a page for a browser
    from chalice import Response

    answer = bootstrap.public_verification().check(voucher_no, ctx.query.code, ctx.client, ctx.correlation_id)
    view = s.PublicCheckView.of(answer)
    if ctx.accepts_html:
        return Response(body=view.page(), status_code=200, headers={"Content-Type": "text/html; charset=utf-8"})
    return view


@api.route("/verifications", method="POST", roles=ANY_AUTHENTICATED, body=f"{S}:VerificationRequest",
           response=f"{S}:VerificationView", summary="上传PDF验证印章、完整性及与存档原件是否一致")
def verify_pdf(ctx: RequestContext) -> s.VerificationView:
    return s.VerificationView.of(bootstrap.voucher_service().verify(ctx.body.pdf()))


@app.lambda_function(name="bind_accounting_month")
def bind_accounting_month(event, context):
    """Schedule (the 3rd, 02:00) and ``hpf archive bind-month``: bind last month's accounting archive (7.5.16)."""
    from hpf.entrypoints import seal as entrypoints

    return entrypoints.bind_accounting_month(event, context)


@app.lambda_function(name="collect_business")
def collect_business(event, context):
    """Queue consumer (partial batch failure): archive a finished business's sealed voucher (7.5.4, 7.5.5)."""
    from hpf.entrypoints import seal as entrypoints

    return entrypoints.collect_business(event, context)
