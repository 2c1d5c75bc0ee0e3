"""JSON Schemas compiled into plain Python checks that only say whether a value is valid.

Nearly every object and policy document hubless checks is valid, and jsonschema walks each
through its general machinery (and takes tens of milliseconds to import). A compiled check
gives jsonschema's verdict, by the rules of its Draft 2020-12 validator as hubless builds
it (no format checker: `format` asserts nothing); jsonschema only words the errors of what
a check refuses. A schema the compiler cannot reproduce exactly (a keyword it does not
know, a `$ref` it cannot resolve, an `$id` below a document's root, ...) is Refused, and
its values go to jsonschema.
"""

from __future__ import annotations

import functools
import itertools
import numbers
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

Check = Callable[[Any], bool]
DIALECT = "https://json-schema.org/draft/2020-12/schema"  # the one dialect compiled


class Refused(ValueError):
    """A schema the compiled checks do not reproduce exactly."""


# Keywords that assert nothing: annotations (`format` too, without a format checker),
# what `if` reads, containers that `$ref`s point into, and OpenAPI's own (`nullable`,
# `example`, `externalDocs`, `x-...`), which are no JSON Schema keywords.
ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "definitions",
        "description",
        "title",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
        "contentEncoding",
        "contentMediaType",
        "contentSchema",
        "then",
        "else",
        "nullable",
        "example",
        "externalDocs",
    }
)
_OBJECT = frozenset(
    {
        "properties",
        "additionalProperties",
        "patternProperties",
        "required",
        "minProperties",
        "maxProperties",
        "propertyNames",
        "dependentRequired",
        "dependentSchemas",
    }
)
_ARRAY = frozenset({"items", "minItems", "maxItems", "uniqueItems"})
_STRING = frozenset({"pattern", "minLength", "maxLength"})
_NUMBER = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})
# Keywords jsonschema's Draft 2020-12 validator asserts, reproduced here.
ASSERTING = (
    _OBJECT
    | _ARRAY
    | _STRING
    | _NUMBER
    | {"$ref", "type", "enum", "const", "allOf", "anyOf", "oneOf", "not", "if"}
)
_KNOWN = ASSERTING | ANNOTATIONS


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def _is_integer(value: Any) -> bool:
    # Draft 6 and later: a float with no fraction is an integer; a bool is none.
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, numbers.Number)


_CLASSES: dict[str, type] = {"object": dict, "array": list, "string": str, "boolean": bool}
_TESTS: dict[str, Check] = {"integer": _is_integer, "number": _is_number}


@functools.cache
def _type_test(names: tuple[str, ...]) -> Check:
    nullable = "null" in names
    classes = tuple(_CLASSES[name] for name in names if name in _CLASSES)
    tests = tuple(_TESTS[name] for name in names if name in _TESTS)
    if not tests:
        if not classes:
            return (lambda value: value is None) if nullable else _never
        kind: Any = classes[0] if len(classes) == 1 else classes
        if nullable:
            return lambda value: value is None or isinstance(value, kind)
        return lambda value: isinstance(value, kind)
    if not classes and not nullable and len(tests) == 1:
        return tests[0]
    return lambda value: (
        (nullable and value is None)
        or isinstance(value, classes)
        or any(test(value) for test in tests)
    )


# JSON Schema equality as jsonschema has it (jsonschema._utils.equal, unbool, uniq):
# 1 == 1.0, True != 1, and lists and maps compared member by member.
_TRUE, _FALSE = object(), object()


def _unbool(element: Any) -> Any:
    if element is True:
        return _TRUE
    if element is False:
        return _FALSE
    return element


def equal(one: Any, two: Any) -> bool:
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(equal(i, j) for i, j in zip(one, two, strict=False))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(
            key in two and equal(value, two[key]) for key, value in one.items()
        )
    return bool(_unbool(one) == _unbool(two))


def _unique(container: list[Any]) -> bool:
    try:
        ordered = sorted(_unbool(i) for i in container)
        for i, j in zip(ordered, itertools.islice(ordered, 1, None), strict=False):
            if equal(i, j):
                return False
    except (NotImplementedError, TypeError):
        seen: list[Any] = []
        for element in container:
            element = _unbool(element)
            if any(equal(i, element) for i in seen):
                return False
            seen.append(element)
    return True


def _number(schema: dict[str, Any], keyword: str) -> Any:
    value = schema[keyword]
    if not isinstance(value, int | float):  # a bool compares as 0 or 1, as in jsonschema
        raise Refused(f"{keyword} of {value!r}")
    return value


def _names(schema: dict[str, Any], keyword: str) -> tuple[str, ...]:
    value = schema[keyword]
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise Refused(f"{keyword} of {value!r}")
    return tuple(value)


def _pattern(value: Any) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise Refused(f"pattern {value!r}")
    return re.compile(value)  # re.search(value, ...), as jsonschema calls it


Key = tuple[str, tuple[str | int, ...]]


class Compiler:
    """Compiles schemas whose `$ref`s may point into `documents`, each known by its `$id`.
    What their parts compile to is kept, for every schema that refers to them."""

    def __init__(self, documents: Iterable[dict[str, Any]] = ()) -> None:
        self._documents: dict[str, Any] = {}
        for document in documents:
            uri = document.get("$id")
            if not isinstance(uri, str) or not uri or "#" in uri:
                raise Refused(f"a document's $id of {uri!r}")
            self._documents[uri] = document
        self._shared: dict[Key, Check] = {}
        # this compilation's own: the schema's document and what was added to _shared
        self._root: tuple[str, Any] = ("", None)
        self._local: dict[Key, Check] = {}
        self._added: list[Key] = []
        # what each schema object compiled to (policy schemas share theirs)
        self._done: dict[tuple[int, str, bool], Check] = {}

    def compile(self, schema: Any) -> Check:
        """A check of `schema`, or Refused."""
        uri = schema.get("$id", "") if isinstance(schema, dict) else ""
        if not isinstance(uri, str) or "#" in uri or uri in self._documents:
            raise Refused(f"$id of {uri!r}")
        self._root, self._local, self._added, self._done = (uri, schema), {}, [], {}
        try:
            return self._schema(schema, uri, root=True)
        except (Refused, re.error, RecursionError) as error:
            # What was being compiled may hold unfinished references: drop it all.
            for key in self._added:
                self._shared.pop(key, None)
            raise error if isinstance(error, Refused) else Refused(str(error)) from error
        finally:
            self._root, self._local, self._added, self._done = ("", None), {}, [], {}

    def _schema(self, schema: Any, base: str, root: bool = False) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise Refused(f"not a schema: {schema!r}")
        key = (id(schema), base, root)
        done = self._done.get(key)
        if done is None:
            done = self._done[key] = self._compiled(schema, base, root)
        return done

    def _compiled(self, schema: dict[str, Any], base: str, root: bool) -> Check:
        unknown = [k for k in schema if k not in _KNOWN and not str(k).startswith("x-")]
        if unknown:
            raise Refused(f"no compiled check for {sorted(map(str, unknown))}")
        if "$id" in schema and not root:
            raise Refused("an $id below a document's root")  # it moves the base of $refs
        if schema.get("$schema", DIALECT) != DIALECT:
            raise Refused(f"$schema {schema['$schema']!r}")  # jsonschema switches dialects
        generic = self._generic(schema, base)
        types = self._types(schema)
        if types is not None and "enum" in schema and _strings(schema["enum"]):
            types = None if "string" in types else types  # the enum asks for a string
        families: dict[type, Check] = {}
        if _OBJECT & schema.keys():
            families[dict] = self._object(schema, base)
        if _ARRAY & schema.keys():
            families[list] = self._array(schema, base)
        if _STRING & schema.keys():
            families[str] = _string(schema)
        if _NUMBER & schema.keys():
            families[numbers.Number] = _number_check(schema)
        return _assemble(types, generic, families)

    def _types(self, schema: dict[str, Any]) -> list[str] | None:
        if "type" not in schema:
            return None
        names = schema["type"]
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not all(
            isinstance(name, str) and name in (*_CLASSES, *_TESTS, "null") for name in names
        ):
            raise Refused(f"type {schema['type']!r}")
        return names

    def _generic(self, schema: dict[str, Any], base: str) -> list[Check]:
        """The checks of keywords that apply to values of every type."""
        checks: list[Check] = []
        if "$ref" in schema:
            checks.append(self._ref(schema["$ref"], base))
        if "enum" in schema:
            checks.append(_enum(schema["enum"]))
        if "const" in schema:
            const = schema["const"]
            if isinstance(const, str):
                checks.append(lambda value: isinstance(value, str) and value == const)
            else:
                checks.append(lambda value: equal(value, const))
        for keyword in ("allOf", "anyOf", "oneOf"):
            if keyword in schema:
                checks.append(self._combined(keyword, schema[keyword], base))
        if "not" in schema:
            negated = self._schema(schema["not"], base)
            checks.append(lambda value: not negated(value))
        if "if" in schema:
            condition = self._schema(schema["if"], base)
            then = self._schema(schema.get("then", True), base)
            otherwise = self._schema(schema.get("else", True), base)
            checks.append(lambda value: then(value) if condition(value) else otherwise(value))
        return checks

    def _combined(self, keyword: str, schemas: Any, base: str) -> Check:
        if not isinstance(schemas, list):
            raise Refused(f"{keyword} of {schemas!r}")
        tests = tuple(self._schema(sub, base) for sub in schemas)
        if keyword == "allOf":
            return lambda value: all(test(value) for test in tests)
        if keyword == "anyOf":
            return lambda value: any(test(value) for test in tests)

        def one_of(value: Any) -> bool:
            passed = 0
            for test in tests:
                if test(value):
                    passed += 1
                    if passed > 1:
                        return False
            return passed == 1

        return one_of

    def _ref(self, ref: Any, base: str) -> Check:
        """The check of what `ref` points to, as referencing resolves it."""
        if not isinstance(ref, str):
            raise Refused(f"$ref {ref!r}")
        if ref.startswith("#"):
            uri, fragment = base, ref[1:]
        else:
            uri, fragment = urldefrag(urljoin(base, ref))
        if base in self._documents:  # what is kept holds nothing of one compilation's own
            if uri not in self._documents:
                raise Refused(f"$ref {ref!r} from {base!r}")
            document, memo = self._documents[uri], self._shared
        elif uri == self._root[0]:
            document, memo = self._root[1], self._local
        elif uri in self._documents:
            document, memo = self._documents[uri], self._shared
        else:  # a document jsonschema may know (a meta-schema) or fail to find
            raise Refused(f"$ref {ref!r} from {base!r}")
        if fragment and not fragment.startswith("/"):
            raise Refused(f"$ref {ref!r} to an anchor")
        target, path = _pointer(document, fragment)
        key = (uri, path)
        found = memo.get(key)
        if found is not None:
            return found
        # A reference back to a schema still being compiled (JSONSchemaProps holds
        # JSONSchemaProps) goes through this cell, filled once it is compiled.
        cell: list[Check] = []
        memo[key] = lambda value: cell[0](value)
        if memo is self._shared:
            self._added.append(key)
        check = self._schema(target, uri, root=not path)
        cell.append(check)
        memo[key] = check
        return check

    def _object(self, schema: dict[str, Any], base: str) -> Check:
        properties = schema.get("properties", {})
        if not isinstance(properties, dict):
            raise Refused(f"properties of {properties!r}")
        tests = {name: self._schema(sub, base) for name, sub in properties.items()}
        extra = schema.get("additionalProperties", True)
        if not isinstance(extra, bool | dict):
            raise Refused(f"additionalProperties of {extra!r}")
        closed = extra is False
        others = self._schema(extra, base) if isinstance(extra, dict) else None
        required = _names(schema, "required") if "required" in schema else ()
        general = _OBJECT - {"properties", "additionalProperties", "required"}
        if not general & schema.keys():
            if not tests and not required:
                if others is not None:
                    each = others
                    return lambda value: all(map(each, value.values()))
                if not closed:
                    return _always
            return _fixed_object(tests, required, closed, others)
        return self._general_object(schema, base, tests, required, closed, others)

    def _general_object(
        self,
        schema: dict[str, Any],
        base: str,
        tests: dict[str, Check],
        required: tuple[str, ...],
        closed: bool,
        others: Check | None,
    ) -> Check:
        patterns = schema.get("patternProperties", {})
        if not isinstance(patterns, dict):
            raise Refused(f"patternProperties of {patterns!r}")
        matched = [(_pattern(p), self._schema(sub, base)) for p, sub in patterns.items()]
        # jsonschema: a property is additional unless re.search("|".join(patterns), it)
        joined = "|".join(patterns)
        exempt = re.compile(joined) if joined else None
        fewest = _number(schema, "minProperties") if "minProperties" in schema else None
        most = _number(schema, "maxProperties") if "maxProperties" in schema else None
        names = self._schema(schema["propertyNames"], base) if "propertyNames" in schema else None
        required_by = schema.get("dependentRequired", {})
        if not isinstance(required_by, dict):
            raise Refused(f"dependentRequired of {required_by!r}")
        needs = [(name, _names(required_by, name)) for name in required_by]
        dependents = schema.get("dependentSchemas", {})
        if not isinstance(dependents, dict):
            raise Refused(f"dependentSchemas of {dependents!r}")
        depending = [(name, self._schema(sub, base)) for name, sub in dependents.items()]

        def check(value: dict[Any, Any]) -> bool:
            if fewest is not None and len(value) < fewest:
                return False
            if most is not None and len(value) > most:
                return False
            for name in required:
                if name not in value:
                    return False
            for name, fields in needs:
                if name in value and any(field not in value for field in fields):
                    return False
            for name, dependent in depending:
                if name in value and not dependent(value):
                    return False
            for key, item in value.items():
                test = tests.get(key)
                if test is not None and not test(item):
                    return False
                for pattern, sub in matched:
                    if pattern.search(key) and not sub(item):
                        return False
                additional = test is None and not (exempt is not None and exempt.search(key))
                if additional and (closed or (others is not None and not others(item))):
                    return False
                if names is not None and not names(key):
                    return False
            return True

        return check

    def _array(self, schema: dict[str, Any], base: str) -> Check:
        items = schema.get("items", True)
        if not isinstance(items, bool | dict):
            raise Refused(f"items of {items!r}")
        test = self._schema(items, base)
        fewest = _number(schema, "minItems") if "minItems" in schema else None
        most = _number(schema, "maxItems") if "maxItems" in schema else None
        unique = schema.get("uniqueItems", False)
        if not isinstance(unique, bool):
            raise Refused(f"uniqueItems of {unique!r}")
        if fewest is None and most is None and not unique:
            if test is _always:
                return _always
            return lambda value: all(map(test, value))

        def check(value: list[Any]) -> bool:
            if fewest is not None and len(value) < fewest:
                return False
            if most is not None and len(value) > most:
                return False
            if test is not _always and not all(map(test, value)):
                return False
            return not unique or _unique(value)

        return check


def _strings(values: Any) -> bool:
    return isinstance(values, list) and all(isinstance(value, str) for value in values)


def _enum(values: Any) -> Check:
    if not isinstance(values, list):
        raise Refused(f"enum of {values!r}")
    if _strings(values):
        # Only strings are listed, so JSON Schema's equality is a string's.
        options = frozenset(values)
        return lambda value: isinstance(value, str) and value in options
    listed = tuple(values)
    return lambda value: any(equal(each, value) for each in listed)


def _fixed_object(
    tests: dict[str, Check], required: tuple[str, ...], closed: bool, others: Check | None
) -> Check:
    """properties, required and additionalProperties, the usual shape of an object."""

    def check(value: dict[Any, Any]) -> bool:
        for name in required:
            if name not in value:
                return False
        for key, item in value.items():
            test = tests.get(key)
            if test is None:
                if closed or (others is not None and not others(item)):
                    return False
            elif not test(item):
                return False
        return True

    return check


def _string(schema: dict[str, Any]) -> Check:
    pattern = _pattern(schema["pattern"]) if "pattern" in schema else None
    shortest = _number(schema, "minLength") if "minLength" in schema else None
    longest = _number(schema, "maxLength") if "maxLength" in schema else None

    def check(value: str) -> bool:
        if shortest is not None and len(value) < shortest:
            return False
        if longest is not None and len(value) > longest:
            return False
        return pattern is None or pattern.search(value) is not None

    return check


def _number_check(schema: dict[str, Any]) -> Check:
    # The comparisons jsonschema makes, as it makes them (`not value < low`, not
    # `value >= low`: NaN passes both bounds).
    bounds = [(keyword, _number(schema, keyword)) for keyword in sorted(_NUMBER & schema.keys())]

    def check(value: Any) -> bool:
        for keyword, bound in bounds:
            if keyword == "minimum":
                failed = value < bound
            elif keyword == "maximum":
                failed = value > bound
            elif keyword == "exclusiveMinimum":
                failed = value <= bound
            elif keyword == "exclusiveMaximum":
                failed = value >= bound
            else:
                failed = _not_multiple(value, bound)
            if failed:
                return False
        return True

    return check


def _not_multiple(value: Any, factor: Any) -> Any:
    if isinstance(factor, float):
        quotient = value / factor
        try:
            return int(quotient) != quotient
        except OverflowError:
            return (Fraction(value) / Fraction(factor)).denominator != 1
    return value % factor


def _pointer(document: Any, fragment: str) -> tuple[Any, tuple[str | int, ...]]:
    """The part of `document` a JSON pointer names, and its path, as referencing finds
    them; a part below a dict holding an `$id` is Refused (it moves the base)."""
    if not fragment:
        return document, ()
    contents, path = document, []
    for segment in unquote(fragment[1:]).split("/"):
        part: str | int
        if isinstance(contents, list):
            if not segment.isdigit():
                raise Refused(f"pointer #{fragment}")
            part = int(segment)
        elif isinstance(contents, dict):
            part = segment.replace("~1", "/").replace("~0", "~")
        else:
            raise Refused(f"pointer #{fragment}")
        try:
            contents = contents[part]
        except (LookupError, TypeError):
            raise Refused(f"pointer #{fragment}") from None
        if isinstance(contents, dict) and "$id" in contents:
            raise Refused(f"pointer #{fragment} into an $id")
        path.append(part)
    return contents, tuple(path)


def _assemble(types: list[str] | None, generic: list[Check], families: dict[type, Check]) -> Check:
    type_test = None if types is None else _type_test(tuple(types))
    if not families:
        checks = ([type_test] if type_test is not None else []) + generic
        return _all(checks)
    if not generic and len(families) == 1 and (dict in families or list in families):
        [(kind, family)] = families.items()
        name = "object" if kind is dict else "array"
        # A map's or a list's own keywords test its type on the way.
        if types is None:
            return lambda value: family(value) if isinstance(value, kind) else True
        if types == [name]:
            return lambda value: isinstance(value, kind) and family(value)
        if sorted(types) == sorted([name, "null"]):
            return lambda value: family(value) if isinstance(value, kind) else value is None
    mapping, array = families.get(dict), families.get(list)
    string, number = families.get(str), families.get(numbers.Number)
    rest = _all(generic)

    def check(value: Any) -> bool:
        if type_test is not None and not type_test(value):
            return False
        if isinstance(value, dict):
            if mapping is not None and not mapping(value):
                return False
        elif isinstance(value, list):
            if array is not None and not array(value):
                return False
        elif isinstance(value, str):
            if string is not None and not string(value):
                return False
        elif number is not None and _is_number(value) and not number(value):
            return False
        return rest(value)

    return check


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)
    listed = tuple(checks)
    return lambda value: all(check(value) for check in listed)


def compiled(schema: Any) -> Check:
    """A check of a schema with no `$ref` outside itself, or Refused."""
    return Compiler().compile(schema)
