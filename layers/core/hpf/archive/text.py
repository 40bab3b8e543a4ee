"""Recognised text of archived scans, and search over it (7.5.10).

After an image is filed, its document key goes to the OCR queue; the OCR function reads the page, stores the
text beside the record, and appends the text's digest to the solidification log (so a text changed afterwards
is caught like any metadata). Searching reads the stored texts of the caller's office.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hpf.archive.model import ArchiveRecord
from hpf.archive.service import ArchiveService, canonical
from hpf.common.errors import ValidationFailed
from hpf.identity.principal import Principal
from hpf.identity.roles import org_covers

OCR_MEDIA = {"image/png", "image/jpeg", "application/pdf"}


@dataclass(frozen=True)
class RecognisedText:
    document_key: str
    org: str
    lines: tuple[str, ...]
    engine: str

    @property
    def digest(self) -> str:
        return hashlib.sha256("\n".join(self.lines).encode("utf-8")).hexdigest()


class TextStore(Protocol):
    def put(self, text: RecognisedText) -> None: ...

    def get(self, document_key: str) -> RecognisedText | None: ...

    def all(self) -> list[RecognisedText]: ...


class ArchiveText:
    def __init__(self, archive: ArchiveService, texts: TextStore, recognise: Callable[[bytes, str], list[str]],
                 engine: str):
        """``recognise(content, media_type)``: the lines of a scan (hpf.archive.ocr.read)."""
        self._archive, self._texts, self._recognise, self._engine = archive, texts, recognise, engine

    def recognise(self, document_key: str) -> RecognisedText | None:
        """Read one filed scan (idempotent: a redelivered message finds the text there)."""
        record = self._archive.get(document_key)
        if record.media_type not in OCR_MEDIA:
            return None
        found = self._texts.get(document_key)
        if found is not None:
            return found
        lines = self._recognise(self._archive.content(record), record.media_type)
        text = RecognisedText(document_key, record.org, tuple(lines), self._engine)
        self._archive.log.append(f"{document_key}#text", canonical({
            "type": "text", "document_key": document_key, "sha256": text.digest, "engine": self._engine,
            "lines": len(text.lines)}), self._archive.now())
        self._texts.put(text)
        return text

    def search(self, query: str, actor: Principal) -> list[tuple[ArchiveRecord, RecognisedText]]:
        """Scans whose recognised text contains ``query`` (spaces ignored: the engine drops them), in the caller's
        office. Reads every stored text: fine at today's size; a search index would replace it."""
        needle = "".join(query.split())
        if len(needle) < 2:
            raise ValidationFailed("检索词至少两个字", code="SEARCH_TOO_SHORT")
        hits = []
        for text in self._texts.all():
            if actor.org and org_covers(actor.org, text.org) and needle in "".join("".join(text.lines).split()):
                hits.append((self._archive.get(text.document_key), text))
        return sorted(hits, key=lambda hit: hit[0].created_at)


def verify_texts(texts: TextStore, logged: dict[str, dict[str, Any]]) -> list[str]:
    """Document keys whose stored text no longer has the digest the log recorded (or was never logged)."""
    return [t.document_key for t in texts.all()
            if logged.get(t.document_key, {}).get("sha256") != t.digest]
