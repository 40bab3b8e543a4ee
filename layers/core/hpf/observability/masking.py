"""Masking of personal data (ID numbers, mobiles, bank cards, names) before anything is logged.

Two nets: by key (a field known to hold personal data is masked whatever its shape) and by pattern (an
18-character resident ID, an 11-digit mobile or a 16–19 digit card number inside any string is masked even
when it hides in a message or an error text).
"""

from __future__ import annotations

import re
from typing import Any

_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<!\d)\d{12,15}(\d{4})(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")

# Keys whose values are personal data (English names in code, the standard's pinyin abbreviations at
# interfaces: XINGMING 姓名, ZJHM 证件号码, SJHM 手机号码, GDDHHM 固定电话, GRCKZHHM 个人存款账户号码).
_NAME_KEYS = {"name", "person_name", "xingming", "xmqp", "account_name", "holder_name", "borrower_name"}
_SECRET_KEYS = {
    "id_number", "resident_id", "zjhm", "mobile", "phone", "sjhm", "gddhhm", "bank_card", "card_number",
    "grckzhhm", "password", "authorization", "access_token", "token", "address", "jtzz",
}


def mask_text(text: str) -> str:
    text = _RESIDENT_ID.sub(lambda m: m.group(1)[:3] + "*" * 11 + m.group(2)[-4:], text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    text = _CARD.sub(lambda m: "*" * (len(m.group(0)) - 4) + m.group(1), text)
    return text


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


def _mask_secret(value: Any) -> str:
    text = str(value)
    if len(text) <= 4:
        return "****"
    return "*" * (len(text) - 4) + text[-4:]


def mask(value: Any, key: str | None = None) -> Any:
    """Return a copy of ``value`` with personal data masked (dicts and lists walked recursively)."""
    lowered = key.lower() if key else None
    if isinstance(value, dict):
        return {k: mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask(v, key) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if lowered in _SECRET_KEYS:
        return _mask_secret(value)
    if lowered in _NAME_KEYS and isinstance(value, str):
        return mask_name(value)
    if isinstance(value, str):
        return mask_text(value)
    return value
