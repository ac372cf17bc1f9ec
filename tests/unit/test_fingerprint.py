"""Normalisation, shingles, fingerprints, URL normalisation and the canonical choice."""

from __future__ import annotations

import subprocess
import sys
import zlib
from datetime import datetime, timezone

import numpy as np
import pytest
from datasketch import MinHash

from archive.neardup.clusters import Member, choose_canonical, credited_origin, names_match, verify
from archive.config import FingerprintParams
from archive.neardup.fingerprint import _POSITION, containment, fingerprint, jaccard, minhash_signature, shingle_hashes
from archive.storage.index import Banding
from archive.neardup.normalize import normalize_text, shingles, words
from archive.extraction.urls import normalize_url, url_key
from textgen import story

PARAMS = FingerprintParams()


def test_typography_does_not_change_the_fingerprint():
    curly = "\u201cWe\u2019ll see,\u201d she said \u2014 and left.\u00a0Then   nothing."
    straight = '"We\'ll see," she said - and left. Then nothing.'
    assert normalize_text(curly) == normalize_text(straight)
    assert fingerprint(curly, PARAMS).text_hash == fingerprint(straight, PARAMS).text_hash


def test_paragraph_breaks_do_not_change_the_shingles():
    text = story(5)
    merged = " ".join(text)
    assert fingerprint("\n".join(text), PARAMS).text_hash == fingerprint(merged, PARAMS).text_hash


def _reference_shingle_hash(shingle: list[str]) -> int:
    """The documented shingle hash, one shingle at a time in plain Python."""
    mask = (1 << 64) - 1
    acc = sum(zlib.crc32(w.encode()) * int(p) for w, p in zip(shingle, _POSITION)) & mask
    for shift, mult in ((33, 0xFF51AFD7ED558CCD), (33, 0xC4CEB9FE1A85EC53)):
        acc = ((acc ^ (acc >> shift)) * mult) & mask
    return (acc ^ (acc >> 33)) >> 32


def _datasketch(hashes) -> np.ndarray:
    reference = MinHash(num_perm=PARAMS.num_perm, seed=PARAMS.seed, hashfunc=int, scheme="affine32")
    for h in hashes:
        reference.update(int(h))
    return reference.hashvalues.astype(np.uint32)


def test_signature_equals_datasketch_reference():
    text = " ".join(story(9))
    tokens = words(text)
    hashes = shingle_hashes(tokens, PARAMS.shingle_size)
    fp = fingerprint(text, PARAMS)
    assert np.array_equal(fp.signature, _datasketch(hashes))
    assert fp.shingle_count == len(set(shingles(tokens, PARAMS.shingle_size))) == len(hashes)
    # the vectorised shingle hashes are the per-shingle definition
    size = PARAMS.shingle_size
    expected = {_reference_shingle_hash(tokens[i:i + size]) for i in range(len(tokens) - size + 1)}
    assert set(hashes.tolist()) == expected


def test_signature_equals_reference_on_edge_sizes():
    many = np.arange(10_000, dtype=np.uint32) * np.uint32(2654435761)   # more than one block
    assert np.array_equal(minhash_signature(many, PARAMS.num_perm, PARAMS.seed), _datasketch(many))
    short = words("three short words")                  # fewer words than a shingle: one shingle
    assert shingle_hashes(short, PARAMS.shingle_size).tolist() == [_reference_shingle_hash(short)]
    empty = fingerprint("", PARAMS)
    assert empty.shingle_count == 0 and int(empty.signature.min()) == 2 ** 32 - 1


def test_jaccard_estimate_tracks_the_truth():
    a = story(1, paragraphs=10)
    b = a[:8]  # last two paragraphs cut
    fa, fb = fingerprint("\n".join(a), PARAMS), fingerprint("\n".join(b), PARAMS)
    j = jaccard(fa.signature, fb.signature)
    assert 0.65 < j < 0.95
    assert containment(j, fa.shingle_count, fb.shingle_count) > 0.85
    unrelated = fingerprint("\n".join(story(2, paragraphs=10)), PARAMS)
    assert jaccard(fa.signature, unrelated.signature) < 0.1


def test_verify_rejects_a_false_hit_and_flags_an_excerpt():
    full = fingerprint("\n".join(story(1, paragraphs=10)), PARAMS)
    other = fingerprint("\n".join(story(2, paragraphs=10)), PARAMS)
    # three of ten paragraphs: 128 permutations estimate this containment reliably (one paragraph
    # is found about three times in four, whatever the hash)
    excerpt = fingerprint("\n".join(story(1, paragraphs=10)[:3]), PARAMS)
    kw = dict(join_jaccard=0.5, join_containment=0.8, excerpt_ratio=0.35)
    assert verify(full.signature, full.shingle_count, other.signature, other.shingle_count, 2, **kw) is None
    match = verify(excerpt.signature, excerpt.shingle_count, full.signature, full.shingle_count, 1, **kw)
    assert match is not None and match.excerpt


def test_banding_comes_from_datasketch():
    banding = Banding(PARAMS)
    assert banding.b * banding.r <= PARAMS.num_perm
    keys = banding.keys(fingerprint("\n".join(story(3)), PARAMS).signature)
    assert [b for b, _ in keys] == list(range(banding.b))
    assert all(-(2 ** 63) <= k < 2 ** 63 for _, k in keys)


def test_url_variants_are_one_page():
    assert normalize_url("http://a.test/x?utm_source=feed&id=3&fbclid=1#c") == "http://a.test/x?id=3"
    assert url_key("https://A.test:443/x/") == url_key("http://a.test/x?gclid=2") == "a.test/x"
    assert url_key("http://a.test:8080/") == "a.test:8080/"


def t(day: int) -> datetime:
    return datetime(2022, 5, day, tzinfo=timezone.utc)


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]])
def test_canonical_choice_is_the_same_in_any_order(order):
    members = [
        Member(1, "pub.test/story", "pub.test", "Daily Pub", published=t(3), first_seen=t(9)),
        Member(2, "ngo.test/post", "ngo.test", "Aid Group", credits=("Daily Pub",), published=t(1), first_seen=t(2)),
        Member(3, "blog.test/copy", "blog.test", "Blog", canonical_key="pub.test/story", published=t(2), first_seen=t(1)),
        Member(4, "agg.test/teaser", "agg.test", "Agg", is_excerpt=True, published=t(1), first_seen=t(1)),
    ]
    assert choose_canonical([members[i] for i in order]).id == 1
    assert credited_origin(members) == "Daily Pub"


def test_canonical_falls_back_to_earliest_date_then_first_seen():
    a = Member(1, "a.test/1", "a.test", published=t(5), first_seen=t(1))
    b = Member(2, "b.test/1", "b.test", published=t(4), first_seen=t(6))
    c = Member(3, "c.test/1", "c.test", published=None, first_seen=t(2))
    assert choose_canonical([a, b, c]).id == 2
    assert choose_canonical([a, c]).id == 1
    future = Member(4, "d.test/1", "d.test", published=datetime(2099, 1, 1, tzinfo=timezone.utc), first_seen=t(3))
    assert choose_canonical([future, c]).id == 3  # a date after first seen + 1 day is not trusted


def test_excerpt_is_never_canonical_unless_alone():
    teaser = Member(1, "agg.test/t", "agg.test", is_excerpt=True, published=t(1))
    full = Member(2, "pub.test/s", "pub.test", published=t(2))
    assert choose_canonical([teaser, full]).id == 2
    assert choose_canonical([teaser]).id == 1


def test_publisher_names_match_hosts_and_variants():
    assert names_match("Harbour Review", "harbourreview.com")
    assert names_match("The Daily Pub", "Daily Pub")
    assert not names_match("Daily Pub", "Weekly Gazette")
    assert not names_match("", "x")


def test_archive_imports_without_scrapy():
    code = "import sys; sys.modules['scrapy'] = None; import archive, archive.cli.main, archive.extraction.extract"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_permutations_and_banding_equal_datasketch_without_importing_it():
    import subprocess
    import sys

    from datasketch import MinHash, MinHashLSH

    from archive.neardup.fingerprint import SCHEME, _permutations
    from archive.storage.index import optimal_banding

    for num_perm, seed in ((128, 1), (64, 7), (256, 42)):
        a, b = _permutations(num_perm, seed)
        ref_a, ref_b = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
        assert a.dtype == ref_a.dtype and (a == ref_a).all() and (b == ref_b).all()
    for num_perm in (16, 64, 128, 256):
        for threshold in (0.1, 0.3, 0.5, 0.7, 0.8, 0.9):
            try:
                lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
            except ValueError:          # datasketch refuses fewer than 2 bands
                assert optimal_banding(threshold, num_perm)[0] < 2
                continue
            assert optimal_banding(threshold, num_perm) == (lsh.b, lsh.r), (threshold, num_perm)
    # Opening an archive for writing and fingerprinting a text need neither datasketch nor scipy.
    code = ("import sys; from archive import Archive; from archive.neardup.fingerprint import fingerprint;"
            "from archive.config import FingerprintParams; a = Archive('sqlite://'); a._banding;"
            "fingerprint('one two three four five six seven', FingerprintParams());"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scipy', 'datasketch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_prepared_pickles_its_text_once_and_comes_back_equal():
    import pickle

    from archive.neardup.fingerprint import prepare as prepare_text

    text = "  First line of the story.\nSecond line here\nFIRST line of the story!\n\nSecond line here\nlast"
    prepared = prepare_text(text, FingerprintParams())
    data = pickle.dumps(prepared)
    back = pickle.loads(data)
    assert list(back.lines.items()) == list(prepared.lines.items())
    assert (back.text, back.params, back.word_count) == (prepared.text, prepared.params, prepared.word_count)
    assert back.fingerprint.text_hash == prepared.fingerprint.text_hash
    assert (back.fingerprint.signature == prepared.fingerprint.signature).all()
    assert data.count(b"First line of the story.") == 1      # once, in the text
