"""BDC messages: the model, GBK XML in and out (lxml), and validation against the envelope schema and the
field specs.

    <message><head><field name="TxCode">BDC101</field>…</head>
             <body><field name="Amt">1200.00</field>…
                   <field-list name="DETAIL_LIST"><field-list name="0"><field name="…">…</field></field-list>
                   </field-list></body></message>

Anything malformed — not GBK, not XML, not the envelope, an unknown transaction, a missing or oversized or
ill-formatted field, an unknown field — is refused with ``MalformedMessage``: its ``code`` says which, and the
peer gets it back as ``RtnCode``. Nothing half-read reaches a business step.
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

    @property
    def tx_code(self) -> str:
        return self.head.get("TxCode", "")

    @property
    def ok(self) -> bool:
        """A response whose message was processed (TxStatus 0); the business outcome is in the body."""
        return self.head.get("TxStatus") == "0"


# -- XML ------------------------------------------------------------------------------------------------------
def to_xml(message: BdcMessage) -> bytes:
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
    return etree.tostring(root, xml_declaration=True, encoding=ENCODING)


def from_xml(data: bytes) -> BdcMessage:
    from lxml import etree

    try:
        data.decode(ENCODING)
    except UnicodeDecodeError:
        raise MalformedMessage("BAD_ENCODING", "报文不是GBK编码") from None
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
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
def _schema():  # type: ignore[no-untyped-def]
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(Path(__file__).with_name("message.xsd"))))


# -- validation -------------------------------------------------------------------------------------------------
def transaction_of(message: BdcMessage) -> Transaction:
    spec = TRANSACTIONS.get(message.tx_code)
    if spec is None:
        raise MalformedMessage("UNKNOWN_TX", f"未知交易码{message.tx_code!r}")
    return spec


def validate_request(message: BdcMessage) -> Transaction:
    spec = transaction_of(message)
    _check(message.head, {**REQUEST_HEAD, **(PAGING_REQUEST if spec.paged else {})}, "head")
    _check(message.body, {**spec.request, **(REQUEST_SPARES if spec.spare else {})}, "body")
    _check_lists(message, spec.request_lists)
    return spec


def validate_response(message: BdcMessage) -> Transaction:
    spec = transaction_of(message)
    _check(message.head, {**RESPONSE_HEAD, **(PAGING_RESPONSE if spec.paged and message.ok else {})}, "head")
    if message.ok:  # a refused message carries only its RtnCode and RtnMessage
        _check(message.body, {**spec.response, **(RESPONSE_SPARES if spec.spare else {})}, "body")
        _check_lists(message, spec.lists)
    return spec


def _check_lists(message: BdcMessage, lists: dict[str, dict[str, F]]) -> None:
    for name, records in message.lists.items():
        if name not in lists:
            raise MalformedMessage("UNKNOWN_FIELD", f"未知列表{name}")
        for record in records:
            _check(record, lists[name], name)


_FORMATS = {"n": re.compile(r"^\d+$"), "date": re.compile(r"^\d{8}$"), "time": re.compile(r"^\d{6}$"),
            "amt": re.compile(r"^-?\d{1,15}\.\d{2}$")}


def _check(values: dict[str, str], fields: dict[str, F], where: str) -> None:
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
        if f.type == "code" and value not in f.values:
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
