"""Publisher identity: names and domains compared as what they are, in any script.

A publisher is known by several names ("The Harbour Review", "harbourreview.com", "HR") and
domains (``www.harbourreview.co.uk``, ``amp.harbourreview.co.uk``). Domains are compared by their
registrable domain (public suffix list, tldextract's bundled snapshot, never fetched); names by a
key that keeps the letters and digits of every script (NFKC, case folded), so "朝日新聞" and
"Москва Сегодня" keep a key of their own.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

import tldextract

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
_NOT_WORD = re.compile(r"[\W_]+")
_DOMAIN = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?((?:[\w-]+\.)+[a-z]{2,63}|\d{1,3}(?:\.\d{1,3}){3})"
                     r"(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)
# Words that describe what a publisher is rather than who ("abc24 Website", "Valley Courier Online").
_GENERIC = frozenset({"the", "website", "web", "site", "online", "news", "newspaper", "magazine", "media",
                      "group", "ltd", "limited", "inc", "gmbh", "ag", "sa", "plc", "llc", "com", "de", "digital",
                      "verlag", "zeitung", "tv", "radio", "net", "blog", "daily", "journal", "press"})
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa"})
_DOMAIN_IN_TEXT = re.compile(r"(?<![\w.@-])(?:https?://)?(?:[\w-]+\.)+[a-z]{2,63}\b", re.IGNORECASE)
# Where Latin letters meet a script written without spaces ("本文首发于westmark", "courier에"): a
# word boundary for reading a Latin name inside such a line.
_SCRIPT_CHANGE = re.compile(r"(?<=[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef])(?=[A-Za-z0-9])"
                            r"|(?<=[A-Za-z0-9])(?=[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef])")
MIN_PARTIAL = 5       # a name contained in another counts from this many characters


@functools.lru_cache(maxsize=16384)
def registrable_domain(value: str | None) -> str:
    """The registrable domain of a host or URL ('www.abc24.com.au' -> 'abc24.com.au'); an IP
    address or a single-label host is returned as it is; '' when ``value`` is not a host."""
    if not value:
        return ""
    match = _DOMAIN.match(value.strip())
    if not match:
        return ""
    host = match.group(1).lower().rstrip(".")
    parts = _EXTRACT(host)
    if not parts.suffix:
        return host
    return f"{parts.domain}.{parts.suffix}" if parts.domain else host


# The name and domain tests below are pure functions of their strings, asked again for every pair
# of members each time a cluster's canonical is chosen (in the crawl's single writer): cached.
@functools.lru_cache(maxsize=16384)
def domain_label(domain: str) -> str:
    """The registrable domain without its public suffix: 'abc24.com.au' -> 'abc24' (a host under
    an unlisted ending, 'coast.test', gives its last label but one); '' for an IP address."""
    parts = _EXTRACT(domain)
    if parts.suffix:
        return _NOT_WORD.sub("", (parts.domain or "").casefold())
    labels = domain.casefold().split(".")
    if len(labels) < 2 or all(label.isdigit() for label in labels):
        return ""
    return _NOT_WORD.sub("", labels[-2])


@functools.lru_cache(maxsize=16384)
def looks_like_domain(value: str | None) -> bool:
    """True for 'example.in', 'www.example.in' and 'https://www.example.in/...' (a name given as a URL)."""
    return bool(value) and " " not in value.strip() and bool(registrable_domain(value)) and "." in value


@functools.lru_cache(maxsize=16384)
def name_words(name: str | None) -> tuple[str, ...]:
    """A name's words, NFKC-normalised and case-folded, letters and digits of any script kept."""
    if not name:
        return ()
    text = unicodedata.normalize("NFKC", name).casefold()
    words = [w for w in _NOT_WORD.split(text) if w]
    return tuple(words[1:] if len(words) > 1 and words[0] == "the" else words)


def _variants(word: str) -> set[str]:
    """A key and its spellings without accents or with German/Nordic transliteration."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return {word, plain, word.translate(_TRANSLIT)}


@dataclass(frozen=True, slots=True)
class Identity:
    """Every name and registrable domain one publisher is known by."""

    names: frozenset[str] = field(default=frozenset())      # as seen (display forms)
    domains: frozenset[str] = field(default=frozenset())    # registrable domains

    @classmethod
    def of(cls, names: list[str | None] = (), hosts: list[str | None] = ()) -> Identity:
        """An identity from names (a name that is a URL or domain counts as a domain) and hosts/URLs."""
        kept = [n.strip() for n in names if n and n.strip()]
        domains = {registrable_domain(h) for h in hosts if h} | {registrable_domain(n) for n in kept if looks_like_domain(n)}
        return cls(frozenset(n for n in kept if not looks_like_domain(n) and name_words(n)), frozenset(d for d in domains if d))

    def __or__(self, other: Identity) -> Identity:
        return Identity(self.names | other.names, self.domains | other.domains)

    def __bool__(self) -> bool:
        return bool(self.names or self.domains)

    def knows(self, value: str | None) -> bool:
        """True when ``value`` (a name, a domain or a URL) is one of this publisher's."""
        if not value:
            return False
        if looks_like_domain(value):
            domain = registrable_domain(value)
            return domain in self.domains or any(name_fits_domain(n, domain) for n in self.names)
        return any(names_match(value, n) for n in self.names) or any(name_fits_domain(value, d) for d in self.domains)

    def shares(self, other: Identity) -> bool:
        """True when two identities have a domain, or a name, in common."""
        if self.domains & other.domains:
            return True
        return any(self.knows(n) for n in other.names) or any(other.knows(n) for n in self.names) or any(
            self.knows(d) for d in other.domains)

    def named_in(self, line: str) -> str | None:
        """The name or domain of this publisher that ``line`` spells out (a domain written in it,
        or one of its names as whole words; in a script without spaces, as a run of letters),
        or None. Names shorter than MIN_PARTIAL letters (3 outside the Latin alphabet) are not
        looked for: "AP" or "NDC" inside a sentence says too little."""
        for token in _DOMAIN_IN_TEXT.findall(line):
            domain = registrable_domain(token)
            if domain and domain in self.domains:
                return token
        words = name_words(_SCRIPT_CHANGE.sub(" ", line))
        joined = "".join(words)
        for name in sorted(self.names):
            wanted = name_words(name)
            key = "".join(wanted)
            if len(key) < (MIN_PARTIAL if key.isascii() else 3) or not "".join(_core(wanted)):
                continue
            if key.isascii() and _contains(words, wanted) or not key.isascii() and key in joined:
                return name
        return None

    def describe(self) -> dict[str, list[str]]:
        return {"names": sorted(self.names), "domains": sorted(self.domains)}


def _contains(words: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    n = len(wanted)
    return any(words[i:i + n] == wanted for i in range(len(words) - n + 1))


@functools.lru_cache(maxsize=16384)
def names_match(a: str | None, b: str | None) -> bool:
    """Two publisher names (either may be a domain or URL) that name one publisher.

    >>> names_match("The Harbour Review", "harbourreview.com"), names_match("Northern Daily Courier", "ndc.de")
    (True, True)
    >>> names_match("Harbour Review", "Policy Review"), names_match("AP", "Reuters")
    (False, False)
    """
    if not a or not b:
        return False
    a_domain, b_domain = looks_like_domain(a), looks_like_domain(b)
    if a_domain and b_domain:
        return registrable_domain(a) == registrable_domain(b)
    if a_domain or b_domain:
        name, domain = (b, a) if a_domain else (a, b)
        return name_fits_domain(name, registrable_domain(domain))
    return _keys_match(name_words(a), name_words(b))


def _keys_match(wa: tuple[str, ...], wb: tuple[str, ...]) -> bool:
    if not wa or not wb:
        return False
    ka, kb = "".join(wa), "".join(wb)
    if ka == kb:
        return True
    if _core(wa) == kb or _core(wb) == ka:     # 'abc24 Website' ~ 'abc24', not 'X Daily' ~ 'X Journal'
        return True
    if min(len(ka), len(kb)) >= (MIN_PARTIAL if ka.isascii() and kb.isascii() else 3) and (ka in kb or kb in ka):
        return True
    return _initials_of(ka, wb) or _initials_of(kb, wa)


def _core(words: tuple[str, ...]) -> str:
    """A name without the words that say what kind of publisher it is ('abc24 Website' -> 'abc24')."""
    return "".join(w for w in words if w not in _GENERIC)


def _initials_of(key: str, words: tuple[str, ...]) -> bool:
    """'ndc' for ('northern', 'daily', 'courier'); at least two words, key at least two letters."""
    if len(words) < 2 or len(key) < 2 or not key.isascii():
        return False
    initials = "".join(w[0] for w in words)
    core = "".join(w[0] for w in words if w not in _GENERIC)
    return key in (initials, core)


@functools.lru_cache(maxsize=16384)
def name_fits_domain(name: str | None, domain: str) -> bool:
    """A publisher name that spells its registrable domain's label: the whole name ('Harbour
    Review' ~ harbourreview.com), its first words ('SVT Nyheter' ~ svt.se), its initials
    ('Northern Daily Courier' ~ ndc.de), initials and words mixed ('Los Angeles Times' ~
    latimes.com), without the words that say what it is ('abc24 Website' ~ abc24.de), in any
    transliteration ('Süddeutsche Zeitung' ~ sueddeutsche.de)."""
    if not name or not domain:
        return False
    if looks_like_domain(name):
        return registrable_domain(name) == domain
    label = domain_label(domain)
    words = name_words(name)
    if not label or not words or len(label) < 2:
        return False
    if _spells(label, [sorted(_variants(w), key=len, reverse=True) for w in words], whole=False):
        return True
    whole = {v for v in _variants("".join(words)) if len(v) >= MIN_PARTIAL}
    return len(label) >= MIN_PARTIAL and any(label in w or w in label for w in whole)


def _spells(label: str, words: list[list[str]], whole: bool, initials: int = 0) -> bool:
    """True when ``label`` is the words in order, each given whole, by its initial, or left out
    (a generic word anywhere, any word after the label is complete); a single initial is not enough."""
    if not label:
        return whole or initials >= 2
    if not words:
        return False
    first, rest = words[0], words[1:]
    for variant in first:
        if label.startswith(variant) and _spells(label[len(variant):], rest, True, initials):
            return True
    if label[0] == first[0][0] and _spells(label[1:], rest, whole, initials + 1):
        return True
    return first[0] in _GENERIC and _spells(label, rest, whole, initials)
