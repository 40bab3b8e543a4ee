"""Files brought to the archive by hand (文件上传, 7.5.6): a scan or a PDF the counter receives. The bytes must be
what they claim (the format's signature, not the file name), within the size the function accepts."""

from __future__ import annotations

from hpf.archive.model import Category, Document, Retention, Source
from hpf.common.errors import ValidationFailed
from hpf.identity.principal import Principal

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SIGNATURES = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}


def uploaded_document(upload_id: str, title: str, category: Category, retention: Retention, business_id: str,
                      subject: str, subject_name: str, media_type: str, content: bytes, actor: Principal) -> Document:
    signature = SIGNATURES.get(media_type)
    if signature is None:
        raise ValidationFailed("只接受PDF、JPEG、PNG文件", code="UPLOAD_TYPE_NOT_ACCEPTED")
    if not content.startswith(signature):
        raise ValidationFailed("文件内容与声明的格式不符", code="UPLOAD_CONTENT_MISMATCH")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationFailed("文件超过5MB", code="UPLOAD_TOO_LARGE")
    if media_type != "application/pdf" and not _decodes(content):
        raise ValidationFailed("图片文件已损坏，无法打开", code="UPLOAD_CONTENT_MISMATCH")
    return Document(document_key=f"UPL-{upload_id}", title=title, category=category, retention=retention,
                    business_id=business_id, subject=subject, subject_name=subject_name, org=actor.org or "",
                    creator=actor.subject, media_type=media_type, content=content, source=Source.UPLOADED)


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
