"""The Archive and its database: schema and migrations, sessions, the band index, cluster placement,
learned chrome, and the crawl state (frontier, revisits, run lock)."""
