"""The search language: words, "exact phrases", -exclusions and key:value filters, parsed in pure Python.

    Wasserstoff Hochschule            both words (each prefix-matched after stemming)
    "grüner Wasserstoff"              the exact phrase
    -Bayern  -"grauer Wasserstoff"    neither this word nor this phrase
    feld:massnahmen  land:"Sachsen-Anhalt"  -status:entwurf   registered filters (German keys, English aliases)
    score>60  score<=40  score=75     comparisons, for filters that compare numbers

Several filters with the same key widen each other (land:BY land:SN: either state); different keys narrow.
Comparisons always narrow (score>40 score<60: between the two). Exclusions always narrow.

`parse` raises `QueryError` with a German message that says what is wrong and how to fix it; nothing else
escapes it. Words are reduced to their letter and digit tokens, so quotes, SQL fragments and tsquery or FTS5
operators in a query are punctuation and never reach a database as syntax.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from portal.search import registry, text

MAX_LENGTH = 500
MAX_TERMS = 20
COMPARISONS = (">=", "<=", ">", "<", "=")
# Shown at most this long when a message quotes part of the query.
_QUOTE_LENGTH = 40

# A filter: a key (letters, then letters, digits, "_" or "-") right before ":" or a comparison operator.
_FILTER = re.compile(r"([^\W\d_][\w-]*)(:|>=|<=|>|<|=)", re.UNICODE)
_NUMBER = re.compile(r"\d{1,3}(?:[.,]\d+)?")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def _interpolate(message, values):
    return str(message) % values


_lazy_interpolate = lazy(_interpolate, str)


class QueryError(Exception):
    """A query the search cannot run; `message` is German (lazy, so it follows the active language)."""

    def __init__(self, message, **values):
        self.message = _lazy_interpolate(message, values) if values else message
        super().__init__(self.message)

    def __str__(self):
        return str(self.message)


class Filter(NamedTuple):
    key: str  # the canonical key of the registry, e.g. "buendnis"
    op: str  # ":" or a comparison operator
    value: str  # as typed (stripped); comparisons: the number with "." as decimal separator, e.g. "60.5"
    negated: bool


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[str, ...] = ()  # words, each a letter/digit token as typed
    phrases: tuple[str, ...] = ()  # each phrase: its tokens joined by one space
    excluded_terms: tuple[str, ...] = ()
    excluded_phrases: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = field(default=())

    def __str__(self):
        """The query in its canonical spelling, e.g. for a link to the same search."""
        parts = [*self.terms, *(f'"{p}"' for p in self.phrases)]
        parts += [f"-{t}" for t in self.excluded_terms] + [f'-"{p}"' for p in self.excluded_phrases]
        for f in self.filters:
            value = f'"{f.value}"' if re.search(r'[\s"]', f.value) else f.value
            parts.append(f"{'-' if f.negated else ''}{f.key}{f.op}{value}")
        return " ".join(parts)


def fold(value):
    """Case- and umlaut-insensitive form of a key or filter value: "Bündnis", "buendnis" and "bundnis" agree,
    as do "Maßnahmen" and "massnahmen". Filter providers compare values folded with this function."""
    value = unicodedata.normalize("NFKC", str(value)).casefold().replace("ß", "ss")
    value = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
    return re.sub(r"([aou])e", r"\1", value)


def tokens(value):
    """The letter/digit tokens of `value` (the search's words, without "_" and other connectors)."""
    return [token for word in text.words(value) for token in _TOKEN.findall(word)]


def _quote(value):
    value = value.strip()
    return value if len(value) <= _QUOTE_LENGTH else value[: _QUOTE_LENGTH - 1] + "…"


def _clean(value):
    """NFKC; control characters (NUL, line breaks, ...) become spaces; invisible format characters (zero-width
    space, direction marks) and unpaired surrogates go."""
    value = unicodedata.normalize("NFKC", value.replace("\x00", " "))
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if category == "Cc":
            kept.append(" ")
        elif category not in ("Cf", "Cs", "Co", "Cn"):
            kept.append(char)
    return "".join(kept)


def _filter_keys():
    """{folded key or alias: canonical key}, and {canonical key: [providers]}."""
    providers = dict(registry.canonical_filters())
    names = {}
    for name, found in registry.filters().items():
        if found:
            names.setdefault(fold(name), found[0].key)
    for key in providers:
        names[fold(key)] = key
    return names, providers


def known_keys():
    """The canonical filter keys, sorted: for messages and the help panel."""
    return sorted(_filter_keys()[1])


class _Scanner:
    def __init__(self, query):
        self.text = query
        self.at = 0

    def done(self):
        return self.at >= len(self.text)

    def skip_spaces(self):
        while not self.done() and self.text[self.at].isspace():
            self.at += 1

    def quoted(self):
        """At an opening quote: the text up to the closing one (which is consumed)."""
        start = self.at
        end = self.text.find('"', start + 1)
        if end < 0:
            raise QueryError(
                _(
                    "Das Anführungszeichen vor „%(rest)s“ wird nicht geschlossen. Setzen Sie ein zweites "
                    "Anführungszeichen an das Ende der Phrase oder entfernen Sie das erste."
                ),
                rest=_quote(self.text[start + 1 :]) or '"',
            )
        self.at = end + 1
        return self.text[start + 1 : end]

    def bare(self):
        """A word up to the next space or quote."""
        start = self.at
        while not self.done() and not self.text[self.at].isspace() and self.text[self.at] != '"':
            self.at += 1
        return self.text[start : self.at]


def _lone_minus():
    return QueryError(
        _(
            "Ein einzelnes „-“ schließt nichts aus. Schreiben Sie es ohne Leerzeichen direkt vor das Wort, die "
            "Phrase oder den Filter, der wegfallen soll, z. B. Wasserstoff -Bayern."
        )
    )


def parse(query):
    """Parses `query` into a ParsedQuery; raises QueryError (German message) for anything the search cannot run."""
    query = "" if query is None else str(query)
    if len(query) > MAX_LENGTH:
        raise QueryError(
            _("Die Suche ist zu lang: höchstens %(limit)s Zeichen, eingegeben sind %(length)s. Kürzen Sie sie."),
            limit=MAX_LENGTH,
            length=len(query),
        )
    cleaned = _clean(query)
    if cleaned.strip() and not cleaned.replace("-", "").strip():
        raise _lone_minus()
    if cleaned.strip() and not any(char.isalnum() for char in cleaned):
        raise QueryError(
            _(
                "Die Suche „%(query)s“ besteht nur aus Satz- und Sonderzeichen. Geben Sie mindestens ein Wort "
                "ein, z. B. Wasserstoff; Zeichen wie * ? & | werden nicht gebraucht."
            ),
            query=_quote(cleaned),
        )
    scanner = _Scanner(cleaned)
    names, providers = _filter_keys()
    terms, phrases, excluded_terms, excluded_phrases, filters = [], [], [], [], []
    while True:
        scanner.skip_spaces()
        if scanner.done():
            break
        negated = scanner.text[scanner.at] == "-"
        if negated:
            scanner.at += 1
            if scanner.done() or scanner.text[scanner.at].isspace():
                raise _lone_minus()
            if scanner.text[scanner.at] == "-":
                raise QueryError(
                    _("„-%(token)s“: Ein Wort wird mit einem einzelnen „-“ ausgeschlossen, z. B. -Bayern."),
                    token=_quote(scanner.bare()),
                )
        start = scanner.at
        if scanner.text[scanner.at] == '"':
            words = tokens(scanner.quoted())
            if not words:
                raise QueryError(
                    _(
                        "Die Phrase „%(phrase)s“ enthält kein Wort: eine Phrase braucht Buchstaben oder Ziffern "
                        "zwischen den Anführungszeichen."
                    ),
                    phrase=_quote(scanner.text[start : scanner.at]),
                )
            (excluded_phrases if negated else phrases).append(" ".join(words))
            continue
        match = _FILTER.match(scanner.text, scanner.at)
        if match:
            scanner.at = match.end()
            filters.append(_filter(scanner, match, negated, names, providers))
            continue
        raw = scanner.bare()
        words = tokens(raw)
        if not words:
            raise QueryError(
                _(
                    "„%(token)s“ ist kein Suchwort: es enthält keinen Buchstaben und keine Ziffer. Lassen Sie es "
                    "weg; Satzzeichen und Sonderzeichen werden nicht gesucht."
                ),
                token=_quote(("-" if negated else "") + raw),
            )
        target = excluded_terms if negated else terms
        target.extend(word for word in words if word not in target)
    count = len(terms) + len(phrases) + len(excluded_terms) + len(excluded_phrases) + len(filters)
    if count > MAX_TERMS:
        raise QueryError(
            _(
                "Die Suche hat %(count)s Begriffe, erlaubt sind höchstens %(limit)s. Lassen Sie Wörter weg oder "
                "fassen Sie zusammengehörige Wörter in Anführungszeichen zu einer Phrase zusammen."
            ),
            count=count,
            limit=MAX_TERMS,
        )
    if not terms and not phrases:
        if not (excluded_terms or excluded_phrases or filters):
            raise QueryError(_("Bitte geben Sie einen Suchbegriff ein, z. B. Wasserstoff oder „Fachkräfte sichern“."))
        raise QueryError(
            _(
                "Die Suche braucht mindestens ein Wort oder eine Phrase, die vorkommen soll: Ausschlüsse (-Wort) "
                "und Filter (z. B. land:BY) grenzen nur ein. Ergänzen Sie ein Suchwort, z. B. Wasserstoff -Bayern."
            )
        )
    return ParsedQuery(
        terms=tuple(terms),
        phrases=tuple(dict.fromkeys(phrases)),
        excluded_terms=tuple(excluded_terms),
        excluded_phrases=tuple(dict.fromkeys(excluded_phrases)),
        filters=tuple(dict.fromkeys(filters)),
    )


def _filter(scanner, match, negated, names, providers):
    typed_key, op = match.group(1), match.group(2)
    key = names.get(fold(typed_key))
    if key is None:
        raise QueryError(
            _(
                "Den Filter „%(key)s“ gibt es nicht. Bekannte Filter: %(known)s. Wenn Sie den Text mit dem "
                "Doppelpunkt suchen, setzen Sie ihn in Anführungszeichen."
            ),
            key=_quote(typed_key + op),
            known=", ".join(f"{k}:" for k in sorted(providers)) or "–",
        )
    comparison = any(p.comparison for p in providers[key])
    if op == ":" and comparison:
        # score:60 means score=60; score:>60 is score>60.
        op = next((o for o in COMPARISONS if scanner.text.startswith(o, scanner.at)), "=")
        scanner.at += len(op) if scanner.text.startswith(op, scanner.at) else 0
    if op != ":" and not comparison:
        raise QueryError(
            _(
                "„%(key)s%(op)s“: Vergleiche mit %(op)s gibt es nur für Zahlen (%(comparable)s). Schreiben Sie "
                "%(key)s:Wert."
            ),
            key=typed_key,
            op=op,
            comparable=", ".join(k for k in sorted(providers) if any(p.comparison for p in providers[k])) or "–",
        )
    if scanner.done() or scanner.text[scanner.at].isspace():
        value = ""
    elif scanner.text[scanner.at] == '"':
        value = scanner.quoted()
    else:
        value = scanner.bare()
    value = " ".join(value.split())
    if not value:
        example = next(iter(v for p in providers[key] for v, _label in p.values()), None)
        raise QueryError(
            _("Nach „%(key)s%(op)s“ fehlt der Wert, z. B. %(key)s%(op)s%(example)s."),
            key=typed_key,
            op=op,
            example=example or ("60" if comparison else "…"),
        )
    if comparison:
        value = _number(typed_key, op, value)
    return Filter(key=key, op=op, value=value, negated=negated)


def _number(key, op, value):
    number = None
    if _NUMBER.fullmatch(value):
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            number = None
    if number is None or not 0 <= number <= 100:
        raise QueryError(
            _("„%(key)s%(op)s%(value)s“: Erlaubt ist eine Zahl von 0 bis 100, z. B. %(key)s%(op)s60."),
            key=key,
            op=op,
            value=_quote(value),
        )
    return format(number.normalize(), "f")
