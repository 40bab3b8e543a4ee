"""Draw a voucher as a PDF: A4, an embedded CJK font, the amount in figures and in Chinese capitals, a QR code
that leads to verification, and a reserved box on the last page where the e-seal goes.

The font is embedded (WenQuanYi Zen Hei, Debian ``fonts-wqy-zenhei``; HPF_VOUCHER_FONT overrides): a viewer
never substitutes, text extracts correctly, and the file can be archival (PDF/A-2b, see ``pdfa``).
"""

from __future__ import annotations

import io
import os
from datetime import datetime
from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from hpf.common.money import to_chinese_uppercase
from hpf.seal.fonts import font_file
from hpf.seal.vouchers import Voucher

FONT = "HpfCjk"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
# The footer, below the flowing content: a line of notices across the page, and under it the QR code on the left,
# the co-signatures and the seal on the right.
FOOTER = 56 * mm
NOTICE_TOP = MARGIN + 52 * mm
# Where the seal goes on the last page (PDF points: lower-left x, y, upper-right x, y).
SEAL_BOX = (PAGE_WIDTH - MARGIN - 36 * mm, MARGIN, PAGE_WIDTH - MARGIN, MARGIN + 36 * mm)
# A co-signature (加签) or an approval node's signature goes to the left of the seal.
COSIGN_BOXES = [(PAGE_WIDTH - MARGIN - (40 + 26 * (i + 1)) * mm, MARGIN + 6 * mm,
                 PAGE_WIDTH - MARGIN - (42 + 26 * i) * mm, MARGIN + 30 * mm) for i in range(2)]


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def _register_font() -> str:
    path = font_file()
    if not os.path.exists(path):
        raise FontMissing(f"voucher font {path} not found (install fonts-wqy-zenhei or set HPF_VOUCHER_FONT)")
    pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
    return FONT


def render(voucher: Voucher, verify_url: str, issued_at: datetime, verification_code: str = "") -> bytes:
    font = _register_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + FOOTER, title=voucher.title, author=voucher.org_name,
                            subject=voucher.voucher_no, creator="hpf-platform", initialFontName=font,
                            invariant=False)
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=12)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13)
    story = [Paragraph(voucher.title, title), Spacer(1, 3 * mm),
             Paragraph(f"凭证编号：{voucher.voucher_no}　　开具日期：{voucher.issued_on.isoformat()}　　"
                       f"开具机构：{voucher.org_name}", small), Spacer(1, 3 * mm),
             _fields_table(voucher, cell)]
    if voucher.amount is not None:
        story += [Spacer(1, 2 * mm), _amount_table(voucher, cell)]
    if voucher.table is not None:
        story += [Spacer(1, 4 * mm), _rows_table(voucher, cell)]

    def footer(canvas, _doc) -> None:
        canvas.saveState()
        _draw_qr(canvas, verify_url, MARGIN, MARGIN, 30 * mm)
        canvas.setFont(font, 8)
        lines = ["本凭证由鹰潭市住房公积金管理中心加盖电子印章，与纸质凭证具有同等效力。",
                 "扫描左侧二维码或在网上服务大厅上传本文件，可验证印章与档案原件是否一致。",
                 f"凭证编号 {voucher.voucher_no}　生成时间 {issued_at.strftime('%Y-%m-%d %H:%M:%S')}"
                 + (f"　验证码 {verification_code}" if verification_code else ""),
                 f"第 {canvas.getPageNumber()} 页"]
        for i, line in enumerate(lines):
            canvas.drawString(MARGIN, NOTICE_TOP - i * 11, line)
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _fields_table(voucher: Voucher, style: ParagraphStyle) -> Table:
    pairs = list(voucher.fields)
    rows = []
    for i in range(0, len(pairs), 2):
        left, right = pairs[i], pairs[i + 1] if i + 1 < len(pairs) else ("", "")
        rows.append([Paragraph(left[0], style), Paragraph(left[1], style),
                     Paragraph(right[0], style), Paragraph(right[1], style)])
    width = PAGE_WIDTH - 2 * MARGIN
    table = Table(rows, colWidths=[width * 0.17, width * 0.33, width * 0.17, width * 0.33])
    table.setStyle(_grid(label_columns=(0, 2)))
    return table


def _amount_table(voucher: Voucher, style: ParagraphStyle) -> Table:
    width = PAGE_WIDTH - 2 * MARGIN
    table = Table([[Paragraph(f"{voucher.amount_label}（小写）", style), Paragraph(f"¥{voucher.amount:,.2f}", style),
                    Paragraph("（大写）", style), Paragraph(to_chinese_uppercase(voucher.amount or 0), style)]],
                  colWidths=[width * 0.22, width * 0.2, width * 0.12, width * 0.46])
    table.setStyle(_grid(label_columns=(0, 2)))
    return table


def _rows_table(voucher: Voucher, style: ParagraphStyle) -> Table:
    assert voucher.table is not None
    header = [Paragraph(c, style) for c in voucher.table.columns]
    body = [[Paragraph(v, style) for v in row] for row in voucher.table.rows] or [
        [Paragraph("本期间无明细", style)] + [""] * (len(header) - 1)]
    width = PAGE_WIDTH - 2 * MARGIN
    weights = voucher.table.weights or (1.0,) * len(header)
    table = Table([header, *body], repeatRows=1, colWidths=[width * w / sum(weights) for w in weights])
    table.setStyle(_grid(label_columns=(), header=True))
    return table


def _grid(label_columns: tuple[int, ...], header: bool = False) -> TableStyle:
    # FONTNAME for every cell: a table otherwise sets Helvetica, a base-14 font that is never embedded.
    commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTNAME", (0, 0), (-1, -1), FONT)]
    commands += [("BACKGROUND", (c, 0), (c, -1), colors.Color(0.94, 0.94, 0.94)) for c in label_columns]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.94, 0.94, 0.94)))
    return TableStyle(commands)


def _draw_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (sharp at any print size), error correction M."""
    import segno

    matrix = segno.make(data, error="m", micro=False).matrix
    cells = len(matrix) + 8  # four modules of quiet zone each side
    module = size / cells
    canvas.setFillColor(colors.black)
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            if dark:
                canvas.rect(x + (col + 4) * module, y + size - (row + 5) * module, module, module, stroke=0, fill=1)
