"""Draw a voucher as a PDF: A4, an embedded CJK font, the amount in figures and in Chinese capitals, a QR code
that leads to verification, and a reserved box on the last page where the e-seal goes.

The font is embedded (WenQuanYi Zen Hei, Debian ``fonts-wqy-zenhei``; HPF_VOUCHER_FONT overrides): a viewer
never substitutes, text extracts correctly, and the file is archival (PDF/A-2b, marked as it is written: ``pdfa``).

Drawn for throughput as well (a year-end statement goes to every depositor): the QR code is encoded once and
drawn once per document as a form every page reuses, one filled path of runs rather than a rectangle per module;
a table cell is a plain string when its text fits the column and a Paragraph (which wraps, at ten times the cost)
only when it does not.
"""

from __future__ import annotations

import io
import os
from datetime import datetime
from functools import lru_cache
from xml.sax.saxutils import escape

import zxingcpp
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from hpf.common.money import to_chinese_uppercase
from hpf.seal.fonts import font_file
from hpf.seal.pdfa import mark_pdfa
from hpf.seal.plain_grid import PlainGrid
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
CELL_FONT_SIZE, CELL_LEADING, CELL_PADDING = 9.5, 13, 6  # reportlab's default cell padding, left and right
QR_FORM = "VerifyQr"
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
    font = TTFont(FONT, path, subfontIndex=0)
    # reportlab copies each table it subsets from out of the font file's bytes, for every document: the glyf table
    # alone is ~10 MB in this CJK font (3 ms a voucher). The tables never change; keep the one copy.
    font.face.get_table = lru_cache(maxsize=None)(font.face.get_table)
    pdfmetrics.registerFont(font)
    return FONT


def render(voucher: Voucher, verify_url: str, issued_at: datetime, verification_code: str = "") -> bytes:
    font = _register_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + FOOTER, initialFontName=font, invariant=False)
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=12)
    cell = ParagraphStyle("cell", fontName=font, fontSize=CELL_FONT_SIZE, leading=CELL_LEADING)
    qr = _qr_rows(verify_url)
    story = [Paragraph(voucher.title, title), Spacer(1, 3 * mm),
             Paragraph(f"凭证编号：{voucher.voucher_no}　　开具日期：{voucher.issued_on.isoformat()}　　"
                       f"开具机构：{voucher.org_name}", small), Spacer(1, 3 * mm),
             _fields_table(voucher, cell)]
    if voucher.amount is not None:
        story += [Spacer(1, 2 * mm), _amount_table(voucher, cell)]
    if voucher.table is not None:
        story += [Spacer(1, 4 * mm), _rows_table(voucher, cell)]

    def pdfa_canvas(*args, **kwargs) -> Canvas:
        # marked when made: a document template puts back at its end the document information it found at its start
        canvas = Canvas(*args, **kwargs)
        mark_pdfa(canvas, voucher.title, voucher.org_name, voucher.voucher_no)
        return canvas

    def first_page(canvas, _doc) -> None:
        _define_qr(canvas, qr, 30 * mm)
        footer(canvas, _doc)

    def footer(canvas, _doc) -> None:
        canvas.saveState()
        canvas.saveState()
        canvas.translate(MARGIN, MARGIN)
        canvas.doForm(QR_FORM)
        canvas.restoreState()
        canvas.setFont(font, 8)
        lines = ["本凭证由鹰潭市住房公积金管理中心加盖电子印章，与纸质凭证具有同等效力。",
                 "扫描左侧二维码或在网上服务大厅上传本文件，可验证印章与档案原件是否一致。",
                 f"凭证编号 {voucher.voucher_no}　生成时间 {issued_at.strftime('%Y-%m-%d %H:%M:%S')}"
                 + (f"　验证码 {verification_code}" if verification_code else ""),
                 f"第 {canvas.getPageNumber()} 页"]
        for i, line in enumerate(lines):
            canvas.drawString(MARGIN, NOTICE_TOP - i * 11, line)
        canvas.restoreState()

    doc.build(story, onFirstPage=first_page, onLaterPages=footer, canvasmaker=pdfa_canvas)
    return out.getvalue()


def _fields_table(voucher: Voucher, style: ParagraphStyle) -> Flowable:
    pairs = list(voucher.fields)
    rows = []
    for i in range(0, len(pairs), 2):
        left, right = pairs[i], pairs[i + 1] if i + 1 < len(pairs) else ("", "")
        rows.append([left[0], left[1], right[0], right[1]])
    width = PAGE_WIDTH - 2 * MARGIN
    return _table(rows, [width * 0.17, width * 0.33, width * 0.17, width * 0.33], style, label_columns=(0, 2))


def _amount_table(voucher: Voucher, style: ParagraphStyle) -> Flowable:
    width = PAGE_WIDTH - 2 * MARGIN
    return _table([[f"{voucher.amount_label}（小写）", f"¥{voucher.amount:,.2f}", "（大写）",
                    to_chinese_uppercase(voucher.amount or 0)]],
                  [width * 0.22, width * 0.2, width * 0.12, width * 0.46], style, label_columns=(0, 2))


def _rows_table(voucher: Voucher, style: ParagraphStyle) -> Flowable:
    assert voucher.table is not None
    columns = voucher.table.columns
    body = [list(row) for row in voucher.table.rows] or [["本期间无明细"] + [""] * (len(columns) - 1)]
    width = PAGE_WIDTH - 2 * MARGIN
    weights = voucher.table.weights or (1.0,) * len(columns)
    return _table([list(columns), *body], [width * w / sum(weights) for w in weights], style, header=True)


def _table(rows: list[list[str]], widths: list[float], style: ParagraphStyle, *, label_columns: tuple[int, ...] = (),
           header: bool = False) -> Flowable:
    """The plain grid when every cell fits on one line, else reportlab's Table (a header row repeats on each page)."""
    cells = _cells(rows, widths, style)
    if all(isinstance(cell, str) for row in cells for cell in row):
        return PlainGrid(rows, widths, font=FONT, size=CELL_FONT_SIZE, leading=CELL_LEADING, padding=CELL_PADDING,
                         shaded_columns=label_columns, header=header)
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    table.setStyle(_grid(label_columns, header))
    return table


def _cells(rows: list[list[str]], widths: list[float], style: ParagraphStyle) -> list[list[str | Paragraph]]:
    """A plain string where the text fits its column on one line, a wrapping Paragraph where it does not."""
    return [[text if pdfmetrics.stringWidth(text, FONT, CELL_FONT_SIZE) <= width - 2 * CELL_PADDING
             else Paragraph(escape(text), style) for text, width in zip(row, widths, strict=True)] for row in rows]


def _grid(label_columns: tuple[int, ...], header: bool = False) -> TableStyle:
    # FONTNAME for every cell: a table otherwise sets Helvetica, a base-14 font that is never embedded. The size
    # and leading are the Paragraphs' (a wrapped cell and a plain one look alike).
    commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), CELL_FONT_SIZE),
                ("LEADING", (0, 0), (-1, -1), CELL_LEADING)]
    commands += [("BACKGROUND", (c, 0), (c, -1), colors.Color(0.94, 0.94, 0.94)) for c in label_columns]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.94, 0.94, 0.94)))
    return TableStyle(commands)


def _qr_rows(data: str) -> list[bytes]:
    """The QR code's modules, row by row (0 dark, 255 light), error correction M. zxing-cpp chooses the mask by the
    standard's penalty rules as segno did, in C++: 0.5 ms a code against segno's 9."""
    image = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
        scale=1, add_quiet_zones=False)
    height, width = image.shape
    flat = memoryview(image).tobytes()  # type: ignore[arg-type]  # a buffer (its stubs do not declare it)
    return [flat[row * width:(row + 1) * width] for row in range(height)]


def _define_qr(canvas, matrix: list[bytes], size: float) -> None:
    """The QR code as a form of vector squares, sharp at any print size, four modules of quiet zone each side.

    Written as PDF operators in module units (each row's dark runs as integer rectangles of one filled path,
    scaled once by ``cm``): through reportlab's path object the 400 rectangles of a code took 3 ms a voucher."""
    module = size / (len(matrix) + 8)
    last = len(matrix) - 1
    rectangles = []
    for row, line in enumerate(matrix):
        col = 0
        while col < len(line):
            if line[col]:
                col += 1
                continue
            start = col
            while col < len(line) and not line[col]:
                col += 1
            rectangles.append(f"{start} {last - row} {col - start} 1 re")
    canvas.beginForm(QR_FORM, 0, 0, size, size)
    canvas.setFillColor(colors.black)
    canvas.addLiteral(f"{module:.4f} 0 0 {module:.4f} {4 * module:.4f} {4 * module:.4f} cm\n"
                      + "\n".join(rectangles) + "\nf")
    canvas.endForm()
