"""`hubless explain KIND/[NAMESPACE/]NAME`: why a resource is (not) on each cluster.

Everything reported comes from the decisions `compile_fleet` recorded while compiling,
the same run `hubless render` makes; nothing is recomputed here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from hubless import kinds
from hubless.build.plan import compile_repo
from hubless.errors import UserError
from hubless.load import load_fleet, read_sources
from hubless.model import ResourceTemplate
from hubless.results import DEPENDENCY, NAMESPACE_SYNC, Compiled, Decision
from hubless.scheduler import Schedule


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
        other = dict(compiled.other_scheduler).get(template.key)
        held = dict(compiled.held).get(template.key)
        if template.key in compiled.skipped:
            result["reason"] = "Karmada never propagates objects of this kind or namespace"
        elif held is not None:
            result["reason"] = f"{held.message} ({held.source})"
        elif other is not None:
            result["reason"] = (
                f"{other.ref} ({other.source}) matches it but names schedulerName "
                f"{other.scheduler_name!r}: hubless runs only Karmada's default-scheduler"
            )
        else:
            result["reason"] = "no propagation policy matches it"
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
        }
        for c in decision.contest
    ]
    result["requiredBy"] = [
        {"resource": str(key), "clusters": list(clusters)} for key, clusters in decision.required_by
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
    _replicas_kept(result, compiled, template)
    return result


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
        if name in targets:
            replicas = targets[name] if decision.binding.replicas else None
            result["clusters"].append(
                _cluster(name, True, replicas, None, None, list(overrides.get(name, ())))
            )
        elif name in rejected:
            r = rejected[name]
            result["clusters"].append(_cluster(name, False, None, r.filter, r.reason, []))
        elif name in feasible and attempt.error:
            result["clusters"].append(_cluster(name, False, None, None, attempt.error, []))
        elif name in feasible and name in attempt.selected:
            result["clusters"].append(
                _cluster(name, False, 0, None, "assigned 0 replicas: a workload is withdrawn", [])
            )
        elif name in feasible:
            result["clusters"].append(
                _cluster(name, False, None, None, "not selected by spreadConstraints", [])
            )
        elif schedule.kept:
            result["clusters"].append(
                _cluster(name, False, None, None, "not in the kept placement", [])
            )
        entry = result["clusters"][-1]
        candidate = feasible.get(name)
        if candidate is not None and decision.binding.replicas:
            entry["capacity"] = {"replicas": candidate.allocatable, "limitedBy": candidate.limit}
        if name in weights:
            entry["weight"] = weights[name]


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
    if data["requiredBy"] and data["via"] != DEPENDENCY:
        lines.append("also needed (propagateDeps) by:")
    for need in data["requiredBy"]:
        lines.append(f"  {need['resource']} on {', '.join(need['clusters']) or 'no cluster'}")
    for policy in data["policies"]:
        if policy["outcome"] == "won":
            lines.append(
                f"policy: {policy['policy']} ({policy['source']}), priority {policy['priority']}, "
                f"matched by {policy['match']}"
            )
        else:
            lines.append(f"  also matched: {policy['policy']}: lost, {policy['outcome']}")
    if data["strategy"] and data["replicas"]:
        lines.append(f"replicas: {data['replicas']} per template, {data['strategy']}")
    elif data["strategy"]:
        lines.append(f"replicas: none (not a workload), {data['strategy']}")
    if data["kept"]:
        lines.append(f"kept the previous placement: {data['kept']}")
    if data["division"]:
        lines.append(f"division: {data['division']}")
    for attempt in data["affinityAttempts"]:
        outcome = f"failed: {attempt['error']}" if attempt["error"] else "scheduled"
        lines.append(f"clusterAffinities term {attempt['term']!r}: {outcome}")
    lines.append("clusters:")
    width = max((len(c["name"]) for c in data["clusters"]), default=0)
    for cluster in data["clusters"]:
        if cluster["selected"]:
            detail = "yes"
            if cluster["replicas"] is not None:
                count = cluster["replicas"]
                detail += f", {count} replica{'' if count == 1 else 's'} scheduled"
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
    return "\n".join(lines)


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
        parts.append(f"room for {capacity['replicas']} (by {capacity['limitedBy']})")
    return f" [{', '.join(parts)}]" if parts else ""


def explain(repo: Path, target: str, *, cluster: str | None, output: str) -> int:
    fleet = load_fleet(read_sources(repo))
    template = _find(fleet.templates, target)
    names = [c.name for c in fleet.clusters]
    if cluster is not None:
        if cluster not in names:
            raise UserError.at(None, f"no cluster {cluster!r} in the inventory")
        names = [cluster]
    compiled = compile_repo(repo, fleet=fleet, trace=True).compiled
    data = report(compiled, template, names)
    if output == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    else:
        click.echo(_text(data))
    return 0
