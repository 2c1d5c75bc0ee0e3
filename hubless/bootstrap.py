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

Optionally the cluster also reports what it deployed as a commit status named
`hubless/<cluster>` on the commit it applied. Flux: a notification-controller Provider
(the git host's commit-status type) and an Alert on the cluster's Kustomization; every
cluster's Kustomization has the same name, so the Provider names the status itself
(`commitStatusExpr`) rather than leaving it to the default `kustomization/<name>/<uid>`,
which differs per cluster but says nothing of which. Argo CD: a notifications trigger
(sync succeeded, synced and healthy, once per revision) and a template posting a GitHub
commit status, in the argocd-notifications-cm ConfigMap, and the Application's
subscription. Credentials stay out: both read a Secret the user creates.
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
# Git hosts notification-controller posts commit statuses to (its commit-status provider
# types); Argo CD Notifications has a commit-status service for GitHub only.
FLUX_STATUS_PROVIDERS = ("github", "gitlab", "gitea", "bitbucket", "bitbucketserver", "azuredevops")
ARGOCD_STATUS_PROVIDERS = ("github",)
STATUS_PREFIX = "hubless/"
FLUX_STATUS_SECRET = "hubless-fleet-status"
ARGOCD_NOTIFICATIONS_CONFIGMAP = "argocd-notifications-cm"
ARGOCD_NOTIFICATIONS_SECRET = "argocd-notifications-secret"
# Own names in the shared ConfigMap, so the catalog's on-deployed or a user's
# service.github are left alone.
ARGOCD_TRIGGER = "hubless-deployed"
ARGOCD_TEMPLATE = "hubless-commit-status"
ARGOCD_SERVICE = "hubless-github"
_SYNC_POLICY = {
    "automated": {"prune": True, "selfHeal": True, "allowEmpty": True},
    "syncOptions": ["ServerSideApply=true"],
}


def status_name(cluster: str) -> str:
    """The commit status a cluster posts: the same for Argo CD and Flux."""
    return STATUS_PREFIX + cluster


def argocd_application(
    cluster: str, repo_url: str, revision: str, rendered: str, *, report_status: bool = False
) -> dict[str, Any]:
    path = f"{rendered}/{cluster}"
    annotations = {"argocd.argoproj.io/manifest-generate-paths": f"/{path}"}
    if report_status:
        annotations.update(_SUBSCRIPTION)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": NAME, "namespace": "argocd", "annotations": annotations},
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


# The subscription: trigger, then service; "" is the service's one recipient (the commit).
_SUBSCRIPTION = {f"notifications.argoproj.io/subscribe.{ARGOCD_TRIGGER}.{ARGOCD_SERVICE}": ""}


def _cel_string(text: str) -> str:
    """A CEL string literal: commitStatusExpr is an expression, the status a constant."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def flux_status_objects(cluster: str, repo_url: str, provider: str) -> list[dict[str, Any]]:
    """Provider and Alert: the Kustomization's events become commit statuses."""
    return [
        {
            "apiVersion": "notification.toolkit.fluxcd.io/v1beta3",
            "kind": "Provider",
            "metadata": {"name": NAME, "namespace": "flux-system"},
            "spec": {
                "type": provider,
                # The repository, not an API endpoint: the controller takes host and
                # owner/name from it (ssh URLs and a .git suffix included).
                "address": repo_url,
                "secretRef": {"name": FLUX_STATUS_SECRET},
                "commitStatusExpr": _cel_string(status_name(cluster)),
            },
        },
        {
            "apiVersion": "notification.toolkit.fluxcd.io/v1beta3",
            "kind": "Alert",
            "metadata": {"name": NAME, "namespace": "flux-system"},
            "spec": {
                "providerRef": {"name": NAME},
                # info lets success through as well as failure.
                "eventSeverity": "info",
                "eventSources": [{"kind": "Kustomization", "name": NAME}],
            },
        },
    ]


def argocd_notifications(where: str) -> dict[str, Any]:
    """argocd-notifications-cm: the GitHub service, the trigger and the template.

    `where` is what the status and its description name: a cluster, or a Go template
    that yields one per Application (a central Argo CD).
    """
    # YAML only here: the command line reads this module's names at every start-up.
    from hubless.serialize import dump

    # Every string of a service's settings that reads $key is replaced by that key of
    # argocd-notifications-secret, so the App's settings all live in the Secret.
    service = {
        "appID": "$hubless-github-appID",
        "installationID": "$hubless-github-installationID",
        "privateKey": "$hubless-github-privateKey",
    }
    trigger = [
        {
            "description": "The sync succeeded and the application is healthy; once per revision.",
            "when": (
                "app.status.operationState != nil"
                " and app.status.operationState.phase == 'Succeeded'"
                " and app.status.health.status == 'Healthy'"
            ),
            # The revision the status is posted on (the template's revisionPath).
            "oncePer": "app.status.operationState?.syncResult?.revision",
            "send": [ARGOCD_TEMPLATE],
        }
    ]
    template = {
        "message": f"Synced and healthy on {where}.",
        "github": {
            "repoURLPath": "{{.app.spec.source.repoURL}}",
            "revisionPath": "{{.app.status.operationState.syncResult.revision}}",
            "status": {"state": "success", "label": STATUS_PREFIX + where},
        },
    }
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": ARGOCD_NOTIFICATIONS_CONFIGMAP, "namespace": "argocd"},
        "data": {
            f"service.github.{ARGOCD_SERVICE}": dump(service),
            f"template.{ARGOCD_TEMPLATE}": dump(template),
            f"trigger.{ARGOCD_TRIGGER}": dump(trigger),
        },
    }


def argocd_applicationset(
    repo_url: str, revision: str, rendered: str, *, report_status: bool = False
) -> dict[str, Any]:
    annotations = {"argocd.argoproj.io/manifest-generate-paths": "/{{.path.path}}"}
    if report_status:
        annotations.update(_SUBSCRIPTION)
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
                    "annotations": annotations,
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


# A central Argo CD's one template names each Application's destination cluster.
CENTRAL_CLUSTER = "{{.app.spec.destination.name}}"


def objects(
    flavour: str,
    cluster: str,
    repo_url: str,
    revision: str,
    rendered: str = RENDERED_DIR,
    *,
    report_status: str | None = None,
) -> list[dict[str, Any]]:
    """What pulls the cluster's folder, then (given a git host) what reports on it."""
    if flavour == ARGOCD:
        application = argocd_application(
            cluster, repo_url, revision, rendered, report_status=report_status is not None
        )
        if report_status is None:
            return [application]
        return [application, argocd_notifications(cluster)]
    pulling = flux_objects(cluster, repo_url, revision, rendered)
    if report_status is None:
        return pulling
    return pulling + flux_status_objects(cluster, repo_url, report_status)


def central_objects(
    repo_url: str, revision: str, rendered: str = RENDERED_DIR, *, report_status: str | None = None
) -> list[dict[str, Any]]:
    applicationset = argocd_applicationset(
        repo_url, revision, rendered, report_status=report_status is not None
    )
    if report_status is None:
        return [applicationset]
    return [applicationset, argocd_notifications(CENTRAL_CLUSTER)]


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
_SECRET_REF = _obj({"name": _STR}, ["name"])
_FLUX_PROVIDER_TYPES = [
    "slack",
    "discord",
    "msteams",
    "rocket",
    "generic",
    "generic-hmac",
    "github",
    "gitlab",
    "gitea",
    "giteapullrequestcomment",
    "bitbucketserver",
    "bitbucket",
    "azuredevops",
    "googlechat",
    "googlepubsub",
    "webex",
    "sentry",
    "azureeventhub",
    "telegram",
    "lark",
    "matrix",
    "opsgenie",
    "alertmanager",
    "grafana",
    "githubdispatch",
    "githubpullrequestcomment",
    "gitlabmergerequestcomment",
    "pagerduty",
    "datadog",
    "nats",
    "zulip",
    "otel",
    "zoom",
    "incident.io",
]
_OBJECT_NAME = {"type": "string", "minLength": 1, "maxLength": 253}
# notification.toolkit.fluxcd.io/v1beta3, as its CRDs define the fields written above.
SCHEMAS[("notification.toolkit.fluxcd.io/v1beta3", "Provider")] = _obj(
    {
        "metadata": _METADATA,
        "spec": _obj(
            {
                # the CRD's enum: the schema checks users' Providers as well
                "type": {"type": "string", "enum": _FLUX_PROVIDER_TYPES},
                "address": {"type": "string", "maxLength": 2048},
                "secretRef": _SECRET_REF,
                "commitStatusExpr": _STR,
                "timeout": {"type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?(ms|s|m))+$"},
            },
            ["type"],
        ),
    },
    ["metadata", "spec"],
)
SCHEMAS[("notification.toolkit.fluxcd.io/v1beta3", "Alert")] = _obj(
    {
        "metadata": _METADATA,
        "spec": _obj(
            {
                "providerRef": _SECRET_REF,
                "eventSeverity": {"enum": ["info", "error"]},
                "eventSources": {
                    "type": "array",
                    "items": _obj(
                        {
                            "kind": {
                                "enum": [
                                    "Bucket",
                                    "GitRepository",
                                    "Kustomization",
                                    "HelmRelease",
                                    "HelmChart",
                                    "HelmRepository",
                                    "ImageRepository",
                                    "ImagePolicy",
                                    "ImageUpdateAutomation",
                                    "OCIRepository",
                                    "ArtifactGenerator",
                                    "ExternalArtifact",
                                ]
                            },
                            "name": _OBJECT_NAME,
                            "namespace": _OBJECT_NAME,
                        },
                        ["kind", "name"],
                    ),
                },
            },
            ["eventSources", "providerRef"],
        ),
    },
    ["metadata", "spec"],
)


def _closed(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    # notifications-engine ignores fields it does not know: a misspelt one would be
    # silently lost, so these schemas admit none.
    return {**_obj(properties, required), "additionalProperties": False}


# The entries of argocd-notifications-cm written above, each a YAML document in a string,
# as notifications-engine reads them (its trigger Condition, its Notification with the
# GitHub commit status, its GitHub service options). The ConfigMap itself is a core kind.
NOTIFICATION_SCHEMAS: dict[str, dict[str, Any]] = {
    "service.github": _closed(
        {
            "appID": {"type": ["string", "integer"]},
            "installationID": {"type": ["string", "integer"]},
            "privateKey": _STR,
            "enterpriseBaseURL": _STR,
        },
        ["appID", "installationID", "privateKey"],
    ),
    "trigger": {
        "type": "array",
        "minItems": 1,
        "items": _closed(
            {
                "description": _STR,
                "when": _STR,
                "oncePer": _STR,
                "send": {"type": "array", "items": _STR, "minItems": 1},
            },
            ["when", "send"],
        ),
    },
    "template": _closed(
        {
            "message": _STR,
            "github": _closed(
                {
                    "repoURLPath": _STR,
                    "revisionPath": _STR,
                    "status": _closed(
                        {
                            # the states GitHub's commit-status API accepts
                            "state": {"enum": ["error", "failure", "pending", "success"]},
                            "label": _STR,
                            "targetURL": _STR,
                        },
                        ["state", "label"],
                    ),
                },
                ["status"],
            ),
        },
        ["github"],
    ),
}


def notification_schema(key: str) -> dict[str, Any] | None:
    """The schema of one argocd-notifications-cm entry (`trigger.<name>`, ...), if known."""
    kind, _, _name = key.partition(".")
    if kind == "service":
        return NOTIFICATION_SCHEMAS.get(".".join(key.split(".")[:2]))
    return NOTIFICATION_SCHEMAS.get(kind)
