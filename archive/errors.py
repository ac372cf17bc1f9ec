"""The exceptions the archive raises; only the CLI turns them into exit codes.

    ArchiveError                 any operational failure of the archive (exit 1)
    ├── DatabaseUnavailable      the database URL cannot be opened or reached
    ├── ConfigMismatch           the archive was built with other fingerprint parameters
    ├── SchemaMismatch           the archive's schema is a newer release's, or needs `newsarchive migrate`
    └── NotFound                 a cluster or article id that does not exist
"""

from __future__ import annotations


class ArchiveError(Exception):
    """An operational failure, reported to the user as one line."""


class DatabaseUnavailable(ArchiveError):
    """The database cannot be opened or reached."""


class ConfigMismatch(ArchiveError):
    """The archive was built with different fingerprint parameters than this run uses."""


class NotFound(ArchiveError):
    """A cluster or article id that is not in the archive."""


class SchemaMismatch(ArchiveError):
    """The archive's schema is not this release's: made by a newer one, or to be migrated."""
