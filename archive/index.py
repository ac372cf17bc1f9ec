"""The persistent LSH index: band keys from datasketch's banding, candidate lookup in the database."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
from datasketch import MinHashLSH
from sqlalchemy import and_, delete, insert, or_, select

from archive.models import LshBand

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
        lsh = MinHashLSH(threshold=params.threshold, num_perm=params.num_perm)
        self.b: int = lsh.b
        self.r: int = lsh.r
        self.hashranges: list[tuple[int, int]] = list(lsh.hashranges)

    def record(self) -> dict[str, str]:
        return {"lsh_b": str(self.b), "lsh_r": str(self.r)}

    def keys(self, signature: np.ndarray) -> list[tuple[int, int]]:
        """One ``(band, bucket)`` per band: a signed 64-bit hash of the band's values."""
        out = []
        for band, (start, end) in enumerate(self.hashranges):
            digest = hashlib.blake2b(signature[start:end].tobytes(), digest_size=8).digest()
            out.append((band, int.from_bytes(digest, "big", signed=True)))
        return out


def write_bands(session: Session, article_id: int, keys: list[tuple[int, int]]) -> None:
    session.execute(insert(LshBand), [{"article_id": article_id, "band": b, "bucket": k} for b, k in keys])


def delete_bands(session: Session, article_id: int) -> None:
    session.execute(delete(LshBand).where(LshBand.article_id == article_id))


def candidates(session: Session, keys: list[tuple[int, int]], *, exclude: int | None = None,
               limit: int = 50) -> list[int]:
    """Article ids sharing at least one band bucket, most shared bands first."""
    if not keys:
        return []
    condition = or_(*(and_(LshBand.band == b, LshBand.bucket == k) for b, k in keys))
    hits = Counter(session.scalars(select(LshBand.article_id).where(condition)))
    hits.pop(exclude, None)
    return [article_id for article_id, _ in hits.most_common(limit)]
