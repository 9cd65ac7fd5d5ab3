"""A PDF/UA-1 checker for the tests: reads a PDF with pikepdf and returns the violations it finds.

veraPDF (the reference validator, a Java program) has no Debian or PyPI package here, so the dossier tests use
this checker. It covers the machine-checkable clauses that a dossier can break; each violation names its clause
(ISO 14289-1 = PDF/UA-1, ISO 32000-1 = PDF 1.7):

- ISO 32000-1, 7.5.2: the file header says %PDF-1.7, the catalogue's /Version (if any) too; XMP
  pdf:PDFVersion, where stated, is 1.7.
- ISO 14289-1, 5: the XMP metadata identifies the file as PDF/UA-1 (pdfuaid:part = 1).
- ISO 14289-1, 7.1: the catalogue's /MarkInfo has /Marked true; there is a /StructTreeRoot with a /ParentTree.
- ISO 14289-1, 7.1 (and ISO 32000-1, 14.8.2.2): every painting operator of every page content stream (text,
  paths, images, XObjects, shadings) lies inside marked content that is either an /Artifact or tagged, i.e. has
  an MCID that the parent tree maps to a structure element reachable from the structure tree root; no tagged
  content inside an artifact and no artifact inside tagged content; every structure element type is a standard
  one or role-mapped to one.
- ISO 14289-1, 7.1: the document has a title (Info /Title or XMP dc:title) and /ViewerPreferences
  /DisplayDocTitle true.
- ISO 14289-1, 7.2: the catalogue has a non-empty /Lang.
- ISO 14289-1, 7.3: every /Figure structure element has a non-empty /Alt (or /ActualText).
- ISO 14289-1, 7.4.2: numbered headings start at H1 and never skip a level downwards (H1 then H3).
- ISO 14289-1, 7.5: table rows (/TR) sit in a /Table, /THead, /TBody or /TFoot; cells (/TH, /TD) in a /TR.
- ISO 14289-1, 7.8: running heads and feet are artifacts (covered by the 7.1 content rule: they must not be
  tagged content outside the tree).
- ISO 14289-1, 7.17 (navigation): a document with headings has an outline (bookmarks).
- ISO 14289-1, 7.18.1 and 7.18.3: every annotation except /Popup is tagged (its /StructParent leads to a
  structure element that refers to it), and a page with annotations has /Tabs /S; 7.18.5: links have /Contents
  or their structure element an /Alt.
- ISO 14289-1, 7.21.4.1: every font used on a page, in the page's own resources or in a form XObject it
  paints, embeds its font program (Type 3 fonts excepted).

Not covered (needs a human or veraPDF): whether the reading order, the alternative texts and the heading texts are
meaningful, colour contrast, and font encoding details (7.21.3-7.21.8).
"""

import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Name

STANDARD_TYPES = {
    "Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI", "Index", "NonStruct",
    "Private", "P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "L", "LI", "Lbl", "LBody", "Table", "TR", "TH", "TD",
    "THead", "TBody", "TFoot", "Span", "Quote", "Note", "Reference", "BibEntry", "Code", "Link", "Annot", "Ruby",
    "RB", "RT", "RP", "Warichu", "WT", "WP", "Figure", "Formula", "Form",
}  # fmt: skip
PAINTING = {"Tj", "TJ", "'", '"', "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "Do", "sh", "BI", "INLINE IMAGE"}


@dataclass(frozen=True)
class Violation:
    clause: str
    message: str
    page: int | None = None

    def __str__(self):
        where = f" (page {self.page})" if self.page is not None else ""
        return f"{self.clause}: {self.message}{where}"


def check(source):
    """The violations found in `source` (a path, bytes or an open pikepdf.Pdf); an empty list means it passes."""
    if isinstance(source, bytes | bytearray):
        header = bytes(source[:8])
        pdf = pikepdf.open(io.BytesIO(source))
    elif isinstance(source, pikepdf.Pdf):
        header, pdf = None, source
    else:
        with Path(source).open("rb") as handle:
            header = handle.read(8)
        pdf = pikepdf.open(source)
    violations = []
    violations += _version(pdf, header)
    violations += _identification_and_title(pdf)
    violations += _catalogue(pdf)
    tree = _structure_tree(pdf, violations)
    if tree is not None:
        reachable, elements = tree
        violations += _elements(pdf, elements)
        violations += _content(pdf, reachable)
        violations += _annotations(pdf, reachable)
    violations += _fonts(pdf)
    return violations


def _version(pdf, header):
    found = []
    if header is not None and not header.startswith(b"%PDF-1.7"):
        found.append(Violation("ISO 32000-1 7.5.2", f"header is {header!r}, not %PDF-1.7"))
    version = pdf.Root.get(Name.Version)
    if version is not None and str(version).lstrip("/") != "1.7":
        found.append(Violation("ISO 32000-1 7.5.2", f"catalogue /Version is {version}"))
    stated = pdf.open_metadata().get("pdf:PDFVersion")
    if stated is not None and stated != "1.7":
        found.append(Violation("ISO 32000-1 7.5.2", f"XMP pdf:PDFVersion is {stated}"))
    return found


def _identification_and_title(pdf):
    found = []
    metadata = pdf.open_metadata()
    if str(metadata.get("pdfuaid:part", "")) != "1":
        found.append(Violation("ISO 14289-1 5", "XMP metadata lacks pdfuaid:part = 1"))
    info_title = str(pdf.docinfo.get(Name.Title, "")) if pdf.trailer.get(Name.Info) is not None else ""
    if not (info_title.strip() or str(metadata.get("dc:title", "")).strip()):
        found.append(Violation("ISO 14289-1 7.1", "the document has no title"))
    preferences = pdf.Root.get(Name.ViewerPreferences)
    if preferences is None or not bool(preferences.get(Name.DisplayDocTitle, False)):
        found.append(Violation("ISO 14289-1 7.1", "/ViewerPreferences /DisplayDocTitle is not true"))
    return found


def _catalogue(pdf):
    found = []
    mark_info = pdf.Root.get(Name.MarkInfo)
    if mark_info is None or not bool(mark_info.get(Name.Marked, False)):
        found.append(Violation("ISO 14289-1 7.1", "/MarkInfo /Marked is not true"))
    if not str(pdf.Root.get(Name.Lang, "")).strip():
        found.append(Violation("ISO 14289-1 7.2", "the catalogue has no /Lang"))
    return found


def _kids(element):
    kids = element.get(Name.K)
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _structure_tree(pdf, violations):
    """(objgens of the reachable structure elements, the elements in document order), or None without a tree."""
    root = pdf.Root.get(Name.StructTreeRoot)
    if root is None:
        violations.append(Violation("ISO 14289-1 7.1", "there is no /StructTreeRoot"))
        return None
    if root.get(Name.ParentTree) is None:
        violations.append(Violation("ISO 14289-1 7.1", "the structure tree has no /ParentTree"))
    reachable, elements, pending = set(), [], list(reversed(_kids(root)))
    while pending:
        element = pending.pop()
        if not isinstance(element, pikepdf.Dictionary) or Name.S not in element:
            continue
        if element.objgen in reachable:
            continue
        reachable.add(element.objgen)
        elements.append(element)
        pending.extend(reversed(_kids(element)))
    return reachable, elements


def _standard_type(pdf, element):
    kind = str(element.S).lstrip("/")
    role_map = pdf.Root.StructTreeRoot.get(Name.RoleMap) or {}
    seen = set()
    while kind not in STANDARD_TYPES and kind not in seen:
        seen.add(kind)
        mapped = role_map.get(Name("/" + kind))
        if mapped is None:
            return None
        kind = str(mapped).lstrip("/")
    return kind if kind in STANDARD_TYPES else None


def _elements(pdf, elements):
    found, previous_level, headings = [], None, False
    for element in elements:
        kind = _standard_type(pdf, element)
        if kind is None:
            found.append(Violation("ISO 14289-1 7.1", f"structure type {element.S} is neither standard nor mapped"))
            continue
        if kind == "Figure":
            alt = str(element.get(Name.Alt, "") or element.get(Name.ActualText, ""))
            if not alt.strip():
                found.append(Violation("ISO 14289-1 7.3", "a /Figure has no /Alt"))
        if kind in ("H1", "H2", "H3", "H4", "H5", "H6"):
            headings = True
            level = int(kind[1])
            if previous_level is None and level != 1:
                found.append(Violation("ISO 14289-1 7.4.2", f"the first heading is {kind}, not H1"))
            elif previous_level is not None and level > previous_level + 1:
                found.append(Violation("ISO 14289-1 7.4.2", f"H{previous_level} is followed by {kind}"))
            previous_level = level
        parent = element.get(Name.P)
        parent_kind = _standard_type(pdf, parent) if isinstance(parent, pikepdf.Dictionary) and Name.S in parent else ""
        if kind == "TR" and parent_kind not in ("Table", "THead", "TBody", "TFoot"):
            found.append(Violation("ISO 14289-1 7.5", f"a /TR sits in {parent_kind or 'no table'}"))
        if kind in ("TH", "TD") and parent_kind != "TR":
            found.append(Violation("ISO 14289-1 7.5", f"a /{kind} sits in {parent_kind or 'no row'}"))
    if headings and Name.Outlines not in pdf.Root:
        found.append(Violation("ISO 14289-1 7.17", "the document has headings but no outline"))
    elif headings and pdf.Root.Outlines.get(Name.First) is None:
        found.append(Violation("ISO 14289-1 7.17", "the document has headings but its outline is empty"))
    return found


def _parent_tree(pdf):
    """The parent tree as {key: value}, with number-tree /Kids followed."""
    entries, pending = {}, [pdf.Root.StructTreeRoot.get(Name.ParentTree)]
    while pending:
        node = pending.pop()
        if node is None:
            continue
        numbers = node.get(Name.Nums)
        if numbers is not None:
            for index in range(0, len(numbers), 2):
                entries[int(numbers[index])] = numbers[index + 1]
        pending.extend(node.get(Name.Kids) or [])
    return entries


def _content(pdf, reachable):
    found = []
    parents = _parent_tree(pdf)
    for number, page in enumerate(pdf.pages, start=1):
        key = page.obj.get(Name.StructParents)
        mapping = parents.get(int(key)) if key is not None else None
        stack = []  # per open sequence: "artifact", "tagged" or "other"
        for operands, operator in pikepdf.parse_content_stream(page):
            name = str(operator)
            if name in ("BMC", "BDC"):
                tag = str(operands[0]).lstrip("/")
                properties = operands[1] if name == "BDC" and len(operands) > 1 else None
                mcid = None
                if isinstance(properties, pikepdf.Dictionary) and Name.MCID in properties:
                    mcid = int(properties.MCID)
                if tag == "Artifact":
                    if "tagged" in stack:
                        found.append(Violation("ISO 14289-1 7.1", "an artifact inside tagged content", number))
                    stack.append("artifact")
                elif mcid is not None:
                    if "artifact" in stack:
                        found.append(Violation("ISO 14289-1 7.1", "tagged content inside an artifact", number))
                    element = None
                    if isinstance(mapping, pikepdf.Array) and mcid < len(mapping):
                        element = mapping[mcid]
                    if not isinstance(element, pikepdf.Dictionary) or element.objgen not in reachable:
                        found.append(
                            Violation("ISO 14289-1 7.1", f"MCID {mcid} belongs to no element of the tree", number)
                        )
                    stack.append("tagged")
                else:
                    stack.append("other")
            elif name == "EMC":
                if stack:
                    stack.pop()
            elif name in PAINTING and "artifact" not in stack and "tagged" not in stack:
                found.append(
                    Violation(
                        "ISO 14289-1 7.1", f"'{name}' paints content that is neither tagged nor an artifact", number
                    )
                )
    return found


def _annotations(pdf, reachable):
    found = []
    parents = _parent_tree(pdf)
    for number, page in enumerate(pdf.pages, start=1):
        annotations = [a for a in page.obj.get(Name.Annots) or [] if a.get(Name.Subtype) != Name.Popup]
        if annotations and page.obj.get(Name.Tabs) != Name.S:
            found.append(Violation("ISO 14289-1 7.18.3", "a page with annotations lacks /Tabs /S", number))
        for annotation in annotations:
            key = annotation.get(Name.StructParent)
            element = parents.get(int(key)) if key is not None else None
            if not isinstance(element, pikepdf.Dictionary) or element.objgen not in reachable:
                found.append(
                    Violation("ISO 14289-1 7.18.1", f"an annotation {annotation.Subtype} is not tagged", number)
                )
                continue
            refers = any(
                isinstance(kid, pikepdf.Dictionary)
                and kid.get(Name.Obj) is not None
                and kid.Obj.objgen == annotation.objgen
                for kid in _kids(element)
            )
            if not refers:
                found.append(Violation("ISO 14289-1 7.18.1", "an annotation's element does not refer to it", number))
            if annotation.get(Name.Subtype) == Name.Link and not (
                str(annotation.get(Name.Contents, "")).strip() or str(element.get(Name.Alt, "")).strip()
            ):
                found.append(Violation("ISO 14289-1 7.18.5", "a link has neither /Contents nor /Alt", number))
    return found


def _fonts_of(resources, seen):
    if resources is None:
        return
    yield from (resources.get(Name.Font) or {}).values()
    for xobject in (resources.get(Name.XObject) or {}).values():
        if isinstance(xobject, pikepdf.Stream) and xobject.get(Name.Subtype) == Name.Form:
            if xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
            yield from _fonts_of(xobject.get(Name.Resources), seen)


def _embeds_program(font):
    if font.get(Name.Subtype) == Name.Type3:
        return True
    if font.get(Name.Subtype) == Name.Type0:
        font = font.DescendantFonts[0]
    descriptor = font.get(Name.FontDescriptor)
    return descriptor is not None and any(key in descriptor for key in (Name.FontFile, Name.FontFile2, Name.FontFile3))


def _fonts(pdf):
    found, reported = [], set()
    for number, page in enumerate(pdf.pages, start=1):
        for font in _fonts_of(page.obj.get(Name.Resources), set()):
            if font.objgen in reported or _embeds_program(font):
                continue
            reported.add(font.objgen)
            found.append(Violation("ISO 14289-1 7.21.4.1", f"font {font.get(Name.BaseFont)} is not embedded", number))
    return found
