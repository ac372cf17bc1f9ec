"""Datasette metadata for a SQLite archive: what each table, view and column means (as
docs/schema.md says it), full-text search on `article`, and canned queries for the usual
questions. `newsarchive datasette-metadata -o metadata.json` writes it; then
`datasette newsarchive.db -m metadata.json`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archive.analysis.queries import FTS_TABLE

# The descriptions of docs/schema.md, as plain text (tests/integration/test_analyst_datasette.py
# checks that the two agree): table -> (what a row is, {column: meaning}).
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    'site': (
        'A host whose pages are archived.',
        {
            'id': 'key',
            'host': 'host or host:port, lower case, unique',
            'name': "the publisher's name as the first page that gave one named it (og:site_name and the like); NULL if none did",
            'first_seen': 'when the first page of the host was archived',
        }),
    'article': (
        'The newest version of one archived page (one row per URL, after normalisation). Pages that are not articles (home, section, tag pages) are never stored.',
        {
            'id': 'key',
            'url_key': "the page's identity: the normalised URL without its scheme, tracking parameters or trailing slash (example.com/story); unique",
            'url': 'the URL as fetched',
            'canonical_url': 'the URL the page declares as its original (rel=canonical, og:url), if any',
            'site_id': '→ site.id: the host the page was fetched from',
            'title': 'the headline on this page (a copy often has its own)',
            'author': 'byline, if the page has one',
            'sitename': 'the publisher this page names; the views use it before site.name and site.host',
            'published': 'the publication time the page states: the earliest plausible publication declaration (JSON-LD datePublished, article:published_time and the like, <time>, the URL, htmldate), never a "modified" stamp; NULL when it states none (copies often do not)',
            'date_source': 'where published was read: json-ld datePublished, meta article:published_time, itemprop datePublished, <time>, url, htmldate or trafilatura (migration 0006)',
            'evidence': 'JSON of what the page declares (migration 0006): dates (every date seen, [source, ISO time], "modified" stamps marked as such), publisher (JSON-LD publisher names and URLs), rights (publishers named only by a copyright notice, "© X 2024"), credit_links ([name, URL]: the link an attribution line gives for the publisher it credits), edge_lines (the page\'s short first and closing lines, read against the other members\' names: see docs/canonical.md)',
            'publisher_id': '→ publisher.id: the publisher the page declares itself to be (no constraint: the column was added in place); NULL when it declares none (migration 0006)',
            'language': 'ISO 639-1 code detected or declared',
            'text': 'the body with all known site chrome removed: what the fingerprint is computed from',
            'raw_text': "the body as extracted, before the site's learned chrome was removed",
            'text_hash': 'hash of the normalised text: equal hashes are exact copies',
            'signature': 'the MinHash signature (128 unsigned 32-bit values, bytes)',
            'shingle_count': 'how many word 5-grams the text has',
            'credits': 'JSON list of publishers the page credits ("originally appeared in X", "(c) X")',
            'is_excerpt': 'the page holds only the opening of a longer story',
            'cluster_id': '→ cluster.id: the story this page belongs to',
            'role': "canonical (the story's original or best stand-in), mirror (a copy) or excerpt (a copy of the opening only)",
            'similarity': "estimated Jaccard similarity of the text to the canonical's (1.0 for the canonical); low values mean more edits",
            'found_via': 'how the crawler found the URL: seed, feed, sitemap, news_sitemap or link',
            'version': "1, then +1 each time the page's text changed on a later visit",
            'etag': 'HTTP validators of the last fetch, for conditional re-fetches',
            'last_modified': 'HTTP validators of the last fetch, for conditional re-fetches',
            'first_seen': 'when the archive first fetched the page: for a copy, when it was seen republished',
            'fetched_at': 'the last fetch',
            'gone_at': 'when a re-crawl found the page answering 404 or 410 (the article is kept); empty while the page is live',
            'warc_file': '(migration 0007) the WARC file holding the raw page this version was made from: an absolute path (crawl --warc) or the path or URL import-warc read; empty when the page was not kept',
            'warc_offset': "where the page's response record is in that file: byte offset and length (the record's gzip member in a .warc.gz)",
            'warc_length': "where the page's response record is in that file: byte offset and length (the record's gzip member in a .warc.gz)",
            'warc_record_id': "the record's WARC-Record-ID (<urn:uuid:...>)",
            'warc_digest': "the record's WARC-Payload-Digest (sha1:BASE32)",
            'extractor_version': 'the extractor that made the text (1/trafilatura-2.3.1); newsarchive reprocess takes articles made by another',
            'fingerprint_version': 'a digest of the fingerprint parameters the signature was made with (see meta)',
        }),
    'cluster': (
        'One story.',
        {
            'id': 'key; newsarchive show ID',
            'canonical_id': '→ article.id of the canonical (no foreign key: the two tables point at each other)',
            'size': 'number of articles in the cluster; 0 once merged',
            'origin': "the publisher most members credit as the story's origin, when any do",
            'origin_url': 'an original URL a member declares that is not itself archived',
            'merged_into': '→ cluster.id when two stories turned out to be one; the old id still resolves in show',
            'created_at': 'when the cluster was made and last changed',
            'updated_at': 'when the cluster was made and last changed',
        }),
    'publisher': (
        "A publisher as the archive learned it: pages that declare the same site name or domain belong to one publisher, and a page that ties two known publishers together by a site name or a domain merges them. A JSON-LD publisher name (often a publishing house or a platform shared by many sites) and the name in a copy's credit line only attach to a publisher: they never merge two. IP addresses are hosts, not publishers' domains, and are never kept. See canonical.md for how names and domains are compared.",
        {
            'id': 'key',
            'name': 'the first name a page gave it (or its domain when none gave a name)',
            'first_seen': 'when the first page declaring it was archived',
        }),
    'publisher_alias': (
        'One name or registrable domain of a publisher, learned from the pages that declare it.',
        {
            'kind': 'name or domain; key with key',
            'key': 'a name\'s key (NFKC, case-folded, letters and digits of every script, a leading "the" dropped: 朝日新聞, harbourreview) or a registrable domain (abc24.com.au)',
            'publisher_id': '→ publisher.id',
            'value': 'the name or host as first seen',
            'source': "where it was first read: og:site_name, json-ld publisher, canonical host (a page's rel=canonical on its own publisher's domain), host (the serving host, when a name spells it), credit line and credit link (a copy's attribution line naming a publisher and linking to its domain)",
            'pages': 'how many archived pages declared it',
            'first_seen': 'when it was first seen',
        }),
    'article_version': (
        'Earlier texts of an article whose page changed.',
        {
            'id': 'key',
            'article_id': '→ article.id',
            'version': 'the version number the text had',
            'title': 'the headline, body and text hash of that version',
            'text': 'the headline, body and text hash of that version',
            'text_hash': 'the headline, body and text hash of that version',
            'fetched_at': 'when that text was fetched',
            'warc_file': "(migration 0007) where that version's raw page is, as in article",
            'warc_offset': "(migration 0007) where that version's raw page is, as in article",
            'warc_length': "(migration 0007) where that version's raw page is, as in article",
            'warc_record_id': "(migration 0007) where that version's raw page is, as in article",
            'warc_digest': "(migration 0007) where that version's raw page is, as in article",
        }),
    'lsh_band': (
        'The persistent MinHash LSH index: one row per article and band. Articles that share a (band, bucket) are candidate near-duplicates.',
        {
            'article_id': '→ article.id',
            'band': '0..bands-1',
            'bucket': "a 64-bit hash of the band's part of the signature",
        }),
    'lead_key': (
        "Hashes of the opening words of an article's first paragraphs. They find excerpts and short copies that share too little text with the whole story for LSH.",
        {
            'article_id': '→ article.id',
            'key': 'a 64-bit hash of the opening words of one of the first paragraphs',
        }),
    'site_line': (
        'Lines seen on a site\'s pages, counted per page, to learn the site\'s chrome (share buttons, "About us" blurbs). A line on enough pages of one site is chrome and is removed from article.text.',
        {
            'site_id': '→ site.id',
            'line_hash': 'a 64-bit hash of the normalised line',
            'pages': 'on how many pages of the site the line appeared',
            'line': 'the line as first seen',
        }),
    'article_line': (
        "The distinct lines of each article's extracted text (raw_text), by hash. When a line becomes chrome, the pages of the site that hold it are found here and cleaned again.",
        {
            'article_id': '→ article.id',
            'line_hash': 'a 64-bit hash of the normalised line, as in site_line',
            'site_id': "the article's site_id",
        }),
    'frontier': (
        "The crawl frontier: every URL a crawl discovered, with its state. A page's row is marked in the same transaction as its article, so a killed crawl resumes from the pending rows.",
        {
            'url_key': "the URL's identity, as article.url_key; key",
            'url': 'the URL as discovered',
            'host': 'its host (host or host:port)',
            'state': 'pending, done, failed or gone',
            'found_via': 'how the URL was found: seed, feed, sitemap, news_sitemap or link',
            'depth': 'links followed from a seed to reach it',
            'attempts': 'how many times it was fetched or tried',
            'next_attempt_at': 'when a failed URL may be tried again',
            'last_status': 'what the last attempt gave (HTTP status or error)',
            'discovered_run': '→ crawl_run.id of the crawl that found it',
            'discovered_at': 'when it was found and when its row last changed',
            'updated_at': 'when it was found and when its row last changed',
        }),
    'warc_import': (
        'The progress of newsarchive import-warc, one row per WARC file, committed in the same transaction as each article the file gives: a killed import resumes at next_offset.',
        {
            'source': "the file's absolute path or URL; key",
            'size': 'its size in bytes when the import started',
            'first_digest': 'a SHA-1 of its first 64 KiB (its first record): with size, a file that changed is refused',
            'next_offset': 'where the next record to read starts',
            'records': 'records read so far',
            'state': 'reading, or done once read to its end',
            'worker': 'host:pid of the last import that read it',
            'started_at': 'when its import started and when its row last changed',
            'updated_at': 'when its import started and when its row last changed',
        }),
    'crawl_run': (
        'One newsarchive crawl.',
        {
            'id': 'key; newsarchive runs lists them',
            'started_at': 'when the crawl started and ended',
            'finished_at': 'when the crawl started and ended',
            'status': 'running, ok, failed, interrupted or died',
            'seeds': 'JSON list of the seed URLs',
            'stats': 'JSON: pages, articles_new, duplicates, articles_updated, articles_unchanged, skipped, errors, seeds_ok, finish_reason',
            'pid': 'the process that ran it',
            'hostname': 'the process that ran it',
            'reason': 'why it failed or stopped',
            'heartbeat_at': 'last sign of life of a running crawl (shared frontiers)',
        }),
    'meta': (
        'Archive-wide facts, such as the fingerprint parameters the signatures were made with (an archive built with other parameters is refused rather than mixed).',
        {
            'key': "the fact's name",
            'value': 'its value',
        }),
    'alembic_version': (
        'The migration revision the schema is at.',
        {
            'version_num': 'the revision, such as 0005',
        }),
    'cluster_members': (
        "One row per archived article of a live cluster, with its story's canonical beside it.",
        {
            'cluster_id': 'the story and how many articles it has',
            'cluster_size': 'the story and how many articles it has',
            'canonical_id': "the story's canonical article",
            'canonical_url': "the story's canonical article",
            'canonical_publisher': "the canonical's publisher (sitename, else site.name, else host)",
            'credited_origin': 'cluster.origin: whom the members credit',
            'article_id': 'this article',
            'url': 'this article',
            'title': 'this article',
            'site': "this article's publisher (same fallbacks) and host",
            'host': "this article's publisher (same fallbacks) and host",
            'published': "this article's stated publication time and first fetch",
            'first_seen': "this article's stated publication time and first fetch",
            'similarity': 'estimated Jaccard similarity to the canonical',
            'role': 'canonical, mirror or excerpt',
            'delay_seconds': "seconds from the canonical's published (its first_seen when it states none) to this article's first_seen; 0 or small for the canonical itself",
        }),
    'syndication': (
        "Who republishes whom: one row per origin publisher and republishing site, over all copies (role <> 'canonical').",
        {
            'origin_publisher': "the canonical's publisher",
            'republisher': 'the publisher of the copies',
            'stories': 'how many stories it copied from that origin',
            'copies': 'how many copies (more than stories when one site has two copies of a story)',
            'avg_delay_seconds': 'the delays of cluster_members',
            'min_delay_seconds': 'the delays of cluster_members',
            'max_delay_seconds': 'the delays of cluster_members',
            'avg_similarity': 'mean similarity of the copies: lower means more edited',
        }),
    'cluster_member': (
        'The first view of the articles of every cluster: cluster_members without the cluster size, canonical id and delay (kept for queries written against it).',
        {
            'cluster_id': 'the story',
            'canonical_url': "the story's canonical article and its publisher",
            'canonical_publisher': "the story's canonical article and its publisher",
            'credited_origin': 'cluster.origin: whom the members credit',
            'article_id': 'this article',
            'url': 'this article',
            'title': 'this article',
            'site': "this article's publisher and host",
            'host': "this article's publisher and host",
            'published': "this article's stated publication time and first fetch",
            'first_seen': "this article's stated publication time and first fetch",
            'similarity': 'estimated Jaccard similarity to the canonical',
            'role': 'canonical, mirror or excerpt',
        }),
    'cluster_summary': (
        'One row per live cluster.',
        {
            'cluster_id': 'the story and how many articles it has',
            'size': 'the story and how many articles it has',
            'title': "the canonical's headline and URL",
            'canonical_url': "the canonical's headline and URL",
            'canonical_publisher': "the canonical's publisher",
            'credited_origin': 'whom the members credit',
            'created_at': 'when the cluster was made and last changed',
            'updated_at': 'when the cluster was made and last changed',
        }),
}

QUERIES: dict[str, dict[str, str]] = {
    "biggest_stories": {
        "title": "Biggest stories",
        "description": "The stories with the most articles: how many sites carry each, its canonical and "
                       "whom the copies credit.",
        "sql": """SELECT s.cluster_id, s.size, COUNT(DISTINCT m.site) AS sites, s.title, s.canonical_publisher,
       s.credited_origin, s.canonical_url
FROM cluster_summary s
JOIN cluster_members m ON m.cluster_id = s.cluster_id
WHERE s.size > 1
GROUP BY s.cluster_id, s.size, s.title, s.canonical_publisher, s.credited_origin, s.canonical_url
ORDER BY s.size DESC, sites DESC, s.cluster_id
LIMIT 100""",
    },
    "who_republishes_whom": {
        "title": "Who republishes whom",
        "description": "For each origin publisher and republishing site: stories copied, copies, average and "
                       "longest delay from the original's publication to the copy's first sighting, and the "
                       "copies' average similarity (lower means more edited).",
        "sql": """SELECT origin_publisher, republisher, stories, copies,
       ROUND(avg_delay_seconds / 3600.0, 1) AS avg_delay_hours,
       ROUND(max_delay_seconds / 3600.0, 1) AS max_delay_hours,
       ROUND(avg_similarity, 3) AS avg_similarity
FROM syndication
ORDER BY stories DESC, copies DESC, origin_publisher, republisher""",
    },
    "copies_of_url": {
        "title": "Copies of one URL",
        "description": "Every article of the story a URL belongs to (the URL as archived, or as a page "
                       "declares its original), the canonical first, then the copies as they were found.",
        "sql": """SELECT m.cluster_id, m.role, m.site, m.url, m.title, m.similarity, m.published, m.first_seen,
       ROUND(m.delay_seconds / 3600.0, 1) AS delay_hours
FROM cluster_members m
WHERE m.cluster_id IN (SELECT cluster_id FROM article WHERE url = :url OR canonical_url = :url)
ORDER BY m.role <> 'canonical', m.first_seen, m.article_id""",
    },
}

# The column each table's page sorts by, newest first.
SORT = {"article": "first_seen", "cluster": "updated_at", "crawl_run": "started_at"}


def metadata(database: str, fts: bool = True) -> dict[str, Any]:
    """Datasette metadata for the archive file whose name without extension is ``database``;
    ``fts``: whether the archive has its FTS5 index (Datasette then offers search on `article`)."""
    tables: dict[str, Any] = {}
    for name, (description, columns) in TABLES.items():
        entry: dict[str, Any] = {"description": description, "columns": dict(columns)}
        if name in SORT:
            entry["sort_desc"] = SORT[name]
        tables[name] = entry
    if fts:
        tables["article"].update(fts_table=FTS_TABLE, fts_pk="id")
    return {
        "title": "newsarchive",
        "description": "A news archive where every republished copy is grouped with its original. Start with "
                       "the canned queries, the cluster_members view (every article beside its story's "
                       "canonical) or the syndication view (who republishes whom).",
        "databases": {database: {"tables": tables, "queries": {k: dict(v) for k, v in QUERIES.items()}}},
    }


def database_name(path: str | Path) -> str:
    """The name Datasette gives a database file: its file name without the extension."""
    return Path(path).stem
