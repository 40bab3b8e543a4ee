"""Make a reportlab document PDF/A-2b as it is written: an sRGB output intent, the PDF/A identification in XMP
metadata, and document information that says the same as the XMP.

reportlab embeds every font (the one condition it cannot be talked out of is ours to keep: no base-14 font) and
writes the trailer's /ID; this adds what it does not write. Written in the same pass rather than by reopening the
file (pikepdf did that in 9 ms a voucher, a quarter of the budget at 60 vouchers a second). No validator was
available to prove conformance (toolchain notes): the marks are what a validator checks first, they are those
pikepdf wrote before, and they survive the incremental update of signing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.pdfbase.pdfdoc import PDFArray, PDFCatalog, PDFDictionary, PDFInfo, PDFName, PDFStream, PDFString
from reportlab.pdfbase.pdfdoc import format as pdf_format

PRODUCER = "hpf-platform"
_XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:identifier>{document_no}</dc:identifier>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{document_no}</rdf:li></rdf:Alt></dc:description>
   <pdf:Producer>{producer}</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


@lru_cache(maxsize=1)
def _srgb_profile() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


class _PdfAInfo(PDFInfo):
    """Document information with exactly the entries the XMP repeats (reportlab's adds dates, creator and keywords
    the XMP would then have to carry too), /Subject the document's number. Its own fields: a document template sets
    reportlab's title and author again when it ends."""

    def __init__(self, title: str, author: str, document_no: str):
        super().__init__()
        self._entries = (title, author, document_no)

    def format(self, document: Any) -> bytes:
        title, author, document_no = self._entries
        return PDFDictionary({"Title": PDFString(title), "Author": PDFString(author),
                              "Subject": PDFString(document_no), "Producer": PDFString(PRODUCER),
                              "Trapped": PDFName("False")}).format(document)


class _UnfilteredStream(PDFStream):
    """A stream written as it is, without even an empty /Filter (reportlab's streams always name their filters)."""

    def format(self, document: Any) -> bytes:
        dictionary = PDFDictionary(self.dictionary.dict.copy())
        content = document.encrypt.encode(self.content)
        dictionary["Length"] = len(content)
        return pdf_format(dictionary, document) + b"\nstream\n" + content + b"endstream\n"


def mark_pdfa(canvas: Any, title: str, author: str, document_no: str) -> None:
    """Call once per document, on a reportlab canvas before it is saved (a first page's callback will do)."""
    document = canvas._doc  # reportlab keeps the catalog and info there; no public setter covers these entries
    document.info = _PdfAInfo(title, author, document_no)
    xmp = _XMP.format(title=escape(title), author=escape(author), document_no=escape(document_no),
                      producer=PRODUCER).encode("utf-8")
    # The metadata stream stays unfiltered (PDF/A: a reader finds the packet without decoding anything).
    metadata = _UnfilteredStream(PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}), xmp + b"\n")
    profile = PDFStream(PDFDictionary({"N": 3}), _srgb_profile())
    intent = PDFDictionary({"Type": PDFName("OutputIntent"), "S": PDFName("GTS_PDFA1"),
                            "OutputConditionIdentifier": PDFString("sRGB IEC61966-2.1"),
                            "Info": PDFString("sRGB IEC61966-2.1"), "DestOutputProfile": document.Reference(profile)})
    catalog = document.Catalog
    catalog.Metadata = metadata
    catalog.OutputIntents = PDFArray([intent])
    # reportlab writes only the catalog entries its class names; this catalog also writes its output intents.
    catalog.__NoDefault__ = [*PDFCatalog.__NoDefault__, "OutputIntents"]
