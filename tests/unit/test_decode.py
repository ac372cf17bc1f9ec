"""Decoding fetched bodies: charset policy, mojibake repair and non-HTML detection."""

from __future__ import annotations

import codecs
import gzip

import pytest

from archive.extraction.article import SkipReason
from archive.extraction.decode import charset_of, decode_html, repair_mojibake, sniff_body

PAGE = "<html><head><title>{t}</title></head><body><p>{t}</p></body></html>"
CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def as_windows_1252(data: bytes) -> str:
    """What a browser shows for ``data`` read as windows-1252 (WHATWG: undefined bytes are C1 controls)."""
    return "".join(chr(b) if b in CP1252_UNDEFINED else bytes([b]).decode("cp1252") for b in data)


def test_utf8_body_wins_over_a_wrong_latin1_header():
    body = PAGE.format(t="Élection à Montréal – “résultats”").encode("utf-8")
    text = decode_html(body, "text/html; charset=iso-8859-1")
    assert "Élection à Montréal – “résultats”" in text
    assert "Ã" not in text


def test_cp1252_body_without_any_declaration():
    body = PAGE.format(t="Le café coûte 3 € – “cher”").encode("cp1252")
    assert "Le café coûte 3 € – “cher”" in decode_html(body, None)


def test_latin1_label_means_windows_1252():
    body = PAGE.format(t="“quoted” and €5").encode("cp1252")
    assert "“quoted” and €5" in decode_html(body, "ISO-8859-1")


def test_utf8_bom_is_stripped():
    body = codecs.BOM_UTF8 + PAGE.format(t="naïve façade").encode("utf-8")
    text = decode_html(body, "windows-1252")
    assert text.startswith("<html>")
    assert "naïve façade" in text


def test_utf16_bom_decodes_and_is_not_taken_for_binary():
    body = codecs.BOM_UTF16_LE + PAGE.format(t="Grüße aus Köln").encode("utf-16-le")
    assert sniff_body(body) is None
    assert "Grüße aus Köln" in decode_html(body, None)


def test_meta_charset_is_used_when_utf8_fails():
    html = ('<html><head><meta charset="iso-8859-7"><title>t</title></head>'
            "<body><p>Καλημέρα κόσμε</p></body></html>")
    assert "Καλημέρα κόσμε" in decode_html(html.encode("iso-8859-7"), None)


def test_header_charset_comes_before_meta():
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
            "</head><body><p>Привет, мир</p></body></html>")
    assert "Привет, мир" in decode_html(html.encode("windows-1251"), "text/html; charset=windows-1251")


def test_unknown_declared_charset_falls_back_to_windows_1252():
    body = PAGE.format(t="crème brûlée").encode("cp1252")
    assert "crème brûlée" in decode_html(body, "text/html; charset=x-no-such-charset")


def test_bytes_undefined_in_cp1252_do_not_break_the_fallback():
    body = b"<html><body><p>odd \x81 byte and caf\xe9</p></body></html>"
    assert "caf\u00e9" in decode_html(body, None)


def test_double_encoded_utf8_is_repaired():
    original = PAGE.format(t="São Paulo — “fim” de ano, café")
    double = as_windows_1252(original.encode("utf-8")).encode("utf-8")
    assert "SÃ£o" in double.decode("utf-8")   # the control: the body really is mojibake
    assert decode_html(double, "utf-8") == original


def test_mojibake_repair_leaves_real_latin_text_alone():
    for text in ("NÃO HÁ VAGAS", "Ã la carte", "Â© 2024"[1:], "½ price, ¾ full", "São Tomé"):
        assert repair_mojibake(text) == text
    assert repair_mojibake("CafÃ© au lait") == "Café au lait"


@pytest.mark.parametrize("body, detail", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
    (b"GIF89a\x01\x00", "GIF"),
    (b"PK\x03\x04\x14\x00", "ZIP"),
    (gzip.compress(b"<html><body>zipped</body></html>", mtime=0), "gzip"),
    (b"<html><body>\x00\x01\x02\x00 binary junk</body></html>", "NUL"),
])
def test_binary_bodies_are_not_html(body, detail):
    skipped = sniff_body(body)
    assert skipped is not None and skipped.reason == SkipReason.NOT_HTML
    assert detail in skipped.detail


@pytest.mark.parametrize("body", [b"", b"   \n\t ", ""])
def test_empty_bodies(body):
    skipped = sniff_body(body)
    assert skipped is not None and skipped.reason == SkipReason.EMPTY


def test_non_html_content_type_and_feeds_and_plain_text():
    assert sniff_body(b"<html><body>x</body></html>", "image/jpeg").reason == SkipReason.NOT_HTML
    assert sniff_body(b"<html><body>x</body></html>", "application/pdf").reason == SkipReason.NOT_HTML
    feed = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>'
    assert sniff_body(feed).reason == SkipReason.NOT_HTML
    assert sniff_body(b"just some words, no markup at all").reason == SkipReason.NOT_HTML


def test_html_bodies_pass_the_sniff():
    assert sniff_body(b"<!DOCTYPE html><html><body><p>x</p></body></html>", "text/html; charset=utf-8") is None
    assert sniff_body(b"\n\n  <div><p>fragment</p></div>", "application/octet-stream") is None
    assert sniff_body('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>') is None


def test_charset_of():
    assert charset_of("text/html; charset=UTF-8") == "UTF-8"
    assert charset_of('text/html; charset="iso-8859-1"') == "iso-8859-1"
    assert charset_of("text/html") is None
    assert charset_of("windows-1252") == "windows-1252"
    assert charset_of(None) is None
