"""The objects that make a spoke cluster pull its own rendered/<cluster>/ folder.

Argo CD: an Application in directory mode (recurse), syncing automatically with prune and
self-heal and server-side apply, its manifest-generate-paths annotation set to the
cluster's folder so other clusters' commits do not refresh it. It allows an empty sync:
otherwise auto-sync refuses a sync that would prune every live object, and a cluster whose
folder was emptied (only its marker left, hubless.build.layout) would keep its last
objects. Flux: a GitRepository whose `ignore` trims the artifact to the cluster's folder,
and a Kustomization (prune, wait); Flux builds a folder without manifests to nothing and
prunes, so it needs no option. For a central Argo CD that pushes: an ApplicationSet with
a git directory generator over rendered/*, one Application per cluster folder,
destination by name.
"""

from __future__ import annotations

from typing import Any

from hubless.repository import RENDERED_DIR

ARGOCD = "argocd"
FLUX = "flux"
GITOPS_ANNOTATION = "hubless.io/gitops"
REPO_URL_ANNOTATION = "hubless.io/repo-url"
REVISION_ANNOTATION = "hubless.io/revision"
NAME = "hubless-fleet"
_SYNC_POLICY = {
    "automated": {"prune": True, "selfHeal": True, "allowEmpty": True},
    "syncOptions": ["ServerSideApply=true"],
}


def argocd_application(cluster: str, repo_url: str, revision: str, rendered: str) -> dict[str, Any]:
    path = f"{rendered}/{cluster}"
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": NAME,
            "namespace": "argocd",
            "annotations": {"argocd.argoproj.io/manifest-generate-paths": f"/{path}"},
        },
        "spec": {
            "project": "default",
            "source": {
                "repoURL": repo_url,
                "targetRevision": revision,
                "path": path,
                "directory": {"recurse": True},
            },
            "destination": {"server": "https://kubernetes.default.svc"},
            "syncPolicy": _SYNC_POLICY,
        },
    }


def flux_objects(cluster: str, repo_url: str, revision: str, rendered: str) -> list[dict[str, Any]]:
    path = f"{rendered}/{cluster}"
    return [
        {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": NAME, "namespace": "flux-system"},
            "spec": {
                "interval": "1m",
                "url": repo_url,
                "ref": {"branch": revision},
                # Only this cluster's folder goes into the artifact.
                "ignore": f"/*\n!/{path}/\n",
            },
        },
        {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": NAME, "namespace": "flux-system"},
            "spec": {
                "interval": "10m",
                "sourceRef": {"kind": "GitRepository", "name": NAME},
                "path": f"./{path}",
                "prune": True,
                "wait": True,
                "timeout": "5m",
            },
        },
    ]


def argocd_applicationset(repo_url: str, revision: str, rendered: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": NAME, "namespace": "argocd"},
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [
                {
                    "git": {
                        "repoURL": repo_url,
                        "revision": revision,
                        # Dot folders (rendered/.hubless) are skipped by the generator.
                        "directories": [{"path": f"{rendered}/*"}],
                    }
                }
            ],
            "template": {
                "metadata": {
                    "name": "hubless-{{.path.basename}}",
                    "annotations": {
                        "argocd.argoproj.io/manifest-generate-paths": "/{{.path.path}}"
                    },
                },
                "spec": {
                    "project": "default",
                    "source": {
                        "repoURL": repo_url,
                        "targetRevision": revision,
                        "path": "{{.path.path}}",
                        "directory": {"recurse": True},
                    },
                    "destination": {"name": "{{.path.basename}}"},
                    "syncPolicy": _SYNC_POLICY,
                },
            },
        },
    }


def objects(
    flavour: str, cluster: str, repo_url: str, revision: str, rendered: str = RENDERED_DIR
) -> list[dict[str, Any]]:
    if flavour == ARGOCD:
        return [argocd_application(cluster, repo_url, revision, rendered)]
    return flux_objects(cluster, repo_url, revision, rendered)


# Minimal schemas of the fields emitted above: types, enums and required fields as the
# Argo CD and Flux CRDs define them. Used to validate what hubless writes.
_STR = {"type": "string"}
_DURATION = {"type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"}  # Go durations


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or []}


_METADATA = _obj({"name": _STR, "namespace": _STR}, ["name"])
_SOURCE = _obj(
    {
        "repoURL": _STR,
        "targetRevision": _STR,
        "path": _STR,
        "directory": _obj({"recurse": {"type": "boolean"}}),
    },
    ["repoURL"],
)
_SYNC = _obj(
    {
        "automated": _obj(
            {
                "prune": {"type": "boolean"},
                "selfHeal": {"type": "boolean"},
                "allowEmpty": {"type": "boolean"},
            }
        ),
        "syncOptions": {"type": "array", "items": _STR},
    }
)
_APPLICATION_SPEC = _obj(
    {
        "project": _STR,
        "source": _SOURCE,
        "destination": _obj({"server": _STR, "name": _STR, "namespace": _STR}),
        "syncPolicy": _SYNC,
    },
    ["destination", "project"],
)
SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("argoproj.io/v1alpha1", "Application"): _obj(
        {"metadata": _METADATA, "spec": _APPLICATION_SPEC}, ["metadata", "spec"]
    ),
    ("argoproj.io/v1alpha1", "ApplicationSet"): _obj(
        {
            "metadata": _METADATA,
            "spec": _obj(
                {
                    "goTemplate": {"type": "boolean"},
                    "goTemplateOptions": {"type": "array", "items": _STR},
                    "generators": {"type": "array", "items": {"type": "object"}},
                    "template": _obj(
                        {"metadata": {"type": "object"}, "spec": _APPLICATION_SPEC},
                        ["metadata", "spec"],
                    ),
                },
                ["generators", "template"],
            ),
        },
        ["metadata", "spec"],
    ),
    ("source.toolkit.fluxcd.io/v1", "GitRepository"): _obj(
        {
            "metadata": _METADATA,
            "spec": _obj(
                {
                    "interval": _DURATION,
                    "url": {"type": "string", "pattern": "^(http|https|ssh)://.*$"},
                    "ref": _obj({"branch": _STR, "tag": _STR, "commit": _STR}),
                    "ignore": _STR,
                },
                ["interval", "url"],
            ),
        },
        ["metadata", "spec"],
    ),
    ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"): _obj(
        {
            "metadata": _METADATA,
            "spec": _obj(
                {
                    "interval": _DURATION,
                    "sourceRef": _obj(
                        {
                            "kind": {"enum": ["OCIRepository", "GitRepository", "Bucket"]},
                            "name": _STR,
                        },
                        ["kind", "name"],
                    ),
                    "path": _STR,
                    "prune": {"type": "boolean"},
                    "wait": {"type": "boolean"},
                    "timeout": _DURATION,
                },
                ["interval", "prune", "sourceRef"],
            ),
        },
        ["metadata", "spec"],
    ),
}
