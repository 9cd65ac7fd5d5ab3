"""Removes active and hidden content: actions other than in-document jumps, page navigation and http(s) links,
additional actions, scripts, embedded files, rich media and XFA, wherever the object graph holds them."""

from collections import Counter

import pikepdf

from portal.pdf_inspection.objects import is_valid_key, name_of

MAX_ACTION_CHAIN = 100

_ACTION_CODES = {
    "/JavaScript": "javascript",
    "/Launch": "launch",
    "/SubmitForm": "submit_form",
    "/ImportData": "import_data",
    "/GoToR": "remote_goto",
    "/GoToE": "remote_goto",
    "/GoToDp": "remote_goto",
    "/Rendition": "rich_media",
    "/Sound": "rich_media",
    "/Movie": "rich_media",
    "/GoTo3DView": "rich_media",
    "/RichMediaExecute": "rich_media",
}
_KNOWN_ACTION_TYPES = {
    *_ACTION_CODES,
    "/GoTo",
    "/Named",
    "/URI",
    "/Thread",
    "/Hide",
    "/SetOCGState",
    "/ResetForm",
    "/Trans",
}
_SAFE_NAMED_ACTIONS = {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"}
_WEB_SCHEMES = {"http", "https"}
_REMOVED_ANNOTATIONS = {
    "/FileAttachment": "embedded_file",
    "/RichMedia": "rich_media",
    "/3D": "rich_media",
    "/Screen": "rich_media",
    "/Movie": "rich_media",
    "/Sound": "rich_media",
}
_ANNOTATION_PAYLOAD_KEYS = (
    "/FS",
    "/RichMediaContent",
    "/RichMediaSettings",
    "/3DD",
    "/3DV",
    "/Movie",
    "/Sound",
    "/A",
    "/AA",
)
_REMOVED_ENTRIES = (
    ("/JavaScript", "javascript"),  # the document's script name tree
    ("/EmbeddedFiles", "embedded_file"),
    ("/Collection", "embedded_file"),  # a portfolio
    ("/AlternatePresentations", "rich_media"),
    ("/Renditions", "rich_media"),
    ("/XFA", "xfa"),
)


def _is_web_url(value):
    if not isinstance(value, pikepdf.String | str | bytes):
        return False
    raw = bytes(value) if isinstance(value, pikepdf.String) else value
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    # Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
    compact = "".join(ch for ch in text if ord(ch) > 32 and ord(ch) != 127)
    scheme, colon, rest = compact.partition(":")
    return bool(colon) and scheme.lower() in _WEB_SCHEMES and rest.startswith("//") and len(rest) > 2


def _is_action(value):
    return isinstance(value, pikepdf.Dictionary) and isinstance(value.get("/S"), pikepdf.Name)


def _action_code(action):
    """None for an action the portal keeps, else the code under which it is removed."""
    kind = name_of(action.get("/S"))
    if kind == "/GoTo":
        return None
    if kind == "/Named":
        return None if name_of(action.get("/N")) in _SAFE_NAMED_ACTIONS else "other_action"
    if kind == "/URI":
        return None if _is_web_url(action.get("/URI")) else "link_scheme"
    if kind == "/Thread":
        return "remote_goto" if "/F" in action else None
    return _ACTION_CODES.get(kind, "other_action")


def _chain(action):
    """The action and the actions of its /Next chain, each once."""
    found, seen, pending = [], set(), [action]
    while pending and len(found) < MAX_ACTION_CHAIN:
        current = pending.pop(0)
        if not _is_action(current):
            continue
        if current.is_indirect:
            # Only indirect actions can form a loop; direct ones are met once.
            if current.objgen in seen:
                continue
            seen.add(current.objgen)
        found.append(current)
        following = current.get("/Next")
        if isinstance(following, pikepdf.Array):
            pending.extend(following)
        elif following is not None:
            pending.append(following)
    return found


class _Cleaner:
    def __init__(self, pdf):
        self.pdf = pdf
        self.removed = Counter()
        self.neutralised = set()

    def run(self):
        self._clean_catalog(self.pdf.Root)
        # From the trailer, not the catalog: qpdf writes whatever the trailer reaches (/Info, unknown keys too).
        self._walk(self.pdf.trailer)
        return self.removed

    def _note(self, code, count=1):
        self.removed[code] += count

    def _codes_of(self, action):
        chain = _chain(action)
        codes = [code for code in map(_action_code, chain) if code]
        # A chain too long to follow is cut like one with a removed action in it.
        return codes if len(chain) < MAX_ACTION_CHAIN else [*codes, "other_action"]

    def _clean_catalog(self, root):
        opening = root.get("/OpenAction")
        if _is_action(opening):
            codes = self._codes_of(opening)
            if name_of(opening.get("/S")) != "/GoTo" or codes:
                del root["/OpenAction"]
                self._note("open_action")
                for code in codes:
                    self._note(code)
        elif opening is not None and not isinstance(opening, pikepdf.Array):
            del root["/OpenAction"]
        if "/NeedsRendering" in root:
            del root["/NeedsRendering"]

    def _walk(self, start):
        seen, pending = set(), [start]
        while pending:
            current = pending.pop()
            if current.is_indirect:
                if current.objgen in seen:
                    continue
                seen.add(current.objgen)
            if isinstance(current, pikepdf.Dictionary | pikepdf.Stream):
                self._clean_dictionary(current)
                # values(), not get(key): a key that is not valid UTF-8 comes back as a str pikepdf cannot look up.
                children = list(current.values())
            elif isinstance(current, pikepdf.Array):
                children = list(current)
            else:
                continue
            pending.extend(
                child for child in children if isinstance(child, pikepdf.Dictionary | pikepdf.Array | pikepdf.Stream)
            )

    def _clean_dictionary(self, node):
        if "/AA" in node:
            triggers = node.get("/AA")
            if isinstance(triggers, pikepdf.Dictionary):
                for trigger in triggers.values():
                    if _is_action(trigger):
                        for code in self._codes_of(trigger):
                            self._note(code)
            del node["/AA"]
            self._note("additional_actions")
        for key in ("/A", "/PA"):
            action = node.get(key)
            if _is_action(action):
                codes = self._codes_of(action)
                if _action_code(action):
                    del node[key]
                elif codes:
                    del action["/Next"]
                for code in codes:
                    self._note(code)
        is_action = name_of(node.get("/S")) in _KNOWN_ACTION_TYPES and name_of(node.get("/Type")) in {"", "/Action"}
        if is_action and _action_code(node):
            # An action reached from an unusual place keeps its type but loses what it would do.
            self._neutralise(node, _action_code(node), keep=("/Type", "/S"))
        if "/JS" in node:
            # Script outside a recognisable action is removed all the same.
            del node["/JS"]
            self._note("javascript")
        subtype = name_of(node.get("/Subtype"))
        if subtype in _REMOVED_ANNOTATIONS and ("/Rect" in node or name_of(node.get("/Type")) == "/Annot"):
            self._neutralise(node, _REMOVED_ANNOTATIONS[subtype], only=_ANNOTATION_PAYLOAD_KEYS)
        annotations = node.get("/Annots")
        if isinstance(annotations, pikepdf.Array):
            kept = []
            for annotation in annotations:
                subtype = name_of(annotation.get("/Subtype")) if isinstance(annotation, pikepdf.Dictionary) else ""
                if subtype in _REMOVED_ANNOTATIONS:
                    self._neutralise(annotation, _REMOVED_ANNOTATIONS[subtype], only=_ANNOTATION_PAYLOAD_KEYS)
                else:
                    kept.append(annotation)
            if len(kept) != len(annotations):
                node["/Annots"] = pikepdf.Array(kept)
        if "/EF" in node or "/RF" in node:
            for key in ("/EF", "/RF"):
                if key in node:
                    del node[key]
            self._note("embedded_file")
        # Name trees and entries that only ever hold scripts, files, media or XFA go wherever they are.
        for key, code in _REMOVED_ENTRIES:
            if key in node:
                del node[key]
                self._note(code)
        if isinstance(node, pikepdf.Stream) and name_of(node.get("/Type")) == "/EmbeddedFile":
            node.write(b"")
            self._note("embedded_file")

    def _neutralise(self, node, code, *, keep=(), only=None):
        # A direct object has one parent and is met once; an indirect one may be met from several places.
        if node.is_indirect:
            if node.objgen in self.neutralised:
                return
            self.neutralised.add(node.objgen)
        for name in list(node.keys()):
            if not is_valid_key(name):
                continue  # not a name any reader acts on
            if (only is not None and name in only) or (only is None and name not in keep):
                del node[name]
        self._note(code)


def remove_active_content(pdf):
    """Removes everything active or hidden from `pdf` in place; returns a Counter of the removed codes."""
    return _Cleaner(pdf).run()
