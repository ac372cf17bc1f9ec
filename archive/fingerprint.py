"""Fingerprints of a text: an exact hash of its normalised form and a MinHash signature."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

import datasketch
import numpy as np
from datasketch import MinHash

from archive.config import FingerprintParams
from archive.normalize import NORMALIZER_VERSION, normalize_text, shingles, words

SCHEME = "affine32"
SIGNATURE_DTYPE = np.dtype("<u4")


def _shingle_hash(data: bytes) -> int:
    # A fast, process-independent 32-bit hash; datasketch mixes it (fmix32) before permuting.
    return zlib.crc32(data)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """The exact-text hash, the MinHash signature (uint32 values) and the shingle count."""

    text_hash: str
    signature: np.ndarray
    shingle_count: int

    def signature_bytes(self) -> bytes:
        return self.signature.astype(SIGNATURE_DTYPE).tobytes()


def params_record(params: FingerprintParams) -> dict[str, str]:
    """What the archive's ``meta`` table records so signatures are never mixed."""
    return {
        "datasketch_version": datasketch.__version__.split(".")[0],
        "scheme": SCHEME,
        "num_perm": str(params.num_perm),
        "seed": str(params.seed),
        "shingle_size": str(params.shingle_size),
        "normalizer_version": str(max(params.normalizer_version, NORMALIZER_VERSION)),
        "shingle_hash": "crc32",
    }


def text_hash(text: str) -> str:
    """SHA-256 of the normalised text: identical for exact copies however typeset."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def fingerprint(text: str, params: FingerprintParams) -> Fingerprint:
    """Fingerprint ``text`` with ``params``.

    >>> fp = fingerprint("one two three four five six", FingerprintParams())
    >>> fp.shingle_count, fp.signature.shape
    (2, (128,))
    """
    items = sorted({s.encode("utf-8") for s in shingles(words(text), params.shingle_size)})
    minhash = MinHash(num_perm=params.num_perm, seed=params.seed, hashfunc=_shingle_hash, scheme=SCHEME)
    minhash.update_batch(items)
    return Fingerprint(text_hash(text), minhash.hashvalues.astype(SIGNATURE_DTYPE), len(items))


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
