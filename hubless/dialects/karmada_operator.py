"""The karmada-operator's `Karmada` object (operator.karmada.io/v1alpha1) -> FeatureGates.

Only the feature gates of karmada-controller-manager and karmada-scheduler are read, as the
operator hands them to those components: `spec.featureGates` goes to every component, and a
component's `extraArgs["feature-gates"]` replaces that flag for it (the operator copies
extraArgs over the flags it built). The per-component `featureGates` fields exist in the
operator's API but the operator does not read them, so hubless does not either: it warns.
Every other field describes how Karmada is installed and is ignored.
"""

from __future__ import annotations

import re
from typing import Any

from hubless.documents import Document, a_yaml_type
from hubless.errors import Problem, Source, UserError
from hubless.fields import Fields
from hubless.model import FeatureGates

API = "operator.karmada.io/v1alpha1"
KIND = "Karmada"
DIALECT = "karmada"
KINDS = {(API, KIND)}

MULTIPLE_POD_TEMPLATES = "MultiplePodTemplatesScheduling"
FAILOVER = "Failover"  # the controller-manager's cluster failover (its taint manager)
WORKLOAD_AFFINITY = "WorkloadAffinity"
POLICY_PREEMPTION = "PropagationPolicyPreemption"  # read by the controller-manager only
CONTROLLER_MANAGER = "karmadaControllerManager"
SCHEDULER = "karmadaScheduler"
# The gates hubless models (each where Karmada reads it: a component that does not read a
# gate renders the same with it on or off); any other gate warns at its line.
_MODELLED = (MULTIPLE_POD_TEMPLATES, WORKLOAD_AFFINITY, FAILOVER, POLICY_PREEMPTION)
_FLAG = "feature-gates"
# strconv.ParseBool
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def _bool_map(fields: Fields, key: str) -> dict[str, tuple[bool, Source]]:
    section = fields.section(key)
    if section is None:
        return {}
    gates = {}
    for name, value in section.mapping.items():
        if not isinstance(value, bool):
            raise section.error(name, f"must be true or false, not {a_yaml_type(value)}")
        gates[str(name)] = (value, section.source(name))
    return gates


def _flag(component: Fields) -> dict[str, tuple[bool, Source]] | None:
    """The component's `extraArgs["feature-gates"]`, parsed as its binary parses the flag."""
    args = component.section("extraArgs")
    if args is None or _FLAG not in args:
        return None
    text = args.raw(_FLAG)
    if not isinstance(text, str):
        raise args.error(_FLAG, f"must be a string, not {a_yaml_type(text)}")
    where = args.source(_FLAG)
    gates = {}
    for entry in text.split(","):
        name, equals, value = entry.strip().partition("=")
        if not equals or not name or value not in _TRUE + _FALSE:
            raise args.error(_FLAG, f"{entry!r} is not NAME=true or NAME=false")
        gates[name] = (value in _TRUE, where)
    return gates


def parse(document: Document) -> FeatureGates:
    top = Fields(document, _mapping(document), "")
    spec = top.section("spec")
    common = _bool_map(spec, "featureGates") if spec is not None else {}
    components = spec.section("components") if spec is not None else None
    effective: dict[str, dict[str, tuple[bool, Source]]] = {}
    ignored: list[tuple[str, str, Source]] = []
    for component in (CONTROLLER_MANAGER, SCHEDULER):
        fields = components.section(component) if components is not None else None
        flag = _flag(fields) if fields is not None else None
        effective[component] = common if flag is None else flag
        if fields is not None and "featureGates" in fields:
            for name, (_, where) in _bool_map(fields, "featureGates").items():
                ignored.append((component, name, where))
    # one warning per line and gate: spec.featureGates reaches both components
    users: dict[tuple[int, str], tuple[list[str], Source]] = {}
    for component, gates in effective.items():
        for name, (_, where) in gates.items():
            if name not in _MODELLED:
                users.setdefault((where.line, name), ([], where))[0].append(component)
    unmodelled = [
        (" and ".join(components), name, where)
        for (_, name), (components, where) in sorted(users.items())
    ]
    manager = components.section(CONTROLLER_MANAGER) if components is not None else None
    eviction = _taint_eviction(manager)
    return FeatureGates(
        taint_eviction=_on(effective[CONTROLLER_MANAGER], FAILOVER) and eviction[0],
        eviction_purge_mode=eviction[1],
        graceful_eviction_seconds=eviction[2],
        detector_components=_on(effective[CONTROLLER_MANAGER], MULTIPLE_POD_TEMPLATES),
        scheduler_component_sets=_on(effective[SCHEDULER], MULTIPLE_POD_TEMPLATES),
        detector_workload_groups=_on(effective[CONTROLLER_MANAGER], WORKLOAD_AFFINITY),
        scheduler_workload_filters=_on(effective[SCHEDULER], WORKLOAD_AFFINITY),
        policy_preemption=_on(effective[CONTROLLER_MANAGER], POLICY_PREEMPTION),
        source=document.source,
        unmodelled=tuple(unmodelled),
        unread=tuple(ignored),
    )


def _on(gates: dict[str, tuple[bool, Source]], gate: str) -> bool:
    found = gates.get(gate)
    return found is not None and found[0]


_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def _taint_eviction(manager: Fields | None) -> tuple[bool, str, int]:
    """The controller-manager flags of cluster failover, from its extraArgs: whether its
    taint manager evicts (--enable-taint-manager, default on, and
    --enable-no-execute-taint-eviction, default off), the purge mode of a policy without
    failover.cluster, and --graceful-eviction-timeout in seconds (10m)."""
    args = manager.section("extraArgs") if manager is not None else None
    if args is None:
        return False, "Gracefully", 600

    def flag(name: str, default: bool) -> bool:
        text = args.raw(name)
        if text is None:
            return default
        if not isinstance(text, str) or text not in _TRUE + _FALSE:
            raise args.error(name, "must be the string true or false")
        return text in _TRUE

    mode = args.raw("no-execute-taint-eviction-purge-mode")
    if mode is None:
        mode = "Gracefully"
    elif mode not in ("Directly", "Gracefully"):
        raise args.error("no-execute-taint-eviction-purge-mode", "must be Directly or Gracefully")
    timeout = args.raw("graceful-eviction-timeout")
    seconds = 600
    if timeout is not None:
        found = _DURATION.fullmatch(timeout) if isinstance(timeout, str) else None
        if found is None or not timeout:
            raise args.error("graceful-eviction-timeout", "must be a duration such as 10m or 90s")
        hours, minutes, secs = (int(g or 0) for g in found.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    enabled = flag("enable-taint-manager", True) and flag("enable-no-execute-taint-eviction", False)
    return enabled, str(mode), seconds


def _mapping(document: Document) -> dict[str, Any]:
    data = document.data
    if not isinstance(data, dict):
        raise UserError.at(document.source, f"must be a map, not {a_yaml_type(data)}")
    return data


def warnings(gates: FeatureGates) -> list[Problem]:
    """Gates hubless does not model, and fields the operator does not read, at their lines."""
    found = [
        Problem.warning(
            where,
            f"feature gate {name} of {component} is not modelled by hubless: it renders as "
            f"Karmada does with {name} at its default",
        )
        for component, name, where in gates.unmodelled
    ]
    found.extend(
        Problem.warning(
            where,
            f"spec.components.{component}.featureGates.{name} is not read by the "
            f"karmada-operator (it passes spec.featureGates, or the component's "
            f'extraArgs["{_FLAG}"], to {component}), so hubless ignores it',
        )
        for component, name, where in gates.unread
    )
    return found
