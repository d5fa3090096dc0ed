"""Router rules; importing this package registers every rule with the router."""

from . import callpop

__all__ = ["callpop"]
