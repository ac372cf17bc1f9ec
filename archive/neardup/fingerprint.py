"""Fingerprints of a text: an exact hash of its normalised form and a MinHash signature.

Shingling and MinHash are vectorised: each word is hashed once (crc32), the hashes of a
shingle's words are combined in numpy, and the permutations run as one numpy operation with
datasketch's ``affine32`` parameters, so the signature equals ``datasketch.MinHash(...,
scheme="affine32")`` fed the same shingle hashes.

Why not datasketch itself: this numpy MinHash is tested equal to datasketch's
(tests/unit/test_fingerprint.py::test_signature_equals_datasketch_reference), is faster on a
page's few hundred shingles, and avoids importing datasketch and scipy (about half a second at
every start, in every extraction worker).
"""

from __future__ import annotations

import functools
import hashlib
import zlib
from dataclasses import dataclass

import numpy as np

from archive.config import FingerprintParams
from archive.neardup.normalize import _WORD, NORMALIZER_VERSION, normalize_text, word_count

SCHEME = "affine32"
SHINGLE_HASH = "crc32-words-mix64"     # recorded: changing it changes every signature
SIGNATURE_DTYPE = np.dtype("<u4")
_CHUNK = 4096                          # shingles per permutation block (bounds memory on huge texts)
# Odd 64-bit multipliers, one per word position in a shingle, and the MurmurHash3 64-bit finaliser.
_POSITION = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                      0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x27D4EB2F165667C5, 0x94D049BB133111EB],
                     dtype=np.uint64)
_FMIX64 = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """The exact-text hash, the MinHash signature (uint32 values) and the shingle count."""

    text_hash: str
    signature: np.ndarray
    shingle_count: int

    def signature_bytes(self) -> bytes:
        return self.signature.astype(SIGNATURE_DTYPE).tobytes()


@functools.cache
def _datasketch_version() -> str:
    """datasketch's installed version (read once: the metadata lookup costs milliseconds)."""
    from importlib.metadata import version

    return version("datasketch")


@functools.lru_cache(maxsize=8)
def params_version(params: FingerprintParams) -> str:
    """A short digest of ``params_record``: recorded with each article (article.fingerprint_version)."""
    record = params_record(params)
    return hashlib.sha1(repr(sorted(record.items())).encode()).hexdigest()[:16]


def params_record(params: FingerprintParams) -> dict[str, str]:
    """What the archive's ``meta`` table records so signatures are never mixed."""
    return {
        "datasketch_version": _datasketch_version().split(".")[0],
        "scheme": SCHEME,
        "num_perm": str(params.num_perm),
        "seed": str(params.seed),
        "shingle_size": str(params.shingle_size),
        "normalizer_version": str(max(params.normalizer_version, NORMALIZER_VERSION)),
        "shingle_hash": SHINGLE_HASH,
    }


def text_hash(text: str) -> str:
    """SHA-256 of the normalised text: identical for exact copies however typeset."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def word_hashes(tokens: list[str]) -> np.ndarray:
    """crc32 of each word's UTF-8 bytes, as uint32."""
    return np.fromiter((zlib.crc32(t.encode("utf-8")) for t in tokens), dtype=np.uint32, count=len(tokens))


def _fmix64(h: np.ndarray) -> np.ndarray:
    shift, m1, m2 = _FMIX64
    h = (h ^ (h >> shift)) * m1
    h = (h ^ (h >> shift)) * m2
    return h ^ (h >> shift)


def shingle_hashes(tokens: list[str], size: int) -> np.ndarray:
    """The distinct 32-bit hashes of the ``size``-word shingles of ``tokens`` (sorted).

    A shingle's hash mixes its word hashes by position: ``fmix64(sum(crc32(word_i) * P_i)) >> 32``.
    A text shorter than ``size`` words is one shingle of all its words, as ``normalize.shingles``.

    >>> shingle_hashes(["a", "b", "c"], 2).shape
    (2,)
    """
    if not tokens:
        return np.empty(0, dtype=np.uint32)
    if size > len(_POSITION):
        raise ValueError(f"shingle_size must be at most {len(_POSITION)}, got {size}")
    w = word_hashes(tokens).astype(np.uint64)
    width = min(size, len(tokens))
    count = len(tokens) - width + 1
    acc = np.zeros(count, dtype=np.uint64)
    for i in range(width):
        acc += w[i:i + count] * _POSITION[i]
    return np.unique((_fmix64(acc) >> np.uint64(32)).astype(np.uint32))


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``affine32`` permutations ``h -> a * h + b`` (odd ``a``), drawn as
    ``MinHash._init_permutations`` draws them, without importing datasketch and scipy (about half
    a second at every start). Tested equal to ``MinHash(...).permutations``."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def minhash_signature(hashes: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """datasketch's ``affine32`` MinHash of 32-bit input hashes: ``min(a * fmix32(h) + b)``
    modulo 2**32 per permutation; all ones (the empty sentinel) for no input."""
    a, b = _permutations(num_perm, seed)
    out = np.full(num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
    s1, m1, s2, m2 = _FMIX32
    for start in range(0, len(hashes), _CHUNK):
        h = hashes[start:start + _CHUNK].astype(np.uint32)
        h = (h ^ (h >> s1)) * m1
        h = (h ^ (h >> s2)) * m2
        h = h ^ (h >> s1)
        np.minimum(out, (h[:, None] * a + b).min(axis=0), out=out)
    return out


def fingerprint(text: str, params: FingerprintParams) -> Fingerprint:
    """Fingerprint ``text`` with ``params``.

    >>> fp = fingerprint("one two three four five six", FingerprintParams())
    >>> fp.shingle_count, fp.signature.shape
    (2, (128,))
    """
    normalised = normalize_text(text)
    return _fingerprint_normalised(normalised, _WORD.findall(normalised), params)   # = words(text)


def signature_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=SIGNATURE_DTYPE)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures (share of equal slots)."""
    if a.shape != b.shape:
        raise ValueError(f"signatures differ in length: {a.shape[0]} and {b.shape[0]}")
    return float(np.count_nonzero(a == b)) / float(a.shape[0])


def containment(j: float, size_a: int, size_b: int) -> float:
    """Estimated share of the smaller shingle set found in the larger, from Jaccard and sizes.

    |A∩B| = J(|A|+|B|)/(1+J); divided by min(|A|, |B|), capped at 1.
    """
    smaller = min(size_a, size_b)
    if smaller <= 0:
        return 0.0
    return min(1.0, j * (size_a + size_b) / ((1.0 + j) * smaller))


@dataclass(frozen=True, slots=True)
class Prepared:
    """What the archive's writer needs of an extracted text, computed beside extraction (in an
    extraction worker, so the single writer does less): the text's distinct lines by hash (for
    chrome learning), its word count and its fingerprint with ``params``.

    ``text`` is the text it was computed from: the writer uses the rest only for that very text
    made with its own parameters, and computes them again otherwise.
    """

    text: str
    params: FingerprintParams
    lines: dict[int, str]
    word_count: int               # Chinese and Japanese characters count as half a word each
    fingerprint: Fingerprint

    def fits(self, text: str, params: FingerprintParams) -> bool:
        return self.params == params and self.text == text

    def __reduce__(self) -> tuple:
        """Pickled small (an extraction worker sends it back to the crawl): the text once, and each
        distinct line as its hash and the index of the text's line it was read from."""
        index: dict[str, int] = {}
        for i, line in enumerate(self.text.split("\n")):
            index.setdefault(line.strip(), i)
        at = [index.get(line, -1) for line in self.lines.values()]
        if -1 in at:        # lines not read from this text: sent as they are
            return (Prepared, (self.text, self.params, self.lines, self.word_count, self.fingerprint))
        hashes = np.fromiter(self.lines.keys(), dtype=np.int64, count=len(self.lines))
        return (_unpickle_prepared, (self.text, self.params, hashes.tobytes(), np.asarray(at, dtype=np.int32).tobytes(),
                                     self.word_count, self.fingerprint))


def _unpickle_prepared(text: str, params: FingerprintParams, hashes: bytes, at: bytes, words: int,
                       fingerprint: Fingerprint) -> Prepared:
    lines = text.split("\n")
    found = {int(h): lines[i].strip() for h, i in zip(np.frombuffer(hashes, dtype=np.int64),
                                                       np.frombuffer(at, dtype=np.int32))}
    return Prepared(text, params, found, words, fingerprint)


def prepare(text: str, params: FingerprintParams) -> Prepared:
    """Line hashes, word count and fingerprint of ``text``: what ``Archive`` computes when a page
    arrives without them.

    >>> p = prepare("one two three\\nfour five six", FingerprintParams())
    >>> p.word_count, len(p.lines), p.fingerprint.text_hash == fingerprint(p.text, FingerprintParams()).text_hash
    (6, 2, True)
    """
    from archive.neardup.lines import page_lines

    normalised = normalize_text(text)
    tokens = _WORD.findall(normalised)
    return Prepared(text, params, page_lines(text), word_count(tokens), _fingerprint_normalised(normalised, tokens, params))


def _fingerprint_normalised(normalised: str, tokens: list[str], params: FingerprintParams) -> Fingerprint:
    hashes = shingle_hashes(tokens, params.shingle_size)
    signature = minhash_signature(hashes, params.num_perm, params.seed)
    digest = hashlib.sha256(normalised.encode("utf-8")).hexdigest()
    return Fingerprint(digest, signature, int(hashes.shape[0]))
