"""Text recognition of scanned pages (文本识别, 7.5.10), so an archive of scans can be searched by what they say.

RapidOCR (PP-OCR models in ONNX, shipped inside the wheel — nothing is downloaded at run time) loads once per
process (~1 s) and reads a page in about a second on two cores. It runs in its own function: the library is
~410 MB with OpenCV and onnxruntime, and no other function should carry or import it. Lines come back as the
engine reads them (a label and its value may merge, "男民族汉"): stored as read; searching matches substrings.
"""

from __future__ import annotations

import threading
from typing import Any

ENGINE = "rapidocr"
MAX_PAGES = 20  # a counter scan is a few pages; a longer PDF is read this far (the rest stays searchable by title)
_engine: Any = None
_lock = threading.Lock()


def read(content: bytes, media_type: str) -> list[str]:
    """The text of a filed scan: an image read by the engine; a PDF page by page — its own text where it has
    some (a PDF made by software), the engine on the page's image where it has none (a scanner's PDF)."""
    if media_type == "application/pdf":
        return _read_pdf(content)
    return recognise(content)


def _read_pdf(pdf: bytes) -> list[str]:
    import io

    import pypdfium2

    lines: list[str] = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for index in range(min(len(document), MAX_PAGES)):
            page = document[index]
            own = page.get_textpage().get_text_range()
            if len(own.strip()) >= 4:
                lines += [line.strip() for line in own.splitlines() if line.strip()]
                continue
            image = io.BytesIO()
            page.render(scale=2).to_pil().save(image, format="PNG")  # ~144 dpi: enough for the models
            lines += recognise(image.getvalue())
    finally:
        document.close()
    return lines


def recognise(image: bytes) -> list[str]:
    """The text lines of one page image (PNG or JPEG bytes), top to bottom."""
    global _engine
    with _lock:  # one engine per process; onnxruntime sessions are not shared across threads here
        if _engine is None:
            import logging

            from rapidocr import RapidOCR

            logging.getLogger("RapidOCR").setLevel(logging.WARNING)
            _engine = RapidOCR()
        result = _engine(image)
    return [line for line in (result.txts or ()) if line.strip()]
