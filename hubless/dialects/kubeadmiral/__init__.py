"""KubeAdmiral (kubewharf/kubeadmiral), read as a front end.

policies/ may hold FederatedCluster, PropagationPolicy, ClusterPropagationPolicy,
OverridePolicy, ClusterOverridePolicy and SchedulingProfile (core.kubeadmiral.io/v1alpha1).
Resources stay plain manifests in templates/: the `kubeadmiral.io/*-policy-name` labels bind
them to policies, as in KubeAdmiral, and `assemble` schedules them with KubeAdmiral's
pipeline (`hubless.dialects.kubeadmiral.scheduler`) and its overriders.

Modules: `names` (its kinds and labels), `policies` (what policies/ holds), `assemble`
(binding, scheduling, overrides). Nothing is imported here: a fleet without KubeAdmiral's
objects never loads them.
"""
