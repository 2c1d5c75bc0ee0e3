"""Kubefed v2, read as a front end: its objects become the same model Karmada's do.

policies/ may hold KubeFedCluster, FederatedTypeConfig and ReplicaSchedulingPreference;
templates/ may hold `types.kubefed.io/v1beta1` Federated<Kind> objects, each of which yields
its inner object as a resource template, a propagation policy that claims exactly that
object (scheduled by `KubefedScheduler`, Kubefed's placement and RSP planner) and an
override policy carrying its clusterOverrides (applied as Kubefed applies them).

Kubefed's scheduling needs nothing Kubefed learns at run time except member replica counts
and pod capacity, which an offline render does not have: the RSP planner runs with none,
as it does for a workload that is not yet running.

Modules: `names` (its kinds), `policies` (what policies/ holds), `federated` (unwrapping
Federated<Kind> objects), `assemble` (scheduling, overrides, assembly), `planner` (the RSP
planner) and `convert` (to Karmada's objects). Nothing is imported here: a fleet without
Kubefed's objects never loads them.
"""
