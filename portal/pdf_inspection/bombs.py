"""Decodes every stream once, bounded, so that a small file that inflates to gigabytes is refused before anyone
renders it."""

import zlib

import pikepdf

from portal.pdf_inspection.findings import PdfRefused
from portal.pdf_inspection.objects import is_valid_key, name_of

INFLATE_CHUNK_BYTES = 1024 * 1024
_FLATE = {"/FlateDecode", "/Fl"}
_GENERALIZED = {"/ASCIIHexDecode", "/AHx", "/ASCII85Decode", "/A85", "/RunLengthDecode", "/RL", "/LZWDecode", "/LZW"}
_COLOUR_COMPONENTS = {
    "/DeviceGray": 1,
    "/CalGray": 1,
    "/G": 1,
    "/Indexed": 1,
    "/I": 1,
    "/Separation": 1,
    "/DeviceRGB": 3,
    "/CalRGB": 3,
    "/RGB": 3,
    "/Lab": 3,
    "/DeviceCMYK": 4,
    "/CMYK": 4,
}


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return list(value)
    return [value]


def _inflate(data, limit, *, keep):
    """Inflates at most limit + 1 bytes; returns (length, bytes or None). A corrupt stream counts what it gave."""
    inflater = zlib.decompressobj()
    produced, length, pending = bytearray(), 0, data
    try:
        while not inflater.eof and length <= limit:
            chunk = inflater.decompress(pending, INFLATE_CHUNK_BYTES)
            pending = inflater.unconsumed_tail
            length += len(chunk)
            if keep:
                produced += chunk
            if not chunk and not pending:
                break
    except zlib.error:
        pass
    return length, (bytes(produced) if keep else None)


def _decode_with_qpdf(data, name, parameters):
    scratch = pikepdf.new()
    stream = pikepdf.Stream(scratch, data)
    stream.Filter = pikepdf.Name(name)
    if isinstance(parameters, pikepdf.Dictionary):
        # Only numbers matter to LZW (EarlyChange) and the predictors; they are copied into the scratch file.
        numbers = {
            key: value
            for key, value in parameters.items()
            if is_valid_key(key) and isinstance(value, int) and not isinstance(value, bool)
        }
        stream.DecodeParms = pikepdf.Dictionary(numbers)
    try:
        return stream.read_bytes()
    except pikepdf.PdfError:
        return None


def _decoded_length(stream, budget):
    """The largest size the stream's data reaches while its filters are applied, counted up to budget + 1."""
    filters = [name_of(name) for name in _as_list(stream.get("/Filter"))]
    parameters = _as_list(stream.get("/DecodeParms"))
    data = stream.read_raw_bytes()
    largest = len(data)
    for index, name in enumerate(filters):
        last = index == len(filters) - 1
        if name in _FLATE:
            length, decoded = _inflate(data, budget, keep=not last)
            largest = max(largest, length)
            if last or length > budget:
                break
            data = decoded
        elif name in _GENERALIZED:
            decoded = _decode_with_qpdf(data, name, parameters[index] if index < len(parameters) else None)
            if decoded is None:
                break
            data = decoded
            largest = max(largest, len(data))
            if largest > budget:
                break
        else:
            # Image codecs (DCT, JPX, JBIG2, CCITT) stay encoded here; their rasters are bounded below.
            break
    return largest


def _raster_bytes(image):
    width, height = image.get("/Width"), image.get("/Height")
    if not isinstance(width, int) or not isinstance(height, int) or width < 0 or height < 0:
        return 0
    if image.get("/ImageMask") is True:
        return width * height // 8
    colour_space = image.get("/ColorSpace")
    family = colour_space[0] if isinstance(colour_space, pikepdf.Array) and len(colour_space) else colour_space
    family = name_of(family)
    components = _COLOUR_COMPONENTS.get(family, 4)
    if family == "/ICCBased" and isinstance(colour_space, pikepdf.Array) and len(colour_space) > 1:
        profile = colour_space[1]
        count = profile.get("/N") if isinstance(profile, pikepdf.Stream) else None
        components = count if isinstance(count, int) and 0 < count <= 32 else 4
    elif family == "/DeviceN" and isinstance(colour_space, pikepdf.Array) and len(colour_space) > 1:
        components = len(_as_list(colour_space[1])) or 4
    bits = image.get("/BitsPerComponent", 8)
    bits = bits if isinstance(bits, int) and 0 < bits <= 16 else 8
    return width * height * components * bits // 8


def refuse_bombs(pdf, max_decoded_bytes):
    """Decodes every stream once, bounded: refuses when the running total or one image's raster passes the limit."""
    total = 0
    for item in pdf.objects:
        if not isinstance(item, pikepdf.Stream):
            continue
        total += _decoded_length(item, max_decoded_bytes - total)
        if total > max_decoded_bytes:
            raise PdfRefused("bomb", {"limit": max_decoded_bytes})
        if name_of(item.get("/Subtype")) == "/Image" and _raster_bytes(item) > max_decoded_bytes:
            raise PdfRefused("bomb", {"limit": max_decoded_bytes})
    return total
