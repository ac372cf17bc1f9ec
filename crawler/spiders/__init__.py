"""The spiders of the newsarchive Scrapy project (``scrapy crawl news``)."""
