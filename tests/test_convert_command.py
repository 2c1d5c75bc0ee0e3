"""`hubless convert --to karmada` on the Kubefed example: what converts exactly renders the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from hubless.cli import cli
from hubless.compile import compile_fleet
from hubless.load import load_fleet, read_sources

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "migrate-kubefed"


def _objects(repo: Path) -> dict[tuple[str, str], dict[str, Any]]:
    compiled = compile_fleet(load_fleet(read_sources(repo)))
    return {
        (cluster, str(rendered.key)): rendered.body
        for cluster, objects in compiled.objects.items()
        for rendered in objects
    }


def _without_managed_label(body: dict[str, Any]) -> dict[str, Any]:
    """Without Kubefed's bookkeeping label, which a Karmada fleet has no reason to carry;
    an empty label map (what Karmada's label removal leaves) is the same as none."""
    metadata = dict(body["metadata"])
    labels = {k: v for k, v in metadata.get("labels", {}).items() if k != "kubefed.io/managed"}
    if labels:
        metadata["labels"] = labels
    else:
        metadata.pop("labels", None)
    return {**body, "metadata": metadata}


def test_converted_kubefed_fleet_renders_the_same_where_it_is_exact(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["convert", "--to", "karmada", "--repo", str(EXAMPLE), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    # The one gap that changes placement: the RSP (Webster over static weights instead of
    # Kubefed's planner) is listed, with its file and line.
    assert "policies/replicas.yaml:3: note: ReplicaSchedulingPreference shop/web:" in result.output
    kubefed = _objects(EXAMPLE)
    karmada = _objects(tmp_path)
    exact = {key for key in kubefed if key[1] != "Deployment.apps/shop/web"}
    assert {key for key in karmada if key[1] != "Deployment.apps/shop/web"} == exact
    for key in sorted(exact):
        assert _without_managed_label(karmada[key]) == _without_managed_label(kubefed[key]), key
    # The workload goes to the same clusters with the same total.
    web = {
        k[0]: b["spec"]["replicas"]
        for k, b in karmada.items()
        if k[1] == "Deployment.apps/shop/web"
    }
    assert sorted(web) == ["eu-1", "us-1", "us-2"]
    assert sum(web.values()) == 9
