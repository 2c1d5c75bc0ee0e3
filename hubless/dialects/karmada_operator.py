"""The karmada-operator's `Karmada` object (operator.karmada.io/v1alpha1) -> FeatureGates.

Only the feature gates of karmada-controller-manager and karmada-scheduler are read, as the
operator hands them to those components: `spec.featureGates` goes to every component, and a
component's `extraArgs["feature-gates"]` replaces that flag for it (the operator copies
extraArgs over the flags it built). The per-component `featureGates` fields exist in the
operator's API but the operator does not read them, so hubless does not either: it warns.
Every other field describes how Karmada is installed and is ignored.
"""

from __future__ import annotations

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
POLICY_PREEMPTION = "PropagationPolicyPreemption"  # read by the controller-manager only
_MODELLED = (MULTIPLE_POD_TEMPLATES, POLICY_PREEMPTION)
CONTROLLER_MANAGER = "karmadaControllerManager"
SCHEDULER = "karmadaScheduler"
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
    return FeatureGates(
        detector_components=_on(effective[CONTROLLER_MANAGER], MULTIPLE_POD_TEMPLATES),
        scheduler_component_sets=_on(effective[SCHEDULER], MULTIPLE_POD_TEMPLATES),
        policy_preemption=_on(effective[CONTROLLER_MANAGER], POLICY_PREEMPTION),
        source=document.source,
        unmodelled=tuple(unmodelled),
        unread=tuple(ignored),
    )


def _on(gates: dict[str, tuple[bool, Source]], name: str) -> bool:
    found = gates.get(name)
    return found is not None and found[0]


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
