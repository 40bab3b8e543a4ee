"""HTTP shapes of the seal area (electronic vouchers, verification)."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from hpf.web.schemas import Base64Text, Schema

VoucherNo = Annotated[str, StringConstraints(pattern=r"^[A-Z]{4}-[A-Za-z0-9-]{4,100}$")]
MAX_PDF_BYTES = 5 * 1024 * 1024  # a voucher is ~50 KB; the function's request limit is 6 MB


class VoucherRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["remittance_receipt", "payment_confirmation", "deposit_statement", "withdrawal_voucher",
                  "loan_settlement_certificate", "repayment_statement", "early_repayment_voucher",
                  "loan_contract_schedule"] = Field(
        description="凭证类型：汇补缴回单 / 缴款确认单 / 个人缴存明细 / 提取凭证 / 贷款结清证明 / 还款流水 / "
                    "提前还款凭证 / 借款合同明细表")
    reference: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{4,80}$")] = Field(
        description="业务号：汇缴号（回单、缴款确认单）、个人账号（缴存明细）、提取业务号（提取凭证）、"
                    "贷款账号（结清证明、还款流水、合同明细表）、提前还款业务号 PRE-…（提前还款凭证）")
    year: int | None = Field(None, ge=2000, le=2100, description="缴存明细的年度（默认本年）")


class VoucherPath(Schema):
    model_config = ConfigDict(extra="forbid")
    voucher_no: VoucherNo = Field(description="凭证编号")


class VoucherView(Schema):
    voucher_no: str
    kind: str
    title: str
    archival_code: str = Field(description="档号")
    issued_at: datetime
    sha256: str = Field(description="存档原件的 SHA-256")
    size: int
    download_url: str = Field(description="已盖章PDF的下载地址（5分钟内有效）")

    @classmethod
    def of(cls, issued) -> VoucherView:
        r = issued.record
        return cls(voucher_no=issued.voucher_no, kind=issued.kind.value, title=r.title,
                   archival_code=r.archival_code, issued_at=r.created_at, sha256=r.sha256, size=r.size,
                   download_url=issued.download_url)


class VoucherAuthenticity(Schema):
    """What scanning the QR code shows: no personal data, enough to compare with the paper in hand."""

    voucher_no: str
    title: str
    org: str
    issued_at: datetime
    archival_code: str
    sha256: str
    retain_until: date

    @classmethod
    def of(cls, r) -> VoucherAuthenticity:
        return cls(voucher_no=r.document_key, title=r.title, org=r.org, issued_at=r.created_at,
                   archival_code=r.archival_code, sha256=r.sha256, retain_until=r.retain_until)


class PublicCheckQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}$")] = \
        Field(description="凭证上印制的验证码（二维码中已含）")


class PublicCheckView(Schema):
    verified: bool = Field(description="结论：本中心出具过该凭证（凭证编号与验证码相符）")
    verdict_label: str
    voucher_no: str
    title: str | None = None
    org: str | None = Field(None, description="出具机构")
    holder: str | None = Field(None, description="凭证所载当事人（已脱敏）")
    issued_at: datetime | None = None
    archival_code: str | None = None
    sha256: str | None = Field(None, description="存档原件的SHA-256：持有PDF者可据此比对，或上传全文验证")

    @classmethod
    def of(cls, answer) -> PublicCheckView:
        if not answer.verified:
            return cls(verified=False, voucher_no=answer.voucher_no,
                       verdict_label="未能验证：凭证编号或验证码不符，该凭证可能不是本中心出具")
        return cls(verified=True, verdict_label="本中心出具的电子凭证，存档原件完好", voucher_no=answer.voucher_no,
                   title=answer.title, org=answer.org, holder=answer.holder, issued_at=answer.issued_at,
                   archival_code=answer.archival_code, sha256=answer.sha256)

    def page(self) -> str:
        """The same answer as a page a phone opens from the QR code."""
        from html import escape

        rows = [("凭证编号", self.voucher_no), ("凭证名称", self.title), ("出具机构", self.org),
                ("当事人", self.holder), ("出具时间", self.issued_at.strftime("%Y-%m-%d %H:%M") if self.issued_at
                                           else None), ("档号", self.archival_code), ("原件SHA-256", self.sha256)]
        table = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows if v)
        colour = "#1a7f37" if self.verified else "#cf222e"
        return ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<title>电子凭证验真</title><style>body{font-family:sans-serif;margin:1.2em;max-width:36em}"
                "th{text-align:left;padding-right:1em;color:#555}td{word-break:break-all}</style></head><body>"
                "<h1>鹰潭市住房公积金管理中心 电子凭证验真</h1>"
                f"<p style=\"color:{colour};font-size:1.3em\"><strong>{escape(self.verdict_label)}</strong></p>"
                f"<table>{table}</table><p>持有PDF文件者可在网上服务大厅上传文件，验证电子印章及与存档原件是否一致。</p>"
                "</body></html>")


class VerificationRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    pdf_base64: Base64Text = Field(max_length=MAX_PDF_BYTES * 4 // 3 + 4, description="待验证的PDF文件（Base64）")

    def pdf(self) -> bytes:
        return base64.b64decode(self.pdf_base64)


class SignatureView(Schema):
    good: bool = Field(description="该签章有效：内容未改动、签名正确、证书可信、有时间戳（以下为明细）")
    field: str
    signer: str
    intact: bool = Field(description="签名覆盖的内容未被改动")
    valid: bool = Field(description="签名值本身正确（内容是否改动见 intact）")
    trusted: bool = Field(description="证书链至受信任的印章根证书")
    timestamped: bool
    signed_at: datetime | None
    covers_whole_file: bool


class VerificationView(Schema):
    authentic: bool = Field(description="结论：是本中心存档原件且未被改动（其余字段为依据）")
    verdict: str = Field(description="authentic 真实且与存档原件一致 / not_original 签章有效但不是存档原件 / "
                                     "not_in_archive 签章有效但本中心无存档 / modified 已被改动 / unsealed 未盖章")
    verdict_label: str
    document_no: str | None
    identical_to_archive: bool
    archival_code: str | None
    signatures: list[SignatureView]

    @classmethod
    def of(cls, result) -> VerificationView:
        labels = {"authentic": "印章有效，文件与存档原件一致", "not_in_archive": "印章有效，但本中心无此凭证存档",
                  "not_original": "印章有效，但文件不是本中心存档的原件（另行签章或另一份文件），不予认可",
                  "modified": "文件已被改动或签章无效", "unsealed": "文件未加盖电子印章"}
        return cls(authentic=result.verdict == "authentic", verdict=result.verdict, verdict_label=labels[result.verdict],
                   document_no=result.document_no,
                   identical_to_archive=result.identical_to_archive,
                   archival_code=result.archived.archival_code if result.archived else None,
                   signatures=[SignatureView(good=s.good, **vars(s)) for s in result.signatures])
