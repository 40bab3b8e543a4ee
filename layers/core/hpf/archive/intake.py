"""Files brought to the archive by hand (文件上传, 7.5.6): a scan or a PDF the counter receives. The bytes must be
what they claim (the format's signature, not the file name), within the size the function accepts."""

from __future__ import annotations

from collections.abc import Callable

from hpf.archive.model import ArchiveRecord, Category, Document, Retention, Source
from hpf.archive.service import ArchiveService
from hpf.common.errors import ValidationFailed
from hpf.identity.principal import Principal

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SIGNATURES = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}


class Uploads:
    """The counter's uploads: checked, filed, and a scan sent on to text recognition (7.5.10). If that hand-off
    fails the request fails (503) with the file already filed; the caller's retry with the same upload id finds the
    file and hands it off again — no scan goes unread."""

    def __init__(self, archive: ArchiveService, request_text: Callable[[str], None]):
        self._archive, self._request_text = archive, request_text

    def upload(self, upload_id: str, title: str, category: Category, retention: Retention, business_id: str,
               subject: str, subject_name: str, media_type: str, content: bytes, actor: Principal) -> ArchiveRecord:
        from hpf.archive.text import OCR_MEDIA

        record = self._archive.file(uploaded_document(upload_id, title, category, retention, business_id, subject,
                                                      subject_name, media_type, content, actor))
        if record.media_type in OCR_MEDIA:
            self._request_text(record.document_key)
        return record


def uploaded_document(upload_id: str, title: str, category: Category, retention: Retention, business_id: str,
                      subject: str, subject_name: str, media_type: str, content: bytes, actor: Principal) -> Document:
    signature = SIGNATURES.get(media_type)
    if signature is None:
        raise ValidationFailed("只接受PDF、JPEG、PNG文件", code="UPLOAD_TYPE_NOT_ACCEPTED")
    if not content.startswith(signature):
        raise ValidationFailed("文件内容与声明的格式不符", code="UPLOAD_CONTENT_MISMATCH")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationFailed("文件超过5MB", code="UPLOAD_TOO_LARGE")
    if not (_opens_as_pdf(content) if media_type == "application/pdf" else _decodes(content)):
        raise ValidationFailed("文件已损坏，无法打开", code="UPLOAD_CONTENT_MISMATCH")
    return Document(document_key=f"UPL-{upload_id}", title=title, category=category, retention=retention,
                    business_id=business_id, subject=subject, subject_name=subject_name, org=actor.org or "",
                    creator=actor.subject, media_type=media_type, content=content, source=Source.UPLOADED)


def _opens_as_pdf(content: bytes) -> bool:
    import io

    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(content)) as document:
            return len(document.pages) > 0
    except (pikepdf.PdfError, ValueError):
        return False


def _decodes(image: bytes) -> bool:
    """A scan must open as an image: text recognition reads it later, and an archive keeps what can be read."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image)) as opened:
            opened.verify()
        return True
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
