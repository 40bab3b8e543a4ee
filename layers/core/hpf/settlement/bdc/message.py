"""BDC messages: the model, GBK XML in and out (lxml), and validation against the envelope schema and the
field specs.

    <message><head><field name="TxCode">BDC101</field>…</head>
             <body><field name="Amt">1200.00</field>…
                   <field-list name="DETAIL_LIST"><field-list name="0"><field name="…">…</field></field-list>
                   </field-list></body></message>

What we send and what a bank receives is strict: anything malformed — not GBK, not XML, not the envelope, an
unknown transaction, a missing or oversized or ill-formatted field, an unknown field — is refused with
``MalformedMessage``: its ``code`` says which, and the peer gets it back as ``RtnCode``. Nothing half-read reaches a
business step.

What we read in a reply is tolerant of what real fronts add: a field or list we do not know is set aside in
``extras`` (the client logs their names) and the rest is checked as strictly as ever — an extra field never turns a
booked payment into "outcome unknown". The XML declaration may be in either quotes or absent, with whitespace
between elements, in the encoding it declares (else the link's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from hpf.settlement.bdc.spec import (
    PAGING_REQUEST,
    PAGING_RESPONSE,
    REQUEST_HEAD,
    REQUEST_SPARES,
    RESPONSE_HEAD,
    RESPONSE_SPARES,
    TRANSACTIONS,
    F,
    Transaction,
)

ENCODING = "GBK"


class MalformedMessage(ValueError):
    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass
class BdcMessage:
    head: dict[str, str]
    body: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    # Fields and lists of a reply that our spec does not name (a bank's additions), kept aside by the tolerant read.
    extras: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def tx_code(self) -> str:
        return self.head.get("TxCode", "")

    @property
    def ok(self) -> bool:
        """A response whose message was processed (TxStatus 0); the business outcome is in the body."""
        return self.head.get("TxStatus") == "0"


# -- XML ------------------------------------------------------------------------------------------------------
_DECLARATION = re.compile(r"^\s*<\?xml\b[^>]*?\?>", re.S)
_DECLARED_ENCODING = re.compile(r"""encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")


def to_xml(message: BdcMessage, declaration: str = "single", encoding: str = ENCODING) -> bytes:
    """The message as bytes in ``encoding``, with the XML declaration in the link's style: ``single`` (lxml's
    quotes, ours), ``double`` or ``none``."""
    from lxml import etree

    root = etree.Element("message")
    head = etree.SubElement(root, "head")
    for name, value in message.head.items():
        etree.SubElement(head, "field", name=name).text = value
    body = etree.SubElement(root, "body")
    for name, value in message.body.items():
        etree.SubElement(body, "field", name=name).text = value
    for list_name, records in message.lists.items():
        group = etree.SubElement(body, "field-list", name=list_name)
        for index, record in enumerate(records):
            item = etree.SubElement(group, "field-list", name=str(index))
            for name, value in record.items():
                etree.SubElement(item, "field", name=name).text = value
    if declaration == "single":
        return etree.tostring(root, xml_declaration=True, encoding=encoding)
    body = etree.tostring(root, encoding=encoding)
    body = _DECLARATION.sub("", body.decode(encoding), count=1).lstrip().encode(encoding)
    if declaration == "double":
        return f'<?xml version="1.0" encoding="{encoding}"?>'.encode("ascii") + body
    return body


def from_xml(data: bytes, encoding: str = ENCODING) -> BdcMessage:
    """Parse a message in the encoding its declaration names, else ``encoding`` (the link's)."""
    from lxml import etree

    head_bytes = data[:200].decode("ascii", "replace")
    declared = _DECLARATION.match(head_bytes)
    named = _DECLARED_ENCODING.search(declared.group(0)) if declared else None
    try:
        text = data.decode(named.group(1) if named else encoding)
    except (UnicodeDecodeError, LookupError):
        raise MalformedMessage("BAD_ENCODING", f"报文不是{named.group(1) if named else encoding}编码") from None
    try:
        root = etree.fromstring(_DECLARATION.sub("", text, count=1),
                                parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise MalformedMessage("BAD_XML", f"报文不是合法的XML：{error}") from None
    schema = _schema()
    if not schema.validate(root):
        raise MalformedMessage("BAD_ENVELOPE", f"报文结构不符：{schema.error_log.last_error}")
    head = {f.get("name"): f.text or "" for f in root.find("head")}
    body: dict[str, str] = {}
    lists: dict[str, list[dict[str, str]]] = {}
    for node in root.find("body"):
        if node.tag == "field":
            body[node.get("name")] = node.text or ""
        else:
            lists[node.get("name")] = [{f.get("name"): f.text or "" for f in item if f.tag == "field"}
                                       for item in node if item.tag == "field-list"]
    return BdcMessage(head, body, lists)


@lru_cache(maxsize=1)
def _schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(Path(__file__).with_name("message.xsd"))))


# -- validation -------------------------------------------------------------------------------------------------
def transaction_of(message: BdcMessage) -> Transaction:
    spec = TRANSACTIONS.get(message.tx_code)
    if spec is None:
        raise MalformedMessage("UNKNOWN_TX", f"未知交易码{message.tx_code!r}")
    return spec


Codes = dict[str, set[str]]  # code values a dialect adds, per field: valid beside our tables


def validate_request(message: BdcMessage, extra_codes: Codes | None = None) -> Transaction:
    """Strict: what we send, and what a bank (the sandbox) receives."""
    spec = transaction_of(message)
    extra = extra_codes or {}
    _check(message.head, {**REQUEST_HEAD, **(PAGING_REQUEST if spec.paged else {})}, "head", extra)
    _check(message.body, {**spec.request, **(REQUEST_SPARES if spec.spare else {})}, "body", extra)
    _check_lists(message, spec.request_lists, extra)
    return spec


def validate_response(message: BdcMessage, extra_codes: Codes | None = None) -> Transaction:
    """Tolerant of additions: fields and lists we do not know move to ``message.extras``; the known ones are
    checked strictly (a malformed HostStatus is as unknown as no answer)."""
    spec = transaction_of(message)
    extra = extra_codes or {}
    head_spec = {**RESPONSE_HEAD, **(PAGING_RESPONSE if spec.paged and message.ok else {})}
    _set_aside(message, message.head, head_spec, "head")
    _check(message.head, head_spec, "head", extra)
    if message.ok:  # a refused message carries only its RtnCode and RtnMessage
        body_spec = {**spec.response, **(RESPONSE_SPARES if spec.spare else {})}
        _set_aside(message, message.body, body_spec, "body")
        for name in [n for n in message.lists if n not in spec.lists]:
            message.extras[f"list:{name}"] = str(len(message.lists.pop(name)))
        for name, records in message.lists.items():
            for record in records:
                _set_aside(message, record, spec.lists[name], name)
        _check(message.body, body_spec, "body", extra)
        _check_lists(message, spec.lists, extra)
    return spec


def _set_aside(message: BdcMessage, values: dict[str, str], fields: dict[str, F], where: str) -> None:
    for name in [n for n in values if n not in fields]:
        message.extras[f"{where}.{name}"] = values.pop(name)


def _check_lists(message: BdcMessage, lists: dict[str, dict[str, F]], extra: Codes) -> None:
    for name, records in message.lists.items():
        if name not in lists:
            raise MalformedMessage("UNKNOWN_FIELD", f"未知列表{name}")
        for record in records:
            _check(record, lists[name], name, extra)


_FORMATS = {"n": re.compile(r"^\d+$"), "date": re.compile(r"^\d{8}$"), "time": re.compile(r"^\d{6}$"),
            "amt": re.compile(r"^-?\d{1,15}\.\d{2}$")}


def _check(values: dict[str, str], fields: dict[str, F], where: str, extra: Codes) -> None:
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise MalformedMessage("UNKNOWN_FIELD", f"{where}含未定义字段：{', '.join(unknown)}")
    for name, f in fields.items():
        value = values.get(name, "")
        if value == "":
            if f.required:
                raise MalformedMessage("MISSING_FIELD", f"{where}缺少必填字段{name}")
            continue
        if f.max_len and len(value) > f.max_len:
            raise MalformedMessage("FIELD_TOO_LONG", f"{where}字段{name}超过{f.max_len}位")
        if f.type == "code" and value not in f.values and value not in extra.get(name, ()):
            raise MalformedMessage("BAD_CODE", f"{where}字段{name}取值{value!r}不在代码表中")
        pattern = _FORMATS.get(f.type)
        if pattern and not pattern.match(value):
            raise MalformedMessage("BAD_FORMAT", f"{where}字段{name}格式不符：{value!r}")
        if f.type == "date":
            _real_date(name, value, where)


def _real_date(name: str, value: str, where: str) -> None:
    from datetime import date

    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise MalformedMessage("BAD_FORMAT", f"{where}字段{name}不是有效日期：{value}") from None


def amount(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise MalformedMessage("BAD_FORMAT", f"金额格式不符：{value!r}") from None


def money(value: Decimal) -> str:
    return f"{value:.2f}"
