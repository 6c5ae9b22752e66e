"""What a logical backup (dumpdata) leaves out, because migrate recreates it.

Used by docs/deploy.md's commands and by the round-trip test, so they agree.
"""

DUMP_EXCLUDES = [
    "contenttypes",  # rebuilt by migrate; referred to by natural key everywhere else
    "auth.permission",  # likewise
    "sessions",  # logins are not worth restoring
    "admin.logentry",  # the admin's own log; the editorial record is reversion + events
    "axes",  # login-throttling counters
    "alerts.publicationrendering",  # HTML derived from each publication, made again on read
    "alerts.publicationpage",  # likewise, each current publication's whole page
    "alerts.publicationitem",  # likewise, its entry in lists and feeds
    "alerts.livespan",  # which publication is current: rebuilt as publications load
    "alerts.livespancount",  # how many spans are open: kept as they are rebuilt
    "alerts.livefacet",  # the countries and stages each span rates: rebuilt likewise
    "alerts.countryspan",  # each country's current determination: rebuilt likewise
    "alerts.livesetcounter",  # the page cache's generation; migrate creates it
]
