"""Shared e-licences (共享电子证照管理, 7.5.7): a depositor's licence fetched from the provincial e-licence library
(江西省电子证照库) instead of a paper copy, and kept in the archive as what it is — a licence another agency issued.

Access to another agency's data needs the holder's authorization: the holder grants it in the province's app (赣服通)
and the code comes with the request. Each use is recorded before the library is asked (who, for which business,
under which code, for what), and the licence lands in the archive once per licence file (its number and digest),
its every use appended to the solidification log. The library's interface is ours (docs/interfaces/e-licence.md).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from hpf.archive.model import ArchiveRecord, Category, Document, Retention, Source
from hpf.archive.service import ArchiveService, canonical
from hpf.common.errors import BusinessRuleViolation, Forbidden, TransientFailure, ValidationFailed
from hpf.identity.principal import Principal

LICENCE_TYPES = {"ID_CARD": "居民身份证", "HOUSEHOLD": "居民户口簿", "MARRIAGE": "结婚证",
                 "PROPERTY": "不动产权证书", "CONTRACT_FILING": "商品房买卖合同备案"}
_CODE = re.compile(r"^[A-Za-z0-9]{8,64}$")


@dataclass(frozen=True)
class Licence:
    licence_no: str
    licence_type: str
    holder_name: str
    holder_id: str
    issuer: str
    issued_on: date
    valid_until: date | None
    status: str  # "valid" | "revoked"
    file: bytes  # the licence file the library holds (PDF)


class LicenceLibrary(Protocol):
    def fetch(self, licence_type: str, holder_id: str, authorization_code: str, purpose: str) -> Licence:
        """The holder's licence of that type; LicenceRefused when the code does not cover it."""
        ...


class LicenceRefused(BusinessRuleViolation):
    code = "LICENCE_AUTHORIZATION_REFUSED"
    message = "电子证照库拒绝：授权无效、已过期或不包含该证照"


class LicenceNotFound(BusinessRuleViolation):
    status = 404
    code = "LICENCE_NOT_FOUND"
    message = "电子证照库中没有该证照"


class LicenceLibraryUnavailable(TransientFailure):
    code = "LICENCE_LIBRARY_UNAVAILABLE"
    message = "电子证照库暂时无法访问，请稍后重试"


class SharedLicences:
    def __init__(self, archive: ArchiveService, library: LicenceLibrary):
        self._archive, self._library = archive, library

    def use(self, licence_type: str, holder_id: str | None, authorization_code: str, business_id: str, purpose: str,
            actor: Principal) -> ArchiveRecord:
        if holder_id is None:  # a depositor fetching their own (the APP, the web hall never see the full number)
            if actor.is_staff or not actor.id_number:
                raise ValidationFailed("请填写持证人身份证号", code="HOLDER_REQUIRED")
            holder_id = actor.id_number
        if not actor.is_staff and actor.id_number != holder_id:
            raise Forbidden("只能调用本人的电子证照", code="FORBIDDEN_SCOPE")
        if licence_type not in LICENCE_TYPES:
            raise ValidationFailed("不支持的证照类型", code="LICENCE_TYPE_UNKNOWN")
        if not _CODE.match(authorization_code):
            raise ValidationFailed("授权码格式不正确", code="AUTHORIZATION_CODE_INVALID")
        now = self._archive.now()
        # The use is on record before the other agency is asked — whatever the answer.
        digest = hashlib.sha256(f"{authorization_code}|{licence_type}|{business_id}".encode()).hexdigest()[:24]
        self._archive.log.append(f"LICUSE-{digest}", canonical({
            "type": "licence_use", "licence_type": licence_type, "holder": holder_id, "business_id": business_id,
            "authorization": hashlib.sha256(authorization_code.encode()).hexdigest(), "purpose": purpose,
            "actor": actor.subject, "org": actor.org, "at": now.isoformat()}), now)
        licence = self._library.fetch(licence_type, holder_id, authorization_code, purpose)
        if licence.holder_id != holder_id or licence.licence_type != licence_type:
            raise LicenceRefused("电子证照库返回的证照与申请不符", code="LICENCE_MISMATCH")
        if licence.status != "valid" or (licence.valid_until and licence.valid_until < now.date()):
            raise BusinessRuleViolation("该证照已注销或已过有效期，不能使用", code="LICENCE_NOT_VALID")
        sha = hashlib.sha256(licence.file).hexdigest()
        return self._archive.file(Document(
            document_key=f"LIC-{licence.licence_no}-{sha[:12]}",
            title=f"电子证照：{LICENCE_TYPES[licence_type]}（{licence.issuer}，{licence.licence_no}）",
            category=Category.ADMINISTRATIVE, retention=Retention.YEARS_30, business_id=business_id,
            subject=holder_id, subject_name=licence.holder_name, org=actor.org or "", creator=actor.subject,
            media_type="application/pdf", content=licence.file, source=Source.SHARED_LICENCE))


def licence_of(values: dict[str, Any], file: bytes) -> Licence:
    return Licence(licence_no=values["licence_no"], licence_type=values["licence_type"],
                   holder_name=values["holder_name"], holder_id=values["holder_id"], issuer=values["issuer"],
                   issued_on=date.fromisoformat(values["issued_on"]),
                   valid_until=date.fromisoformat(values["valid_until"]) if values.get("valid_until") else None,
                   status=values["status"], file=file)
