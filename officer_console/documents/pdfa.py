"""PDF/A-2b post-processing (pikepdf) and an in-repo preflight.

ReportLab writes the page content with an embedded TrueType subset; it has no output intents
and no ``pdfaid`` XMP. :func:`make_pdfa` adds the sRGB output intent and the XMP (kept
consistent with the document information), raises the header to PDF 1.7, and fixes the dates
to the document's own date so that the same document always gives the same bytes.
:func:`preflight` checks what can be checked without veraPDF (which is Java): fonts embedded,
output intent, XMP identification, no encryption, no JavaScript or actions.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pikepdf
from pikepdf import Dictionary, Name

__all__ = ["PreflightReport", "make_pdfa", "preflight", "srgb_profile"]


@functools.cache
def srgb_profile() -> bytes:
    """The sRGB IEC61966-2.1 ICC profile (little-cms via Pillow; no file to ship)."""
    from PIL import ImageCms

    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def _signing_producer() -> str:
    from pyhanko.pdf_utils.metadata.model import VENDOR

    return str(VENDOR)


def _pdf_date(at: datetime) -> str:
    at = at.astimezone(UTC)
    return at.strftime("D:%Y%m%d%H%M%S") + "Z"


def make_pdfa(pdf: bytes, *, created: datetime | None = None, lang: str = "zh-CN") -> bytes:
    """Return ``pdf`` as PDF/A-2b: output intent, XMP ``pdfaid``, fixed dates, no JS."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        if doc.is_encrypted:
            raise ValueError("encrypted PDFs cannot be PDF/A")
        root = doc.Root
        for key in ("/OpenAction", "/AA", "/JavaScript"):
            if key in root:
                del root[key]
        icc = doc.make_stream(srgb_profile())
        icc.N = 3
        intent = Dictionary(
            Type=Name.OutputIntent,
            S=Name.GTS_PDFA1,
            OutputConditionIdentifier="sRGB IEC61966-2.1",
            Info="sRGB IEC61966-2.1",
            RegistryName="http://www.color.org",
            DestOutputProfile=icc,
        )
        root.OutputIntents = pikepdf.Array([doc.make_indirect(intent)])
        root.Lang = pikepdf.String(lang)
        when = created or datetime.now(UTC)
        info = doc.docinfo
        # pyHanko's signature update writes its own name as XMP pdf:Producer and appends it
        # to /Producer unless already there: start from its name so both stay equal (PDF/A
        # requires the document information and the XMP to agree).
        info.Producer = _signing_producer()
        if "/Trapped" in info:  # no XMP equivalent in pikepdf's mapping; not needed
            del info["/Trapped"]
        info.CreationDate = _pdf_date(when)
        info.ModDate = _pdf_date(when)
        with doc.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta.load_from_docinfo(info)
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
            meta["xmp:CreateDate"] = when.astimezone(UTC).isoformat()
            meta["xmp:ModifyDate"] = when.astimezone(UTC).isoformat()
            meta["xmp:MetadataDate"] = when.astimezone(UTC).isoformat()
        out = io.BytesIO()
        doc.save(
            out,
            min_version="1.7",
            deterministic_id=True,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
        )
    return out.getvalue()


@dataclass
class PreflightReport:
    problems: list[str] = field(default_factory=list)
    fonts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _key(obj: pikepdf.Object) -> object:
    return obj.objgen if obj.objgen != (0, 0) else id(obj)


def _walk_fonts(resources: pikepdf.Object, seen: set[object], report: PreflightReport) -> None:
    fonts = resources.get("/Font")
    if isinstance(fonts, Dictionary):
        for _name, font in fonts.items():
            key = _key(font)
            if key in seen:
                continue
            seen.add(key)
            base = str(font.get("/BaseFont", "?"))
            report.fonts.append(base)
            descendants = font.get("/DescendantFonts")
            target = descendants[0] if descendants is not None else font
            if str(target.get("/Subtype")) == "/Type3":
                continue
            descriptor = target.get("/FontDescriptor")
            if descriptor is None or not any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            ):
                report.problems.append(f"字体未嵌入：{base}")
    xobjects = resources.get("/XObject")
    if isinstance(xobjects, Dictionary):
        for _name, xobj in xobjects.items():
            key = _key(xobj)
            if key in seen:
                continue
            seen.add(key)
            inner = xobj.get("/Resources")
            if inner is not None:
                _walk_fonts(inner, seen, report)


def preflight(pdf: bytes) -> PreflightReport:
    """Check the PDF/A-relevant properties this project guarantees (signed or not)."""
    report = PreflightReport()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        if doc.is_encrypted:
            report.problems.append("文件已加密")
        root = doc.Root
        intents = root.get("/OutputIntents")
        if not intents or not any(str(i.get("/S")) == "/GTS_PDFA1" for i in intents):
            report.problems.append("缺少PDF/A输出意图（sRGB）")
        meta = doc.open_metadata()
        if meta.get("pdfaid:part") != "2" or meta.get("pdfaid:conformance") != "B":
            report.problems.append("XMP元数据缺少pdfaid（PDF/A-2b）标识")
        producer = str(doc.docinfo.get("/Producer", ""))
        if producer != (meta.get("pdf:Producer") or ""):
            report.problems.append("文档信息与XMP元数据的Producer不一致")
        names = root.get("/Names")
        if "/OpenAction" in root or "/AA" in root or (names is not None and "/JavaScript" in names):
            report.problems.append("含有JavaScript或自动动作")
        seen: set[object] = set()
        for page in doc.pages:
            _walk_fonts(page.obj.get("/Resources", Dictionary()), seen, report)
            for annot in page.obj.get("/Annots", pikepdf.Array()):
                if "/A" in annot or "/AA" in annot:
                    report.problems.append("注释含有动作")
                ap = annot.get("/AP")
                if ap is not None and "/N" in ap:
                    normal = ap.N
                    if "/Resources" in normal:
                        _walk_fonts(normal.Resources, seen, report)
                rect = annot.get("/Rect")
                visible = rect is not None and abs(float(rect[2]) - float(rect[0])) > 0
                if visible and not int(annot.get("/F", 0)) & 4:
                    report.problems.append("可见注释未设置打印标志")
    return report
