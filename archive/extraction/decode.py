"""Turn a fetched body into HTML text: refuse non-HTML bodies, pick the charset, repair mojibake."""

from __future__ import annotations

import logging
import re

from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

from archive.extraction.article import SkipReason, Skipped

logger = logging.getLogger(__name__)

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
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([a-zA-Z0-9_.:-]{2,40})""", re.IGNORECASE)

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
        if read_bom(body)[0]:
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
    """A Python codec for a charset label (WHATWG's aliases: latin-1 is windows-1252), or None."""
    return resolve_encoding(label.strip().strip("\"'")) if label else None


def _decode_1252(body: bytes) -> str:
    """Decode as WHATWG windows-1252: never fails, undefined bytes become C1 controls."""
    text = body.decode("cp1252", errors="surrogateescape")
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        text = "".join(chr(ord(ch) - 0xDC00) if "\udc80" <= ch <= "\udcff" else ch for ch in text)
    return text


def _declared_codecs(body: bytes, declared: str | None) -> list[str]:
    """The codecs the HTTP header (``declared``) and the page itself (``<meta>``, ``<?xml``) name."""
    labels = (charset_of(declared), html_body_declared_encoding(body[:4096]))
    return [codec for codec in map(_codec, labels) if codec]


def decode_html(body: bytes, declared: str | None = None) -> str:
    """Decode an HTML body (see :func:`decode_html_detected`).

    >>> decode_html("<p>Élection</p>".encode("utf-8"), "iso-8859-1")
    '<p>Élection</p>'
    >>> decode_html("<p>café</p>".encode("cp1252"))
    '<p>café</p>'
    """
    return decode_html_detected(body, declared)[0]


def decode_html_detected(body: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """Decode an HTML body: BOM, then strict UTF-8, then the charset declared in the HTTP header
    (``declared``, a charset name or a whole Content-Type value) or in ``<meta>`` when it decodes
    the body cleanly, then windows-1252 unless that reads as gibberish and a detected charset
    (charset-normalizer) reads better; finally repair UTF-8 text that was decoded as windows-1252
    once too often. The second value names the detected charset when detection was used (the
    declaration was wrong or missing), else None."""
    encoding, bom = read_bom(body)
    if encoding:
        return body[len(bom):].decode(encoding, errors="replace"), None
    detected = None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
        for codec in _declared_codecs(body, declared):
            if codec in ("utf-8", "cp1252"):
                continue   # UTF-8 already failed; windows-1252 is the fallback below
            try:
                text = body.decode(codec)
                break
            except (UnicodeDecodeError, LookupError):
                logger.debug("declared charset %s does not decode the body", codec)
        if text is None:
            text, detected = _fallback(body)
    return repair_mojibake(text), detected


GIBBERISH = 0.2     # charset-normalizer's mess ratio above which a windows-1252 reading is doubted


def _fallback(body: bytes) -> tuple[str, str | None]:
    """windows-1252, or the charset charset-normalizer detects when windows-1252 reads as gibberish
    (Cyrillic or Greek bytes shown as accented Latin letters) and the detected one reads better."""
    from charset_normalizer import from_bytes
    from charset_normalizer.md import mess_ratio

    text = _decode_1252(body)
    mess = mess_ratio(text[:20_000], maximum_threshold=1.0)
    if mess <= GIBBERISH:
        return text, None
    best = from_bytes(body).best()
    if best is None or _codec(best.encoding) in (None, "cp1252"):
        return text, None
    candidate = str(best)
    if mess_ratio(candidate[:20_000], maximum_threshold=1.0) >= mess:
        return text, None
    return candidate, best.encoding


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
