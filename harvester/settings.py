"""Scrapy settings fit for polite news crawling, plus the project's own keys.

Project keys (all overridable with `-s` or by `harvest` options):
ARCHIVE_DB (SQLite path, empty = no archive), WARC_DIR, WARC_MAX_SIZE, WARC_PREFIX,
WARC_FILE (one fixed file, for `harvest record`), HARVEST_PROGRESS, HARVEST_PROGRESS_INTERVAL.
"""
BOT_NAME = "harvester"
SPIDER_MODULES = ["harvester.spiders"]
NEWSPIDER_MODULE = "harvester.spiders"

USER_AGENT = "news-harvester/0.1 (+https://github.com/news-harvester/news-harvester; research archive)"
ROBOTSTXT_OBEY = True

# Politeness: AutoThrottle adapts to the server; per-domain concurrency stays low.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
# Scrapy starts this many asyncio tasks for the output of every response (default 100): an
# article page yields one item at most and a listing's links are scheduled without waiting, so
# a few do; a hundred cost the reactor about 1.5 ms of CPU a page (make bench, bench/crawl.py).
CONCURRENT_ITEMS = 4
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
}

EXTENSIONS = {
    "harvester.warc_recorder.WarcRecorder": 100,
    "harvester.progress.Progress": 500,
}
DOWNLOADER_MIDDLEWARES = {
    # Just before the download (after robots.txt, the incremental skip, politeness) and first
    # on the way back: holds article requests while HARVEST_EXTRACT_BACKLOG pages are being
    # downloaded or wait for extraction (harvester.crawl_extraction).
    "harvester.crawl_extraction.BackpressureMiddleware": 940,
    # Only active when REPLAY_WARCS names files: answers from WARC instead of the network.
    "harvester.replay_middleware.WarcReplayMiddleware": 950,
    # Outermost: a response whose WARC record could not be written (full disk) fails here.
    "harvester.warc_recorder.WarcGuardMiddleware": 990,
    # Just before RedirectMiddleware (600): a redirect back into its own chain fails, counted.
    "harvester.redirect_loops.RedirectLoopMiddleware": 610,
}
ITEM_PIPELINES = {
    "harvester.pipelines.ArchivePipeline": 300,
}

WARC_DIR = "warcs"
WARC_PREFIX = "harvest"
WARC_MAX_SIZE = 100 * 1024 * 1024
WARC_FILE = ""
ARCHIVE_DB = "archive.db"
HARVEST_PROGRESS = False
HARVEST_PROGRESS_INTERVAL = 10.0   # seconds between progress log lines when stderr is not a terminal
HARVEST_REFRESH = False
REPLAY_WARCS: list[str] = []
# Extraction runs in worker processes (harvester.crawl_extraction): None = one per core,
# 0 = in the reactor thread. Article fetching pauses while BACKLOG pages are being fetched
# or wait for extraction (0 = CONCURRENT_REQUESTS + 2 per worker). DEPTH pages are sent to a
# worker ahead of its results, so it never waits for the crawl process between pages.
HARVEST_EXTRACT_WORKERS = None
HARVEST_EXTRACT_BACKLOG = 0
HARVEST_EXTRACT_DEPTH = 2
# Seconds the archive writer waits after an article or capture for more to share its
# transaction (archive.writer): fewer commits and search-index segments, that much later.
HARVEST_ARCHIVE_LINGER = 0.1

# -- Sources, incremental crawling and politeness (harvester.sources, .incremental, .politeness) --
DOWNLOADER_MIDDLEWARES.update({
    # Before robots.txt and everything else: skip archived articles before any byte is sent;
    # on refresh add If-None-Match / If-Modified-Since and turn a 304 into "unchanged".
    "harvester.incremental.IncrementalMiddleware": 50,
    # After decompression/redirects, before RetryMiddleware: 429/503/verification pages slow
    # the domain down and are retried later instead of at once.
    "harvester.politeness.PolitenessMiddleware": 570,
    # Scrapy's robots.txt middleware, whose file is shared through Redis in a shared crawl.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "harvester.politeness.SharedRobotsTxtMiddleware": 100,
    # Only in a shared crawl (HARVEST_FRONTIER): per-domain delay and concurrency for all workers.
    "harvester.politeness.ClusterPolitenessMiddleware": 960,
})
# Deduplicate on harvester.urls.canonicalize_url (WeChat __biz/mid/idx/sn, no utm_*).
REQUEST_FINGERPRINTER_CLASS = "harvester.urls.CanonicalRequestFingerprinter"
HARVEST_INCREMENTAL = True          # skip archived articles unless HARVEST_REFRESH
HARVEST_BACKOFF_ENABLED = True
HARVEST_BACKOFF_RETRIES = 3         # backoffs per request before giving up on it
HARVEST_BACKOFF_MIN_DELAY = 5.0     # seconds: the domain's delay after the first backoff
HARVEST_BACKOFF_MAX_DELAY = 300.0
HARVEST_BACKOFF_ON_BLOCKED = True   # treat verification pages (环境异常 ...) like a 429
HARVEST_STATE_DIR = ""              # lock files and JOBDIRs; "" = "<ARCHIVE_DB>.state"
HARVEST_RESUME = True               # named sources keep a JOBDIR so an interrupted crawl resumes

# -- A crawl shared by several workers through Redis (harvester.frontier, docs/scale-out.md) --
HARVEST_FRONTIER = ""                   # redis://HOST:PORT/DB: join that shared frontier (--frontier)
HARVEST_FRONTIER_PREFIX = "harvest"     # Redis keys are <prefix>:<crawl name>:...
HARVEST_FRONTIER_LEASE_TIMEOUT = 30.0   # seconds until a dead worker's requests are back on the queue
HARVEST_FRONTIER_IDLE = 0.0             # seconds a worker waits idle for others' leases; 0 = as long as any
HARVEST_CLUSTER_DELAY = 0.0             # set by --frontier from DOWNLOAD_DELAY: seconds between requests
HARVEST_CLUSTER_CONCURRENCY = 1         #   to one domain, and requests open to it, over all workers
HARVEST_CLUSTER_BURST = 1               # tokens a quiet domain's bucket saves up
HARVEST_CLUSTER_BACKOFF_SPAN = 10.0     # a backoff holds for the cluster this many times its delay
HARVEST_ROBOTS_TTL = 86400              # seconds a robots.txt shared through Redis is kept
HARVEST_ROBOTS_WAIT = 60.0              # seconds a worker waits for another fetching robots.txt
