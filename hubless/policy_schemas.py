"""JSON Schemas of the policy kinds, and strict validation of policy documents with them.

The schemas describe Karmada's types as policies/ may write them: unknown fields, wrong
types and bad enum values are errors. They are also written to schemas/ for editors
(`python -m hubless.policy_schemas schemas/`). Karmada's rules that span fields
(spreadByField with spreadByLabel, maxGroups below minGroups, ...) are checked after
this, by the dialect front end.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from hubless.documents import Document, type_mismatch
from hubless.errors import Problem, Source
from hubless.interpreter import customization

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_STRING = {"type": "string"}
_STRINGS = {"type": "array", "items": _STRING}
_STRING_MAP = {"type": "object", "additionalProperties": _STRING}
_OBJECT = {"type": "object"}


def _strict(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = list(required)
    return schema


def _enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


_REQUIREMENT = _strict(
    {
        "key": _STRING,
        "operator": _enum("In", "NotIn", "Exists", "DoesNotExist"),
        "values": _STRINGS,
    },
    ("key", "operator"),
)
LABEL_SELECTOR = _strict({"matchLabels": _STRING_MAP, "matchExpressions": _array(_REQUIREMENT)})
FIELD_SELECTOR = _strict(
    {
        "matchExpressions": _array(
            _strict(
                {
                    "key": _enum("provider", "region", "zone"),
                    "operator": _enum("In", "NotIn"),
                    "values": _STRINGS,
                },
                ("key", "operator"),
            )
        )
    }
)
_AFFINITY_PROPERTIES = {
    "labelSelector": LABEL_SELECTOR,
    "fieldSelector": FIELD_SELECTOR,
    "clusterNames": _STRINGS,
    "exclude": _STRINGS,
}
CLUSTER_AFFINITY = _strict(_AFFINITY_PROPERTIES)
_AFFINITY_TERM = _strict(
    {
        "affinityName": _STRING,
        **_AFFINITY_PROPERTIES,
        "overflowAffinities": _array(
            _strict({"affinityName": _STRING, **_AFFINITY_PROPERTIES}, ("affinityName",))
        ),
    },
    ("affinityName",),
)
_TOLERATION = _strict(
    {
        "key": _STRING,
        "operator": _enum("", "Equal", "Exists"),
        "value": _STRING,
        "effect": _enum("", "NoSchedule", "PreferNoSchedule", "NoExecute"),
        "tolerationSeconds": {"type": "integer"},
    }
)
_SPREAD = _strict(
    {
        "spreadByField": _enum("", "cluster", "region", "zone", "provider"),
        "spreadByLabel": _STRING,
        "maxGroups": {"type": "integer", "minimum": 0},
        "minGroups": {"type": "integer", "minimum": 0},
    }
)
_REPLICA_SCHEDULING = _strict(
    {
        "replicaSchedulingType": _enum("Duplicated", "Divided"),
        "replicaDivisionPreference": _enum("Aggregated", "Weighted"),
        "weightPreference": _strict(
            {
                "staticWeightList": _array(
                    _strict(
                        {
                            "targetCluster": CLUSTER_AFFINITY,
                            "weight": {"type": "integer", "minimum": 1},
                        },
                        ("targetCluster", "weight"),
                    )
                ),
                "dynamicWeight": _enum("AvailableReplicas"),
            }
        ),
    }
)
PLACEMENT = _strict(
    {
        "clusterAffinity": CLUSTER_AFFINITY,
        "clusterAffinities": _array(_AFFINITY_TERM),
        "clusterTolerations": _array(_TOLERATION),
        "spreadConstraints": _array(_SPREAD),
        "replicaScheduling": _REPLICA_SCHEDULING,
        "workloadAffinity": _OBJECT,
    }
)
RESOURCE_SELECTOR = _strict(
    {
        "apiVersion": _STRING,
        "kind": _STRING,
        "namespace": _STRING,
        "name": _STRING,
        "labelSelector": LABEL_SELECTOR,
    },
    ("apiVersion", "kind"),
)
_METADATA = {
    "type": "object",
    "properties": {
        "name": _STRING,
        "namespace": _STRING,
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
    },
    "required": ["name"],
}
PROPAGATION_SPEC = _strict(
    {
        "resourceSelectors": {**_array(RESOURCE_SELECTOR), "minItems": 1},
        "association": {"type": "boolean"},
        "propagateDeps": {"type": "boolean"},
        "placement": PLACEMENT,
        "priority": {"type": "integer"},
        "preemption": _enum("Always", "Never"),
        "dependentOverrides": _STRINGS,
        "schedulerName": _STRING,
        "failover": _OBJECT,
        "conflictResolution": _enum("Abort", "Overwrite"),
        "activationPreference": _enum("", "Lazy"),
        "suspension": _OBJECT,
        "preserveResourcesOnDeletion": {"type": "boolean"},
        "schedulePriority": _OBJECT,
    },
    ("resourceSelectors",),
)
_OPERATOR = _enum("add", "remove", "replace")
_PATCH = _strict({"subPath": _STRING, "operator": _OPERATOR, "value": {}}, ("subPath", "operator"))
_COMMAND_ARGS = _strict(
    {"containerName": _STRING, "operator": _enum("add", "remove"), "value": _STRINGS},
    ("containerName", "operator"),
)
_LABELS = _strict({"operator": _OPERATOR, "value": _STRING_MAP}, ("operator",))
OVERRIDERS = _strict(
    {
        "plaintext": _array(
            _strict({"path": _STRING, "operator": _OPERATOR, "value": {}}, ("path", "operator"))
        ),
        "imageOverrider": _array(
            _strict(
                {
                    "predicate": _strict({"path": _STRING}, ("path",)),
                    "component": _enum("Registry", "Repository", "Tag"),
                    "operator": _OPERATOR,
                    "value": _STRING,
                },
                ("component", "operator"),
            )
        ),
        "commandOverrider": _array(_COMMAND_ARGS),
        "argsOverrider": _array(_COMMAND_ARGS),
        "labelsOverrider": _array(_LABELS),
        "annotationsOverrider": _array(_LABELS),
        "fieldOverrider": _array(
            _strict(
                {"fieldPath": _STRING, "json": _array(_PATCH), "yaml": _array(_PATCH)},
                ("fieldPath",),
            )
        ),
    }
)
OVERRIDE_SPEC = _strict(
    {
        "resourceSelectors": _array(RESOURCE_SELECTOR),
        "overrideRules": _array(
            _strict({"targetCluster": CLUSTER_AFFINITY, "overriders": OVERRIDERS}, ("overriders",))
        ),
        "targetCluster": CLUSTER_AFFINITY,
        "overriders": OVERRIDERS,
    }
)
_WAVE = _strict(
    {
        "name": _STRING,
        "clusters": CLUSTER_AFFINITY,
        # a number of clusters or a percentage ("25%"); bounds are checked by the parser
        "maxConcurrency": {"type": ["integer", "string"]},
    },
    ("name",),
)
ROLLOUT_SPEC = _strict(
    {
        "resourceSelectors": {**_array(RESOURCE_SELECTOR), "minItems": 1},
        "waves": {**_array(_WAVE), "minItems": 1},
        "gates": _strict(
            {"soak": _STRING, "approval": _enum("manual", "auto"), "healthy": {"type": "boolean"}}
        ),
    },
    ("resourceSelectors", "waves"),
)
_QUANTITY = {"type": ["string", "integer", "number"]}
CLUSTER_SPEC = _strict(
    {
        "id": _STRING,
        "syncMode": _enum("Push", "Pull"),
        "apiEndpoint": _STRING,
        "secretRef": _OBJECT,
        "impersonatorSecretRef": _OBJECT,
        "insecureSkipTLSVerification": {"type": "boolean"},
        "proxyURL": _STRING,
        "proxyHeader": _OBJECT,
        "provider": _STRING,
        "region": _STRING,
        "zone": _STRING,
        "zones": _STRINGS,
        "taints": _array(
            _strict(
                {
                    "key": _STRING,
                    "value": _STRING,
                    "effect": _enum("NoSchedule", "PreferNoSchedule", "NoExecute"),
                    "timeAdded": {"type": ["string", "null"]},
                },
                ("key", "effect"),
            )
        ),
        "resourceModels": _array(
            _strict(
                {
                    "grade": {"type": "integer", "minimum": 0},
                    "ranges": _array(
                        _strict({"name": _STRING, "min": _QUANTITY, "max": _QUANTITY}, ("name",))
                    ),
                },
                ("grade", "ranges"),
            )
        ),
    }
)


_LUA_SCRIPT = _strict({"luaScript": _STRING}, ("luaScript",))
# config.karmada.io/v1alpha1 ResourceInterpreterCustomization: one script per operation.
INTERPRETER_SPEC = _strict(
    {
        "target": _strict({"apiVersion": _STRING, "kind": _STRING}, ("apiVersion", "kind")),
        "customizations": _strict({name: _LUA_SCRIPT for name in customization.FUNCTIONS}),
    },
    ("target", "customizations"),
)


# policy.karmada.io/v1alpha1 FederatedResourceQuota: a ResourceList maps names to quantities.
_RESOURCE_LIST = {"type": "object", "additionalProperties": {"type": ["string", "number"]}}
QUOTA_SPEC = _strict(
    {
        "overall": _RESOURCE_LIST,
        "staticAssignments": _array(
            _strict({"clusterName": _STRING, "hard": _RESOURCE_LIST}, ("clusterName", "hard"))
        ),
    },
    ("overall",),
)


def _object(
    api_version: str, kind: str, spec: dict[str, Any], spec_required: bool
) -> dict[str, Any]:
    schema = _strict(
        {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": _METADATA,
            "spec": spec,
            "status": _OBJECT,
        },
        ("apiVersion", "kind", "metadata", *(["spec"] if spec_required else [])),
    )
    return {"$schema": _DIALECT, "title": f"{kind} ({api_version})", **schema}


SCHEMAS: dict[str, dict[str, Any]] = {
    "Cluster": _object("cluster.karmada.io/v1alpha1", "Cluster", CLUSTER_SPEC, False),
    "PropagationPolicy": _object(
        "policy.karmada.io/v1alpha1", "PropagationPolicy", PROPAGATION_SPEC, True
    ),
    "ClusterPropagationPolicy": _object(
        "policy.karmada.io/v1alpha1", "ClusterPropagationPolicy", PROPAGATION_SPEC, True
    ),
    "OverridePolicy": _object("policy.karmada.io/v1alpha1", "OverridePolicy", OVERRIDE_SPEC, True),
    "ClusterOverridePolicy": _object(
        "policy.karmada.io/v1alpha1", "ClusterOverridePolicy", OVERRIDE_SPEC, True
    ),
    "FederatedResourceQuota": _object(
        "policy.karmada.io/v1alpha1", "FederatedResourceQuota", QUOTA_SPEC, True
    ),
    "RolloutPolicy": _object("hubless.io/v1alpha1", "RolloutPolicy", ROLLOUT_SPEC, True),
    "ResourceInterpreterCustomization": _object(
        "config.karmada.io/v1alpha1", "ResourceInterpreterCustomization", INTERPRETER_SPEC, True
    ),
}
_VALIDATORS = {kind: jsonschema.Draft202012Validator(schema) for kind, schema in SCHEMAS.items()}

# A fleet holds thousands of policy documents and nearly all are valid; jsonschema walks
# each one through its general machinery. Each schema is also compiled here into plain
# checks that only say whether a document is valid, by the same rules for the few
# keywords these schemas use; jsonschema then words the errors of a document they refuse.
# A keyword they do not know stops the import, so they never pass what jsonschema refuses.
Check = Callable[[Any], bool]
_ANNOTATIONS = frozenset({"$schema", "title"})
_TYPES: dict[str, Check] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    # Draft 6 and later: a float with no fraction is an integer.
    "integer": lambda value: (
        (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, float) and value.is_integer())
    ),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}


def _type_check(names: list[str]) -> Check:
    tests = [_TYPES[name] for name in names]
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def _strings_check(keyword: str, allowed: Any) -> Check:
    # Only strings are listed, so JSON Schema's equality is a string's.
    choices = allowed if keyword == "enum" else [allowed]
    if not all(isinstance(choice, str) for choice in choices):
        raise ValueError(f"{keyword} of other values than strings: {allowed!r}")
    options = frozenset(choices)
    return lambda value: isinstance(value, str) and value in options


def _object_check(schema: dict[str, Any], only: bool) -> Check:
    """properties, required and additionalProperties; `only`: and nothing but a map."""
    properties = {key: compiled(sub) for key, sub in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    others: Check | None = None
    if extra is not True and extra is not False:
        others = compiled(extra)
    closed = extra is False

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return not only
        for name in required:
            if name not in value:
                return False
        for key, item in value.items():
            test = properties.get(key)
            if test is not None:
                if not test(item):
                    return False
            elif closed or (others is not None and not others(item)):
                return False
        return True

    return check


def _array_check(schema: dict[str, Any], only: bool) -> Check:
    """items and minItems; `only`: and nothing but a list."""
    items = compiled(schema["items"]) if "items" in schema else None
    shortest = schema.get("minItems", 0)

    def check(value: Any) -> bool:
        if not isinstance(value, list):
            return not only
        return len(value) >= shortest and (items is None or all(map(items, value)))

    return check


def _minimum_check(minimum: Any) -> Check:
    number = _TYPES["number"]
    return lambda value: not number(value) or not value < minimum


_OBJECT_KEYWORDS = frozenset({"properties", "required", "additionalProperties"})
_ARRAY_KEYWORDS = frozenset({"items", "minItems"})
_KEYWORDS = _ANNOTATIONS | _OBJECT_KEYWORDS | _ARRAY_KEYWORDS | {"type", "enum", "const", "minimum"}


def compiled(schema: dict[str, Any]) -> Check:
    """Whether a value is valid against `schema`, as jsonschema's Draft 2020-12 rules say
    for the keywords these schemas use; any other keyword is a ValueError."""
    unknown = set(schema) - _KEYWORDS
    if unknown:
        raise ValueError(f"no compiled check for {sorted(unknown)}")
    names = schema.get("type")
    types = None if names is None else (names if isinstance(names, list) else [names])
    checks = []
    for keyword in ("enum", "const"):
        if keyword in schema:
            checks.append(_strings_check(keyword, schema[keyword]))
            if types is not None and "string" in types:
                types = None  # only strings are listed: the type says no more
    # A map's or a list's own keywords test its type on the way.
    if _OBJECT_KEYWORDS & set(schema):
        checks.append(_object_check(schema, only=types == ["object"]))
        types = None if types == ["object"] else types
    if _ARRAY_KEYWORDS & set(schema):
        checks.append(_array_check(schema, only=types == ["array"]))
        types = None if types == ["array"] else types
    if types is not None:
        checks.insert(0, _type_check(types))
    if "minimum" in schema:
        checks.append(_minimum_check(schema["minimum"]))
    if not checks:
        return lambda value: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)
    return lambda value: all(check(value) for check in checks)


_VALID = {kind: compiled(schema) for kind, schema in SCHEMAS.items()}


def _line(document: Document, path: list[Any]) -> int:
    """The line of the deepest part of `path` that the document records."""
    container: Any = document.data
    line = document.source.line
    for part in path:
        if not isinstance(container, dict | list):
            break
        found = document.lines.get(id(container), {}).get(part)
        if found is None:
            break
        line = found
        try:
            container = container[part]
        except (KeyError, IndexError, TypeError):
            break
    return line


def _describe(error: jsonschema.ValidationError) -> tuple[list[Any], str]:
    path = list(error.absolute_path)
    instance: Any = error.instance
    schema: Any = error.schema
    expected: Any = error.validator_value
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(schema.get("properties", {}))
        unknown = [k for k in instance if k not in allowed]
        if unknown:
            key = unknown[0]
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return [*path, key], f"unknown field{hint}; known fields: {', '.join(sorted(allowed))}"
    if error.validator == "required" and isinstance(expected, list):
        missing = [f for f in expected if f not in (instance or {})]
        return path, f"missing required field {missing[0]!r}" if missing else error.message
    if error.validator == "enum":
        options = ", ".join(repr(v) for v in expected if v)
        return path, f"{instance!r} is not one of {options}"
    if error.validator == "type":
        return path, type_mismatch(expected, instance)
    return path, error.message


def check(document: Document, kind: str) -> list[Problem]:
    """Every schema violation of a policy document, located and explained."""
    validator = _VALIDATORS.get(kind)
    if validator is None or _VALID[kind](document.data):
        return []
    problems = []
    for error in sorted(
        validator.iter_errors(document.data), key=lambda e: list(map(str, e.absolute_path))
    ):
        path, message = _describe(error)
        field = ""
        for part in path:
            field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
        line = _line(document, path)
        prefix = f"{field}: " if field else ""
        problems.append(Problem(Source(document.source.path, line), prefix + message))
    return problems


def write(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for kind, schema in SCHEMAS.items():
        text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
        (directory / f"{kind.lower()}.json").write_text(text)


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "schemas"))
