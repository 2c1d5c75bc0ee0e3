"""A FederatedResourceQuota as read from policies/."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hubless.errors import Source
from hubless.model import PolicyRef

KIND = "FederatedResourceQuota"


@dataclass(frozen=True)
class Amount:
    """One resource's limit: its exact value and the text Kubernetes stores for it."""

    value: Fraction
    text: str


@dataclass(frozen=True)
class StaticAssignment:
    cluster: str
    hard: tuple[tuple[str, Amount], ...]  # in the order written
    source: Source  # the entry
    index: int  # its position in spec.staticAssignments

    def amount(self, resource: str) -> Amount | None:
        return next((a for name, a in self.hard if name == resource), None)


@dataclass(frozen=True)
class FederatedResourceQuota:
    namespace: str
    name: str
    source: Source
    overall: tuple[tuple[str, Amount], ...]
    overall_source: Source  # spec.overall, where an overall total that is exceeded is reported
    assignments: tuple[StaticAssignment, ...]
    digest: str  # of the document: what its ResourceQuotas are made of

    @property
    def ref(self) -> PolicyRef:
        return PolicyRef(KIND, self.namespace, self.name)

    def assignment(self, cluster: str) -> StaticAssignment | None:
        """The cluster's limits: the first entry naming it, as Karmada's controller reads."""
        return next((a for a in self.assignments if a.cluster == cluster), None)
