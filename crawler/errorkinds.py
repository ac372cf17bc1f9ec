"""Short stats keys for failed requests (``http_404``, ``timeout``, ``dns`` ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import exceptions
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_errors

if TYPE_CHECKING:
    from twisted.python.failure import Failure

_NETWORK_ERRORS: tuple[tuple[type[BaseException], str], ...] = (
    (exceptions.CannotResolveHostError, "dns"),
    (exceptions.DownloadTimeoutError, "timeout"),
    (exceptions.DownloadConnectionRefusedError, "connect_error"),
    (exceptions.DownloadCancelledError, "too_large"),           # DOWNLOAD_MAXSIZE exceeded
    (exceptions.ResponseDataLossError, "data_loss"),
    (exceptions.DownloadFailedError, "download_failed"),
    (twisted_errors.DNSLookupError, "dns"),
    (twisted_errors.TimeoutError, "timeout"),
    (TimeoutError, "timeout"),
    (twisted_errors.ConnectionRefusedError, "connect_error"),
    (twisted_errors.ConnectError, "connect_error"),
    (twisted_errors.ConnectionLost, "connection_lost"),
)


def error_kind(failure: Failure) -> str:
    """A short stats key for a failed request: ``http_404``, ``timeout``, ``dns`` ..."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    for exc_type, kind in _NETWORK_ERRORS:
        if isinstance(exc, exc_type):
            return kind
    if isinstance(getattr(exc, "kind", None), str):      # our IgnoreRequest subclasses name their kind
        return exc.kind
    if isinstance(exc, IgnoreRequest) and (type(exc.__cause__).__name__ == "_DecompressionMaxSizeExceeded"
                                           or "exceeded DOWNLOAD_MAXSIZE" in str(exc)):
        return "too_large"         # a compressed body (a gzip bomb) past the size limit once unpacked
    if isinstance(exc, IgnoreRequest):
        return "too_many_redirects" if str(exc) == "max redirections reached" else "ignored"
    return type(exc).__name__.lower()
