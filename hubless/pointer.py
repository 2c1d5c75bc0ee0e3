"""JSON pointers (RFC 6901): splitting one into reference tokens, joining tokens into one,
escaping a token."""

from __future__ import annotations

from collections.abc import Iterable


def unescape(token: str) -> str:
    """A reference token as the key it names: `~1` is `/`, then `~0` is `~`."""
    return token.replace("~1", "/").replace("~0", "~")


def escape(key: str) -> str:
    """A key written as a reference token (the inverse of `unescape`)."""
    return key.replace("~", "~0").replace("/", "~1")


def join(tokens: Iterable[str]) -> str:
    """The pointer to the value reached by `tokens` from the root."""
    return "".join(f"/{escape(token)}" for token in tokens)


def tokens(pointer: str) -> list[str]:
    """The unescaped reference tokens of a pointer that starts with `/`."""
    return [unescape(token) for token in pointer[1:].split("/")]
