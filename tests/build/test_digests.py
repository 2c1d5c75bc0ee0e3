"""The digests a render is compared by: hubless's code, the sources, each template."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import hubless
from hubless import __version__
from hubless.build.digests import (
    SourceDigests,
    code_digest,
    inputs_digest,
    manifest_of,
    policies_digest,
    template_digests,
)
from hubless.build.state.manifest import Manifest, Warnings
from hubless.errors import Problem, Source
from hubless.load import SourceFile
from hubless.model import ResourceTemplate

FILES = [
    SourceFile("policies/clusters.yaml", "kind: Cluster\n"),
    SourceFile("policies/web.yaml", "kind: PropagationPolicy\n"),
    SourceFile("templates/web.yaml", "kind: Deployment\n"),
]


def sha(*parts: bytes) -> str:
    return hashlib.sha256(b"".join(parts)).hexdigest()


def test_code_digest_covers_every_python_file_of_the_package() -> None:
    package = Path(hubless.__file__).resolve().parent
    parts = []
    # The built-in interpreters' scripts are code too.
    builtins = package.rglob("interpreter/builtin/*/*/*.yaml")
    for path in sorted([*package.rglob("*.py"), *builtins]):
        parts.append(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    assert code_digest() == sha(*parts)
    assert "build/digests.py" in {p.relative_to(package).as_posix() for p in package.rglob("*.py")}


def test_inputs_digest() -> None:
    expected = sha(
        __version__.encode() + b"\0",
        code_digest().encode() + b"\0",
        b"opts\0",
        *(f.path.encode() + b"\0" + f.text.encode() + b"\0" for f in FILES),
    )
    assert inputs_digest(FILES, "opts") == expected


def test_inputs_digest_changes_with_any_path_text_or_option() -> None:
    base = inputs_digest(FILES, "")
    moved = [SourceFile("policies/other.yaml", FILES[0].text), *FILES[1:]]
    edited = [SourceFile(FILES[0].path, FILES[0].text + "# note\n"), *FILES[1:]]
    digests = {
        base,
        inputs_digest(FILES, "x"),
        inputs_digest(moved, ""),
        inputs_digest(edited, ""),
        inputs_digest(FILES[:2], ""),
    }
    assert len(digests) == 5


def test_policies_digest_is_the_inputs_digest_of_everything_but_templates() -> None:
    assert policies_digest(FILES) == inputs_digest(FILES[:2], "policies")
    edited_template = [*FILES[:2], SourceFile("templates/web.yaml", "kind: StatefulSet\n")]
    assert policies_digest(edited_template) == policies_digest(FILES)
    added_template = [*FILES, SourceFile("templates/more.yaml", "kind: Service\n")]
    assert policies_digest(added_template) == policies_digest(FILES)
    edited_policy = [SourceFile("policies/clusters.yaml", "kind: Cluster\n# x\n"), *FILES[1:]]
    assert policies_digest(edited_policy) != policies_digest(FILES)
    # A file merely named like the folder is not a template.
    lookalike = [*FILES, SourceFile("templatesx/a.yaml", "a: 1\n")]
    assert policies_digest(lookalike) == inputs_digest([*FILES[:2], lookalike[-1]], "policies")


def template(
    api_version: str, kind: str, namespace: str, name: str, body: dict[str, Any]
) -> ResourceTemplate:
    return ResourceTemplate(api_version, kind, namespace, name, body, Source("templates/t.yaml", 1))


def test_template_digests_are_of_each_body_by_key() -> None:
    body = {"kind": "ConfigMap", "data": {"b": "2", "a": "1"}}
    same = {"data": {"a": "1", "b": "2"}, "kind": "ConfigMap"}  # the same body, reordered
    templates = [
        template("v1", "ConfigMap", "shop", "web", body),
        template("apps/v1", "Deployment", "shop", "web", {"spec": {"replicas": 2}}),
        template("v1", "Namespace", "", "shop", same),
    ]
    expected_body = sha(b'{"data": {"a": "1", "b": "2"}, "kind": "ConfigMap"}')
    assert template_digests(templates) == {
        "ConfigMap/shop/web": expected_body,
        "Deployment.apps/shop/web": sha(b'{"spec": {"replicas": 2}}'),
        "Namespace/shop": expected_body,
    }
    assert json.dumps(same, sort_keys=True) == '{"data": {"a": "1", "b": "2"}, "kind": "ConfigMap"}'


def test_source_digests_of_files() -> None:
    assert SourceDigests.of(FILES) == SourceDigests(
        inputs_digest(FILES, ""), policies_digest(FILES)
    )


def test_manifest_of_a_render() -> None:
    sources = SourceDigests("in", "pol")
    templates = [template("v1", "ConfigMap", "shop", "web", {"data": {}})]
    bodies = template_digests(templates)
    said = Warnings(fleet=(Problem.warning(Source("policies/c.yaml", 1), "cluster east ..."),))
    assert manifest_of(
        sources, bodies, "out", {"east": "d"}, {"ConfigMap/shop/web": "e"}, said
    ) == (
        Manifest(
            "in",
            "out",
            "pol",
            {"ConfigMap/shop/web": sha(b'{"data": {}}')},
            code_digest(),
            {"east": "d"},
            {"ConfigMap/shop/web": "e"},
            said,
        )
    )
