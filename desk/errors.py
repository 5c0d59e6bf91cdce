"""Errors a service raises for a person to read (views flash them, the CLI prints them)."""

from desk.access import NotVisible, PermissionDenied


def N_(message: str) -> str:
    """Mark a message for translation where it is raised; the page translates it when shown."""
    return message


class ServiceError(Exception):
    """The request makes no sense in the inquiry's current state."""


class UnknownChannel(ServiceError):
    """An inbound message names a channel the desk does not have."""


__all__ = ["NotVisible", "PermissionDenied", "ServiceError", "UnknownChannel"]
