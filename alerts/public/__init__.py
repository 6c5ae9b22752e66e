"""What readers see: the public pages, feeds, API, sitemaps, search and the page cache."""
