"""Region spread with a cluster spread constraint (Karmada's selectBestClustersByRegion).

The regions below reproduce, through real cluster scores, the groups of Karmada's
pkg/scheduler/core/spreadconstraint/select_groups_test.go TestSelectGroups case
"select groups with the highest score" (values 1,1,1,3,3,3; weights descending R1..R6;
min 1, max 3, target 6 -> R1, R4, R5). The other cases of that test are in
tests/test_scheduler.py::test_group_selection.
"""

from __future__ import annotations

from hubless.model import Placement, ReplicaScheduling, SpreadConstraint
from hubless.scheduler import schedule
from tests.test_scheduler import cluster, request


def test_three_regions_and_seven_clusters() -> None:
    clusters = [
        cluster("r1-a", region="r1", pods=60),
        cluster("r2-a", region="r2", pods=50),
        cluster("r3-a", region="r3", pods=40),
    ]
    for region, pods in (("r4", 10), ("r5", 6), ("r6", 3)):
        clusters += [cluster(f"{region}-{x}", region=region, pods=pods) for x in "abc"]
    placement = Placement(
        spread_constraints=(
            SpreadConstraint("region", "", 1, 3),
            SpreadConstraint("cluster", "", 6, 7),
        ),
        replica_scheduling=ReplicaScheduling("Divided", "Aggregated"),
        replica_scheduling_set=True,
    )
    result = schedule(request(placement, replicas=60), clusters)
    # calcGroupScore (Divided; region minGroups 1: target 60 replicas, walk >= 6 clusters):
    # r1 60000, r2 50000, r3 40000, r4 30 available -> 30000, r5 18000, r6 9000. Group
    # selection for 6 clusters in at most 3 regions: r1, r4, r5 (7 clusters); each
    # region's best cluster, then the rest up to the cluster maxGroups 7: all of them.
    assert result.decisive.selected == (
        "r1-a", "r4-a", "r4-b", "r4-c", "r5-a", "r5-b", "r5-c",
    )  # fmt: skip
    # Aggregated: the fewest clusters that hold 60, most available first.
    assert [(t.name, t.replicas) for t in result.clusters] == [("r1-a", 60)]
