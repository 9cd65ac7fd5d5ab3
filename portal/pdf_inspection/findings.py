"""What a check answers: the findings of a stored copy, or a refusal with its code."""

from dataclasses import dataclass

# Every code `removed` may hold, in the order the uploader is told about them.
REMOVED_CODES = (
    "open_action",  # an action run when the document opens
    "additional_actions",  # actions triggered by opening, closing, printing, hovering (/AA)
    "javascript",
    "launch",  # starting a program or opening a local file
    "submit_form",  # sending form data to an address
    "import_data",  # reading form data from a file
    "remote_goto",  # jumps into another file (GoToR, GoToE, GoToDp, Thread into a file)
    "link_scheme",  # a link to anything other than an http(s) address (javascript:, file:, data:, smb:, mailto:)
    "other_action",  # any other action (Hide, SetOCGState, ResetForm, Named other than page navigation, unknown)
    "embedded_file",
    "rich_media",  # RichMedia, 3D, Screen, Movie and Sound annotations, media actions, presentations
    "xfa",
)
REFUSAL_CODES = (
    "not_pdf",
    "encrypted",
    "damaged",
    "no_pages",
    "too_many_pages",
    "page_box",
    "bomb",
    "too_complex",
)


@dataclass(frozen=True)
class PdfFindings:
    """What a successful inspection found and did. `removed` holds each code once; `removed_counts` says how often."""

    page_count: int
    size: int
    sha256: str
    removed: tuple[str, ...]
    max_page_size: tuple[float, float]
    removed_counts: tuple[tuple[str, int], ...] = ()

    def as_dict(self):
        return {
            "page_count": self.page_count,
            "size": self.size,
            "sha256": self.sha256,
            "removed": list(self.removed),
            "max_page_size": list(self.max_page_size),
            "removed_counts": [list(pair) for pair in self.removed_counts],
        }

    @classmethod
    def from_dict(cls, data):
        return cls(
            page_count=int(data["page_count"]),
            size=int(data["size"]),
            sha256=str(data["sha256"]),
            removed=tuple(data["removed"]),
            max_page_size=(float(data["max_page_size"][0]), float(data["max_page_size"][1])),
            removed_counts=tuple((str(code), int(count)) for code, count in data.get("removed_counts", ())),
        )


class PdfRefused(Exception):
    """The file is not kept. `code` is one of REFUSAL_CODES, `params` its details; the caller words the message."""

    def __init__(self, code, params=None):
        super().__init__(code)
        self.code = code
        self.params = dict(params or {})
