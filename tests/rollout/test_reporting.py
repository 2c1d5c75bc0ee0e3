"""`diff` and `explain` say which clusters a rollout holds, and by which wave: the PR
comment of a change shows the first wave's diff and the clusters still to come."""

from __future__ import annotations

import json
from pathlib import Path

from tests.rollout.fleet import hubless
from tests.rollout.test_advance import started

WAITING = [
    ("eu-a", "eu"),
    ("eu-b", "eu"),
    ("eu-c", "eu"),
    ("us-1", "rest"),
    ("us-2", "rest"),
]


def test_diff_shows_the_first_wave_and_the_held_clusters(tmp_path: Path) -> None:
    repo = tmp_path / "fleet"
    base = started(repo)
    result = hubless(repo, "diff", "--base", base, "--head", "HEAD")
    assert result.exit_code == 0, result.output
    held = "".join(
        f"held: rendered/{c}/shop/deployment.apps_web.yaml (RolloutPolicy/web, wave '{w}' "
        "not promoted)\n"
        for c, w in WAITING
    )
    assert result.output == (
        "--- a/rendered/edge-1/shop/deployment.apps_web.yaml\n"
        "+++ b/rendered/edge-1/shop/deployment.apps_web.yaml\n"
        "@@ -15,7 +15,7 @@\n"
        "     spec:\n"
        "       containers:\n"
        "       - name: web\n"
        "-        image: nginx:1.25\n"
        "+        image: nginx:1.26\n"
        "         envFrom:\n"
        "         - configMapRef:\n"
        "             name: web-config\n"
        "\n"
        "edge-1  +0 -0 ~1\n" + "".join(f"{c}    +0 -0 ~0 held 1\n" for c, _ in WAITING) + held
    )


def test_explain_names_the_rollout_and_its_waiting_clusters(tmp_path: Path) -> None:
    repo = tmp_path / "fleet"
    started(repo)
    result = hubless(repo, "explain", "Deployment.apps/shop/web", "--output", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["held"] == [
        {"by": "RolloutPolicy/web, wave 'eu' not promoted", "clusters": ["eu-a", "eu-b", "eu-c"]},
        {"by": "RolloutPolicy/web, wave 'rest' not promoted", "clusters": ["us-1", "us-2"]},
    ]
    text = hubless(repo, "explain", "Deployment.apps/shop/web").output
    assert text.splitlines()[-2:] == [
        "held on eu-a, eu-b, eu-c by RolloutPolicy/web, wave 'eu' not promoted: rendered/ "
        "keeps what is committed there",
        "held on us-1, us-2 by RolloutPolicy/web, wave 'rest' not promoted: rendered/ keeps "
        "what is committed there",
    ]
