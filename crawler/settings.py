# Scrapy settings for the newsarchive project.
#
# Shaped like Scrapy's project template; every setting is commented. Override any of them with
# `scrapy crawl news -s NAME=VALUE` or `newsarchive crawl -s NAME=VALUE`. Our own settings are
# named NEWSARCHIVE_*. Docs:
#
#     https://docs.scrapy.org/en/latest/topics/settings.html
#     https://docs.scrapy.org/en/latest/topics/downloader-middleware.html
#     https://docs.scrapy.org/en/latest/topics/spider-middleware.html
"""Scrapy settings of the newsarchive crawler: polite defaults, our middlewares and pipeline."""

BOT_NAME = "newsarchive"

SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ADDONS = {}

# Crawl responsibly by identifying yourself (and your project) on the user-agent
USER_AGENT = "newsarchive/0.1 (+https://github.com/newsarchive/newsarchive)"

# Obey robots.txt rules; a robots.txt answered 5xx or unreachable disallows its host for the run
# (RFC 9309), see crawler.middlewares.StrictRobotsTxtMiddleware
ROBOTSTXT_OBEY = True

# Concurrency and throttling: at most 2 requests at a time per site, 1 s apart, adapted to the
# site's latency by AutoThrottle. Tests on loopback set DOWNLOAD_DELAY=0, AUTOTHROTTLE_ENABLED=False.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1
# What one response's callback yields (its item, a feed's or sitemap's requests) is processed 8 at a
# time: Scrapy starts that many asyncio tasks for every response (its default, 100, cost about a
# tenth of the crawl process's CPU)
CONCURRENT_ITEMS = 8

# Give up on a response after 30 s; drop (and count) bodies larger than 10 MiB, warn at 2 MiB
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# Follow links at most this many hops from a seed (robots -> sitemap index -> sitemap -> page is 3)
DEPTH_LIMIT = 8

# Disable the Telnet console and the remote-control server (Scrapy 2.19 enables one by default;
# it executes Python sent to it). A crawl process listens on no socket.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Cookies are not needed to read news pages
COOKIES_ENABLED = False

# Override the default request headers:
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}

# Enable or disable downloader middlewares
# See https://docs.scrapy.org/en/latest/topics/downloader-middleware.html
DOWNLOADER_MIDDLEWARES = {
    # Requests (redirect targets included) never leave the hosts named by the seeds
    "crawler.middlewares.ScopeDownloaderMiddleware": 50,
    # robots.txt with RFC 9309 failure handling replaces Scrapy's own
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.StrictRobotsTxtMiddleware": 100,
    # At most max_pages fetches per run (-a max_pages=N / --max-pages N); after robots.txt, so a
    # forbidden URL does not use up the budget (a retry or a redirect is a fetch and counts)
    "crawler.middlewares.PageBudgetDownloaderMiddleware": 450,
    # Archived articles: not fetched again until NEWSARCHIVE_RECRAWL_AFTER has passed, then
    # conditionally (If-None-Match / If-Modified-Since); after robots.txt, before the page budget
    "crawler.incremental.IncrementalDownloaderMiddleware": 400,
    # Loopback, private and link-local addresses are fetched only when a seed names the host
    "crawler.guards.InternalAddressMiddleware": 55,
    # Retries wait, and their host waits with them: Retry-After on 429/503, else exponential backoff
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry.BackoffRetryMiddleware": 550,
    # A redirect back into its own chain is an error (Scrapy's dupefilter would drop it silently)
    "crawler.guards.RedirectLoopMiddleware": 650,
    # Every response with its request to WARC files when NEWSARCHIVE_WARC_DIR is set; next to the
    # downloader, so responses are stored as received (before decompression and redirects)
    "crawler.warc.WarcCaptureMiddleware": 950,
}

# Spider middlewares: Scrapy's own, less three that every response's output would pass through
# for nothing here: the Referer header (news pages are read without it), the URL length check (the
# spider drops links longer than URLLENGTH_LIMIT itself, before they reach the frontier) and the
# request.meta copy detector (a debugging aid)
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}

# Enable or disable extensions
# See https://docs.scrapy.org/en/latest/topics/extensions.html
EXTENSIONS = {
    # A live status line on stderr when it is a terminal (see NEWSARCHIVE_PROGRESS)
    "crawler.progress.ProgressExtension": 500,
}

# Configure item pipelines
# See https://docs.scrapy.org/en/latest/topics/item-pipeline.html
ITEM_PIPELINES = {
    "crawler.pipelines.ArchivePipeline": 300,
}

# Enable and configure the AutoThrottle extension
# See https://docs.scrapy.org/en/latest/topics/autothrottle.html
AUTOTHROTTLE_ENABLED = True
# The initial download delay
AUTOTHROTTLE_START_DELAY = 1
# The maximum download delay to be set in case of high latencies
AUTOTHROTTLE_MAX_DELAY = 30
# The average number of requests Scrapy should be sending in parallel to each remote server
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# A request that failed for good is logged once, as "skip <url>: <reason>" (WARNING) by the
# spider; Scrapy's own "Gave up retrying" line would repeat it at ERROR
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"

# Log progress at INFO (one "Crawled N pages" line a minute, warnings for skipped URLs)
LOG_LEVEL = "INFO"
# Scrapy's per-page "Crawled" and "Scraped from" lines are made only when LOG_LEVEL is DEBUG
LOG_FORMATTER = "crawler.logformat.PageLogFormatter"
# Scrapy's stats, without the deprecation check it runs on every attribute read
STATS_CLASS = "crawler.stats.PlainStatsCollector"

# Set settings whose default value is deprecated to a future-proof value
FEED_EXPORT_ENCODING = "utf-8"

# --- newsarchive settings -------------------------------------------------------------------

# The archive's database URL; None means $NEWSARCHIVE_DB, else sqlite:///newsarchive.db
# (resolved by archive.config.resolve_db_url when the pipeline opens)
NEWSARCHIVE_DB = None

# Processes that run extraction (trafilatura); 0 means one per CPU
NEWSARCHIVE_WORKERS = 0
# Pages an extraction process handles before a fresh one replaces it (bounds its memory); 0: never
NEWSARCHIVE_WORKER_MAX_TASKS = 500

# Links of one HTML page that are followed and recorded in the frontier; the rest of a page with
# more (a link farm, a huge archive index) are not read. Feeds and sitemaps are not capped.
NEWSARCHIVE_MAX_LINKS_PER_PAGE = 1000

# Show a live one-line status on stderr (only when stderr is a terminal)
NEWSARCHIVE_PROGRESS = False

# Retry backoff (crawler.retry.BackoffRetryMiddleware): a retried request's host waits
# BASE, 2*BASE, 4*BASE ... seconds (at most MAX); a Retry-After on 429/503 is honoured up to
# RETRY_AFTER_MAX seconds, and a longer one is not retried this run. RETRY_TIMES (Scrapy's, 2) applies.
NEWSARCHIVE_RETRY_BACKOFF_BASE = 1.0
NEWSARCHIVE_RETRY_BACKOFF_MAX = 60.0
NEWSARCHIVE_RETRY_AFTER_MAX = 600.0

# Incremental crawling (crawler.incremental.IncrementalDownloaderMiddleware): an archived article
# is not fetched again until RECRAWL_AFTER has passed since it was fetched (seconds, or 30m, 6h,
# 1d ...; 0 asks every run), then conditionally, so an unchanged page costs a 304 and nothing more.
# Seeds, feeds, sitemaps, robots.txt and home pages are always fetched. INCREMENTAL=False fetches
# everything in full (URLs already archived are then ingested as unchanged or updated).
NEWSARCHIVE_RECRAWL_AFTER = "1d"
# Per-host intervals that replace it ({"host[:port]": "6h"}); `newsarchive crawl --seeds-file` sets
# them from `URL recrawl=6h` lines.
NEWSARCHIVE_RECRAWL_BY_HOST: dict[str, str] = {}
NEWSARCHIVE_INCREMENTAL = True

# A locked or unreachable archive database is waited for (retries with growing pauses) for this
# long before the crawl fails with exit 1; pages fetched meanwhile stay pending in the frontier.
NEWSARCHIVE_DB_WAIT = "5m"

# Several workers sharing one crawl frontier (crawler.frontier_redis; `newsarchive crawl --frontier`):
# the Redis URL (None: each crawl has its own frontier), the prefix of its keys, and the seconds
# between a worker's signs of life (a worker silent for 4 of them is taken as dead).
NEWSARCHIVE_FRONTIER = None
NEWSARCHIVE_FRONTIER_NAME = "newsarchive"
NEWSARCHIVE_FRONTIER_HEARTBEAT = 5.0

# WARC capture (crawler.warc.WarcCaptureMiddleware; `newsarchive crawl --warc DIR`): the folder that
# receives every response with its request as WARC/1.1 files (None: no capture), and the size at
# which a file ends and the next begins (bytes, or 100M, 1G ...). None reads $NEWSARCHIVE_WARC_DIR.
NEWSARCHIVE_WARC_DIR = None
NEWSARCHIVE_WARC_MAX_SIZE = "1G"
