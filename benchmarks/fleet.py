"""A deterministic synthetic fleet: N clusters x M apps (Deployment + ConfigMap + Service).

    python benchmarks/fleet.py --clusters 100 --apps 50 --out /tmp/fleet

Karmada-style inputs: Cluster objects with labels, regions, capacity and API
enablements; one PropagationPolicy per app class (web: Duplicated on prod and staging;
api: Divided by dynamic weight; worker: Duplicated everywhere); OverridePolicies for
replicas per env, image tag per region (imageOverrider), labels per cluster and
annotations per region. Also writes one kustomize overlay per cluster producing the same
objects, for comparison (`--kustomize DIR`). With `--cloneset` the workloads are OpenKruise
CloneSets, which hubless reads through its built-in Lua interpreter.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-1", "us-west-2")
ENVS = ("prod", "staging", "dev")
APIS = {
    "v1": ("ConfigMap", "Namespace", "Service", "Secret", "ServiceAccount"),
    "apps/v1": ("Deployment", "StatefulSet", "DaemonSet"),
}


def cluster(index: int) -> str:
    env = ENVS[index % 3]
    region = REGIONS[index % 4]
    provider = "aws" if index % 2 else "gcp"
    apis = "".join(
        f"    - groupVersion: {gv}\n      resources:\n"
        + "".join(f"      - {{name: {k.lower()}s, kind: {k}}}\n" for k in kinds)
        for gv, kinds in APIS.items()
    )
    cpu = 64 + (index * 37) % 192
    return (
        f"- apiVersion: cluster.karmada.io/v1alpha1\n  kind: Cluster\n  metadata:\n"
        f"    name: member-{index:04d}\n    labels: {{env: {env}, tier: t{index % 4}}}\n"
        f"  spec: {{syncMode: Pull, provider: {provider}, region: {region}, zones: [{region}a]}}\n"
        f"  status:\n    kubernetesVersion: v1.30.{index % 9}\n"
        f"    conditions:\n    - {{type: Ready, status: 'True'}}\n"
        f"    - {{type: CompleteAPIEnablements, status: 'True'}}\n"
        f"    apiEnablements:\n{apis}"
        f"    resourceSummary:\n"
        f"      allocatable: {{cpu: '{cpu}', memory: {cpu * 4}Gi, pods: '1100'}}\n"
        f"      allocated: {{cpu: '{(index * 13) % 40}', memory: 8Gi, pods: '{(index * 7) % 300}'}}\n"
    )


def app(index: int) -> str:
    klass = ("web", "api", "worker")[index % 3]
    name = f"{klass}-{index:03d}"
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  namespace: apps
  labels: {{app: {name}, class: {klass}}}
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "checkout,search,recommendations"
  settings.yaml: |
    server:
      port: 8080
      timeoutSeconds: 30
    cache:
      ttlSeconds: 300
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: apps
  labels: {{app: {name}, class: {klass}}}
spec:
  replicas: {4 + index % 8}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}, class: {klass}}}
    spec:
      containers:
      - name: app
        image: registry.example.com/apps/{name}:1.{index % 10}.0
        ports:
        - {{containerPort: 8080, name: http}}
        envFrom:
        - configMapRef: {{name: {name}-config}}
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
          limits: {{memory: 256Mi}}
        readinessProbe:
          httpGet: {{path: /healthz, port: http}}
          periodSeconds: 10
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: apps
  labels: {{app: {name}, class: {klass}}}
spec:
  selector: {{app: {name}}}
  ports:
  - {{name: http, port: 80, targetPort: http}}
"""


POLICIES = """apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: apps}
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, labelSelector: {matchLabels: {class: web}}}
  - {apiVersion: v1, kind: ConfigMap, labelSelector: {matchLabels: {class: web}}}
  - {apiVersion: v1, kind: Service, labelSelector: {matchLabels: {class: web}}}
  placement:
    clusterAffinity:
      labelSelector:
        matchExpressions: [{key: env, operator: In, values: [prod, staging]}]
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: api, namespace: apps}
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, labelSelector: {matchLabels: {class: api}}}
  - {apiVersion: v1, kind: ConfigMap, labelSelector: {matchLabels: {class: api}}}
  - {apiVersion: v1, kind: Service, labelSelector: {matchLabels: {class: api}}}
  placement:
    replicaScheduling:
      replicaSchedulingType: Divided
      weightPreference: {dynamicWeight: AvailableReplicas}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: worker, namespace: apps}
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, labelSelector: {matchLabels: {class: worker}}}
  - {apiVersion: v1, kind: ConfigMap, labelSelector: {matchLabels: {class: worker}}}
  - {apiVersion: v1, kind: Service, labelSelector: {matchLabels: {class: worker}}}
"""


def overrides() -> str:
    parts = []
    for env, replicas in (("staging", 2), ("dev", 1)):
        parts.append(
            f"""apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {{name: replicas-{env}, namespace: apps}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment, labelSelector: {{matchLabels: {{class: web}}}}}}]
  overrideRules:
  - targetCluster: {{labelSelector: {{matchLabels: {{env: {env}}}}}}}
    overriders:
      plaintext: [{{path: /spec/replicas, operator: replace, value: {replicas}}}]
"""
        )
    for region in REGIONS:
        parts.append(
            f"""apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {{name: region-{region}}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment}}]
  overrideRules:
  - targetCluster: {{fieldSelector: {{matchExpressions: [{{key: region, operator: In, values: [{region}]}}]}}}}
    overriders:
      imageOverrider: [{{component: Tag, operator: add, value: "-{region}"}}]
      annotationsOverrider: [{{operator: add, value: {{fleet.example.com/region: {region}}}}}]
"""
        )
    return "---\n".join(parts)


def cluster_labels(clusters: int) -> str:
    """A labelsOverrider per cluster: the label names the cluster."""
    return "---\n".join(
        f"""apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {{name: label-member-{i:04d}}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment}}, {{apiVersion: v1, kind: ConfigMap}}, {{apiVersion: v1, kind: Service}}]
  overrideRules:
  - targetCluster: {{clusterNames: [member-{i:04d}]}}
    overriders:
      labelsOverrider: [{{operator: add, value: {{fleet.example.com/cluster: member-{i:04d}}}}}]
"""
        for i in range(clusters)
    )


def with_log_level(template: str, level: str) -> str:
    """An app template (`app`) whose ConfigMap sets LOG_LEVEL to `level`."""
    return _replace_once(template, "LOG_LEVEL: info", f"LOG_LEVEL: {level}")


def relabelled(labels: str, index: int, value: str) -> str:
    """`cluster_labels` text whose policy for cluster `index` sets the label to `value`."""
    return _replace_once(
        labels,
        f"{{fleet.example.com/cluster: member-{index:04d}}}",
        f"{{fleet.example.com/cluster: {value}}}",
    )


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"expected {old!r} once, found it {text.count(old)} times")
    return text.replace(old, new)


CLONESET_API = "apps.kruise.io/v1alpha1"


def as_clonesets(text: str) -> str:
    """`text` with its Deployments made OpenKruise CloneSets (same fields)."""
    text = text.replace(
        "apiVersion: apps/v1\nkind: Deployment", f"apiVersion: {CLONESET_API}\nkind: CloneSet"
    )
    text = text.replace(
        "apiVersion: apps/v1, kind: Deployment", f"apiVersion: {CLONESET_API}, kind: CloneSet"
    )
    return text.replace(
        "    - groupVersion: v1\n",
        f"    - groupVersion: {CLONESET_API}\n      resources:\n"
        "      - {name: clonesets, kind: CloneSet}\n    - groupVersion: v1\n",
    )


def write(out: Path, clusters: int, apps: int, *, clonesets: bool = False) -> None:
    if out.exists():
        shutil.rmtree(out)
    (out / "policies").mkdir(parents=True)
    (out / "templates").mkdir()
    inventory = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        cluster(i) for i in range(clusters)
    )
    workloads = as_clonesets if clonesets else (lambda text: text)
    (out / "policies/clusters.yaml").write_text(workloads(inventory))
    (out / "policies/propagation.yaml").write_text(workloads(POLICIES))
    (out / "policies/overrides.yaml").write_text(workloads(overrides()))
    (out / "policies/labels.yaml").write_text(workloads(cluster_labels(clusters)))
    for j in range(apps):
        (out / f"templates/app-{j:03d}.yaml").write_text(workloads(app(j)))
    (out / "templates/namespace.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--apps", type=int, default=50)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cloneset", action="store_true", help="CloneSets for Deployments")
    args = parser.parse_args()
    write(args.out, args.clusters, args.apps, clonesets=args.cloneset)


if __name__ == "__main__":
    main()
