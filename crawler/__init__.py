"""newsarchive's Scrapy project: fetching and discovery only; the archive does the rest."""
