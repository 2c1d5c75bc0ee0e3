"""`hubless explain KIND/[NAMESPACE/]NAME`: why a resource is (not) on each cluster.

Everything reported comes from the decisions `compile_fleet` recorded while compiling,
the same run `hubless render` makes; nothing is recomputed here. When that run fails, what
it decided is explained all the same, then the errors are reported.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from hubless import kinds, multiclusterservice
from hubless.build.layout import key_path
from hubless.build.plan import compile_repo, fleet_of
from hubless.build.rollouts import rolled_out
from hubless.build.state.paths import cluster_of
from hubless.build.state.record import read_record
from hubless.build.suspension import (
    changed_templates,
    committed_tree,
    holds_of,
    placed_files,
    suspends,
)
from hubless.build.tree import desired_tree
from hubless.errors import UserError
from hubless.interpreter import resource
from hubless.load import read_sources
from hubless.model import Fleet, ResourceTemplate
from hubless.quantity import units_text
from hubless.repository import RENDERED_DIR
from hubless.results import DEPENDENCY, NAMESPACE_SYNC, Compiled, CompileError, Decision
from hubless.scheduler import Schedule
from hubless.scheduler.candidates import Candidate
from hubless.workloads import ReplicaRequirements


def _find(templates: tuple[ResourceTemplate, ...], target: str) -> ResourceTemplate:
    parts = target.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise UserError.at(None, f"{target!r}: expected KIND/NAMESPACE/NAME or KIND/NAME")
    kind_text, name = parts[0], parts[-1]
    namespace = parts[1] if len(parts) == 3 else ""
    kind, _, group = kind_text.partition(".")
    found = [
        t
        for t in templates
        if t.kind.lower() == kind.lower()
        and (not group or t.group == group)
        and t.name == name
        and (t.namespace == namespace or (len(parts) == 2 and not t.namespace))
    ]
    if not found:
        raise UserError.at(None, f"no template {target} in templates/")
    if len(found) > 1:
        options = ", ".join(str(t.key) for t in found)
        raise UserError.at(None, f"{target} is ambiguous: {options}; name the group as KIND.GROUP")
    return found[0]


def report(
    compiled: Compiled, template: ResourceTemplate, cluster_names: list[str]
) -> dict[str, Any]:
    """The explanation as plain data: the documented JSON form."""
    decision: Decision | None = compiled.decision_for(template.key)
    result = _empty(template, decision)
    if decision is None:
        result["reason"] = _unplaced(compiled, template)
        for name in cluster_names:
            result["clusters"].append(_cluster(name, False, None, None, result["reason"], []))
        return result
    result["policies"] = [
        {
            "policy": str(c.policy.ref),
            "source": str(c.policy.source),
            "priority": c.policy.priority,
            "match": c.level.label,
            "outcome": c.outcome,
            **({"claim": c.claim} if c.claim else {}),
        }
        for c in decision.contest
    ]
    result["requiredBy"] = [
        {"resource": str(key), "clusters": list(clusters)} for key, clusters in decision.required_by
    ]
    result["apiFromRender"] = [
        {"cluster": cluster, "customResourceDefinition": crd}
        for cluster, crd in decision.api_from_render
    ]
    overrides = _overrides(compiled, template)
    targets = {t.name: t.replicas for t in decision.binding.clusters}
    if decision.via == NAMESPACE_SYNC:
        for name in cluster_names:
            result["clusters"].append(
                _cluster(name, True, None, None, None, list(overrides.get(name, ())))
            )
    elif decision.schedule is None:  # placed only as a dependency
        for name in cluster_names:
            selected = name in targets
            reason = None if selected else "no workload that needs it runs there"
            result["clusters"].append(
                _cluster(name, selected, None, None, reason, list(overrides.get(name, ())))
            )
    else:
        _scheduled(result, decision, decision.schedule, cluster_names, overrides)
    if not decision.binding.clusters:
        result["propagated"] = False
        result["reason"] = _nowhere(decision)
    _replicas_kept(result, compiled, template)
    return result


def _unplaced(compiled: Compiled, template: ResourceTemplate) -> str:
    """Why a template without a decision goes nowhere."""
    other = dict(compiled.other_scheduler).get(template.key)
    held = dict(compiled.held).get(template.key)
    if template.key in compiled.skipped:
        return "Karmada never propagates objects of this kind or namespace"
    if held is not None:
        return f"{held.message} ({held.source})"
    if other is not None:
        return (
            f"{other.ref} ({other.source}) matches it but names schedulerName "
            f"{other.scheduler_name!r}: hubless runs only Karmada's default-scheduler"
        )
    return "no propagation policy matches it"


def _nowhere(decision: Decision) -> str:
    """Why a decided template is on no cluster."""
    schedule = decision.schedule
    if schedule is None:
        return "no workload that needs it runs on any cluster"
    if schedule.error and any(a.term for a in schedule.attempts):
        return "scheduling failed: no clusterAffinities term could schedule it"
    if schedule.error:
        return f"scheduling failed: {schedule.error}"
    if schedule.decisive.fits_nowhere:
        return "no cluster passed the filters (Karmada clears the placement)"
    return "no cluster was assigned a replica"


def _replicas_kept(result: dict[str, Any], compiled: Compiled, template: ResourceTemplate) -> None:
    """On the clusters where the object's spec.replicas is not written, what keeps its
    replicas there: the autoscalers that scale it, or Karmada's retain-replicas label."""
    kept = {
        cluster: list(rendered.replicas_kept_by)
        for cluster, objects in compiled.objects.items()
        for rendered in objects
        if rendered.key == template.key and rendered.replicas_kept_by
    }
    for entry in result["clusters"]:
        if entry["name"] in kept:
            entry["replicasKeptBy"] = kept[entry["name"]]


def _empty(template: ResourceTemplate, decision: Decision | None) -> dict[str, Any]:
    """Every field of the explanation, before anything is known."""
    return {
        "resource": {
            "apiVersion": template.api_version,
            "kind": template.kind,
            "namespace": template.namespace or None,
            "name": template.name,
            "source": str(template.source),
        },
        "propagated": decision is not None,
        "via": decision.via if decision is not None else None,
        "reason": None,
        "policies": [],
        "replicas": None,
        "strategy": None,
        "affinityTerm": None,
        "affinityAttempts": [],
        "division": None,
        "kept": None,
        "requiredBy": [],
        "apiFromRender": [],
        "clusters": [],
    }


def _overrides(compiled: Compiled, template: ResourceTemplate) -> dict[str, list[dict[str, Any]]]:
    """Per cluster, each override rule applied to the template's object and its changes."""
    return {
        cluster: [
            {
                "rule": rule,
                "changes": [{"path": p, "before": b, "after": a} for p, b, a in found],
            }
            for rule, found in rendered.changes
        ]
        for cluster, objects in compiled.objects.items()
        for rendered in objects
        if rendered.key == template.key
    }


def _scheduled(
    result: dict[str, Any],
    decision: Decision,
    schedule: Schedule,
    cluster_names: list[str],
    overrides: dict[str, list[dict[str, Any]]],
) -> None:
    """The schedule's part of the explanation, and every cluster's verdict."""
    result["replicas"] = decision.binding.replicas
    result["strategy"] = schedule.strategy
    result["affinityTerm"] = schedule.affinity_name or None
    if not schedule.kept:  # a kept placement tried no term
        result["affinityAttempts"] = [
            {"term": a.term, "error": a.error or None} for a in schedule.attempts if a.term
        ]
    attempt = schedule.decisive
    result["division"] = attempt.how or None
    result["kept"] = schedule.kept or None
    targets = {t.name: t.replicas for t in decision.binding.clusters}
    rejected = {r.cluster: r for r in attempt.rejected}
    feasible = {c.name: c for c in attempt.candidates}
    weights = dict(attempt.weights)
    for name in cluster_names:
        rejection = rejected.get(name)
        if name in targets:
            replicas = targets[name] if decision.binding.replicas else None
            entry = _cluster(name, True, replicas, None, None, list(overrides.get(name, ())))
            if rejection is not None:  # kept there, though the filters reject it now
                entry["filter"], entry["reason"] = rejection.filter, rejection.reason
        elif rejection is not None:
            entry = _cluster(name, False, None, rejection.filter, rejection.reason, [])
        elif name in attempt.selected:  # selected by a schedule that succeeded
            withdrawn = "assigned 0 replicas: a workload is withdrawn"
            entry = _cluster(name, False, 0, None, withdrawn, [])
        else:
            entry = _cluster(name, False, None, None, _unselected(name, schedule, feasible), [])
        candidate = feasible.get(name)
        if candidate is not None and attempt.sets:
            entry["capacity"] = {"sets": candidate.allocatable, "limitedBy": candidate.limit}
        elif candidate is not None and decision.binding.replicas:
            entry["capacity"] = {"replicas": candidate.allocatable, "limitedBy": candidate.limit}
        if name in weights:
            entry["weight"] = weights[name]
        result["clusters"].append(entry)


def _unselected(name: str, schedule: Schedule, feasible: Mapping[str, Candidate]) -> str:
    """Why a cluster no filter rejected is not in the placement."""
    if name not in feasible:
        return "not selected"
    if schedule.error:
        return "passed the filters, but scheduling failed"
    if schedule.kept:
        return "passes the filters, not in the kept placement"
    return "not selected by spreadConstraints"


def _cluster(
    name: str,
    selected: bool,
    replicas: int | None,
    filter_name: str | None,
    reason: str | None,
    overrides: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "name": name,
        "selected": selected,
        "replicas": replicas,
        "filter": filter_name,
        "reason": reason,
        "overrides": overrides,
    }


def _text(data: dict[str, Any]) -> str:
    return "\n".join(
        [
            *_about(data),
            *_placement(data),
            *_scheduling(data),
            *_interpreted(data),
            *_federated_hpa_text(data),
            *_verdicts(data),
            *_holds(data),
        ]
    )


def _about(data: dict[str, Any]) -> list[str]:
    """The resource, and whether and how it is propagated at all."""
    resource = data["resource"]
    group = kinds.group_of(resource["apiVersion"])
    kind = f"{resource['kind']}.{group}" if group else resource["kind"]
    path = "/".join(p for p in (kind, resource["namespace"], resource["name"]) if p)
    lines = [f"{path}  ({resource['source']})"]
    if not data["propagated"]:
        lines.append(f"not propagated: {data['reason']}")
    elif data["via"] == NAMESPACE_SYNC:
        lines.append("propagated by namespace sync: every Namespace goes to every cluster")
    elif data["via"] == DEPENDENCY:
        lines.append("propagated as a dependency (propagateDeps) of:")
    elif data["via"].startswith(f"{multiclusterservice.KIND}/"):
        lines.append(
            f"claimed by {data['via']}: it goes to the union of its provider and consumer "
            "clusters, and no propagation policy applies"
        )
    if data["requiredBy"] and data["via"] != DEPENDENCY:
        lines.append("also needed (propagateDeps) by:")
    for need in data["requiredBy"]:
        lines.append(f"  {need['resource']} on {', '.join(need['clusters']) or 'no cluster'}")
    return lines


def _placement(data: dict[str, Any]) -> list[str]:
    """The policy that won, and those that lost."""
    lines = []
    for policy in data["policies"]:
        if policy["outcome"] == "won":
            lines.append(
                f"policy: {policy['policy']} ({policy['source']}), priority {policy['priority']}, "
                f"matched by {policy['match']}"
            )
            if policy.get("claim"):
                lines.append(f"  {policy['claim']}")
        else:
            lines.append(f"  also matched: {policy['policy']}: lost, {policy['outcome']}")
    return lines


def _scheduling(data: dict[str, Any]) -> list[str]:
    """Replicas, strategy, a kept placement, the division and the affinity terms tried."""
    lines = []
    if data["strategy"] and data["replicas"]:
        lines.append(f"replicas: {data['replicas']} per template, {data['strategy']}")
    elif data["strategy"]:
        lines.append(f"replicas: none (not a workload), {data['strategy']}")
    lines.extend(_api_from_render(data))
    if data["kept"]:
        lines.append(f"kept the previous placement because {data['kept']}")
    if data["division"]:
        lines.append(f"division: {data['division']}")
    for attempt in data["affinityAttempts"]:
        outcome = f"failed: {attempt['error']}" if attempt["error"] else "scheduled"
        lines.append(f"clusterAffinities term {attempt['term']!r}: {outcome}")
    return lines


def _verdicts(data: dict[str, Any]) -> list[str]:
    """Each cluster's verdict, with its room and the changes overrides made there."""
    lines = ["clusters:"]
    width = max((len(c["name"]) for c in data["clusters"]), default=0)
    for cluster in data["clusters"]:
        if cluster["selected"]:
            detail = "yes"
            if cluster["replicas"] is not None:
                count = cluster["replicas"]
                detail += f", {count} replica{'' if count == 1 else 's'} scheduled"
            if cluster["filter"]:
                detail += f", kept although {cluster['filter']}: {cluster['reason']}"
            if "replicasKeptBy" in cluster:
                keepers = " and ".join(cluster["replicasKeptBy"])
                detail += f" (spec.replicas not written: kept by {keepers})"
            detail += _capacity(cluster)
            if cluster["overrides"]:
                detail += "; overrides: " + ", ".join(o["rule"] for o in cluster["overrides"])
        else:
            by = f"{cluster['filter']}: " if cluster["filter"] else ""
            detail = f"no: {by}{cluster['reason']}" + _capacity(cluster)
        lines.append(f"  {cluster['name']:<{width}}  {detail}")
        for override in cluster["overrides"]:
            for change in override["changes"]:
                before, after = _short(change["before"]), _short(change["after"])
                lines.append(f"  {'':<{width}}    {change['path']}: {before} -> {after}")
    return lines


def _api_from_render(data: dict[str, Any]) -> list[str]:
    """A line per CRD that serves the resource's API where its clusters do not report it."""
    by_crd: dict[str, list[str]] = {}
    for entry in data["apiFromRender"]:
        by_crd.setdefault(entry["customResourceDefinition"], []).append(entry["cluster"])
    resource = data["resource"]
    return [
        f"API {resource['apiVersion']} {resource['kind']}: served by CustomResourceDefinition "
        f"{crd} placed on {', '.join(clusters)} by this render"
        for crd, clusters in sorted(by_crd.items())
    ]


def _short(value: Any) -> str:
    if value is None:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _capacity(cluster: dict[str, Any]) -> str:
    parts = []
    if "weight" in cluster:
        parts.append(f"weight {cluster['weight']}")
    if "capacity" in cluster:
        capacity = cluster["capacity"]
        if "sets" in capacity:
            sets = capacity["sets"]
            room = f"{sets} set{'' if sets == 1 else 's'}"
        else:
            room = str(capacity["replicas"])
        parts.append(f"room for {room} (by {capacity['limitedBy']})")
    return f" [{', '.join(parts)}]" if parts else ""


def _held(
    repo: Path, fleet: Fleet, compiled: Compiled, template: ResourceTemplate, names: list[str]
) -> list[dict[str, Any]]:
    """Who holds the object's delivery (rendered/ keeps what is committed), and where."""
    decision = compiled.decision_for(template.key)
    if decision is None or not (suspends(fleet) or fleet.rollout_policies):
        return []
    committed = committed_tree(repo)
    holds = holds_of(fleet, [decision], changed_templates(fleet, committed))
    found = [{"by": h.reason, "clusters": [n for n in names if h.holds(n)]} for h in holds]
    return found + _rolling(repo, fleet, compiled, template, names, committed)


def _rolling(
    repo: Path,
    fleet: Fleet,
    compiled: Compiled,
    template: ResourceTemplate,
    names: list[str],
    committed: Mapping[str, bytes],
) -> list[dict[str, Any]]:
    """The clusters where a rollout keeps the object's committed bytes, by who holds it."""
    if not fleet.rollout_policies:
        return []
    held = rolled_out(repo, fleet, compiled, desired_tree(compiled), committed).held.files
    paths = {p for (_, key), p in placed_files(compiled).items() if key == template.key}
    paths.update(f"{name}/{key_path(template.key)}" for name in names)
    by: dict[str, set[str]] = {}
    for path, reasons in held.items():
        if path in paths and cluster_of(path) in names:
            for reason in reasons:
                by.setdefault(reason, set()).add(cluster_of(path))
    return [{"by": r, "clusters": sorted(by[r])} for r in sorted(by)]


def _holds(data: dict[str, Any]) -> list[str]:
    return [
        f"held on {', '.join(hold['clusters']) or 'no cluster'} by {hold['by']}: "
        f"{RENDERED_DIR}/ keeps what is committed there"
        for hold in data.get("held", ())
    ]


def _interpreters(fleet: Fleet, template: ResourceTemplate) -> dict[str, Any] | None:
    """Which customization scripts read the template (JSON `interpreters`), or None when
    only Karmada's native rules do."""
    found = resource.customized(fleet.interpreters, template)
    if found is None:
        return None
    replicas = None
    if found.replicas is not None:
        replicas = {
            "by": found.replicas.by,
            "replicas": found.replicas.replicas,
            "requests": _requests(found.replicas.requirements),
        }
    dependencies = None
    if found.dependencies is not None:
        dependencies = {
            "by": found.dependencies.by,
            "objects": [r.describe(template.namespace) for r in found.dependencies.items],
        }
    components = None
    if found.components is not None:
        gates = fleet.gates
        components = {
            "by": found.components.by.describe,
            "used": gates.detector_components,
            "setsEstimated": gates.detector_components and gates.scheduler_component_sets,
            "components": [
                {
                    "name": c.name,
                    "replicas": c.replicas,
                    "requests": _requests(c.requirements),
                }
                for c in found.components.items
            ],
        }
    return {
        "replicas": replicas,
        "revision": found.revision,
        "dependencies": dependencies,
        "health": found.health,
        "components": components,
        "failures": list(found.failures),
    }


def _requests(requirements: ReplicaRequirements | None) -> dict[str, str] | None:
    if requirements is None:
        return None
    return {name: _amount(name, units) for name, units in requirements.requests.items()}


def _amount(name: str, units: int) -> str:
    """A request in the estimator's units (millicores for cpu) as a Kubernetes quantity."""
    return units_text(name, units)


def _interpreted(data: dict[str, Any]) -> list[str]:
    found = data.get("interpreters")
    if not found:
        return []
    lines = []
    if found["replicas"] is not None:
        replicas = found["replicas"]
        needs = ", ".join(f"{k} {v}" for k, v in (replicas["requests"] or {}).items())
        each = f", each requesting {needs}" if needs else ""
        count = replicas["replicas"]
        lines.append(f"GetReplicas by {replicas['by']}: {count} replicas{each}")
    if found["revision"] is not None:
        lines.append(f"ReviseReplica by {found['revision']}: writes each cluster's share")
    if found["dependencies"] is not None:
        needs = ", ".join(found["dependencies"]["objects"]) or "nothing"
        lines.append(f"GetDependencies by {found['dependencies']['by']}: {needs}")
    if found["health"] is not None:
        lines.append(f"InterpretHealth by {found['health']}: judges health in hubless status")
    if found["components"] is not None:
        parts = []
        for component in found["components"]["components"]:
            needs = ", ".join(f"{k} {v}" for k, v in (component["requests"] or {}).items())
            parts.append(
                f"{component['name']} {component['replicas']}" + (f" ({needs})" if needs else "")
            )
        lines.append(
            f"GetComponents by {found['components']['by']}: {', '.join(parts) or 'none'} "
            f"({_components_use(found['components'])})"
        )
    lines.extend(f"script failed: {failure}" for failure in found["failures"])
    return lines


def _components_use(components: dict[str, Any]) -> str:
    if not components["used"]:
        return (
            "unused: Karmada reads components only with its MultiplePodTemplatesScheduling "
            "feature gate, off by default"
        )
    sets = (
        "each cluster's room is counted in whole sets when the placement asks for exactly "
        "one cluster"
        if components["setsEstimated"]
        else "karmada-scheduler's MultiplePodTemplatesScheduling is off: room is not "
        "counted in sets"
    )
    return (
        "used instead of GetReplicas, as MultiplePodTemplatesScheduling is on: never "
        f"divided, never revised; {sets}"
    )


def _federated_hpa(fleet: Fleet, template: ResourceTemplate) -> dict[str, Any] | None:
    """The FederatedHPA that bounds the template's replicas, as Karmada's controller does."""
    for scaling in fleet.federated_scalings:
        if scaling.target == template.key and not scaling.unused:
            return {
                "name": str(scaling.hpa),
                "source": str(scaling.source),
                "minReplicas": scaling.min_replicas,
                "maxReplicas": scaling.max_replicas,
                "templateReplicas": scaling.before,
                "replicas": scaling.after,
            }
    return None


def _federated_hpa_text(data: dict[str, Any]) -> list[str]:
    found = data.get("federatedHPA")
    if found is None:
        return []
    low, high, before = found["minReplicas"], found["maxReplicas"], found["templateReplicas"]
    if before == 0:
        outcome = "the template's 0 replicas disable it, as in Karmada"
    elif before > high:
        outcome = f"the template's {before} replicas are above maxReplicas: {high}"
    elif before < low:
        outcome = f"the template's {before} replicas are below minReplicas: {low}"
    else:
        outcome = f"the template's {before} replicas are within the bounds: kept"
    return [
        f"replicas bounded by {found['name']} ({found['source']}) to {low}..{high}: "
        f"{outcome} (metrics scale it only with a Karmada control plane)"
    ]


def explain(repo: Path, target: str, *, cluster: str | None, output: str) -> int:
    fleet = fleet_of(read_sources(repo), read_record(repo), repo=repo)
    template = _find(fleet.templates, target)
    names = [c.name for c in fleet.clusters]
    if cluster is not None:
        if cluster not in names:
            raise UserError.at(None, f"no cluster {cluster!r} in the inventory")
        names = [cluster]
    failed: CompileError | None = None
    try:
        compiled = compile_repo(repo, fleet=fleet, trace=True).compiled
    except CompileError as exc:
        # Explain what was decided all the same (a failed schedule's verdicts included),
        # then fail with the errors, as a render would.
        compiled, failed = exc.compiled, exc
    data = report(compiled, template, names)
    data["interpreters"] = _interpreters(fleet, template)
    data["held"] = _held(repo, fleet, compiled, template, names)
    data["federatedHPA"] = _federated_hpa(fleet, template)
    if output == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    else:
        click.echo(_text(data))
    if failed is not None:
        raise failed
    return 0
