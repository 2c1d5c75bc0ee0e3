"""Schema validation of a compiled fleet: every object against its cluster's Kubernetes.

A problem is reported where the bad value was written: at the override rule that last
wrote the failing field (or a value holding it), naming the template; otherwise at the
template. The same problem on several clusters is one message naming them (and their
Kubernetes versions).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from hubless.blame import Rule, Writes
from hubless.errors import Problem, Source
from hubless.kubeschema import Catalog, Version, is_builtin_group, parse_version, schema_version
from hubless.kubeschema import Problem as SchemaProblem
from hubless.model import Cluster, Fleet, ResourceKey, ResourceTemplate
from hubless.overriders import applied_label
from hubless.results import Compiled, RenderedObject, RuleRef
from hubless.secrets import sops_encrypted


class Report(NamedTuple):
    errors: list[Problem]
    warnings: list[Problem]
    checked: int


class _Finding(NamedTuple):
    """A problem, less the clusters it was found on: `{subject} for <clusters>{detail}`."""

    source: Source | None
    subject: str
    detail: str


def validate_compiled(
    compiled: Compiled, fleet: Fleet, default_version: str | None, *, share: bool = True
) -> Report:
    """Every object of `compiled` against its cluster's schemas. `share` lets objects the
    schemas cannot tell apart share one check (off only to prove that it changes nothing)."""
    catalog = Catalog(fleet.templates)
    templates: dict[ResourceKey, ResourceTemplate] = {t.key: t for t in fleet.templates}
    rules: dict[str, Rule] = {
        applied_label(policy, rule): (policy, rule)
        for policy in fleet.override_policies
        for rule in policy.rules
    }
    default = parse_version(default_version) if default_version else None
    found_on: dict[_Finding, list[tuple[str, Version]]] = {}  # in the order first found
    warnings: list[Problem] = []
    unvalidated: dict[tuple[str, str], list[str]] = {}
    checked = 0
    # The schema's verdict depends only on the object and the schema version: the same
    # object on many clusters of one version is checked once.
    verdicts: dict[tuple[Version, str], list[SchemaProblem] | None] = {}
    for cluster in fleet.clusters:
        version: Version | None = parse_version(cluster.kubernetes_version) or default
        if version is None:
            warnings.append(
                Problem.warning(
                    cluster.source,
                    f"cluster {cluster.name} has no status.kubernetesVersion: its objects are "
                    "not validated (give one with --kube-version-default)",
                )
            )
            continue
        used = schema_version(version)
        for rendered in compiled.objects.get(cluster.name, []):
            body = rendered.body
            template = templates.get(rendered.key)
            source = template.source if template is not None else rendered.source
            if sops_encrypted(body):
                # What the API server gets once Flux has decrypted it: no `sops` metadata.
                body = {k: v for k, v in body.items() if k != "sops"}
            verdict_key = (used, _verdict_key(body))
            if share and verdict_key in verdicts:
                found = verdicts[verdict_key]
            else:
                found = verdicts[verdict_key] = catalog.check(body, version)
            api_version, kind = str(body.get("apiVersion")), str(body.get("kind"))
            findings = []
            if found is None:
                if not is_builtin_group(api_version):
                    unvalidated.setdefault((api_version, kind), []).append(cluster.name)
                    continue
                served = f": {api_version} {kind} is not served by Kubernetes {used}"
                findings.append(_Finding(source, str(rendered.key), served))
            else:
                checked += 1
                if found:
                    findings.extend(_located(found, rendered, template, source, rules, cluster))
            for finding in findings:
                found_on.setdefault(finding, []).append((cluster.name, version))
    for (api_version, kind), clusters in sorted(unvalidated.items()):
        warnings.append(
            Problem.warning(
                None,
                f"{api_version} {kind} has no schema (no CustomResourceDefinition in "
                f"templates/): not validated on {', '.join(sorted(set(clusters)))}",
            )
        )
    errors = [
        Problem(f.source, f"{f.subject} for {_clusters(on)}{f.detail}")
        for f, on in found_on.items()
    ]
    return Report(errors, warnings, checked)


_STR = frozenset({str})


def _string_map(value: object) -> bool:
    # Types compared in C (map, set): this runs for every object of a fleet. A subclass of
    # str is not taken for one, which only keeps that object out of sharing.
    return (
        type(value) is dict
        and set(map(type, value)) <= _STR
        and set(map(type, value.values())) <= _STR
    )


class _StringMap:
    """Stands for a map of strings in a verdict key: no value's repr is its repr."""

    def __repr__(self) -> str:
        return "STRING_MAP"


_STRING_MAP = _StringMap()


def _verdict_key(body: dict[str, Any]) -> str:
    """What the schema's verdict on `body` depends on: the repr of the object, which two
    objects share only if they are equal (with the same types), since every value of one
    is a string, number, boolean, null, list or map. Labels and annotations that are maps
    of strings pass any schema alike (ObjectMeta asks nothing more of them), so they are
    left out: objects that differ only there, as per-cluster labels make them, share one
    check."""
    metadata = body.get("metadata")
    if type(metadata) is dict:
        labels = _string_map(metadata.get("labels"))
        annotations = _string_map(metadata.get("annotations"))
        if labels or annotations:
            kept = dict(metadata)
            if labels:
                kept["labels"] = _STRING_MAP
            if annotations:
                kept["annotations"] = _STRING_MAP
            body = {**body, "metadata": kept}
    return repr(body)


def _clusters(found_on: list[tuple[str, Version]]) -> str:
    """`cluster east (Kubernetes 1.30)`, `clusters east, west (Kubernetes 1.30), north
    (Kubernetes 1.31)`."""
    by_version: dict[Version, list[str]] = {}
    for name, version in found_on:
        by_version.setdefault(version, []).append(name)
    listed = ", ".join(f"{', '.join(names)} (Kubernetes {v})" for v, names in by_version.items())
    return f"{'cluster' if len(found_on) == 1 else 'clusters'} {listed}"


def _located(
    found: list[SchemaProblem],
    rendered: RenderedObject,
    template: ResourceTemplate | None,
    source: Source | None,
    rules: dict[str, Rule],
    cluster: Cluster,
) -> list[_Finding]:
    """Each problem at the rule that wrote the failing value, or at the template."""
    applied = [rules[label] for label in rendered.overrides if label in rules]
    writes = Writes(template, applied, cluster) if template is not None and applied else None
    located = []
    for problem in found:
        detail = f": {problem.field}: {problem.message}"
        writer = writes.last_writer(problem.paths) if writes is not None else None
        if writer is None:
            located.append(_Finding(source, str(rendered.key), detail))
        else:
            rule = RuleRef.of(*writer)
            subject = f"{rule.label} makes {rendered.key} invalid"
            located.append(_Finding(rule.source, subject, f"{detail} (template {source})"))
    return located
