"""The CJK font vouchers and seal images are drawn with (embedded in every PDF)."""

from __future__ import annotations

import os

DEFAULT_FONT_FILE = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # Debian fonts-wqy-zenhei


def font_file() -> str:
    return os.environ.get("HPF_VOUCHER_FONT") or DEFAULT_FONT_FILE
