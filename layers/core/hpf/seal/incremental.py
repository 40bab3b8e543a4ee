"""A visible signature added to a PDF as an incremental update: the objects a seal appends, and its byte range.

Why not pyHanko's writer (it wrote this until issue 13): it parses the document in pure Python, re-serialises the
page and catalogue, and rewrites the XMP packet and the Info dictionary on every signature — two thirds of what
sealing cost us (~7 of 10 ms a voucher). The update a seal makes is one fixed shape, so we write it ourselves and
let qpdf (pikepdf) read the document: the last page gains the widget in ``/Annots``; the catalogue gains
``/AcroForm`` (or the existing form gains the field), the PAdES extension (``/Extensions /ESIC``) and
``/Version /1.7``; new objects are the field-and-widget, its appearance (the seal image, centred in the box, its
aspect kept), the image and its alpha (compressed once per seal, ``SealImage``), and the signature dictionary,
whose ``/Contents`` is left as zeros until the CMS is known (``PreparedSignature.filled``). The Info dictionary
and the XMP packet are left as drawn, so they still agree with each other (PDF/A).

Only what we draw is sealed here: an unencrypted file with a classic cross-reference table (reportlab's, and ours
after a first signature) — anything else is refused rather than half-understood. pyHanko still validates every
sealed file (``verification``), and the tests run poppler's ``pdfsig`` over them as well.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

import pikepdf

# ISO 32000-1 12.8.1: the ByteRange's four numbers are written once as placeholders and overwritten in place.
_BYTE_RANGE_PLACEHOLDER = b"[0 0000000000 0000000000 0000000000]"
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
# Widget flags: Print (4) so it prints and PDF/A accepts it, Locked (128) so a reader does not move it.
_WIDGET_FLAGS = 132


class UnsupportedPdf(ValueError):
    """A file this writer does not seal (encrypted, or a cross-reference stream): not one we drew."""


@dataclass(frozen=True)
class SealImage:
    """A seal's picture as two Flate-compressed planes, made once per seal and put into every document."""

    width: int
    height: int
    colour_space: str  # /DeviceRGB or /DeviceGray
    colour: bytes
    alpha: bytes | None

    @classmethod
    def from_png(cls, png: bytes) -> SealImage:
        from PIL import Image

        image = Image.open(io.BytesIO(png))
        image.load()
        alpha = image.getchannel("A").tobytes() if image.mode.endswith("A") else None
        grey = image.mode in {"L", "LA"}
        colour = image.convert("L" if grey else "RGB").tobytes()
        return cls(image.width, image.height, "/DeviceGray" if grey else "/DeviceRGB", zlib.compress(colour),
                   None if alpha is None else zlib.compress(alpha))


@dataclass(frozen=True)
class SignatureField:
    """Where and under what name a seal is put: the field's name, its box on the last page (PDF points), and the
    signature dictionary's ``/Name``, ``/Reason`` and ``/Location`` that readers show."""

    name: str
    box: tuple[float, float, float, float]
    signer_name: str
    reason: str
    location: str


@dataclass(frozen=True)
class PreparedSignature:
    """The document with the update written and ``/Contents`` still zeros."""

    document: bytes
    contents_start: int  # the '<' of /Contents
    contents_end: int  # just past its '>'

    @property
    def byte_range(self) -> tuple[int, int, int, int]:
        return 0, self.contents_start, self.contents_end, len(self.document) - self.contents_end

    def digest(self) -> bytes:
        """SHA-256 of everything but ``/Contents``: the document digest the CMS signs (messageDigest)."""
        view = memoryview(self.document)
        hashed = hashlib.sha256(view[:self.contents_start])
        hashed.update(view[self.contents_end:])
        return hashed.digest()

    def filled(self, cms: bytes) -> bytes:
        room = (self.contents_end - self.contents_start - 2) // 2
        if len(cms) > room:
            raise ValueError(f"the signature ({len(cms)} bytes) does not fit the {room} reserved")
        hex_cms = cms.hex().encode().ljust(room * 2, b"0")
        return b"".join((self.document[:self.contents_start + 1], hex_cms, self.document[self.contents_end - 1:]))


def prepare_signature(pdf: bytes, field: SignatureField, image: SealImage, bytes_reserved: int,
                      signed_at: datetime | None = None) -> PreparedSignature:
    """Append the signature field, its visible seal and an empty signature to ``pdf`` (incremental update)."""
    previous_xref = _previous_xref(pdf)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        if document.is_encrypted:
            raise UnsupportedPdf("an encrypted file")
        writer = _UpdateWriter(pdf)
        page = document.pages[-1].obj
        signature = document.make_indirect(pikepdf.Dictionary())  # its body is written by hand (placeholders)
        widget = document.make_indirect(_widget(document, field, page, signature, image))
        _add_to_annots(writer, page, widget)
        _add_to_form(writer, document, widget)
        writer.object(widget.objgen, widget.unparse(resolved=True))
        appearance = widget.AP.N
        writer.stream(appearance)
        image_object = appearance.Resources.XObject.Seal
        writer.stream(image_object)
        if "/SMask" in image_object:
            writer.stream(image_object.SMask)
        contents_start = writer.signature(signature.objgen, field, signed_at or datetime.now(UTC), bytes_reserved)
        trailer = document.trailer
        size = max(int(trailer.Size), *(number + 1 for number, _ in writer.written))
        prepared = writer.finish(trailer, size, previous_xref)
    contents_end = contents_start + 2 + 2 * bytes_reserved
    return PreparedSignature(_with_byte_range(prepared, contents_start, contents_end), contents_start,
                             contents_end)


def _widget(document: pikepdf.Pdf, field: SignatureField, page: pikepdf.Object, signature: pikepdf.Object,
            image: SealImage) -> pikepdf.Dictionary:
    left, bottom, right, top = field.box
    width, height = right - left, top - bottom
    scale = min(width / image.width, height / image.height)
    drawn_width, drawn_height = image.width * scale, image.height * scale
    offset_x, offset_y = (width - drawn_width) / 2, (height - drawn_height) / 2
    appearance = pikepdf.Stream(document, f"q {drawn_width:.4f} 0 0 {drawn_height:.4f} {offset_x:.4f} "
                                          f"{offset_y:.4f} cm /Seal Do Q".encode())
    appearance.Type, appearance.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
    appearance.BBox = pikepdf.Array([0, 0, round(width, 4), round(height, 4)])
    appearance.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Seal=_image_xobject(document, image)))
    return pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Sig, T=pikepdf.String(field.name),
        F=_WIDGET_FLAGS, Rect=pikepdf.Array([round(c, 4) for c in field.box]), P=page, V=signature,
        AP=pikepdf.Dictionary(N=appearance))


def _image_xobject(document: pikepdf.Pdf, image: SealImage) -> pikepdf.Stream:
    def plane(data: bytes, colour_space: str) -> pikepdf.Stream:
        stream = pikepdf.Stream(document, data)
        stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        stream.Width, stream.Height, stream.BitsPerComponent = image.width, image.height, 8
        stream.ColorSpace, stream.Filter = pikepdf.Name(colour_space), pikepdf.Name.FlateDecode
        return stream

    colour = plane(image.colour, image.colour_space)
    if image.alpha is not None:
        colour.SMask = plane(image.alpha, "/DeviceGray")
    return colour


def _add_to_annots(writer: _UpdateWriter, page: pikepdf.Object, widget: pikepdf.Object) -> None:
    annots = page.get("/Annots")
    if annots is not None and annots.is_indirect:  # an array object of its own: only it changes
        annots.append(widget)
        writer.object(annots.objgen, annots.unparse(resolved=True))
        return
    page.Annots = pikepdf.Array([*(annots or ()), widget])
    writer.object(page.objgen, page.unparse(resolved=True))


def _add_to_form(writer: _UpdateWriter, document: pikepdf.Pdf, widget: pikepdf.Object) -> None:
    root = document.Root
    form = root.get("/AcroForm")
    if form is None:
        form = root.AcroForm = document.make_indirect(pikepdf.Dictionary(Fields=pikepdf.Array()))
    fields = form.Fields
    fields.append(widget)
    form.SigFlags = 3  # SignaturesExist | AppendOnly: readers must keep later changes incremental
    if fields.is_indirect:
        writer.object(fields.objgen, fields.unparse(resolved=True))
    if form.is_indirect:
        writer.object(form.objgen, form.unparse(resolved=True))
    # PAdES (ETSI EN 319 142-1, 5.4): the ESIC developer extension marks a file carrying PAdES signatures.
    root.Version = pikepdf.Name("/1.7")
    root.Extensions = pikepdf.Dictionary(ESIC=pikepdf.Dictionary(
        Type=pikepdf.Name.DeveloperExtensions, BaseVersion=pikepdf.Name("/1.7"), ExtensionLevel=1))
    writer.object(root.objgen, root.unparse(resolved=True))


class _UpdateWriter:
    """Appends objects after the original bytes and keeps their offsets for the cross-reference section."""

    def __init__(self, original: bytes):
        self._out = bytearray(original)
        if not original.endswith(b"\n"):
            self._out += b"\n"
        self.written: dict[tuple[int, int], int] = {}

    def object(self, objgen: tuple[int, int], body: bytes) -> int:
        self.written[objgen] = len(self._out)
        self._out += b"%d %d obj\n" % objgen
        self._out += body
        self._out += b"\nendobj\n"
        return self.written[objgen]

    def stream(self, stream: pikepdf.Object) -> None:
        data = stream.read_raw_bytes()
        self.object(stream.objgen, stream.stream_dict.unparse(resolved=True) + b"\nstream\n" + data + b"\nendstream")

    def signature(self, objgen: tuple[int, int], field: SignatureField, signed_at: datetime,
                  bytes_reserved: int) -> int:
        """The signature dictionary, ``/Contents`` last so its offset is known; returns the offset of its '<'."""
        head = b"".join((
            b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached",
            b" /M ", pikepdf.String(signed_at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")).unparse(),
            b" /Name ", pikepdf.String(field.signer_name).unparse(),
            b" /Reason ", pikepdf.String(field.reason).unparse(),
            b" /Location ", pikepdf.String(field.location).unparse(),
            b" /ByteRange ", _BYTE_RANGE_PLACEHOLDER, b" /Contents "))
        start = self.object(objgen, head + b"<" + b"0" * (2 * bytes_reserved) + b"> >>")
        return start + len(b"%d %d obj\n" % objgen) + len(head)

    def finish(self, trailer: pikepdf.Object, size: int, previous_xref: int) -> bytes:
        xref_at = len(self._out)
        self._out += b"xref\n"
        entries = sorted(self.written.items())
        run: list[tuple[tuple[int, int], int]] = []
        for entry in entries:
            if run and entry[0][0] != run[-1][0][0] + 1:
                self._xref_section(run)
                run = []
            run.append(entry)
        self._xref_section(run)
        first_id = trailer.ID[0].unparse() if "/ID" in trailer else b"<" + secrets.token_hex(16).encode() + b">"
        self._out += b"trailer\n<< /Size %d /Root %s" % (size, trailer.Root.unparse())
        if "/Info" in trailer:
            self._out += b" /Info " + trailer.Info.unparse()
        self._out += b" /ID [%s <%s>] /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
            first_id, secrets.token_hex(16).encode(), previous_xref, xref_at)
        return bytes(self._out)

    def _xref_section(self, run: list[tuple[tuple[int, int], int]]) -> None:
        self._out += b"%d %d\n" % (run[0][0][0], len(run))
        for (_, generation), offset in run:
            self._out += b"%010d %05d n \n" % (offset, generation)


def _previous_xref(pdf: bytes) -> int:
    found = _STARTXREF.search(pdf[-64:])
    if found is None:
        raise UnsupportedPdf("no startxref at the end of the file")
    offset = int(found.group(1))
    if pdf[offset:offset + 4] != b"xref":
        raise UnsupportedPdf("a cross-reference stream (only classic tables are sealed here)")
    return offset


def _with_byte_range(document: bytes, contents_start: int, contents_end: int) -> bytes:
    numbers = b"[0 %010d %010d %010d]" % (contents_start, contents_end, len(document) - contents_end)
    at = document.rindex(_BYTE_RANGE_PLACEHOLDER, 0, contents_start)
    return document[:at] + numbers + document[at + len(numbers):]
