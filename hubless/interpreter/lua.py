"""Run one function of a customization's Lua script the way Karmada's luavm does.

Karmada runs gopher-lua (Lua 5.1, every number a float64) with only base, table, a
string library without dump/gsub/rep, math, an os with only time/date, and a `package`
that loads nothing but the preloaded `kube` library; fourteen base functions are
replaced by ones that raise. Each call gets a fresh VM, 1 s and a memory bound.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import lupa.lua51 as lupa

from hubless.interpreter import kube
from hubless.workloads import MAX_REPLICAS

TIMEOUT_SECONDS = 1.0
MEMORY_BYTES = 64 * 1024 * 1024
# How often (in VM instructions) the clock is read: cheap, and well under a millisecond.
_HOOK_EVERY = 10000
_TIMED_OUT = f"the script ran longer than {TIMEOUT_SECONDS:g} s"

_DISABLED = (
    "collectgarbage",
    "dofile",
    "getfenv",
    "getmetatable",
    "load",
    "loadfile",
    "loadstring",
    "rawequal",
    "rawget",
    "rawset",
    "setfenv",
    "setmetatable",
    "module",
    "newproxy",
)
_STRING_DISABLED = ("dump", "gsub", "rep")

# Runs once per VM before the script; `...` are the hook and the kube functions, kept as
# upvalues so that no Python object is reachable from a global.
_SANDBOX = """
local hook, resourceAdd, accuratePodRequirements, getPodDependencies, getResourceQuantity = ...
-- Once the time is up every instruction fails, and pcall cannot swallow the failure.
local expired = false
local function expire()
  expired = true
  error("%(timeout)s", 0)
end
debug.sethook(function() if expired or hook() then expire() end end, "", %(every)d)
local rawpcall, rawxpcall = pcall, xpcall
local function rethrow(...)
  if expired then expire() end
  return ...
end
pcall = function(...) return rethrow(rawpcall(...)) end
xpcall = function(...) return rethrow(rawxpcall(...)) end
local preload = package.loaders[1]
package.loaders = {preload}
package.path, package.cpath = "", ""
package.loadlib = function() error("loadlib is not supported") end
local kept = {_G = true, string = true, table = true, math = true, package = true}
for name in pairs(package.loaded) do
  if not kept[name] then package.loaded[name] = nil end
end
-- A helper answers (true, value) or (false, message); the message is raised at the
-- script's line that called it, as Go's RaiseError does.
local function raising(helper)
  return function(...)
    local ok, value = helper(...)
    if not ok then error(value, 2) end
    return value
  end
end
package.preload.kube = function()
  return {
    resourceAdd = raising(resourceAdd),
    accuratePodRequirements = raising(accuratePodRequirements),
    getPodDependencies = raising(getPodDependencies),
    getResourceQuantity = raising(getResourceQuantity),
  }
end
os = {time = os.time, date = os.date}
package.loaded.os = os
io, debug, coroutine, python, gcinfo = nil, nil, nil, nil, nil
for _, name in ipairs({%(string)s}) do
  string[name] = function()
    error("The Lua function string." .. name .. " is not supported by Karmada. "
      .. "If you believe this function is essential for your use case, "
      .. "please submit an issue to let us know why you need it.")
  end
end
-- The time bound is checked between VM instructions, never inside a C function: a pattern
-- whose repetitions backtrack over a long string could run for hours in string.find.
-- Each repetition item can make the matcher try every position again, so a pattern with k
-- of them (k >= 2) over n bytes is refused when n^k passes the budget.
local byte = string.byte
local function bounded(name, match)
  string[name] = function(s, pattern, init, plain)
    if type(s) == "string" and type(pattern) == "string" and not plain then
      local k, i = 0, 1
      while i <= #pattern do
        local c = byte(pattern, i)
        if c == 37 then i = i + 1  -- %%: the next character is literal
        elseif c == 42 or c == 43 or c == 45 or c == 63 then k = k + 1 end  -- * + - ?
        i = i + 1
      end
      if k >= 2 and (#s) ^ k > %(budget)s then
        error("string." .. name .. ": a pattern with " .. k .. " repetitions over "
          .. #s .. " bytes could run past the time bound", 2)
      end
    end
    return match(s, pattern, init, plain)
  end
end
bounded("find", string.find)
bounded("match", string.match)
bounded("gmatch", string.gmatch)
for _, name in ipairs({%(base)s}) do
  _G[name] = function()
    error("call function " .. name
      .. " is not supported in karmada customized resourceinterpreter.")
  end
end
"""


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


_SANDBOX_SOURCE = _SANDBOX % {
    "every": _HOOK_EVERY,
    "timeout": _TIMED_OUT,
    "string": _quoted(_STRING_DISABLED),
    "base": _quoted(_DISABLED),
    "budget": "1e8",
}


_AT_LINE = re.compile(r'\[string "[^"]*"\]:(\d+): ')


class LuaError(Exception):
    """A script failed: it does not compile, raised, ran too long, or returned the wrong type.

    `line` is the line of the script the failure happened at, when Lua says.
    """

    def __init__(self, message: str) -> None:
        found = _AT_LINE.search(message)
        self.line = int(found.group(1)) if found else None
        self.message = _AT_LINE.sub("", message, count=1) if found else message
        super().__init__(self.message)


# Deeper than any Kubernetes object; a table nested deeper (or one that holds itself) is
# refused rather than followed down the Python stack.
MAX_DEPTH = 200
_TOO_DEEP = f"cannot encode tables nested deeper than {MAX_DEPTH} levels (or holding themselves)"


def _to_lua(runtime: Any, value: Any, depth: int = 0) -> Any:
    """decodeValue: maps become tables with string keys, lists 1..n arrays (a null item is
    left out, as gopher-lua's Append leaves out nil), None nil."""
    if depth > MAX_DEPTH:
        raise LuaError(f"cannot give a Lua script an object nested deeper than {MAX_DEPTH}")
    if isinstance(value, dict):
        table = runtime.table()
        for key, item in value.items():
            if item is not None:
                table[key] = _to_lua(runtime, item, depth + 1)
        return table
    if isinstance(value, list):
        table = runtime.table()
        index = 0
        for item in value:
            if item is not None:
                index += 1
                table[index] = _to_lua(runtime, item, depth + 1)
        return table
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)  # gopher-lua numbers are float64
    raise LuaError(f"cannot give a Lua script a {type(value).__name__}")


def _number(value: float) -> int | float:
    """A float64 written as JSON and read back as Kubernetes reads it: whole numbers that
    Go prints without an exponent (below 1e21) and that fit int64 become integers."""
    if not math.isfinite(value):
        raise LuaError(f"json: unsupported value: {value}")
    if value == int(value) and abs(value) < 1e21 and -(2**63) <= value < 2**63:
        return int(value)
    return value


def from_lua(value: Any) -> Any:
    """gopher-json's encoding: an empty table is a list, keys 1..n a list, string keys a
    map (sorted, as Go writes maps); anything else is an error."""
    try:
        return _from_lua(value, 0)
    except UnicodeDecodeError:
        raise LuaError("the answer holds a string that is not UTF-8") from None


def _from_lua(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return _number(float(value))
    if lupa.lua_type(value) != "table":
        raise LuaError(f"cannot encode a Lua {lupa.lua_type(value)} value")
    if depth > MAX_DEPTH:
        raise LuaError(_TOO_DEEP)
    items = list(value.items())
    if not items:
        return []
    keys = [key for key, _ in items]
    if all(isinstance(k, str) for k in keys):
        ordered = sorted(items, key=lambda kv: str(kv[0]))
        return {k: _from_lua(v, depth + 1) for k, v in ordered}
    if all(isinstance(k, int | float) and not isinstance(k, bool) for k in keys):
        ordered = sorted(items, key=lambda kv: float(kv[0]))
        if [float(k) for k, _ in ordered] != [float(i) for i in range(1, len(ordered) + 1)]:
            raise LuaError("cannot encode sparse array")
        return [_from_lua(v, depth + 1) for _, v in ordered]
    raise LuaError("cannot encode mixed or invalid key types")


def _empty_fields(
    value: Any, path: tuple[str, ...]
) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
    """Paths (list indexes left out) of the empty lists and the empty maps in `value`."""
    lists: set[tuple[str, ...]] = set()
    maps: set[tuple[str, ...]] = set()
    children = value.items() if isinstance(value, dict) else ((None, v) for v in value)
    for key, child in children:
        here = path if key is None else (*path, key)
        if child == [] or child == {}:
            (lists if child == [] else maps).add(here)
        elif isinstance(child, dict | list):
            more_lists, more_maps = _empty_fields(child, here)
            lists |= more_lists
            maps |= more_maps
    return lists, maps


def _restore(
    value: Any, path: tuple[str, ...], lists: set[tuple[str, ...]], maps: set[tuple[str, ...]]
) -> Any:
    if isinstance(value, dict):
        restored: dict[str, Any] = {}
        for key, child in value.items():
            here = (*path, key)
            if child == []:
                if here in maps:
                    restored[key] = {}
                elif here in lists:
                    restored[key] = []
                continue  # an empty table nothing explains is dropped
            restored[key] = _restore(child, here, lists, maps)
        return restored
    if isinstance(value, list):
        kept: list[Any] = []
        for child in value:
            if child == []:
                if path in maps:
                    kept.append({})
                elif path in lists:
                    kept.append([])
                continue
            kept.append(_restore(child, path, lists, maps))
        return kept
    return value


def convert_empty(value: Any, is_map: bool, references: Sequence[Any] = ()) -> Any:
    """lua_convert.go: a Lua table cannot say whether it was `{}` or `[]`, so an empty one
    takes the shape the same field has in the objects the script was given, and is dropped
    when no reference has that field empty."""
    if value == []:
        return {} if is_map else []
    lists: set[tuple[str, ...]] = set()
    maps: set[tuple[str, ...]] = set()
    for reference in references:
        if isinstance(reference, dict | list):
            more_lists, more_maps = _empty_fields(reference, ())
            lists |= more_lists
            maps |= more_maps
    return _restore(value, (), lists, maps)


def _compile_message(error: Exception) -> str:
    return str(error).removeprefix("error loading code: ")


def compile_error(script: str) -> LuaError | None:
    """Why `script` does not compile (Karmada's LoadString check), or None."""
    runtime = lupa.LuaRuntime(register_eval=False, register_builtins=False)
    try:
        runtime.compile(script)
    except lupa.LuaSyntaxError as error:
        return LuaError(f"the script does not compile: {_compile_message(error)}")
    return None


def run(script: str, function: str, args: Sequence[Any], results: int) -> list[Any]:
    """Call `function` of `script` with `args` in a fresh sandboxed VM; the first
    `results` return values, as lupa gives them (tables stay Lua tables)."""
    runtime = lupa.LuaRuntime(
        register_eval=False,
        register_builtins=False,
        unpack_returned_tuples=True,
        max_memory=MEMORY_BYTES,
    )
    deadline = time.monotonic() + TIMEOUT_SECONDS
    # The helpers reach the runtime through this list, emptied when the call is over: the
    # VM holds the helpers, so a direct reference would make a cycle, which only the cycle
    # collector frees, and hubless runs with it off (every call's VM would stay).
    live = [runtime]

    def hook() -> bool:
        return time.monotonic() > deadline

    def wrap(helper: Callable[..., Any]) -> Callable[..., Any]:
        def call(*values: Any) -> Any:
            try:
                return True, _to_lua(live[0], helper(*[from_lua(v) for v in values]))
            except (kube.KubeError, LuaError) as error:
                return False, str(error)
            except (TypeError, ValueError, AttributeError, KeyError) as error:
                # A table of the wrong shape: Karmada's helper fails to decode it into the
                # Kubernetes type it expects, and raises in the script.
                return False, f"fail to convert lua value to a Kubernetes object: {error}"

        return call

    try:
        runtime.execute(
            _SANDBOX_SOURCE,
            hook,
            wrap(kube.resource_add),
            wrap(kube.accurate_pod_requirements),
            wrap(kube.get_pod_dependencies),
            wrap(kube.get_resource_quantity),
        )
        try:
            runtime.execute(script)
        except lupa.LuaSyntaxError as error:
            raise LuaError(f"the script does not compile: {_compile_message(error)}") from None
        target = runtime.globals()[function]
        if target is None:
            raise LuaError(f"not found function {function}")
        if lupa.lua_type(target) != "function":
            raise LuaError(f"{function} is not a function: {lupa.lua_type(target)}")
        values = target(*[_to_lua(runtime, a) for a in args])
    except lupa.LuaMemoryError:
        raise LuaError(f"the script used more than {MEMORY_BYTES // 2**20} MiB") from None
    except lupa.LuaError as error:
        if _TIMED_OUT in str(error):
            raise LuaError(_TIMED_OUT) from None
        if "not enough memory" in str(error):
            raise LuaError(f"the script used more than {MEMORY_BYTES // 2**20} MiB") from None
        raise LuaError(str(error)) from None
    finally:
        live.clear()
    returned = list(values) if isinstance(values, tuple) else [values]
    returned += [None] * results
    return returned[:results]


def _lua_type(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return str(lupa.lua_type(value))


def _table(value: Any, what: str) -> Any:
    if _lua_type(value) != "table":
        raise LuaError(f"expect the returned {what} type is table but got {_lua_type(value)}")
    return from_lua(value)


def get_replicas(script: str, obj: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
    """GetReplicas(desiredObj): the replica count (truncated, as int32() does) and the
    per-replica requirements, or None."""
    replica, requires = run(script, "GetReplicas", [obj], 2)
    if _lua_type(replica) != "number":
        raise LuaError(f"result type {_lua_type(replica)} is not number")
    if not math.isfinite(replica) or not 0 <= int(replica) <= MAX_REPLICAS:
        # Go's int32() of such a number is undefined; no schedule can follow from it.
        raise LuaError(f"the replica count {replica!r} is not a whole number of replicas")
    if requires is None:
        return int(replica), None
    return int(replica), convert_empty(_table(requires, "requires"), True)


def get_components(script: str, obj: dict[str, Any]) -> list[Any] | None:
    (components,) = run(script, "GetComponents", [obj], 1)
    if components is None:
        return None
    return list(convert_empty(_table(components, "components"), False))


def _object(value: Any) -> dict[str, Any]:
    """An answer Karmada decodes into an Unstructured object: a map with a kind."""
    if not isinstance(value, dict):
        raise LuaError("json: cannot unmarshal array into Go value of type map[string]interface {}")
    kind = value.get("kind")
    if not isinstance(kind, str) or not kind:
        raise LuaError("Object 'Kind' is missing in the answer")
    return value


def revise_replica(script: str, obj: dict[str, Any], replica: int) -> dict[str, Any]:
    (revised,) = run(script, "ReviseReplica", [obj, replica], 1)
    return _object(convert_empty(_table(revised, "requires"), True, [obj]))


def retain(script: str, desired: dict[str, Any], observed: dict[str, Any]) -> dict[str, Any]:
    (retained,) = run(script, "Retain", [desired, observed], 1)
    return _object(convert_empty(_table(retained, "requires"), True, [desired, observed]))


def aggregate_status(script: str, obj: dict[str, Any], items: list[Any] | None) -> dict[str, Any]:
    (aggregated,) = run(script, "AggregateStatus", [obj, items], 1)
    return _object(convert_empty(_table(aggregated, "requires"), True))


def interpret_health(script: str, obj: dict[str, Any]) -> bool:
    (healthy,) = run(script, "InterpretHealth", [obj], 1)
    if not isinstance(healthy, bool):
        raise LuaError(f"result type {_lua_type(healthy)} is not bool")
    return healthy


def reflect_status(script: str, obj: dict[str, Any]) -> Any:
    (status,) = run(script, "ReflectStatus", [obj], 1)
    if _lua_type(status) != "table":
        raise LuaError(f"expect the returned replica type is table but got {_lua_type(status)}")
    # Karmada decodes the table into a RawExtension, a struct: an empty one is `{}`.
    return convert_empty(from_lua(status), True)


def get_dependencies(script: str, obj: dict[str, Any]) -> list[Any]:
    (dependencies,) = run(script, "GetDependencies", [obj], 1)
    return list(convert_empty(_table(dependencies, "requires"), False))
