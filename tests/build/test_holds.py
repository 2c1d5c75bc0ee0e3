"""hubless.build.holds: a held template's files as committed; its dependencies too when
the hold says so (what a rollout's hold needs; Karmada's switches hold no dependency)."""

from __future__ import annotations

from hubless.build.holds import Held, Hold, hold
from hubless.build.layout import CLUSTER_MARKER
from hubless.model import ResourceKey

WEB = ResourceKey("apps", "Deployment", "shop", "web")
SETTINGS = ResourceKey("", "ConfigMap", "shop", "settings")
WEB_FILE, SETTINGS_FILE = "shop/deployment.apps_web.yaml", "shop/configmap_settings.yaml"


def test_dependencies_follow_a_hold_that_takes_them() -> None:
    markers = {f"{c}/{CLUSTER_MARKER}": b"m" for c in ("a", "b")}
    committed = {**markers, f"a/{WEB_FILE}": b"web 1", f"a/{SETTINGS_FILE}": b"settings 1"}
    desired = {
        **markers,
        f"a/{WEB_FILE}": b"web 2",
        f"a/{SETTINGS_FILE}": b"settings 2",
        f"b/{WEB_FILE}": b"web 2",
        f"b/{SETTINGS_FILE}": b"settings 2",
    }
    placed = {
        (c, k): f"{c}/{f}"
        for c in ("a", "b")
        for k, f in ((WEB, WEB_FILE), (SETTINGS, SETTINGS_FILE))
    }
    requires = {WEB: [SETTINGS]}
    by_rollout = Hold(WEB, frozenset({"a"}), "RolloutPolicy/web", dependencies=True)
    assert hold(desired, committed, [by_rollout], placed, requires) == Held(
        {**desired, f"a/{WEB_FILE}": b"web 1", f"a/{SETTINGS_FILE}": b"settings 1"},
        {f"a/{WEB_FILE}": ("RolloutPolicy/web",), f"a/{SETTINGS_FILE}": ("RolloutPolicy/web",)},
    )
    alone = Hold(WEB, None, "PropagationPolicy/shop/web suspension.dispatching")
    assert hold(desired, committed, [alone], placed, requires) == Held(
        {**markers, f"a/{WEB_FILE}": b"web 1", f"a/{SETTINGS_FILE}": b"settings 2",
         f"b/{SETTINGS_FILE}": b"settings 2"},
        {f"a/{WEB_FILE}": (alone.reason,), f"b/{WEB_FILE}": (alone.reason,)},
    )  # fmt: skip
