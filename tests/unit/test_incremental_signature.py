"""The incremental update a seal appends (``hpf.seal.incremental``), on files shaped unlike a fresh voucher: a page
that already has annotations (in the page or in an array object of their own), a document that already has a
form, a non-square seal image; what it refuses; and the byte range it leaves for the signature."""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from datetime import UTC, datetime

import pikepdf
import pytest

from hpf.sandbox.seal import CENTER_SEAL
from hpf.seal.incremental import SealImage, SignatureField, UnsupportedPdf, prepare_signature
from hpf.seal.render import SEAL_BOX
from hpf.seal.signing import PdfSealer
from hpf.seal.verification import check_pdf
from tests.pdf_tools import pdfsig
from tests.unit.test_seal import drawn, nss, root_der, seal_system  # noqa: F401 - fixtures shared with the seal tests

FIELD = SignatureField("CenterSeal", SEAL_BOX, "鹰潭市住房公积金管理中心", "电子签章", "江西省鹰潭市")
SQUARE = SealImage(4, 4, "/DeviceGray", zlib.compress(bytes(16)), None)


def resaved(pdf: bytes, change) -> bytes:  # noqa: ANN001 - a function over the opened document
    with pikepdf.open(io.BytesIO(pdf)) as document:
        change(document)
        out = io.BytesIO()
        document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable)
        return out.getvalue()


def with_a_link(annots_indirect: bool, with_form: bool):
    def change(document: pikepdf.Pdf) -> None:
        link = document.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[60, 700, 200, 720], F=4,
            Border=[0, 0, 0], A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://hpf.example/"))))
        annots = pikepdf.Array([link])
        document.pages[-1].obj.Annots = document.make_indirect(annots) if annots_indirect else annots
        if with_form:
            document.Root.AcroForm = document.make_indirect(pikepdf.Dictionary(Fields=pikepdf.Array()))
    return change


@pytest.mark.parametrize(("annots_indirect", "with_form"), [(False, False), (True, False), (True, True)])
def test_a_page_keeps_its_annotations_and_the_form_its_fields(seal_system, nss, tmp_path, annots_indirect,  # noqa: F811
                                                               with_form):
    sandbox, client = seal_system
    pdf = resaved(drawn(), with_a_link(annots_indirect, with_form))

    sealed = PdfSealer(client, CENTER_SEAL).seal(pdf, "HJHD-RMT-360600000001-202611", ("STAFF-clerk01",))

    assert sealed.startswith(pdf)  # an incremental update: the original bytes untouched
    with pikepdf.open(io.BytesIO(sealed)) as document:
        subtypes = [str(a.Subtype) for a in document.pages[-1].Annots]
        assert subtypes == ["/Link", "/Widget", "/Widget"]
        assert [str(f.T) for f in document.Root.AcroForm.Fields] == ["Cosign1", "CenterSeal"]
        assert document.Root.AcroForm.SigFlags == 3
    check = check_pdf(sealed, [root_der(sandbox)])
    assert check.sealed_and_unmodified and [s.field for s in check.signatures] == ["Cosign1", "CenterSeal"]
    report = pdfsig(nss, sealed, tmp_path)
    assert report.count("Signature is Valid.") == 2 and "Total document signed" in report


def test_the_byte_range_is_everything_but_the_signature_and_a_signature_too_large_is_refused():
    prepared = prepare_signature(drawn(), FIELD, SQUARE, 4096, datetime(2026, 11, 30, 3, tzinfo=UTC))
    document = prepared.document
    start, end = prepared.contents_start, prepared.contents_end
    assert document[start:start + 1] == b"<" and document[end - 1:end] == b">" and end - start == 2 + 2 * 4096
    written = re.search(rb"/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]", document)
    assert written is not None and tuple(map(int, written.groups())) == prepared.byte_range
    assert prepared.byte_range[2] + prepared.byte_range[3] == len(document)
    assert prepared.digest() == hashlib.sha256(document[:start] + document[end:]).digest()
    assert b"/M (D:20261130030000+00'00')" in document

    filled = prepared.filled(b"\x30\x03\x02\x01\x01")
    assert len(filled) == len(document) and filled[start:start + 12] == b"<3003020101" + b"0"
    with pytest.raises(ValueError, match="does not fit"):
        prepared.filled(bytes(4097))


def test_a_seal_image_keeps_its_proportions_centred_in_its_box():
    wide = SealImage(200, 100, "/DeviceRGB", zlib.compress(bytes(200 * 100 * 3)), zlib.compress(bytes(200 * 100)))
    prepared = prepare_signature(drawn(), FIELD, wide, 4096)
    with pikepdf.open(io.BytesIO(prepared.filled(b""))) as document:
        widget = document.pages[-1].Annots[0]
        assert widget.F == 132 and set(widget.AP.keys()) == {"/N"}  # printed, locked; PDF/A: a normal appearance only
        appearance = widget.AP.N
        image = appearance.Resources.XObject.Seal
        assert (image.Width, image.Height, str(image.ColorSpace)) == (200, 100, "/DeviceRGB")
        assert image.SMask.read_bytes() == bytes(200 * 100)
        width, height = float(appearance.BBox[2]), float(appearance.BBox[3])
        numbers = [float(n) for n in appearance.read_bytes().split()[1:7]]
    drawn_width, _, _, drawn_height, x, y = numbers
    assert drawn_width == pytest.approx(width, abs=1e-3) and drawn_height == pytest.approx(width / 2, abs=1e-3)
    assert x == pytest.approx(0, abs=1e-3) and y == pytest.approx((height - width / 2) / 2, abs=1e-3)


def test_files_it_does_not_understand_are_refused():
    pdf = drawn()
    as_object_streams = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(as_object_streams, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    with pytest.raises(UnsupportedPdf, match="cross-reference stream"):
        prepare_signature(as_object_streams.getvalue(), FIELD, SQUARE, 4096)

    encrypted = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(encrypted, encryption=pikepdf.Encryption(owner="o", user="", R=4),
                      object_stream_mode=pikepdf.ObjectStreamMode.disable)
    with pytest.raises(UnsupportedPdf, match="encrypted"):
        prepare_signature(encrypted.getvalue(), FIELD, SQUARE, 4096)

    with pytest.raises(UnsupportedPdf, match="startxref"):
        prepare_signature(pdf[:-40], FIELD, SQUARE, 4096)
