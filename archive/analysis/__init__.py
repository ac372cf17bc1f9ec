"""Read-only analysis of an archive: cluster listings, statistics, search, the HTML report, Datasette."""
