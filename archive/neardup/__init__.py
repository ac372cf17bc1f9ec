"""Near-duplicate detection as pure functions: normalised text, shingles, MinHash, page lines,
verification of candidates, the canonical choice and what a copy changed. No database."""
