"""The one exception an adapter declaration raises when it cannot work."""

from __future__ import annotations


class AdapterError(ValueError):
    """An adapter, plug-in or manifest platform that cannot work, and why.

    Raised on registration (`Adapter.validate`) and by the manifest loader; the build
    catches this one type, reports the CRM and leaves it out. A ValueError, so older
    callers that caught ValueError still do.
    """
