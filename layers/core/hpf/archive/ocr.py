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
_engine: Any = None
_lock = threading.Lock()


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
