"""Stable error codes: the shim and users key on these, so they never change meaning."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Every failure `dispatch` can report. Values are part of the version-1 contract."""

    BAD_JSON = "BAD_JSON"
    """`dispatch_json` got text that is not JSON."""
    BAD_REQUEST = "BAD_REQUEST"
    """The request is not an object, or a field has the wrong type."""
    UNSUPPORTED_VERSION = "UNSUPPORTED_VERSION"
    """`v` is missing or not a contract version this package speaks."""
    BAD_MESSAGE = "BAD_MESSAGE"
    """The widget message lacks a field its type requires."""
    BAD_HOSTNAME = "BAD_HOSTNAME"
    """`context.page.hostname` is not a valid DNS host name."""
    UNKNOWN_PLATFORM = "UNKNOWN_PLATFORM"
    """No adapter is named `context.platform` or matches the page host."""
    PLATFORM_UNAVAILABLE = "PLATFORM_UNAVAILABLE"
    """The page's CRM was left out of this build (its manifest entry or plug-in cannot work)."""
    NOT_CRM_PAGE = "NOT_CRM_PAGE"
    """The page matches a CRM but is not its app (``www.clio.com``): its host is not used."""
    BAD_SETTING = "BAD_SETTING"
    """A setting has a value outside its documented choices."""
    BAD_STATE = "BAD_STATE"
    """`state` was not one this package wrote; it was reset."""
    BAD_CONTACT = "BAD_CONTACT"
    """A contact match has no usable id (empty, dot segment, too long, wrong type)."""
    NO_CONTACT_MATCH = "NO_CONTACT_MATCH"
    """No CRM contact is known for the call's number."""
    CHOICE_EXPIRED = "CHOICE_EXPIRED"
    """The user picked from a contact chooser that is no longer the current one."""
    MISSING_STORAGE = "MISSING_STORAGE"
    """The adapter needs a stored value (e.g. a CRM instance URL) that is not there."""
    SERVER_UNREACHABLE = "SERVER_UNREACHABLE"
    """The App Connect server did not answer (down, refused, timed out)."""
    SERVER_ERROR = "SERVER_ERROR"
    """The App Connect server answered with an error or an unexpected body."""
    SESSION_ENDED = "SESSION_ENDED"
    """The App Connect server no longer knows this sign-in (signed out, revoked, expired)."""
    UNKNOWN_FETCH = "UNKNOWN_FETCH"
    """A fetch result arrived for no pending request (state was reset or evicted)."""
    UNSAFE_URL = "UNSAFE_URL"
    """An adapter produced a URL that failed the guard; it was not opened."""
    INTERNAL_ERROR = "INTERNAL_ERROR"
    """A bug: an exception escaped a handler. Nothing was opened."""


class CallbackError(Exception):
    """A failure with a stable code; `dispatch` turns it into an `errors` entry."""

    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str]:
        """The contract's error entry; ``field`` names the setting at fault, when one is."""
        entry = {"code": self.code.value, "message": self.message}
        if self.field:
            entry["field"] = self.field
        return entry
