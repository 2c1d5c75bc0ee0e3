"""KubeAdmiral's followers of a pod spec: its TestGetFollowersFromPod
(pkg/controllers/follower/util_test.go), whose names say where each reference is, as facts."""

from __future__ import annotations

from hubless.dialects.kubeadmiral.followers import _pod_followers


def _env(where: str) -> dict[str, object]:
    return {
        "envFrom": [
            {"configMapRef": {"name": f"{where}.EnvFrom[*].ConfigMapRef"}},
            {"secretRef": {"name": f"{where}.EnvFrom[*].SecretRef"}},
        ],
        "env": [
            {
                "valueFrom": {
                    "configMapKeyRef": {"name": f"{where}.Env[*].ValueFrom.ConfigMapKeyRef"}
                }
            },
            {"valueFrom": {"secretKeyRef": {"name": f"{where}.Env[*].ValueFrom.SecretKeyRef"}}},
        ],
    }


def _secret_ref(kind: str, source: str) -> dict[str, object]:
    return {kind: {"secretRef": {"name": f"Spec.Volumes[*].VolumeSource.{source}.SecretRef"}}}


POD = {
    "serviceAccountName": "Spec.ServiceAccountName",
    "containers": [_env("Spec.Containers[*]")],
    "ephemeralContainers": [_env("Spec.EphemeralContainers[*].EphemeralContainerCommon")],
    "initContainers": [_env("Spec.InitContainers[*]")],
    "imagePullSecrets": [{"name": "Spec.ImagePullSecrets"}],
    "volumes": [
        {
            "projected": {
                "sources": [
                    {
                        "configMap": {
                            "name": "Spec.Volumes[*].VolumeSource.Projected.Sources[*].ConfigMap"
                        }
                    }
                ]
            }
        },
        {"configMap": {"name": "Spec.Volumes[*].VolumeSource.ConfigMap"}},
        {"azureFile": {"secretName": "Spec.Volumes[*].VolumeSource.AzureFile.SecretName"}},
        _secret_ref("cephfs", "CephFS"),
        _secret_ref("cinder", "Cinder"),
        _secret_ref("flexVolume", "FlexVolume"),
        {
            "projected": {
                "sources": [
                    {"secret": {"name": "Spec.Volumes[*].VolumeSource.Projected.Sources[*].Secret"}}
                ]
            }
        },
        _secret_ref("rbd", "RBD"),
        {"secret": {"secretName": "Spec.Volumes[*].VolumeSource.Secret.SecretName"}},
        {"secret": {"secretName": "Spec.Volumes[*].VolumeSource.Secret"}},
        _secret_ref("scaleIO", "ScaleIO"),
        _secret_ref("iscsi", "ISCSI"),
        _secret_ref("storageos", "StorageOS"),
        {
            "csi": {
                "nodePublishSecretRef": {
                    "name": "Spec.Volumes[*].VolumeSource.CSI.NodePublishSecretRef"
                }
            }
        },
        {
            "persistentVolumeClaim": {
                "claimName": "Spec.Volumes[*].VolumeSource.PersistentVolumeClaim"
            }
        },
    ],
}


def test_get_followers_from_pod() -> None:
    found: dict[str, set[str]] = {}
    for follower in _pod_followers(POD):
        found.setdefault(follower.kind, set()).add(follower.name)
    assert found == {
        "ConfigMap": {
            "Spec.Containers[*].EnvFrom[*].ConfigMapRef",
            "Spec.Containers[*].Env[*].ValueFrom.ConfigMapKeyRef",
            "Spec.EphemeralContainers[*].EphemeralContainerCommon.EnvFrom[*].ConfigMapRef",
            "Spec.EphemeralContainers[*].EphemeralContainerCommon.Env[*].ValueFrom.ConfigMapKeyRef",
            "Spec.InitContainers[*].EnvFrom[*].ConfigMapRef",
            "Spec.InitContainers[*].Env[*].ValueFrom.ConfigMapKeyRef",
            "Spec.Volumes[*].VolumeSource.Projected.Sources[*].ConfigMap",
            "Spec.Volumes[*].VolumeSource.ConfigMap",
        },
        "Secret": {
            "Spec.Containers[*].EnvFrom[*].SecretRef",
            "Spec.Containers[*].Env[*].ValueFrom.SecretKeyRef",
            "Spec.EphemeralContainers[*].EphemeralContainerCommon.EnvFrom[*].SecretRef",
            "Spec.EphemeralContainers[*].EphemeralContainerCommon.Env[*].ValueFrom.SecretKeyRef",
            "Spec.ImagePullSecrets",
            "Spec.InitContainers[*].EnvFrom[*].SecretRef",
            "Spec.InitContainers[*].Env[*].ValueFrom.SecretKeyRef",
            "Spec.Volumes[*].VolumeSource.AzureFile.SecretName",
            "Spec.Volumes[*].VolumeSource.CephFS.SecretRef",
            "Spec.Volumes[*].VolumeSource.Cinder.SecretRef",
            "Spec.Volumes[*].VolumeSource.FlexVolume.SecretRef",
            "Spec.Volumes[*].VolumeSource.Projected.Sources[*].Secret",
            "Spec.Volumes[*].VolumeSource.RBD.SecretRef",
            "Spec.Volumes[*].VolumeSource.Secret",
            "Spec.Volumes[*].VolumeSource.Secret.SecretName",
            "Spec.Volumes[*].VolumeSource.ScaleIO.SecretRef",
            "Spec.Volumes[*].VolumeSource.ISCSI.SecretRef",
            "Spec.Volumes[*].VolumeSource.StorageOS.SecretRef",
            "Spec.Volumes[*].VolumeSource.CSI.NodePublishSecretRef",
        },
        "ServiceAccount": {"Spec.ServiceAccountName"},
        "PersistentVolumeClaim": {"Spec.Volumes[*].VolumeSource.PersistentVolumeClaim"},
    }
