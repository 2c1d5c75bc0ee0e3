"""Image references as KubeAdmiral splits and joins them (the distribution/reference
grammar, without normalisation); Karmada's own reading is `hubless.imageref`."""

from __future__ import annotations

import re
from collections.abc import Mapping

# The distribution/reference grammar; names are not normalised (no docker.io, no library/).
_ALNUM = r"[a-z0-9]+"
_PATH_COMPONENT = rf"{_ALNUM}(?:(?:[._]|__|[-]+){_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG_PATTERN = r"[\w][\w.-]{0,127}"
_DIGEST_PATTERN = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"({_NAME})(?::({_TAG_PATTERN}))?(?:@({_DIGEST_PATTERN}))?", re.ASCII)
TAG = re.compile(_TAG_PATTERN, re.ASCII)
DIGEST = re.compile(_DIGEST_PATTERN, re.ASCII)
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_NAME_MAX = 255


def parse_image(image: str) -> dict[str, str]:
    """An image split as KubeAdmiral splits it: {Registry, Repository, Tag, Digest}, "" when
    absent. Unlike Karmada, a reference with both a tag and a digest keeps both. The part
    before the first "/" is the registry only if it has a "." or ":" or is "localhost"."""
    match = _REFERENCE.fullmatch(image)
    if match is None:
        if not image:
            raise ValueError("repository name must have at least one component")
        if _REFERENCE.fullmatch(image.lower()):
            raise ValueError("repository name must be lowercase")
        raise ValueError("invalid reference format")
    name, tag, digest = match.group(1), match.group(2) or "", match.group(3) or ""
    if len(name) > _NAME_MAX:
        raise ValueError(f"repository name must not be more than {_NAME_MAX} characters")
    if digest:
        algorithm, _, encoded = digest.partition(":")
        length = _DIGEST_LENGTHS.get(algorithm)
        if length is None:
            raise ValueError("unsupported digest algorithm")
        if len(encoded) != length:
            raise ValueError("invalid checksum digest length")
        if not re.fullmatch(r"[a-f0-9]+", encoded):
            raise ValueError("invalid checksum digest format")
    head, slash, rest = name.partition("/")
    if slash and (any(c in head for c in ".:") or head == "localhost"):
        registry, repository = head, rest
    else:
        registry, repository = "", name
    return {"Registry": registry, "Repository": repository, "Tag": tag, "Digest": digest}


def format_image(parts: Mapping[str, str]) -> str:
    """[registry/]repository[:tag][@digest]; nothing is validated."""
    image = parts["Repository"]
    if parts["Registry"]:
        image = f"{parts['Registry']}/{image}"
    if parts["Tag"]:
        image = f"{image}:{parts['Tag']}"
    if parts["Digest"]:
        image = f"{image}@{parts['Digest']}"
    return image
