"""Bytes of a page to an Article: charset, main text (trafilatura), metadata, credits, URL keys. No database."""
