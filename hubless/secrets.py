"""Keeping credentials out of git: plaintext Secrets and credential-looking values.

A Secret with `data` or `stringData` is refused unless SOPS encrypted every value or the
object opts in with the annotation `hubless.io/allow-plaintext-secret: "true"`.
SealedSecrets and ExternalSecrets are not Secrets and pass. ConfigMap data and container env
values that look like private keys or cloud credentials are warned about, unless the
object carries `hubless.io/allow-credentials: "true"`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from hubless.errors import Problem
from hubless.model import ResourceTemplate
from hubless.workloads import pod_spec

ALLOW_PLAINTEXT_SECRET = "hubless.io/allow-plaintext-secret"
ALLOW_CREDENTIALS = "hubless.io/allow-credentials"

CREDENTIAL_PATTERNS = (
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----")),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("an AWS secret access key", re.compile(r"aws_secret_access_key\s*[=:]\s*\S{30,}", re.I)),
    ("a GCP service account key", re.compile(r'"type"\s*:\s*"service_account"')),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
)


def _annotation(template: ResourceTemplate, name: str) -> bool:
    annotations = template.body.get("metadata", {}).get("annotations") or {}
    return isinstance(annotations, dict) and annotations.get(name) == "true"


# A value SOPS encrypted: ENC[<cipher>,data:...,iv:...,tag:...,type:...].
_SOPS_VALUE = re.compile(r"ENC\[[A-Z0-9_]+,data:[^\]]*\]")


def sops_encrypted(body: dict[str, Any]) -> bool:
    """A Secret as `sops --encrypt` writes it: its `sops` metadata (with the MAC that
    Flux's decryption checks) and every value of `data` and `stringData` encrypted. One
    value left plain (an `unencrypted_regex` that matched it) makes it a plaintext Secret."""
    sops = body.get("sops")
    if not isinstance(sops, dict) or not isinstance(sops.get("mac"), str):
        return False
    for section in ("data", "stringData"):
        values = body.get(section) or {}
        if not isinstance(values, dict):
            return False
        if not all(isinstance(v, str) and _SOPS_VALUE.fullmatch(v) for v in values.values()):
            return False
    return True


def plaintext_secret(body: dict[str, Any]) -> bool:
    """A core/v1 Secret carrying values, not encrypted by SOPS, without the opt-in
    annotation."""
    if body.get("apiVersion") != "v1" or body.get("kind") != "Secret":
        return False
    if sops_encrypted(body):
        return False
    annotations = (body.get("metadata") or {}).get("annotations") or {}
    if isinstance(annotations, dict) and annotations.get(ALLOW_PLAINTEXT_SECRET) == "true":
        return False
    return bool(body.get("data")) or bool(body.get("stringData"))


def _values(template: ResourceTemplate) -> Iterator[tuple[str, str]]:
    body = template.body
    if (template.group, template.kind) == ("", "ConfigMap"):
        data = body.get("data")
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(value, str):
                    yield f"data.{key}", value
    spec = pod_spec(template.group, template.kind, body)
    if spec is None:
        return
    for section in ("containers", "initContainers"):
        for container in spec.get(section) or []:
            if not isinstance(container, dict):
                continue
            for variable in container.get("env") or []:
                if isinstance(variable, dict) and isinstance(variable.get("value"), str):
                    yield f"env {variable.get('name')}", variable["value"]


def credential_warnings(template: ResourceTemplate) -> list[Problem]:
    if _annotation(template, ALLOW_CREDENTIALS):
        return []
    warnings = []
    for where, value in _values(template):
        for what, pattern in CREDENTIAL_PATTERNS:
            if pattern.search(value):
                warnings.append(
                    Problem.warning(
                        template.source,
                        f"{template.key} {where} looks like {what}; keep credentials out of "
                        f'git (or annotate {ALLOW_CREDENTIALS}: "true")',
                    )
                )
                break
    return warnings
