"""Container image references, parsed and rewritten exactly as Karmada's imageparser does.

The grammar is distribution/reference's `name[:tag][@digest]` without Docker Hub
normalization: path components are lower case, a digest must name a known algorithm with
the right hex length. The registry is the part before the first `/` only when it contains
`.` or `:` or is `localhost`. With both a tag and a digest, only the tag is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?", re.ASCII)
TAG = re.compile(_TAG, re.ASCII)
DIGEST = re.compile(_DIGEST, re.ASCII)
_DIGEST_HEX = {"sha256": 64, "sha384": 96, "sha512": 128}
_NAME_MAX = 255


class InvalidReference(ValueError):
    pass


def _check_digest(digest: str) -> None:
    algorithm, _, encoded = digest.partition(":")
    length = _DIGEST_HEX.get(algorithm)
    if length is None:
        raise InvalidReference("unsupported digest algorithm")
    if len(encoded) != length or not re.fullmatch(r"[a-f0-9]+", encoded):
        raise InvalidReference("invalid checksum digest format")


@dataclass
class ImageReference:
    hostname: str
    repository: str
    tag: str
    digest: str

    @classmethod
    def parse(cls, image: str) -> ImageReference:
        match = _REFERENCE.fullmatch(image)
        if match is None:
            if not image:
                raise InvalidReference("repository name must have at least one component")
            if _REFERENCE.fullmatch(image.lower()):
                raise InvalidReference("repository name must be lowercase")
            raise InvalidReference("invalid reference format")
        name, tag, digest = match.group(1), match.group(2) or "", match.group(3) or ""
        if len(name) > _NAME_MAX:
            raise InvalidReference(f"repository name must not be more than {_NAME_MAX} characters")
        if digest:
            _check_digest(digest)
        hostname, repository = split_hostname(name)
        # A reference with a tag reports the tag only; the digest is dropped.
        return cls(hostname, repository, tag, "" if tag else digest)

    @property
    def tag_or_digest(self) -> str:
        return self.tag or self.digest

    def set_tag_or_digest(self, value: str) -> None:
        """A valid tag replaces tag and digest; a valid digest likewise; else no change."""
        if TAG.fullmatch(value):
            self.tag, self.digest = value, ""
        elif DIGEST.fullmatch(value):
            self.tag, self.digest = "", value

    def remove_tag_or_digest(self) -> None:
        if self.tag:
            self.tag = ""
        else:
            self.digest = ""

    def __str__(self) -> str:
        name = f"{self.hostname}/{self.repository}" if self.hostname else self.repository
        if self.tag:
            return f"{name}:{self.tag}"
        if self.digest:
            return f"{name}@{self.digest}"
        return name


def split_hostname(name: str) -> tuple[str, str]:
    head, slash, rest = name.partition("/")
    if not slash or (not any(c in head for c in ".:") and head != "localhost"):
        return "", name
    return head, rest
