"""DER by hand for the few fixed ASN.1 shapes we write in bulk (the CMS of a sealed voucher, the sandbox's time
stamps).

Why not asn1crypto for those: building a SignedData from parsed certificates makes it copy and re-encode them
(~15 ms a document); with the constant parts encoded once by asn1crypto and only the varying parts framed here,
the same structure costs microseconds. Parsing stays with asn1crypto, so what we write is read by a real decoder.
"""

from __future__ import annotations

SEQUENCE, SET, INTEGER, OCTET_STRING, OID = 0x30, 0x31, 0x02, 0x04, 0x06


def context(number: int) -> int:
    """The tag of a constructed context-specific field ``[number]`` (explicit, or implicit over a constructed type)."""
    return 0xA0 | number


def tlv(tag: int, *parts: bytes) -> bytes:
    body = b"".join(parts)
    size = len(body)
    if size < 0x80:
        return bytes((tag, size)) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + body


def set_of(*encodings: bytes) -> bytes:
    """A DER SET OF: its elements in the order of their encodings (X.690 11.6)."""
    return tlv(SET, *sorted(encodings))


def integer(value: int) -> bytes:
    if value < 0:
        raise ValueError("only non-negative integers are written here")
    return tlv(INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def octet_string(value: bytes) -> bytes:
    return tlv(OCTET_STRING, value)


def oid(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        while arc > 0x7F:
            arc >>= 7
            chunk.append(0x80 | (arc & 0x7F))
        body += bytes(reversed(chunk))
    return tlv(OID, bytes(body))
