"""Source files -> a Fleet: Jinja2, YAML, dispatch by kind, Kubernetes defaulting.

`load_fleet` works on file contents (hubless.sources reads them), so the same code loads a
work tree or a git revision.
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from hubless import federatedhpa, kinds, multiclusterservice, secrets, service_import, workloads
from hubless.dialects import (
    DIALECTS,
    declared_scopes,
    dialect_for,
    has_objects,
    template_dialect_for,
)
from hubless.documents import Document
from hubless.errors import Problems, Source, UserError
from hubless.interpreter.customization import KIND, Customization
from hubless.interpreter.interpreters import conflicts
from hubless.model import (
    Cluster,
    FeatureGates,
    Fleet,
    OverridePolicy,
    PolicyRef,
    PreviousPlacement,
    PropagationPolicy,
    ResourceKey,
    ResourceTemplate,
    RolloutPolicy,
)
from hubless.names import name_problem, namespace_problem
from hubless.quota.model import FederatedResourceQuota
from hubless.repository import POLICIES_DIR, TEMPLATES_DIR
from hubless.rollout.checks import rollout_errors
from hubless.sources import SourceFile as SourceFile
from hubless.sources import read_sources as read_sources
from hubless.yaml_pieces import PieceCache, parse_ahead, read_objects

MAX_JINJA_OUTPUT = 64 * 2**20  # characters; a runaway loop stops here, not in swap
MAX_JINJA_SECONDS = 10.0  # per file; a loop that writes nothing stops here


class _TooLarge(Exception):
    pass


class _TooSlow(BaseException):
    """Raised by the timer's signal handler; not an Exception, so that no handler meant
    for a template's own failures takes it for one."""


def _too_slow(signum: int, frame: object) -> None:
    raise _TooSlow


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise _TooSlow in the block after `seconds`, by SIGALRM. Signal handlers can only be
    set on the main thread: elsewhere the block runs unbounded in time (its output is still
    bounded). The previous handler and timer are put back."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _too_slow)
    start = time.monotonic()
    earlier, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous)
            if earlier > 0:
                left = earlier - (time.monotonic() - start)
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), interval)


def _template_line(exc: BaseException) -> int:
    """The template line being rendered when `exc` was raised, or 1."""
    line = 1
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == "<template>":
            line = lineno
    return line


def _render_jinja(file: SourceFile, context: dict[str, Any]) -> str:
    seconds = MAX_JINJA_SECONDS
    try:
        with _time_limit(seconds):
            return _generate(file, context)
    except _TooSlow:
        raise UserError.at(
            Source(file.path, 1),
            f"Jinja2: rendering took longer than {seconds:g} s (a runaway loop?)",
        ) from None


def _generate(file: SourceFile, context: dict[str, Any]) -> str:
    # Imported here: most fleets have no Jinja2 file, and every render would pay for it.
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
    try:
        chunks, size = [], 0
        for chunk in environment.from_string(file.text).generate(**context):
            size += len(chunk)
            if size > MAX_JINJA_OUTPUT:
                raise _TooLarge
            chunks.append(chunk)
        return "".join(chunks)
    except _TooLarge:
        raise UserError.at(
            Source(file.path, 1), f"Jinja2: output exceeds {MAX_JINJA_OUTPUT:,} characters"
        ) from None
    except RecursionError:
        raise UserError.at(Source(file.path, 1), "Jinja2: recursion too deep") from None
    except MemoryError as exc:
        raise UserError.at(
            Source(file.path, _template_line(exc)),
            "Jinja2: out of memory (a value too large to build?)",
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise UserError.at(Source(file.path, exc.lineno or 1), f"Jinja2: {exc.message}") from None
    except Exception as exc:  # any failure inside the template is the template's fault
        raise UserError.at(Source(file.path, _template_line(exc)), f"Jinja2: {exc}") from None


def _header(document: Document) -> tuple[str, str]:
    data = document.data
    if not isinstance(data, dict):
        raise UserError.at(document.source, "a document must be a map (a Kubernetes object)")
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not isinstance(api_version, str) or not api_version:
        raise UserError.at(document.source, "missing apiVersion")
    if not isinstance(kind, str) or not kind:
        raise UserError.at(document.source, "missing kind")
    return api_version, kind


def _documents(
    file: SourceFile, text: str, problems: Problems, cache: PieceCache | None
) -> list[Document]:
    """The file's objects; a `v1 List` (what `kubectl get -o yaml` exports) is unpacked."""
    try:
        return read_objects(text, file.path, cache)
    except UserError as exc:
        problems.extend(exc)
        return []


def _file_documents(
    file: SourceFile, context: dict[str, Any], problems: Problems, cache: PieceCache | None
) -> list[Document]:
    text = file.text
    if file.is_jinja:
        try:
            text = _render_jinja(file, context)
        except UserError as exc:
            problems.extend(exc)
            return []
    return _documents(file, text, problems, cache)


class _Policies:
    def __init__(self) -> None:
        self.clusters: dict[str, Cluster] = {}
        self.propagation: dict[PolicyRef, PropagationPolicy] = {}
        self.override: dict[PolicyRef, OverridePolicy] = {}
        self.rollout: dict[str, RolloutPolicy] = {}
        self.customizations: dict[str, Customization] = {}
        self.gates: list[FeatureGates] = []  # the karmada-operator's Karmada object
        self.inputs: list[Any] = []  # the other dialects' own objects, for their assembly
        self.dialects: set[str] = set()  # the names of the dialects that read a document

    def add(self, document: Document, problems: Problems, *, from_jinja: bool) -> None:
        try:
            api_version, kind = _header(document)
            refused = kinds.not_read(api_version, kind)
            if refused is not None:
                raise UserError.at(document.source, refused)
            dialect = dialect_for(api_version, kind)
            if dialect is None:
                raise UserError.at(
                    document.source,
                    f"{api_version} {kind} does not belong in {POLICIES_DIR}/: it holds "
                    "Cluster, PropagationPolicy, ClusterPropagationPolicy, OverridePolicy, "
                    "ClusterOverridePolicy, FederatedResourceQuota, "
                    "ResourceInterpreterCustomization, RolloutPolicy "
                    "and Karmada (operator.karmada.io) objects (and KubeFedCluster, "
                    "FederatedTypeConfig, "
                    "ReplicaSchedulingPreference, FederatedCluster, SchedulingProfile); "
                    f"resources go in {TEMPLATES_DIR}/",
                )
            if kind in ("Cluster", "KubeFedCluster", "FederatedCluster") and from_jinja:
                raise UserError.at(
                    document.source,
                    "Cluster objects cannot come from a Jinja2 template: "
                    "templates are rendered with the cluster inventory",
                )
            self.dialects.add(dialect.name)
            parsed = dialect.parse(document)
        except UserError as exc:
            problems.extend(exc)
            return
        self.add_parsed(parsed, problems)

    def add_parsed(self, parsed: Any, problems: Problems) -> None:
        if isinstance(parsed, Cluster):
            self._unique(self.clusters, parsed.name, parsed, problems, f"Cluster {parsed.name}")
        elif isinstance(parsed, PropagationPolicy):
            self._unique(self.propagation, parsed.ref, parsed, problems, str(parsed.ref))
        elif isinstance(parsed, OverridePolicy):
            self._unique(self.override, parsed.ref, parsed, problems, str(parsed.ref))
        elif isinstance(parsed, RolloutPolicy):
            self._unique(self.rollout, parsed.name, parsed, problems, str(parsed.ref))
        elif isinstance(parsed, Customization):
            self._unique(
                self.customizations, parsed.name, parsed, problems, f"{KIND} {parsed.name}"
            )
        elif isinstance(parsed, FeatureGates):
            if self.gates:
                problems.add(
                    parsed.source,
                    "a second Karmada object (operator.karmada.io/v1alpha1): one Karmada "
                    f"instance's feature gates apply to the fleet (the first is at "
                    f"{self.gates[0].source})",
                )
            else:
                self.gates.append(parsed)
        else:
            self.inputs.append(parsed)

    @staticmethod
    def _unique(table: dict[Any, Any], key: Any, value: Any, problems: Problems, what: str) -> None:
        if key in table:
            problems.add(value.source, f"{what} is defined twice (also at {table[key].source})")
        else:
            table[key] = value


def _template(document: Document, crds: dict[tuple[str, str], bool]) -> ResourceTemplate:
    api_version, kind = _header(document)
    group = kinds.group_of(api_version)
    refused = kinds.not_read(api_version, kind)
    if refused is not None:
        raise UserError.at(document.source, refused)
    if group in ("policy.karmada.io", "cluster.karmada.io") or dialect_for(api_version, kind):
        raise UserError.at(
            document.source, f"{kind} is a control object: put it in {POLICIES_DIR}/"
        )
    body: dict[str, Any] = document.data
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        raise UserError.at(document.source, "missing metadata")
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        raise UserError.at(document.source, "missing metadata.name (generateName is not supported)")
    namespace = metadata.get("namespace")
    if namespace is not None and (not isinstance(namespace, str) or not namespace):
        raise UserError.at(document.source, "metadata.namespace must be a non-empty string")
    namespaced = kinds.scope(group, kind, crds)
    if namespaced is None:
        where = Source(document.source.path, document.line_of(body, "kind"))
        raise UserError.at(where, kinds.unknown_scope(group, kind))
    if namespaced:
        if namespace is None:
            namespace = "default"
            items = list(metadata.items())
            at = next((i + 1 for i, (k, _) in enumerate(items) if k == "name"), len(items))
            items.insert(at, ("namespace", namespace))
            body["metadata"] = dict(items)
    elif namespace is not None:
        raise UserError.at(
            document.source, f"{kind} is cluster-scoped and cannot have metadata.namespace"
        )
    else:
        namespace = ""
    _check_names(document, group, kind, name, namespace)
    if secrets.plaintext_secret(body):
        raise UserError.at(
            document.source,
            f"Secret {namespace}/{name} holds plaintext data: commit a SealedSecret, an "
            "ExternalSecret or a Secret with every value encrypted by SOPS instead (or annotate "
            f'{secrets.ALLOW_PLAINTEXT_SECRET}: "true" to accept the risk)',
        )
    _check_workload(document, group, kind)
    workloads.apply_defaults(group, kind, body)
    return ResourceTemplate(api_version, kind, namespace, name, body, document.source)


def _check_workload(document: Document, group: str, kind: str) -> None:
    """Replica counts and the pod template, at the line of the field in question."""
    problems = Problems()
    for flaw in workloads.flaws(group, kind, document.data):
        line, container = document.source.line, document.data
        for step in flaw.steps:
            if not isinstance(container, dict) or step not in container:
                break
            line, container = document.line_of(container, step), container[step]
        problems.add(Source(document.source.path, line), flaw.message)
    problems.raise_if_any()


def _check_names(document: Document, group: str, kind: str, name: str, namespace: str) -> None:
    """Kubernetes' name rules: what the API server would reject never reaches rendered/."""
    problem = namespace_problem(namespace) or name_problem(group, kind, name)
    if problem is not None:
        raise UserError.at(document.source, problem)


def load_fleet(
    files: Sequence[SourceFile],
    previous: Mapping[ResourceKey, PreviousPlacement] | None = None,
    *,
    cache: PieceCache | None = None,
) -> Fleet:
    """Parse and check every source file; all problems are reported together.

    `previous` is the last render's placement, which the KubeAdmiral and Kubefed front ends
    read as their members' current state (left out: nothing runs yet). With `cache`, YAML
    parsed before is not parsed again; the fleet is the same."""
    problems = Problems()
    policies = _Policies()
    policy_files = [f for f in files if f.path.startswith(POLICIES_DIR + "/")]
    template_files = [f for f in files if f.path.startswith(TEMPLATES_DIR + "/")]

    if cache is not None:
        # A large inventory's unknown pieces are parsed on two cores before they are read.
        parse_ahead((f.text for f in [*policy_files, *template_files] if not f.is_jinja), cache)
    # Plain policy files first: their Cluster objects are the Jinja2 context.
    for file in policy_files:
        if not file.is_jinja:
            for document in _documents(file, file.text, problems, cache):
                policies.add(document, problems, from_jinja=False)
    clusters = tuple(sorted(policies.clusters.values(), key=lambda c: c.name))
    context = {"clusters": [cluster.body for cluster in clusters]}

    for file in policy_files:
        if file.is_jinja:
            for document in _file_documents(file, context, problems, cache):
                policies.add(document, problems, from_jinja=True)

    template_documents: list[Document] = []
    for file in template_files:
        template_documents.extend(_file_documents(file, context, problems, cache))

    # A CRD of templates/ is the authority on its kind's scope; then what another dialect's
    # objects declare (a Kubefed FederatedTypeConfig's target type).
    crds = declared_scopes(policies.inputs, policies.dialects) | kinds.crd_scopes(
        d.data for d in template_documents if isinstance(d.data, dict)
    )
    wrapped: dict[str, list[Document]] = {}  # another dialect's objects, by dialect
    plain: list[ResourceTemplate] = []
    federated_hpas: list[federatedhpa.FederatedHPA] = []
    services: list[multiclusterservice.MultiClusterService] = []
    for document in template_documents:
        try:
            dialect = template_dialect_for(kinds.group_of(_header(document)[0]))
            if dialect is not None:
                wrapped.setdefault(dialect.name, []).append(document)
            else:
                template = _template(document, crds)
                plain.append(template)
                if federatedhpa.is_federated_hpa(template.group, template.kind):
                    federated_hpas.append(federatedhpa.parse(document, template))
                elif (template.group, template.kind) == (
                    federatedhpa.GROUP,
                    federatedhpa.CRON_FEDERATED_HPA,
                ):
                    federatedhpa.check_cron(document, template)
                elif multiclusterservice.is_multicluster_service(template.group, template.kind):
                    services.append(multiclusterservice.parse(document, template))
        except UserError as exc:
            problems.extend(exc)
    for dialect in DIALECTS:
        if dialect.assemble is None or not has_objects(dialect, policies.dialects, wrapped, plain):
            continue
        assembled = dialect.assemble(
            wrapped.get(dialect.name, []),
            policies.inputs,
            clusters,
            lambda document: _template(document, crds),
            problems,
            tuple(plain),
            previous or {},
        )
        if assembled.replaced:
            rewritten = {template.key: template for template in assembled.replaced}
            plain = [rewritten.get(template.key, template) for template in plain]
        plain.extend(assembled.templates)
        for policy in assembled.propagation_policies:
            policies.add_parsed(policy, problems)
        for override in assembled.override_policies:
            policies.add_parsed(override, problems)
    # What Karmada's ServiceImport controller derives is the control plane's template.
    written = {template.key: template for template in plain}
    for derived in service_import.derived_services(plain):
        committed = written.get(derived.key)
        if committed is None:
            plain.append(derived)
            continue
        problems.add(
            committed.source,
            f"{derived.key} is written by Karmada's ServiceImport controller from the "
            f"ServiceImport at {derived.source} (type ClusterSetIP): remove it from "
            f"{TEMPLATES_DIR}/",
        )
    templates: dict[ResourceKey, ResourceTemplate] = {}
    for template in plain:
        if template.key in templates:
            other = templates[template.key]
            problems.add(
                template.source,
                f"{template.key} is defined twice (also at {other.source})",
            )
            continue
        templates[template.key] = template
    # A FederatedHPA writes its target template's replicas, as Karmada's controller does.
    scaled, scalings = federatedhpa.apply(list(templates.values()), federated_hpas, problems)
    templates = {template.key: template for template in scaled}
    customizations = tuple(policies.customizations[k] for k in sorted(policies.customizations))
    for problem in conflicts(customizations):
        problems.add(problem.source, problem.message)
    problems.raise_if_any()

    fleet = Fleet(
        clusters=clusters,
        templates=tuple(templates[k] for k in sorted(templates)),
        propagation_policies=tuple(policies.propagation[k] for k in sorted(policies.propagation)),
        override_policies=tuple(policies.override[k] for k in sorted(policies.override)),
        rollout_policies=tuple(policies.rollout[k] for k in sorted(policies.rollout)),
        customizations=customizations,
        gates=policies.gates[0] if policies.gates else FeatureGates(),
        federated_scalings=scalings,
        multicluster_services=tuple(sorted(services, key=lambda s: s.key)),
        quotas=tuple(
            sorted(
                (q for q in policies.inputs if isinstance(q, FederatedResourceQuota)),
                key=lambda q: (q.namespace, q.name),
            )
        ),
    )
    rollout_errors(fleet).raise_if_any()
    return fleet
