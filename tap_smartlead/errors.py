"""Errors the tap reports to its user in one line."""

from __future__ import annotations

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError


class SmartleadError(Exception):
    """An error with a message fit for the user: no URL query string, no secret, one line."""


class AuthenticationError(SmartleadError, FatalAPIError):
    pass


class NotFoundError(SmartleadError, FatalAPIError):
    """404: the resource (typically a campaign deleted since it was listed) is gone.

    Its message names the path only, so an unhandled one is reported in one line."""


class UnexpectedResponseError(SmartleadError, FatalAPIError):
    """A 200 whose JSON is not the shape the endpoint documents."""


class ApiRequestError(SmartleadError, FatalAPIError):
    """A 4xx the tap cannot recover from (``status``: the HTTP status, when one was sent)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransientApiError(RetriableAPIError):
    """5xx, 429, invalid or truncated JSON: retried with backoff."""


class ConnectionFailedError(SmartleadError, RetriableAPIError):
    """The host could not be reached or the connection broke (retried, then reported)."""


class RetriesExhaustedError(SmartleadError):
    """A request kept failing with retriable errors until the retry budget ran out."""


class ConfigurationError(SmartleadError):
    pass


class RateLimitedTooLongError(SmartleadError):
    """The server answered 429 to every request for longer than the limiter's patience."""


class SyncStopped(SmartleadError):
    """The run is stopping (a signal, or another stream's error): no new request starts."""
