"""Signals of the project's own, so components meet without importing each other."""

# Sent by WarcRecorder after each response record: kwargs pointer (archive.warcstore.Pointer),
# request, response. The archive pipeline turns it into a `captures` row.
warc_record_written = object()

# Sent by PolitenessMiddleware when a domain answered "too much" (429, 503, a verification
# page): kwargs request, delay (seconds, the domain's new delay). A shared crawl's cluster
# politeness (harvester.politeness.ClusterPolitenessMiddleware) spreads it to every worker.
domain_backed_off = object()
