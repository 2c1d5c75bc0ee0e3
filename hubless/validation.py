"""Schema validation of a compiled fleet: every object against its cluster's Kubernetes."""

from __future__ import annotations

from typing import NamedTuple

from hubless.errors import Problem, Source
from hubless.kubeschema import Catalog, Version, is_builtin_group, parse_version, schema_version
from hubless.model import Fleet, ResourceKey
from hubless.results import Compiled
from hubless.secrets import sops_encrypted


class Report(NamedTuple):
    errors: list[Problem]
    warnings: list[Problem]
    checked: int


def validate_compiled(compiled: Compiled, fleet: Fleet, default_version: str | None) -> Report:
    catalog = Catalog(fleet.templates)
    sources: dict[ResourceKey, Source] = {t.key: t.source for t in fleet.templates}
    default = parse_version(default_version) if default_version else None
    errors: list[Problem] = []
    warnings: list[Problem] = []
    unvalidated: dict[tuple[str, str], list[str]] = {}
    checked = 0
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
            source = sources.get(rendered.key)
            if sops_encrypted(body):
                # What the API server gets once Flux has decrypted it: no `sops` metadata.
                body = {k: v for k, v in body.items() if k != "sops"}
            found = catalog.check(body, version)
            api_version, kind = str(body.get("apiVersion")), str(body.get("kind"))
            where = f"{rendered.key} on cluster {cluster.name} (Kubernetes {version})"
            if found is None:
                if is_builtin_group(api_version):
                    errors.append(
                        Problem(
                            source,
                            f"{where}: {api_version} {kind} is not served by Kubernetes {used}",
                        )
                    )
                else:
                    unvalidated.setdefault((api_version, kind), []).append(cluster.name)
                continue
            checked += 1
            for problem in found:
                errors.append(Problem(source, f"{where}: {problem.field}: {problem.message}"))
    for (api_version, kind), clusters in sorted(unvalidated.items()):
        warnings.append(
            Problem.warning(
                None,
                f"{api_version} {kind} has no schema (no CustomResourceDefinition in "
                f"templates/): not validated on {', '.join(sorted(set(clusters)))}",
            )
        )
    return Report(errors, warnings, checked)
