"""Sandbox of the Jiangxi unified e-seal system (江西省统一电子印章系统), the interface of docs/interfaces/e-seal.md.

It holds a test CA, the center's business seal and staff members' personal signatures (RSA keys with
certificates the CA issued), draws each seal's image, and runs an RFC 3161 time-stamp authority whose
certificate carries the critical timeStamping EKU. It checks what it receives (the app's key, a SHA-256 digest of
the right length, a document number, a well-formed time-stamp request), keeps a log of every signature, and
injects faults: unavailable (503), slow, a revoked seal (refused).

- ``GET  /seals/{code}``             certificates (DER, base64, seal first) and the seal image (PNG, base64)
- ``POST /seals/{code}/signatures``  ``{"digest_algorithm":"sha256","digest","document_no"[,"time_stamp_nonce"]}``
  → ``{"signature"[,"time_stamp_response"]}`` (with a nonce: the TSA's answer over the signature's SHA-256)
- ``POST /tsa``                      application/timestamp-query → application/timestamp-reply
- ``GET  /ca``                       the root certificate (PEM): a deployment's trust anchor comes from here once
- ``POST /admin/seals``              ``{"seal_code","name","kind"}`` register a seal (sandbox administration)
- ``POST /admin/faults``             ``{"unavailable": bool, "delay_ms": n, "revoked": [codes]}``
- ``GET  /admin/signatures``         the signature log
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from werkzeug.wrappers import Request, Response

from hpf.sandbox.tsa import TimeStampAuthority

CENTER_SEAL = "YTGJJ-YWZYZ"  # 鹰潭市住房公积金管理中心 公积金业务专用章
CENTER_NAME = "鹰潭市住房公积金管理中心"
APP_ID, APP_KEY = "hpf-platform", "sandbox-seal-key"
_DIGEST_LENGTH = {"sha256": 32}


@dataclass
class _Seal:
    code: str
    name: str
    kind: str
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    image_png: bytes


@dataclass
class _Faults:
    unavailable: bool = False
    delay_ms: int = 0
    revoked: set[str] = field(default_factory=set)


class SealSandbox:
    def __init__(self, app_id: str = APP_ID, app_key: str = APP_KEY):
        self.app_id, self.app_key = app_id, app_key
        self._lock = threading.Lock()
        self._now = dt.datetime.now(dt.UTC)
        self.root_key = rsa.generate_private_key(65537, 2048)
        self.root = self._certificate("江西省电子印章测试根CA（沙箱）", self.root_key, None, ca=True)
        self.tsa_key = rsa.generate_private_key(65537, 2048)
        self.tsa = self._certificate("江西省电子印章时间戳服务（沙箱）", self.tsa_key, self.root_key, tsa=True)
        self.seals: dict[str, _Seal] = {}
        self.signatures: list[dict[str, Any]] = []
        self.faults = _Faults()
        der = serialization.Encoding.DER
        self._tsa = TimeStampAuthority(self.tsa_key, self.tsa.public_bytes(der), self.root.public_bytes(der))
        self.register(CENTER_SEAL, CENTER_NAME, "organisation")

    # -- administration ------------------------------------------------------------------------------------
    def register(self, code: str, name: str, kind: str) -> None:
        if kind not in {"organisation", "person"}:
            raise ValueError("kind must be organisation or person")
        key = rsa.generate_private_key(65537, 2048)
        certificate = self._certificate(name, key, self.root_key)
        image = _draw_seal(name) if kind == "organisation" else _draw_signature(name)
        with self._lock:
            self.seals[code] = _Seal(code, name, kind, key, certificate, image)

    def inject(self, *, unavailable: bool | None = None, delay_ms: int | None = None,
               revoked: list[str] | None = None) -> None:
        with self._lock:
            if unavailable is not None:
                self.faults.unavailable = unavailable
            if delay_ms is not None:
                self.faults.delay_ms = delay_ms
            if revoked is not None:
                self.faults.revoked = set(revoked)

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    # -- WSGI ----------------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._dispatch(Request(environ))(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        path, method = request.path.rstrip("/"), request.method
        if path == "/ca" and method == "GET":
            return Response(self.root_pem(), mimetype="application/x-pem-file")
        if path.startswith("/admin/"):
            return self._admin(request, path, method)
        if self.faults.delay_ms:
            time.sleep(self.faults.delay_ms / 1000)
        if self.faults.unavailable:
            return _error(503, "UNAVAILABLE", "印章系统维护中")
        if request.headers.get("X-App-Id") != self.app_id or request.headers.get("X-App-Key") != self.app_key:
            return _error(401, "APP_UNAUTHORIZED", "应用未授权")
        parts = path.strip("/").split("/")
        if parts == ["tsa"] and method == "POST":
            return self._timestamp(request)
        if len(parts) >= 2 and parts[0] == "seals":
            seal = self.seals.get(parts[1])
            if seal is None:
                return _error(404, "SEAL_UNKNOWN", "印章不存在")
            if seal.code in self.faults.revoked:
                return _error(409, "SEAL_REVOKED", "印章已注销或冻结")
            if len(parts) == 2 and method == "GET":
                return _json({"seal_code": seal.code, "name": seal.name, "kind": seal.kind, "status": "active",
                              "certificates": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
                                               for c in (seal.certificate, self.root)],
                              "image_png": base64.b64encode(seal.image_png).decode()})
            if parts[2:] == ["signatures"] and method == "POST":
                return self._sign(seal, request)
        return _error(404, "NOT_FOUND", "接口不存在")

    def _sign(self, seal: _Seal, request: Request) -> Response:
        try:
            body = json.loads(request.get_data())
            algorithm, document_no = body["digest_algorithm"], str(body["document_no"])
            digest = base64.b64decode(body["digest"], validate=True)
            nonce = body.get("time_stamp_nonce")
        except (ValueError, KeyError, TypeError, AttributeError):
            return _error(400, "MALFORMED", "请求格式不正确")
        if len(digest) != _DIGEST_LENGTH.get(algorithm, -1):
            return _error(400, "DIGEST_INVALID", "摘要算法或长度不正确")
        if not document_no.strip():
            return _error(400, "DOCUMENT_NO_REQUIRED", "缺少文档编号")
        if nonce is not None and (type(nonce) is not int or not 0 <= nonce < 2 ** 64):
            return _error(400, "NONCE_INVALID", "时间戳随机数须为非负整数")
        signature = seal.key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        with self._lock:
            self.signatures.append({"seal_code": seal.code, "document_no": document_no, "digest": digest.hex(),
                                    "at": dt.datetime.now(dt.UTC).isoformat()})
        answer = {"signature": base64.b64encode(signature).decode(), "signature_algorithm": "sha256_rsa"}
        if nonce is not None:
            imprint = tsp.MessageImprint({"hash_algorithm": {"algorithm": "sha256"},
                                          "hashed_message": hashlib.sha256(signature).digest()}).dump()
            answer["time_stamp_response"] = base64.b64encode(self._tsa.respond(imprint, nonce)).decode()
        return _json(answer)

    def _timestamp(self, request: Request) -> Response:
        try:
            req = tsp.TimeStampReq.load(request.get_data())
            imprint = req["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            if len(imprint["hashed_message"].native) != _DIGEST_LENGTH.get(algorithm, -1):
                raise ValueError("imprint length")
        except (ValueError, TypeError, KeyError):
            # asn1crypto cannot write a TimeStampResp without a token (it does not mark it optional): refuse in HTTP
            return _error(400, "TSA_REQUEST_MALFORMED", "时间戳请求格式不正确")
        return Response(self._tsa.respond(imprint.dump(), req["nonce"].native),
                        mimetype="application/timestamp-reply")

    def _admin(self, request: Request, path: str, method: str) -> Response:
        if path == "/admin/signatures" and method == "GET":
            with self._lock:
                return _json({"signatures": list(self.signatures)})
        try:
            body = json.loads(request.get_data() or b"{}")
            if path == "/admin/seals" and method == "POST":
                self.register(str(body["seal_code"]), str(body["name"]), str(body["kind"]))
                return _json({"registered": body["seal_code"]}, 201)
            if path == "/admin/faults" and method == "POST":
                self.inject(unavailable=body.get("unavailable"), delay_ms=body.get("delay_ms"),
                            revoked=body.get("revoked"))
                return _json({"faults": {"unavailable": self.faults.unavailable, "delay_ms": self.faults.delay_ms,
                                         "revoked": sorted(self.faults.revoked)}})
        except (ValueError, KeyError, TypeError) as error:
            return _error(400, "MALFORMED", f"请求格式不正确：{error}")
        return _error(404, "NOT_FOUND", "接口不存在")

    # -- certificates --------------------------------------------------------------------------------------
    def _certificate(self, common_name: str, key: rsa.RSAPrivateKey, issuer_key: rsa.RSAPrivateKey | None, *,
                     ca: bool = False, tsa: bool = False) -> x509.Certificate:
        subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                             x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "江西省"),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, CENTER_NAME if not ca else "江西省电子印章（沙箱）"),
                             x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        issuer = subject if issuer_key is None else self.root.subject
        signing_key = issuer_key or key
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(self._now - dt.timedelta(days=1))
                   .not_valid_after(self._now + dt.timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=not ca and not tsa,
                                                key_encipherment=False, data_encipherment=False, key_agreement=False,
                                                key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                                                decipher_only=False), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
        if issuer_key is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        if tsa:
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        return builder.sign(signing_key, hashes.SHA256())


def _draw_seal(name: str) -> bytes:
    """A round red seal: double ring, a star, the name and 公积金业务专用章 (an image, as the real system gives)."""
    from PIL import Image, ImageDraw

    size, red = 420, (218, 28, 28, 255)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=14)
    draw.ellipse((30, 30, size - 30, size - 30), outline=red, width=3)
    cx, cy, r = size / 2, size / 2 - 50, 58
    import math

    points = [(cx + r * (0.382 if i % 2 else 1) * math.sin(i * math.pi / 5),
               cy - r * (0.382 if i % 2 else 1) * math.cos(i * math.pi / 5)) for i in range(10)]
    draw.polygon(points, fill=red)
    for text, y, font in ((name[:8], 228, _font(32)), (name[8:], 266, _font(32)), ("公积金业务专用章", 310, _font(28))):
        if text:
            width = draw.textlength(text, font=font)
            draw.text(((size - width) / 2, y), text, font=font, fill=red)
    return _png(image)


def _draw_signature(name: str) -> bytes:
    """A square personal seal (私章) with the person's name."""
    from PIL import Image, ImageDraw

    size, red = 240, (200, 20, 20, 255)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((6, 6, size - 6, size - 6), outline=red, width=10)
    font = _font(72 if len(name) <= 2 else 54)
    text = name[:4]
    width = draw.textlength(text, font=font)
    draw.text(((size - width) / 2, size / 2 - 40), text, font=font, fill=red)
    return _png(image)


def _font(size: int) -> Any:
    from PIL import ImageFont

    from hpf.seal.fonts import font_file

    try:
        return ImageFont.truetype(font_file(), size, index=0)
    except OSError:
        return ImageFont.load_default(size)


def _png(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def _error(status: int, code: str, message: str) -> Response:
    return _json({"code": code, "message": message}, status)
