"""The exceptions the archive raises; only the CLI turns them into exit codes.

    ArchiveError                 any operational failure of the archive (exit 1)
    ├── DatabaseUnavailable      the database URL cannot be opened or reached (or stayed locked)
    ├── WriteFailed              the database refused a write for a reason waiting does not cure
    ├── ConfigMismatch           the archive was built with other fingerprint parameters
    ├── NotFound                 a cluster or article id that does not exist
    ├── RunLocked                another crawl holds the archive's run lock
    ├── SchemaMismatch           the archive's schema is a newer release's, or needs `newsarchive migrate`
    ├── FrontierUnavailable      the shared Redis frontier is unreachable or crawls other hosts
    ├── NotWarc                  a file given to import-warc is not a WARC file
    └── ChangedFile              a WARC file whose import was started is not the same file any more
"""

from __future__ import annotations


class ArchiveError(Exception):
    """An operational failure, reported to the user as one line."""


class DatabaseUnavailable(ArchiveError):
    """The database cannot be opened or reached."""


class WriteFailed(ArchiveError):
    """The database refused a write (a constraint, a bug): waiting would not help."""


class ConfigMismatch(ArchiveError):
    """The archive was built with different fingerprint parameters than this run uses."""


class NotFound(ArchiveError):
    """A cluster or article id that is not in the archive."""


class RunLocked(ArchiveError):
    """Another crawl holds the archive's run lock."""


class FrontierUnavailable(ArchiveError):
    """The shared frontier cannot be used: Redis unreachable, or it crawls other hosts."""
class SchemaMismatch(ArchiveError):
    """The archive's schema is not this release's: made by a newer one, or to be migrated."""


class NotWarc(ArchiveError):
    """The file is not a WARC file at all (or cannot be read)."""


class ChangedFile(ArchiveError):
    """A WARC file whose import was started is not the same file any more."""
