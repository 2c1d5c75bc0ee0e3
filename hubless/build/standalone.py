"""Templates that can be compiled on their own.

A template's objects follow from its body, the policies, the inventory and its own entry
in the placement record; so when two states of a fleet (the last render and the sources
now, or two revisions) differ only in some templates, every other template's objects are
the same bytes in both, and only those templates need compiling. This module owns the
exceptions: what carries one template's change into another's objects, or makes the
full compile say something a partial one would not. A render (hubless.build.incremental)
and a comparison of revisions (hubless.build.revisions) compile everything when any
applies.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping

from hubless import autoscaling, federatedhpa, multiclusterservice, workloads
from hubless.build.layout import key_path
from hubless.compile import Decided, decide, materialize
from hubless.kinds import crd_scopes
from hubless.model import Fleet, Overriders, PreviousPlacement, ResourceKey, ResourceTemplate
from hubless.results import Compiled

_RENAMING_PATHS = ("/metadata/name", "/metadata/namespace", "/kind", "/apiVersion", "/metadata")
_GLOBAL_KINDS = {("", "Namespace"), ("apiextensions.k8s.io", "CustomResourceDefinition")}

# Templates that place or scale other templates, by the start of their keys.
_GOVERNING = (
    f"{multiclusterservice.KIND}.{multiclusterservice.GROUP}/",
    f"{federatedhpa.FEDERATED_HPA}.{federatedhpa.GROUP}/",
)


def _renames(fleet: Fleet) -> bool:
    for policy in fleet.override_policies:
        for rule in policy.rules:
            if not isinstance(rule.overriders, Overriders):
                continue  # the other dialects refuse patches to names and kinds
            paths = [o.path for o in rule.overriders.plaintext]
            paths += [o.field_path for o in rule.overriders.field]
            if any(path.startswith(_RENAMING_PATHS) for path in paths):
                return True
    return False


def _group_kind(key: str) -> tuple[str, str]:
    """The API group and kind of a template key as `str(ResourceKey)` spells it. Kinds
    have no dots, so the first dot ends the kind."""
    kind, _, group = key.split("/", 1)[0].partition(".")
    return group, kind


def _autoscaling_involved(fleet: Fleet, changed: list[ResourceTemplate]) -> bool:
    """Whether a change may alter which workloads an autoscaler scales: a changed
    autoscaler (its targets are other templates), or a changed workload in a namespace
    with an autoscaler (compiling it alone would not see that autoscaler)."""
    if any(autoscaling.is_autoscaler(t.group, t.kind) for t in changed):
        return True
    namespaces = {
        t.namespace for t in fleet.templates if autoscaling.is_autoscaler(t.group, t.kind)
    }
    return any(
        workloads.autoscalable(t.group, t.kind) and t.namespace in namespaces for t in changed
    )


def _shares_a_file(fleet: Fleet, changed: list[ResourceTemplate]) -> bool:
    """Whether a changed template's file is another template's too (`Widget` and `WIDGET`):
    only a compile of every template sees both."""
    paths = {key_path(t.key) for t in changed}
    keys = {t.key for t in changed}
    seen: set[str] = set()
    for template in fleet.templates:
        path = key_path(template.key)
        if path in seen or (path in paths and template.key not in keys):
            return True
        if template.key in keys:
            seen.add(path)
    return False


def _couples_templates(fleet: Fleet) -> bool:
    """Whether the fleet's policies tie templates to one another."""
    if any(p.propagate_deps for p in fleet.propagation_policies):
        return True  # a workload takes the ConfigMaps and Secrets it names along
    if _renames(fleet):
        return True  # an object may be moved onto another's file
    if fleet.gates.workload_affinity and any(
        p.placement.workload_affinity is not None for p in fleet.propagation_policies
    ):
        return True  # a grouped workload's clusters depend on its peers' placements
    if fleet.multicluster_services or fleet.federated_scalings:
        return True  # they decide other templates' clusters or replicas
    if fleet.quotas:
        return True  # a quota sums every workload placed in its namespace
    # A front end that assembles policies from other objects (KubeAdmiral's, Kubefed's)
    # schedules all its templates at once (followers, replica preferences), with its own
    # scheduler, and its overrides come from objects in templates/.
    return any(p.scheduler is not None for p in fleet.propagation_policies) or any(
        not p.digest for p in fleet.override_policies
    )


def stand_alone(fleet: Fleet, changed: Collection[str], gone: Collection[str] = ()) -> bool:
    """Whether the templates of `fleet` whose keys (as `str(ResourceKey)` spells them) are
    in `changed`, and the templates `gone` from it, can be compiled without the others:
    every other template's objects, and what compiling them says, are then the same
    whatever these templates are."""
    if _couples_templates(fleet):
        return False
    for key in gone:
        group, kind = _group_kind(key)
        if key.startswith(_GOVERNING) or (group, kind) in _GLOBAL_KINDS:
            return False
        if autoscaling.is_autoscaler(group, kind):
            return False  # its targets' replicas change too
    templates = [t for t in fleet.templates if str(t.key) in changed]
    if any((t.group, t.kind) in _GLOBAL_KINDS for t in templates):
        return False  # where a Namespace or CRD goes decides where other objects may go
    declared = crd_scopes(t.body for t in fleet.templates)
    if any((t.group, t.kind) in declared for t in templates):
        return False  # where its CRD goes serves its API there (hubless.installed_apis)
    if _autoscaling_involved(fleet, templates):
        return False
    return not _shares_a_file(fleet, templates)  # only a full compile names the two


def compile_alone(
    fleet: Fleet, changed: Collection[str], previous: Mapping[ResourceKey, PreviousPlacement]
) -> tuple[Decided, Compiled]:
    """The templates of `fleet` whose keys are in `changed` decided, from `previous`, and
    built for every cluster as a compile of the whole fleet would (when they stand alone)."""
    alone = tuple(t for t in fleet.templates if str(t.key) in changed)
    decided = decide(dataclasses.replace(fleet, templates=alone), previous, until_stable=True)
    return decided, materialize(decided)
