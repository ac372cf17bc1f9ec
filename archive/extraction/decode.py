"""Turn a fetched body into HTML text: refuse non-HTML bodies, pick the charset, repair mojibake."""

from __future__ import annotations

import codecs
import logging
import re

from archive.extraction.article import SkipReason, Skipped

logger = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),   # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Leading bytes of formats that are never an HTML page.
_MAGIC = (
    (b"%PDF-", "PDF"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"),
    (b"\xff\xd8\xff", "JPEG"), (b"PK\x03\x04", "ZIP"), (b"\x1f\x8b", "gzip"), (b"%!PS", "PostScript"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE document"), (b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!", "RAR"),
    (b"OggS", "Ogg"), (b"ID3", "MP3"), (b"fLaC", "FLAC"), (b"wOFF", "WOFF"), (b"wOF2", "WOFF2"),
    (b"\x7fELF", "ELF"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"\x00\x00\x01\x00", "icon"),
)

# Media types that are never an HTML page, whatever the body looks like.
_NON_HTML_TYPES = re.compile(
    r"^(?:image|audio|video|font|model)/|^application/(?:pdf|zip|gzip|x-gzip|x-tar|msword|"
    r"vnd\.|x-7z|x-rar|json|javascript|ecmascript|x-shockwave|wasm|rss\+xml|atom\+xml)|"
    r"^text/(?:css|javascript|csv|calendar)",
)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|urlset|sitemapindex|rdf:RDF)[\s>]", re.IGNORECASE)
_HTML_TAG = re.compile(r"<(?:!doctype|html|head|body|meta|title|div|p|a|article|main|section|span|table|h\d)\b",
                       re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{2,40})""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,100}?encoding\s*=\s*["']([a-zA-Z0-9_.:-]{2,40})""")
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([a-zA-Z0-9_.:-]{2,40})""", re.IGNORECASE)

# WHATWG: these labels all mean windows-1252 (whose C1 range Python's latin-1 gets wrong).
_WINDOWS_1252_LABELS = frozenset({
    "ascii", "us-ascii", "iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "cp819", "ibm819",
    "iso-ir-100", "windows-1252", "cp1252", "x-cp1252", "iso_8859-1", "iso88591",
})


def _whatwg_1252_table() -> dict[int, str]:
    table = {}
    for byte in range(256):
        try:
            table[byte] = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            table[byte] = chr(byte)   # the five bytes cp1252 leaves undefined map to C1 controls
    return table


_CP1252 = _whatwg_1252_table()
_CP1252_INVERSE = {char: byte for byte, char in _CP1252.items()}
_CONT = "".join(re.escape(_CP1252[b]) for b in range(0x80, 0xC0))
# A UTF-8 sequence read as windows-1252: a lead byte (Â..ô) and its continuation bytes.
_MOJIBAKE_HINT = re.compile(rf"[\u00c2-\u00f4][{_CONT}]")
_MOJIBAKE = re.compile(
    rf"(?:[\u00c2-\u00df][{_CONT}]|[\u00e0-\u00ef][{_CONT}]{{2}}|[\u00f0-\u00f4][{_CONT}]{{3}})+"
)


def sniff_body(body: bytes | str, content_type: str | None = None) -> Skipped | None:
    """Return ``Skipped`` when ``body`` is empty or is not an HTML document, else ``None``.

    >>> sniff_body(b"%PDF-1.7 ...").reason
    <SkipReason.NOT_HTML: 'not_html'>
    >>> sniff_body(b"  ").reason
    <SkipReason.EMPTY: 'empty'>
    """
    if not body or not body.strip():
        return Skipped(SkipReason.EMPTY, "empty body")
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media and _NON_HTML_TYPES.match(media):
        return Skipped(SkipReason.NOT_HTML, f"content type {media}")
    if isinstance(body, str):
        head_text = body.lstrip()[:2048]
        head = head_text.encode("utf-8", "replace")
    else:
        if any(body.startswith(bom) for bom, _ in _BOMS):
            return None
        head = body.lstrip()[:2048]
        for magic, name in _MAGIC:
            if head.startswith(magic):
                return Skipped(SkipReason.NOT_HTML, f"{name} body")
        if b"\x00" in body[:4096]:
            return Skipped(SkipReason.NOT_HTML, "binary body (NUL bytes)")
        head_text = head.decode("latin-1")
    if _FEED_ROOT.search(head[:1024]) and not re.search(rb"<html[\s>]", head, re.IGNORECASE):
        return Skipped(SkipReason.NOT_HTML, "XML feed or sitemap")
    if not _HTML_TAG.search(head_text):
        return Skipped(SkipReason.NOT_HTML, "no HTML markup")
    return None


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type value, or the value itself when it is a bare name."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    if match:
        return match.group(1)
    return content_type.strip() if "/" not in content_type and ";" not in content_type else None


def _codec(label: str | None) -> str | None:
    """A Python codec for a charset label, or ``None`` for an unknown label."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _WINDOWS_1252_LABELS:
        return "windows-1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _decode_1252(body: bytes) -> str:
    """Decode as WHATWG windows-1252: never fails, undefined bytes become C1 controls."""
    text = body.decode("cp1252", errors="surrogateescape")
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        text = "".join(chr(ord(ch) - 0xDC00) if "\udc80" <= ch <= "\udcff" else ch for ch in text)
    return text


def _declared_codecs(body: bytes, declared: str | None) -> list[str]:
    codecs_found = []
    for label in (charset_of(declared),):
        codec = _codec(label)
        if codec:
            codecs_found.append(codec)
    head = body[:4096]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        match = pattern.search(head)
        if match:
            codec = _codec(match.group(1).decode("ascii", "replace"))
            if codec:
                codecs_found.append(codec)
    return codecs_found


def decode_html(body: bytes, declared: str | None = None) -> str:
    """Decode an HTML body: BOM, then strict UTF-8, then the charset declared in the HTTP
    header (``declared``, a charset name or a whole Content-Type value) or in ``<meta>``, then
    windows-1252; finally repair UTF-8 text that was decoded as windows-1252 once too often.

    >>> decode_html("<p>Élection</p>".encode("utf-8"), "iso-8859-1")
    '<p>Élection</p>'
    >>> decode_html("<p>café</p>".encode("cp1252"))
    '<p>café</p>'
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(codec, errors="replace")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
        for codec in _declared_codecs(body, declared):
            if codec in ("utf-8", "windows-1252"):
                continue   # UTF-8 already failed; windows-1252 is the fallback below
            try:
                text = body.decode(codec)
                break
            except (UnicodeDecodeError, LookupError):
                logger.debug("declared charset %s does not decode the body", codec)
        if text is None:
            text = _decode_1252(body)
    return repair_mojibake(text)


def _undo(match: re.Match[str]) -> str:
    chunk = match.group(0)
    try:
        return bytes(_CP1252_INVERSE[ch] for ch in chunk).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return chunk


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 bytes that were decoded as windows-1252 (``"Ã©"`` -> ``"é"``).

    Only sequences that form valid UTF-8 again are changed, so ordinary Latin text is kept.

    >>> repair_mojibake("CafÃ© â€œnoirâ€™s")
    'Café “noir’s'
    """
    if not _MOJIBAKE_HINT.search(text):
        return text
    return _MOJIBAKE.sub(_undo, text)
