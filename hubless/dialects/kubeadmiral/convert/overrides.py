"""KubeAdmiral (Cluster)OverridePolicy -> Karmada (Cluster)OverridePolicy.

Each KubeAdmiral override policy becomes a Karmada one of the same name selecting, by name,
every object whose label names it; KubeAdmiral applies the ClusterOverridePolicy first and
Karmada applies ClusterOverridePolicies before OverridePolicies, so the order holds. Rules
keep their order; `targetClusters` (clusters AND clusterSelector AND clusterAffinity)
becomes one `targetCluster`.

Overriders map as follows, each checked against every bound template:
- labels/annotations: `overwrite` (changes existing keys only) is Karmada's `replace`,
  `delete` is `remove`; `addIfAbsent` is `add` when the key cannot exist yet (KubeAdmiral
  fails on an existing key, Karmada's add overwrites it).
- jsonpatch -> plaintext, `replace` of an object member as `add` (see patch.py).
- image: component operations are run under both systems' rules on each affected image;
  exact when the results agree. Karmada reaches `containers` of its known kinds by default;
  other paths (init containers, CronJobs, containerNames) are written as predicates when
  they are the same in every bound object.
- command/args: `append`/`delete` are Karmada's `add`/`remove` when the container is a
  regular one of a kind Karmada knows; `overwrite` is a plaintext `add` of the container's
  field when that path is the same in every bound object.
- envs: Karmada has no env overrider: always a gap.
Where KubeAdmiral itself would fail (it then applies no overrides to the object), the
overrider is left out and the gap says so. The checks look at the template as written; an
earlier rule that changes the same fields for some clusters is not followed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubless import pointer
from hubless.convert.affinity import EVERYTHING, Affinity, Inexpressible, names
from hubless.convert.core import (
    Output,
    annotations_of,
    as_dict,
    as_list,
    describe,
    labels_of,
    override_policy,
    string_map,
)
from hubless.convert.patch import Operation, PatchError, to_plaintext
from hubless.dialects.jsonpatch_v4 import FORBIDDEN_PATHS
from hubless.dialects.kubeadmiral.convert.propagation import COP, OP, Bound, Context, PolicyKey
from hubless.dialects.kubeadmiral.convert.selection import (
    Invalid,
    selector_affinity,
    selects,
    terms_affinity,
    valid_label_key,
    valid_label_value,
)
from hubless.dialects.kubeadmiral.overriders.podspec import (
    POD_SPEC_PATHS as KUBEADMIRAL_POD_SPECS,
)
from hubless.errors import Source
from hubless.imageref import DIGEST, TAG, ImageReference, InvalidReference, split_hostname
from hubless.model import ImageOverrider
from hubless.overriders.containers import POD_SPEC_PATHS
from hubless.overriders.failure import OverrideFailure
from hubless.overriders.image import rewrite

# Where KubeAdmiral finds a pod spec, by (group, kind); other kinds fail its overriders.
_POD_SPECS = {kind: pointer.join(steps) for kind, steps in KUBEADMIRAL_POD_SPECS.items()}
_IMAGE_OPERATORS = {"overwrite": "replace", "addIfAbsent": "replace", "delete": "remove"}


class Failure(Exception):
    """KubeAdmiral would fail the overrides of the object: it applies none of them."""


@dataclass
class Member:
    """A bound object and the label/annotation keys it may have when the next rule runs."""

    bound: Bound
    labels: set[str] | None  # None: unknown (a patch replaced the whole map)
    annotations: set[str] | None

    @property
    def template(self) -> dict[str, Any]:
        return self.bound.template

    @property
    def subject(self) -> str:
        return self.bound.subject


class _Gaps:
    def __init__(self, out: Output, source: Source, subject: str, rule: int) -> None:
        self.out, self.source, self.subject, self.rule = out, source, subject, rule

    def add(self, text: str) -> None:
        self.out.gap(self.source, self.subject, f"overrideRules[{self.rule}]: {text}")


def _resolve(document: Any, pointer: str) -> Any:
    current = document
    for token in pointer.strip("/").split("/") if pointer.strip("/") else []:
        if isinstance(current, dict):
            current = current.get(token)
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            return None
    return current


def _pod_spec(member: Member) -> tuple[str, dict[str, Any]]:
    path = _POD_SPECS.get(member.bound.group_kind)
    if path is None:
        raise Failure(f"KubeAdmiral finds no pod spec in a {member.template.get('kind')}")
    return path, as_dict(_resolve(member.template, path))


# --- targetClusters ------------------------------------------------------------------------


def _target(rule: dict[str, Any], ctx: Context, gaps: _Gaps) -> Affinity:
    """The rule's clusters; raises Failure when KubeAdmiral rejects the selection."""
    if rule.get("targetClusters") is None:
        return EVERYTHING
    target = as_dict(rule.get("targetClusters"))
    clusters = [str(c) for c in as_list(target.get("clusters"))]
    selector = as_dict(target.get("clusterSelector"))
    if not all(valid_label_key(str(k)) and valid_label_value(str(v)) for k, v in selector.items()):
        raise Failure("clusterSelector is not a valid label selector")
    affinity = selector_affinity(selector)
    if clusters:
        affinity = affinity.intersect(names(clusters))
    terms = target.get("clusterAffinity")
    try:
        return affinity.intersect(terms_affinity(terms))
    except Invalid as exc:
        raise Failure(f"clusterAffinity: {exc}") from None
    except Inexpressible as exc:
        matched = [
            c.name for c in ctx.clusters if selects(selector, clusters, terms, c.name, c.labels)
        ]
        gaps.add(
            f"{exc}; targets the clusters that match today ({', '.join(matched) or 'none'}): "
            "clusters added or relabelled later are not re-evaluated"
        )
        return Affinity(names=frozenset(matched)) if matched else Affinity(impossible=True)


# --- labels and annotations ----------------------------------------------------------------


def _string_maps(
    entries: Any, field: str, members: list[Member], gaps: _Gaps
) -> list[dict[str, Any]]:
    converted = []
    for entry in as_list(entries):
        entry = as_dict(entry)
        operator = str(entry.get("operator") or "overwrite")
        value = string_map(entry.get("value"))
        if operator == "overwrite":
            if value:
                converted.append({"operator": "replace", "value": value})  # existing keys only
        elif operator == "delete":
            if value:
                converted.append({"operator": "remove", "value": value})
        elif operator == "addIfAbsent":
            if not value:
                gaps.add(
                    f"{field} addIfAbsent without a value fails KubeAdmiral's overrides; left out"
                )
                continue
            keys = set(value)
            clash = [
                m.subject for m in members if getattr(m, field) is None or keys & getattr(m, field)
            ]
            if clash:
                gaps.add(
                    f"{field} addIfAbsent {sorted(keys)}: KubeAdmiral fails on a key that already "
                    f"exists (it may on {', '.join(clash)}), Karmada's add overwrites it. Written "
                    "as add"
                )
            converted.append({"operator": "add", "value": value})
            for member in members:
                existing = getattr(member, field)
                if existing is not None:
                    existing.update(keys)
        # Any other operator is ignored by KubeAdmiral, and so left out.
    return converted


# --- jsonpatch -----------------------------------------------------------------------------


def _jsonpatch(entries: Any, members: list[Member], gaps: _Gaps) -> list[dict[str, Any]]:
    operations = []
    for entry in as_list(entries):
        entry = as_dict(entry)
        path = str(entry.get("path", ""))
        if path.startswith("/metadata/finalizers"):
            gaps.add(
                f"jsonpatch {path}: KubeAdmiral patches finalizers on the member object only; "
                "Karmada drops finalizers from member copies; left out"
            )
            continue
        if path in FORBIDDEN_PATHS:
            gaps.add(f"jsonpatch {path}: KubeAdmiral refuses to patch it; left out")
            continue
        operations.append(
            Operation(str(entry.get("operator") or "replace"), path, entry.get("value"))
        )
    if not operations:
        return []
    for member in members:
        # KubeAdmiral's copy always has labels and annotations maps to patch into.
        metadata = member.template.setdefault("metadata", {})
        for key in ("labels", "annotations"):
            wanted = any(o.path.startswith(f"/metadata/{key}/") for o in operations)
            if wanted and not isinstance(metadata.get(key), dict):
                metadata[key] = {}
    results = []
    for member in members:
        try:
            results.append(to_plaintext(member.template, operations))
        except PatchError as exc:
            gaps.add(
                f"jsonpatch fails on {member.subject} ({exc}): KubeAdmiral applies no "
                "overrides to it; left out"
            )
            return []
    if any(r != results[0] for r in results):
        gaps.add(
            "jsonpatch: the bound objects differ where it applies (a replace must be an add for "
            f"some, a replace for others); written as for {members[0].subject}"
        )
    for operation in operations:
        for member in members:
            for key in ("labels", "annotations"):
                _track(member, key, operation)
    return results[0]


def _track(member: Member, key: str, operation: Operation) -> None:
    """Follow which keys a patch may add to metadata.labels / metadata.annotations."""
    prefix = f"/metadata/{key}"
    if operation.path in (prefix, "/metadata", ""):
        setattr(member, key, None)
    elif operation.path.startswith(prefix + "/") and operation.op != "remove":
        keys = getattr(member, key)
        if keys is not None:
            keys.add(pointer.unescape(operation.path[len(prefix) + 1 :]))


# --- image ---------------------------------------------------------------------------------


def _image_paths(member: Member, entry: dict[str, Any]) -> list[str]:
    image_path = entry.get("imagePath")
    if image_path:
        if not str(image_path).startswith("/"):
            raise Failure(f"imagePath {image_path!r} must start with /")
        return [str(image_path)]
    path, pod = _pod_spec(member)
    wanted = {str(n) for n in as_list(entry.get("containerNames")) if n}
    paths = []
    for field in ("initContainers", "containers"):
        for index, container in enumerate(as_list(pod.get(field))):
            if not wanted or as_dict(container).get("name") in wanted:
                paths.append(f"{path}/{field}/{index}/image")
    return paths


def _karmada_default_paths(member: Member) -> list[str] | None:
    prefix = POD_SPEC_PATHS.get(str(member.template.get("kind")))
    if prefix is None:
        return None
    containers = as_list(as_dict(_resolve(member.template, prefix)).get("containers"))
    return [f"{prefix}/containers/{i}/image" for i in range(len(containers))]


def kubeadmiral_image(image: str, operations: list[tuple[str, str, str]]) -> str:
    """KubeAdmiral's image overrider on one image: components kept apart, none normalised."""
    try:
        ImageReference.parse(image)
    except InvalidReference as exc:
        raise Failure(f"cannot parse image {image!r}: {exc}") from None
    name, _, digest = image.partition("@")
    head, _, last = name.rpartition("/")
    tag = ""
    if ":" in last:
        last, _, tag = last.partition(":")
    registry, repository = split_hostname(f"{head}/{last}" if head else last)
    parts = {"Registry": registry, "Repository": repository, "Tag": tag, "Digest": digest}
    for component, operator, value in operations:
        if component not in parts:
            raise Failure(f"unsupported image component {component!r}")
        if operator == "addIfAbsent":
            if not value or parts[component]:
                raise Failure(f"addIfAbsent on {component} {parts[component]!r} of {image!r}")
            parts[component] = value
        elif operator == "overwrite":
            parts[component] = value
        elif operator == "delete":
            parts[component] = ""
        else:
            raise Failure(f"unsupported image operator {operator!r}")
        if component == "Tag" and parts["Tag"] and not TAG.fullmatch(parts["Tag"]):
            raise Failure(f"invalid tag {parts['Tag']!r}")
        if component == "Digest" and parts["Digest"] and not DIGEST.fullmatch(parts["Digest"]):
            raise Failure(f"invalid digest {parts['Digest']!r}")
    result = (
        f"{parts['Registry']}/{parts['Repository']}" if parts["Registry"] else parts["Repository"]
    )
    result += f":{parts['Tag']}" if parts["Tag"] else ""
    return result + (f"@{parts['Digest']}" if parts["Digest"] else "")


def karmada_image(image: str, operations: list[tuple[str, str, str]]) -> str | None:
    """Karmada's imageOverrider entries on one image; None when Karmada fails."""
    source = Source("", 0)
    try:
        for component, operator, value in operations:
            image = rewrite(image, ImageOverrider(None, component, operator, value, source))
    except OverrideFailure:
        return None
    return image


def _images(entries: Any, members: list[Member], gaps: _Gaps) -> list[dict[str, Any]]:
    converted: list[dict[str, Any]] = []
    current: dict[tuple[int, str], tuple[str, str | None]] = {}  # (member, path) -> both images
    for number, entry in enumerate(as_list(entries)):
        entry = as_dict(entry)
        label = f"image[{number}]"
        operations = []
        for item in as_list(entry.get("operations")):
            item = as_dict(item)
            component = str(item.get("imageComponent", ""))
            operations.append(
                (component, str(item.get("operator") or "overwrite"), str(item.get("value") or ""))
            )
        karmada_ops = [
            ("Tag" if c == "Digest" else c, _IMAGE_OPERATORS.get(o, o), v) for c, o, v in operations
        ]
        try:
            paths = [_image_paths(m, entry) for m in members]
            updates = {}
            for index, member in enumerate(members):
                for path in paths[index]:
                    original = _resolve(member.template, path)
                    before = current.get((index, path), (original, original))
                    if not isinstance(before[0], str):
                        raise Failure(f"{path} of {member.subject} is not a string")
                    theirs = kubeadmiral_image(before[0], operations)
                    ours = karmada_image(before[1], karmada_ops) if before[1] is not None else None
                    updates[(index, path)] = (theirs, ours)
        except Failure as exc:
            gaps.add(f"{label}: {exc}: KubeAdmiral applies no overrides to the object; left out")
            continue
        if not any(paths):
            continue  # no container selected anywhere: nothing happens in either system
        defaults = [_karmada_default_paths(m) for m in members]
        if all(d == p for d, p in zip(defaults, paths, strict=True)):
            predicates: list[str | None] = [None]
        elif all(p == paths[0] for p in paths):
            predicates = list(paths[0])
        else:
            gaps.add(
                f"{label} selects different containers in the objects bound to the policy; a "
                "Karmada image overrider names the same paths in all of them; left out"
            )
            continue
        current.update(updates)
        differ = [
            f"{members[i].subject} {path}: {theirs!r} vs {ours!r}"
            for (i, path), (theirs, ours) in updates.items()
            if theirs != ours
        ]
        if differ:
            gaps.add(
                f"{label}: KubeAdmiral and Karmada rewrite images differently (KubeAdmiral keeps "
                "tag and digest apart and fails addIfAbsent on a set component; Karmada keeps "
                "one of tag or digest): " + "; ".join(differ) + ". Written as the nearest "
                "Karmada operations"
            )
        for predicate in predicates:
            for component, operator, value in karmada_ops:
                written: dict[str, Any] = {}
                if predicate is not None:
                    written["predicate"] = {"path": predicate}
                written.update({"component": component, "operator": operator})
                if operator != "remove":
                    written["value"] = value
                converted.append(written)
    return converted


# --- command / args ------------------------------------------------------------------------


def _entrypoints(
    entries: Any, target: str, members: list[Member], gaps: _Gaps
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(Karmada command/args overriders, plaintext entries) for KubeAdmiral's ones."""
    overriders: list[dict[str, Any]] = []
    plaintext: list[dict[str, Any]] = []
    current: dict[str, list[str]] = {}  # "<member>:<path>" -> list after earlier entries
    overwritten: dict[str, dict[str, Any]] = {}  # path -> the plaintext entry setting it
    for number, entry in enumerate(as_list(entries)):
        entry = as_dict(entry)
        label = f"{target}[{number}]"
        name, operator = str(entry.get("containerName", "")), str(entry.get("operator") or "")
        value = [str(v) for v in as_list(entry.get("value"))]
        if operator not in ("append", "overwrite", "delete") or (
            operator == "append" and not value
        ):
            gaps.add(f"{label}: KubeAdmiral rejects operator {operator!r} with {value}; left out")
            continue
        try:
            found = []
            for index, member in enumerate(members):
                location = _locate(member, name, target)
                if location is not None:
                    key = f"{index}:{location[0]}"
                    location = (location[0], location[1], current.get(key, location[2]))
                found.append(location)
        except Failure as exc:
            gaps.add(f"{label}: {exc}: KubeAdmiral applies no overrides to the object; left out")
            continue
        if all(f is None for f in found):
            continue  # no such container: skipped by both
        if operator == "overwrite":
            paths = {f[0] for f in found if f is not None}
            if any(f is None for f in found) or len(paths) != 1:
                gaps.add(
                    f"{label}: overwrite becomes a plaintext patch of one path, but container "
                    f"{name} is not at the same place in every bound object; left out"
                )
                continue
            path = paths.pop()
            overwritten[path] = {"path": path, "operator": "add", "value": list(value)}
            plaintext.append(overwritten[path])
            for index in range(len(members)):
                current[f"{index}:{path}"] = list(value)
            continue
        paths = {f[0] for f in found if f is not None}
        if all(f is not None for f in found) and len(paths) == 1 and paths <= overwritten.keys():
            # Karmada runs its command/args overriders before plaintext: an append or delete
            # after an overwrite in the same rule is folded into the overwrite's value.
            written = overwritten[paths.pop()]
            before = list(written["value"])
            written["value"] = (
                before + value if operator == "append" else [v for v in before if v not in value]
            )
            for index in range(len(members)):
                current[f"{index}:{written['path']}"] = list(written["value"])
            if not written["value"]:
                gaps.add(f"{label}: leaves {target} null in KubeAdmiral, [] here; written as []")
            continue
        unreachable = [
            members[i].subject
            for i, f in enumerate(found)
            if f is not None
            and (f[1] != "containers" or str(members[i].template.get("kind")) not in POD_SPEC_PATHS)
        ]
        if unreachable:
            gaps.add(
                f"{label}: container {name} is an init container, or of a kind Karmada's "
                f"{target} overrider does not reach, in {', '.join(unreachable)}; written as "
                f"the {target} overrider, which leaves it unchanged there"
            )
        emptied = []
        for index, location in enumerate(found):
            if location is None:
                continue
            path, _, before = location
            after = (
                before + value if operator == "append" else [v for v in before if v not in value]
            )
            current[f"{index}:{path}"] = after
            if not after:
                emptied.append(members[index].subject)
        if emptied:
            gaps.add(
                f"{label}: deleting every element leaves {target} null in KubeAdmiral and [] in "
                f"Karmada ({', '.join(emptied)}); written as remove"
            )
        karmada = "add" if operator == "append" else "remove"
        overriders.append({"containerName": name, "operator": karmada, "value": value})
    return overriders, plaintext


def _locate(member: Member, name: str, target: str) -> tuple[str, str, list[str]] | None:
    path, pod = _pod_spec(member)
    for field in ("initContainers", "containers"):
        for index, container in enumerate(as_list(pod.get(field))):
            container = as_dict(container)
            if container.get("name") == name:
                values = [str(v) for v in as_list(container.get(target))]
                return f"{path}/{field}/{index}/{target}", field, values
    return None


# --- rules and policies --------------------------------------------------------------------


def _rule(
    rule: dict[str, Any], members: list[Member], ctx: Context, gaps: _Gaps
) -> dict[str, Any] | None:
    try:
        target = _target(rule, ctx, gaps)
    except Failure as exc:
        gaps.add(f"{exc}: KubeAdmiral applies no overrides to the bound objects; rule left out")
        return None
    if target.nothing:
        return None  # applies to no cluster
    overriders = as_dict(rule.get("overriders"))
    karmada: dict[str, Any] = {}
    image = _images(overriders.get("image"), members, gaps)
    if image:
        karmada["imageOverrider"] = image
    plaintext: list[dict[str, Any]] = []
    for field in ("command", "args"):
        entries, patches = _entrypoints(overriders.get(field), field, members, gaps)
        if entries:
            karmada[f"{field}Overrider"] = entries
        plaintext.extend(patches)
    if as_list(overriders.get("envs")):
        gaps.add(
            "envs: Karmada has no env overrider, and a plaintext patch cannot add a variable "
            "only where it is absent or change one only where it exists; left out"
        )
    for field in ("labels", "annotations"):
        entries = _string_maps(overriders.get(field), field, members, gaps)
        if entries:
            karmada[f"{field}Overrider"] = entries
    plaintext.extend(_jsonpatch(overriders.get("jsonpatch"), members, gaps))
    if plaintext:
        karmada["plaintext"] = plaintext
    if not karmada:
        return None
    converted: dict[str, Any] = {}
    cluster_affinity = target.to_karmada()
    if cluster_affinity:
        converted["targetCluster"] = cluster_affinity
    converted["overriders"] = karmada
    return converted


def convert_override_policies(bounds: list[Bound], ctx: Context, out: Output) -> None:
    members: dict[PolicyKey, list[Member]] = {}
    for bound in bounds:
        member = Member(bound, set(labels_of(bound.template)), set(annotations_of(bound.template)))
        for key in bound.overrides:  # the cluster-wide policy first: its effects come first
            members.setdefault(key, []).append(member)
    keys = [k for k in ctx.policies if k[0] == COP] + [k for k in ctx.policies if k[0] == OP]
    for key in sorted(keys, key=lambda k: (k[0] != COP, k)):
        policy, source = ctx.policies[key]
        kind, namespace, name = key
        subject = describe(policy)
        bound_here = sorted(members.get(key, []), key=lambda m: m.subject)
        if not bound_here:
            out.gap(
                source,
                subject,
                "no object carries its label; a Karmada override policy without resource "
                "selectors would apply to everything; not converted",
            )
            continue
        rules = []
        for number, rule in enumerate(as_list(as_dict(policy.get("spec")).get("overrideRules"))):
            converted = _rule(as_dict(rule), bound_here, ctx, _Gaps(out, source, subject, number))
            if converted is not None:
                rules.append(converted)
        if rules:
            templates = [m.template for m in bound_here]
            out.policies.append(
                override_policy(out.claim(kind, namespace, name), namespace, templates, rules)
            )
