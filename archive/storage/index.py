"""The persistent LSH index: band keys from datasketch's banding, candidate lookup in the database."""

from __future__ import annotations

import functools
import hashlib
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import BigInteger, Integer, bindparam, delete, text

from archive.storage import fastsql
from archive.storage.bulk import insert_rows
from archive.storage.models import LshBand

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from archive.config import FingerprintParams


class Banding:
    """The (b, r) banding datasketch chooses for a threshold, turned into 64-bit bucket keys.

    >>> from archive.config import FingerprintParams
    >>> banding = Banding(FingerprintParams())
    >>> banding.b, banding.r
    (25, 5)
    """

    def __init__(self, params: FingerprintParams) -> None:
        self.b, self.r = optimal_banding(params.threshold, params.num_perm)
        if self.b < 2:
            raise ValueError(f"threshold {params.threshold} with {params.num_perm} permutations gives fewer than 2 bands")
        self.hashranges: list[tuple[int, int]] = [(i * self.r, (i + 1) * self.r) for i in range(self.b)]

    def record(self) -> dict[str, str]:
        return {"lsh_b": str(self.b), "lsh_r": str(self.r)}

    def keys(self, signature: np.ndarray) -> list[tuple[int, int]]:
        """One ``(band, bucket)`` per band: a signed 64-bit hash of the band's values."""
        out = []
        for band, (start, end) in enumerate(self.hashranges):
            digest = hashlib.blake2b(signature[start:end].tobytes(), digest_size=8).digest()
            out.append((band, int.from_bytes(digest, "big", signed=True)))
        return out


@functools.lru_cache(maxsize=32)
def optimal_banding(threshold: float, num_perm: int, weights: tuple[float, float] = (0.5, 0.5)) -> tuple[int, int]:
    """The (bands, rows) ``datasketch.MinHashLSH`` chooses for ``threshold``: the pair minimising
    the weighted areas of false positives below the threshold and false negatives above it.

    datasketch integrates with scipy, whose import costs about half a second at every start; the
    integrands are polynomials of degree ``b * r <= num_perm``, so Gauss-Legendre quadrature with
    ``num_perm // 2 + 1`` nodes gives the same areas exactly (tested against datasketch).

    >>> optimal_banding(0.5, 128)
    (25, 5)
    """
    nodes, node_weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)

    def area(lo: float, hi: float, b: int, r: int, positive: bool) -> float:
        s = (hi - lo) / 2 * nodes + (hi + lo) / 2
        p = 1 - (1 - s ** float(r)) ** float(b)
        return float((hi - lo) / 2 * np.dot(node_weights, p if positive else 1 - p))

    best, choice = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            error = (area(0.0, threshold, b, r, True) * weights[0] + area(threshold, 1.0, b, r, False) * weights[1])
            if error < best:
                best, choice = error, (b, r)
    return choice


_BANDS = LshBand.__table__
_DELETE_BANDS = delete(_BANDS).where(_BANDS.c.article_id == bindparam("b_article"))


def write_bands(session: Session, article_id: int, keys: list[tuple[int, int]]) -> None:
    """One statement for the article's band rows (``bulk.insert_rows``): no ORM objects."""
    insert_rows(session, _BANDS, [{"article_id": article_id, "band": b, "bucket": k} for b, k in keys])


def delete_bands(session: Session, article_id: int) -> None:
    fastsql.execute(session.connection(), _DELETE_BANDS, {"b_article": article_id})


@functools.lru_cache(maxsize=16)
def _candidate_query(bands: int):  # noqa: ANN202 - a TextClause
    """``(band = :b0 AND bucket = :k0) OR ...``: one index probe of ``(band, bucket)`` per band
    (SQLite's OR optimisation, PostgreSQL's BitmapOr), counted and ranked in the database.
    Built once per band count with its result columns declared, so nothing is compiled or
    described again per lookup."""
    terms = " OR ".join(f"(band = :b{i} AND bucket = :k{i})" for i in range(bands))
    return text(f"SELECT article_id, count(*) AS shared FROM lsh_band WHERE ({terms}) AND article_id != :exclude "
                f"GROUP BY article_id ORDER BY shared DESC, article_id LIMIT :limit").bindparams(
        *(bindparam(f"k{i}", type_=BigInteger) for i in range(bands))).columns(article_id=Integer, shared=Integer)


def candidates(session: Session, keys: list[tuple[int, int]], *, exclude: int | None = None,
               limit: int = 50) -> list[int]:
    """Article ids sharing at least one band bucket, most shared bands first (then lowest id)."""
    if not keys:
        return []
    params: dict[str, int] = {"exclude": -1 if exclude is None else exclude, "limit": limit}
    for i, (band, bucket) in enumerate(keys):
        params[f"b{i}"], params[f"k{i}"] = band, bucket
    return fastsql.scalars(session.connection(), _candidate_query(len(keys)), params)
