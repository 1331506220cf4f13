"""Signals of the project's own, so components meet without importing each other."""

# Sent by WarcRecorder after each response record: kwargs pointer (archive.warcstore.Pointer),
# request, response. The archive pipeline turns it into a `captures` row.
warc_record_written = object()
