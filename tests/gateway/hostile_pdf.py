"""Hostile but well-formed PDFs for the verify storm: many signature fields, each its own
object (the shape that took the old gateway to 339 MiB and 4–7 s per upload)."""

from __future__ import annotations


def many_fields_pdf(fields: int, *, size: int = 0, nested: bool = False) -> bytes:
    """A PDF whose AcroForm holds ``fields`` signature fields (each an object), padded with
    a comment to at least ``size`` bytes. ``nested``: the fields hang below one parent's
    ``/Kids`` (a tree the form walk must follow)."""
    objects: list[bytes] = [
        b"<</Type/Catalog/Pages 2 0 R/AcroForm 4 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>",
    ]
    first = 6 if nested else 5
    refs = b" ".join(b"%d 0 R" % (first + i) for i in range(fields))
    if nested:
        objects.append(b"<</Fields[5 0 R]>>")
        objects.append(b"<</T(parent)/Kids[" + refs + b"]>>")
    else:
        objects.append(b"<</Fields[" + refs + b"]>>")
    for i in range(fields):
        parent = b"/Parent 5 0 R" if nested else b""
        objects.append(b"<</FT/Sig/T(s%d)%s>>" % (i, parent))
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    tail = 20 * (len(objects) + 1) + 200  # the xref table and trailer that follow
    if len(out) + tail < size:
        pad = size - len(out) - tail
        out += b"%" + b"x" * max(pad, 0) + b"\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
