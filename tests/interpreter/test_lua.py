"""The Lua runtime against the cases of Karmada's luavm tests (lua_test.go,
lua_convert_test.go) and its sandbox rules."""

from __future__ import annotations

import re
import textwrap
from typing import Any

import pytest

from hubless.documents import parse_documents
from hubless.interpreter import customization, lua
from hubless.interpreter.interpreters import Interpreters
from hubless.interpreter.lua import LuaError


def _deployment(namespace: str = "foo") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Deployment",
        "metadata": {"namespace": namespace, "name": "bar"},
        "spec": {
            "replicas": 1,
            "template": {
                "spec": {
                    "nodeSelector": {"foo": "foo1"},
                    "tolerations": [{"key": "bar", "operator": "Exists"}],
                    "containers": [
                        {"resources": {"limits": {"cpu": "100m", "memory": "100M"}}},
                        {"resources": {"limits": {"cpu": "1.2", "memory": "1.2G"}}},
                    ],
                }
            },
        },
    }


_NODE_CLAIM = {
    "nodeSelector": {"foo": "foo1"},
    "tolerations": [{"key": "bar", "operator": "Exists"}],
}


def test_get_replicas_with_accurate_pod_requirements() -> None:
    script = """
local kube = require("kube")
function GetReplicas(desiredObj)
  replica = desiredObj.spec.replicas
  requires = kube.accuratePodRequirements(desiredObj.spec.template)
  return replica, requires
end"""
    # cpu 100m + 1.2 = 1300m; memory 100M + 1.2G = 1.3e9 bytes, BinarySI, not a
    # multiple of 1024, so printed in full.
    assert lua.get_replicas(script, _deployment()) == (
        1,
        {"nodeClaim": _NODE_CLAIM, "resourceRequest": {"cpu": "1300m", "memory": "1300000000"}},
    )


def test_get_replicas_with_resource_add() -> None:
    script = """
local kube = require("kube")
function GetReplicas(desiredObj)
  replica = desiredObj.spec.replicas
  requires = {
    nodeClaim = {
      nodeSelector = desiredObj.spec.template.spec.nodeSelector,
      tolerations = desiredObj.spec.template.spec.tolerations
    },
    resourceRequest = {},
  }
  for i = 1, #desiredObj.spec.template.spec.containers do
    local limits = desiredObj.spec.template.spec.containers[i].resources.limits
    requires.resourceRequest.cpu = kube.resourceAdd(requires.resourceRequest.cpu, limits.cpu)
    requires.resourceRequest.memory = kube.resourceAdd(requires.resourceRequest.memory, limits.memory)
  end
  return replica, requires
end"""
    assert lua.get_replicas(script, _deployment()) == (
        1,
        {"nodeClaim": _NODE_CLAIM, "resourceRequest": {"cpu": "1300m", "memory": "1300M"}},
    )


_DEPENDENCIES_SCRIPT = """local kube = require("kube")
function GetDependencies(desiredObj)
  dependencies = kube.getPodDependencies(desiredObj.spec.template, desiredObj.metadata.namespace)
  return dependencies
end"""


def _with_account(namespace: str | None) -> dict[str, Any]:
    metadata = {"name": "test"} | ({"namespace": namespace} if namespace else {})
    return {
        "apiVersion": "v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {"template": {"spec": {"serviceAccountName": "test"}}},
    }


@pytest.mark.parametrize(("namespace", "expected"), [("test", "test"), (None, "default")])
def test_get_pod_dependencies(namespace: str | None, expected: str) -> None:
    assert lua.get_dependencies(_DEPENDENCIES_SCRIPT, _with_account(namespace)) == [
        {"apiVersion": "v1", "kind": "ServiceAccount", "namespace": expected, "name": "test"}
    ]


def test_get_dependencies_written_in_lua() -> None:
    script = """function GetDependencies(desiredObj)
  refs = {}
  local sa = desiredObj.spec.template.spec.serviceAccountName
  if sa ~= nil and sa ~= 'default' then
    refs[1] = {apiVersion = 'v1', kind = 'ServiceAccount', name = sa,
               namespace = desiredObj.metadata.namespace}
  end
  return refs
end"""
    assert lua.get_dependencies(script, _with_account("test")) == [
        {"apiVersion": "v1", "kind": "ServiceAccount", "name": "test", "namespace": "test"}
    ]


def test_revise_replica_writes_an_integer_and_keeps_empty_maps_and_lists() -> None:
    script = """function ReviseReplica(obj, desiredReplica)
  obj.spec.replicas = desiredReplica
  return obj
end"""
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {}},
        "spec": {"replicas": 3, "template": {"spec": {"containers": [], "nodeSelector": {}}}},
    }
    assert lua.revise_replica(script, deployment, 2) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"labels": {}, "name": "web"},
        "spec": {"replicas": 2, "template": {"spec": {"containers": [], "nodeSelector": {}}}},
    }


def test_an_empty_table_the_script_added_is_dropped() -> None:
    script = """function ReviseReplica(obj, desiredReplica)
  obj.spec.extra = {}
  obj.spec.ratio = desiredReplica / 4
  return obj
end"""
    assert lua.revise_replica(script, {"kind": "Thing", "spec": {"replicas": 1}}, 2) == {
        "kind": "Thing",
        "spec": {"ratio": 0.5, "replicas": 1},
    }


def test_interpret_health() -> None:
    script = """function InterpretHealth(observedObj)
  return observedObj.status.readyReplicas == observedObj.spec.replicas
end"""
    assert lua.interpret_health(script, {"spec": {"replicas": 2}, "status": {"readyReplicas": 2}})
    with pytest.raises(LuaError, match=r"^result type nil is not bool$"):
        lua.interpret_health("function InterpretHealth(o) end", {})


def test_get_components_cases() -> None:
    assert lua.get_components("function GetComponents(o) return nil end", {}) is None
    with pytest.raises(
        LuaError, match=r"^expect the returned components type is table but got string$"
    ):
        lua.get_components("function GetComponents(o) return 'x' end", {})
    with pytest.raises(LuaError, match=r"^not found function GetComponents$"):
        lua.get_components("function Other(o) return {} end", {})
    with pytest.raises(LuaError, match=r"^the script does not compile: "):
        lua.get_components("function GetComponents(o) return {", {})


@pytest.mark.parametrize(
    "call",
    [
        "loadstring('return 1')",
        "dofile('/etc/passwd')",
        "setmetatable({}, {})",
        "rawget({}, 1)",
        "getfenv(1)",
        "collectgarbage()",
    ],
)
def test_disabled_base_functions_raise(call: str) -> None:
    name = call.split("(")[0]
    with pytest.raises(LuaError, match=f"call function {name} is not supported"):
        lua.interpret_health(f"function InterpretHealth(o) {call} return true end", {})


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("io.open('/etc/passwd')", "attempt to index global 'io'"),
        ("os.execute('true')", "attempt to call field 'execute'"),
        ("require('python')", "module 'python' not found"),
        ("require('io')", "module 'io' not found"),
        ("python.eval('1')", "attempt to index global 'python'"),
        ("debug.getregistry()", "attempt to index global 'debug'"),
        ("coroutine.create(print)", "attempt to index global 'coroutine'"),
        ("string.rep('x', 10)", "The Lua function string.rep is not supported by Karmada"),
        ("string.gsub('x', 'x', 'y')", "The Lua function string.gsub is not supported"),
    ],
)
def test_the_sandbox_offers_nothing_else(call: str, message: str) -> None:
    with pytest.raises(LuaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        lua.interpret_health(f"function InterpretHealth(o) {call} return true end", {})


def test_what_the_sandbox_offers() -> None:
    script = """local kube = require("kube")
function InterpretHealth(o)
  return type(os.time()) == "number" and math.floor(2.5) == 2 and string.upper("a") == "A"
    and table.concat({"a", "b"}, ",") == "a,b" and kube.getResourceQuantity("1500m") == 1.5
    and pcall(error, "x") == false and #tostring(os.date("%Y")) == 4
end"""
    assert lua.interpret_health(script, {}) is True


def test_a_script_that_loops_forever_fails_after_the_time_bound() -> None:
    with pytest.raises(LuaError, match=r"^the script ran longer than 1 s$"):
        lua.interpret_health("function InterpretHealth(o) while true do end end", {})


def test_pcall_does_not_hide_the_time_bound() -> None:
    script = """function InterpretHealth(o)
  while true do pcall(function() while true do end end) end
end"""
    with pytest.raises(LuaError, match=r"^the script ran longer than 1 s$"):
        lua.interpret_health(script, {})


def test_a_script_that_allocates_without_bound_fails() -> None:
    script = """function InterpretHealth(o)
  -- doubling: past the bound within milliseconds, however busy the machine
  local t, s = {}, "x"
  while true do s = s .. s; t[#t + 1] = s end
end"""
    with pytest.raises(LuaError, match=r"^the script used more than 64 MiB$"):
        lua.interpret_health(script, {})


def test_numbers_are_float64_and_whole_ones_come_back_as_integers() -> None:
    script = """function ReflectStatus(o)
  return {big = 2^53, half = 1/2, three = 6/2, third = o.n / 3}
end"""
    assert lua.reflect_status(script, {"n": 1}) == {
        "big": 2**53,
        "half": 0.5,
        "third": 1 / 3,
        "three": 3,
    }


def test_tables_that_are_not_json_fail() -> None:
    with pytest.raises(LuaError, match="mixed"):
        lua.reflect_status("function ReflectStatus(o) return {1, a = 2} end", {})
    with pytest.raises(LuaError, match="sparse"):
        lua.reflect_status("function ReflectStatus(o) return {[1] = 1, [3] = 3} end", {})


# lua_convert_test.go: an empty table takes the shape its field has in the references.
def test_convert_empty_follows_the_references() -> None:
    references = [{"spec": {"aa": {}, "bb": [], "dd": {"ee": {}}, "rules": [{"ruleName": {}}]}}]
    result = {
        "spec": {"aa": [], "bb": [], "cc": ["x"], "dd": {"ee": [], "ff": []}},
        "rules": [{"ruleName": []}],
    }
    assert lua.convert_empty(result, True, references) == {
        "spec": {"aa": {}, "bb": [], "cc": ["x"], "dd": {"ee": {}}},
        "rules": [{}],
    }
    assert lua.convert_empty([], True) == {}
    assert lua.convert_empty([], False) == []


def test_reflect_status_gives_an_empty_table_as_an_empty_map() -> None:
    script = "function ReflectStatus(obj) return {} end"
    assert lua.reflect_status(script, _deployment()) == {}


def test_resource_add_writes_the_sum_in_the_format_quantity_add_keeps() -> None:
    # A zero sum takes the format of the quantity added to it (Quantity.Add).
    script = """
    local kube = require("kube")
    function GetReplicas(obj)
      local memory = kube.resourceAdd(kube.resourceAdd("0", "3072Mi"), "10752Mi")
      local cpu = kube.resourceAdd("0", "500m", "500m")
      local mixed = kube.resourceAdd("1Gi", "-1Gi", "1000m")
      return 1, {resourceRequest = {memory = memory, cpu = cpu, mixed = mixed}}
    end
    """
    _, requires = lua.get_replicas(script, _deployment())
    assert requires == {"resourceRequest": {"memory": "13824Mi", "cpu": "1", "mixed": "1"}}


def test_aggregate_status_tells_no_items_from_an_empty_list() -> None:
    # Go hands a nil []AggregatedStatusItem to the script as nil, an empty one as a table.
    script = """function AggregateStatus(desiredObj, statusItems)
  desiredObj.status = {items = statusItems == nil and "nil" or #statusItems}
  return desiredObj
end"""
    thing = {"kind": "Thing"}
    assert lua.aggregate_status(script, thing, None) == thing | {"status": {"items": "nil"}}
    assert lua.aggregate_status(script, thing, []) == thing | {"status": {"items": 0}}
    text = f"""apiVersion: config.karmada.io/v1alpha1
kind: ResourceInterpreterCustomization
metadata:
  name: items
spec:
  target:
    apiVersion: example.io/v1
    kind: Thing
  customizations:
    statusAggregation:
      luaScript: |
{textwrap.indent(script, "        ")}
"""
    (document,) = parse_documents(text, "policies/ric.yaml", track_lines=True)
    interpreters = Interpreters([customization.parse(document)], builtin=())
    thing = {"apiVersion": "example.io/v1", "kind": "Thing"}
    for items, expected in ((None, "nil"), ([], 0)):
        answer = interpreters.aggregate_status(thing, items, "a Thing")
        assert answer is not None
        assert answer[0] == thing | {"status": {"items": expected}}


def test_reflect_status_of_an_empty_table_is_an_empty_map() -> None:
    script = "function ReflectStatus(observedObj) return {} end"
    assert lua.reflect_status(script, {}) == {}


def test_a_kube_helper_given_a_table_of_the_wrong_shape_raises_in_the_script() -> None:
    # Karmada decodes the table into a PodTemplateSpec and raises when that fails; the
    # script fails with a located error, never the process.
    script = """local kube = require("kube")
function GetReplicas(obj)
  return 1, kube.accuratePodRequirements({spec = {containers = 2}})
end"""
    with pytest.raises(LuaError) as caught:
        lua.get_replicas(script, {})
    assert caught.value.line == 3
    assert caught.value.message.startswith("fail to convert lua value to a Kubernetes object: ")


def test_a_finished_call_leaves_no_vm_for_the_cycle_collector() -> None:
    # hubless runs with the cycle collector off; a VM still reachable from the helpers it
    # holds would stay for the whole run (tens of MiB per thousand objects).
    import gc

    script = """local kube = require("kube")
function GetReplicas(obj)
  return 1, kube.accuratePodRequirements(obj.spec.template)
end"""
    obj = {"spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}
    enabled = gc.isenabled()
    gc.disable()
    try:
        lua.get_replicas(script, obj)
        gc.collect()
        for _ in range(20):
            lua.get_replicas(script, obj)
        assert gc.collect() == 0  # nothing only the cycle collector could free
    finally:
        if enabled:
            gc.enable()


THING = {"apiVersion": "example.io/v1", "kind": "Thing", "spec": {"items": [1, None, 3]}}


def test_a_null_in_a_list_is_left_out_as_gopher_lua_leaves_out_nil() -> None:
    script = """function ReflectStatus(obj)
  return {count = #obj.spec.items, last = obj.spec.items[#obj.spec.items]}
end"""
    assert lua.reflect_status(script, THING) == {"count": 2, "last": 3}


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("{1, 2}", "json: cannot unmarshal array into Go value of type map[string]interface {}"),
        ("{spec = {}}", "Object 'Kind' is missing in the answer"),
    ],
)
def test_an_object_answer_must_be_an_object_with_a_kind(answer: str, message: str) -> None:
    script = f"function ReviseReplica(obj, r)\n  return {answer}\nend"
    with pytest.raises(LuaError, match=f"^{re.escape(message)}$"):
        lua.revise_replica(script, THING, 1)


@pytest.mark.parametrize("count", ["0/0", "math.huge", "-1", "2^31", "1e15"])
def test_a_replica_count_must_be_a_whole_number_of_replicas(count: str) -> None:
    script = f"function GetReplicas(obj)\n  return {count}, nil\nend"
    with pytest.raises(LuaError, match=r"is not a whole number of replicas$"):
        lua.get_replicas(script, THING)


@pytest.mark.parametrize(
    "build",
    [
        "local t = obj\n  obj.spec.me = obj",  # a table that holds itself
        "local t = {}\n  for i = 1, 1000 do t = {t} end\n  obj.spec.deep = t",
    ],
)
def test_tables_nested_without_end_are_refused(build: str) -> None:
    script = f"function ReviseReplica(obj, r)\n  {build}\n  return obj\nend"
    with pytest.raises(LuaError, match="nested deeper than 200 levels"):
        lua.revise_replica(script, THING, 1)


def test_a_string_that_is_not_utf8_is_refused() -> None:
    script = 'function ReviseReplica(obj, r)\n  obj.spec.colour = "\\255\\254"\n  return obj\nend'
    with pytest.raises(LuaError, match=r"^the answer holds a string that is not UTF-8$"):
        lua.revise_replica(script, THING, 1)


def test_a_pattern_that_could_backtrack_past_the_bound_is_refused_at_its_line() -> None:
    # The time bound is checked between instructions, never inside string.find: 6
    # repetitions over 16 KiB could run for hours, and are refused at once.
    script = """function InterpretHealth(obj)
  local text = obj.spec.text
  return text:find(".-.-.-.-.-.-b") ~= nil
end"""
    with pytest.raises(LuaError) as caught:
        lua.interpret_health(script, {"spec": {"text": "a" * 16384}})
    assert caught.value.line == 3
    assert caught.value.message == (
        "string.find: a pattern with 6 repetitions over 16384 bytes could run past the time bound"
    )
    # Patterns of the kind scripts use, on strings of the size objects hold, still run.
    ordinary = """function InterpretHealth(obj)
  local repo, tag = obj.spec.image:match("^(.-):([^:]+)$")
  local n = 0
  for _ in string.gmatch("a,b,c", "[^,]+") do n = n + 1 end
  return tag == "1.2" and n == 3
end"""
    assert lua.interpret_health(ordinary, {"spec": {"image": "registry.example.com/app:1.2"}})
