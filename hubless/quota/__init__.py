"""Karmada's FederatedResourceQuota (policy.karmada.io/v1alpha1): read and validated as its
webhook does (`parse`), written as a ResourceQuota per statically assigned cluster as its
sync controller does (`assemble`), and checked against what a render places (`check`)."""
