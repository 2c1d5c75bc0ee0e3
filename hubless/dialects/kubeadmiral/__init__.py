"""KubeAdmiral (kubewharf/kubeadmiral), read as a front end.

policies/ may hold FederatedCluster, PropagationPolicy, ClusterPropagationPolicy,
OverridePolicy, ClusterOverridePolicy and SchedulingProfile (core.kubeadmiral.io/v1alpha1).
Resources stay plain manifests in templates/: the `kubeadmiral.io/*-policy-name` labels bind
them to policies, as in KubeAdmiral, and `assemble` schedules them with KubeAdmiral's
pipeline (`hubless.dialects.kubeadmiral.scheduler`) and its overriders.
"""

from hubless.dialects.kubeadmiral.assemble import assemble
from hubless.dialects.kubeadmiral.policies import DIALECT, KINDS, parse

__all__ = ["DIALECT", "KINDS", "assemble", "parse"]
