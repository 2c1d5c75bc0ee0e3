"""JSON Schemas of the policy kinds, and strict validation of policy documents with them.

The schemas describe Karmada's types as policies/ may write them: unknown fields, wrong
types and bad enum values are errors. They are also written to schemas/ for editors
(`python -m hubless.policy_schemas schemas/`). Karmada's rules that span fields
(spreadByField with spreadByLabel, maxGroups below minGroups, ...) are checked after
this, by the dialect front end.
"""

from __future__ import annotations

import difflib
import functools
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hubless.documents import Document, type_mismatch
from hubless.errors import Problem, Source
from hubless.interpreter import customization
from hubless.schema_checks import DIALECT, compiled

if TYPE_CHECKING:
    import jsonschema

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
    return {"$schema": DIALECT, "title": f"{kind} ({api_version})", **schema}


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
# A fleet holds thousands of policy documents and nearly all are valid: each goes through
# its schema's compiled check (schema_checks), and jsonschema, imported only then, words
# the errors of a document the check refuses. These schemas compile whole: a keyword the
# compiler does not know stops the import.
_VALID = {kind: compiled(schema) for kind, schema in SCHEMAS.items()}


@functools.cache
def _validator(kind: str) -> jsonschema.protocols.Validator:
    import jsonschema

    return jsonschema.Draft202012Validator(SCHEMAS[kind])


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
    valid = _VALID.get(kind)
    if valid is None or valid(document.data):
        return []
    problems = []
    for error in sorted(
        _validator(kind).iter_errors(document.data), key=lambda e: list(map(str, e.absolute_path))
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
