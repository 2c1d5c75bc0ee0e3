"""The error an overrider raises when it cannot apply."""


class OverrideFailure(Exception):
    """An overrider could not apply; the message says why."""
