"""rendered/.hubless/manifest.json: its exact text, and reading it back (or not)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubless.build.state.manifest import Manifest, TemplateNotes, Warnings, read_manifest
from hubless.errors import Problem, Source

FULL = Manifest(
    inputs="i" * 64,
    output="o" * 64,
    policies="p" * 64,
    template_bodies={"Deployment.apps/shop/web": "b1", "ConfigMap/shop/web": "b2"},
    code="c" * 64,
    cluster_digests={"west": "d2", "east": "d1"},
    template_entries={"ConfigMap/shop/web": "e1"},
)

# Keys sorted, two-space indent, a final newline; attribute names map to the file's keys.
FULL_TEXT = f"""\
{{
  "clusters": {{
    "east": "d1",
    "west": "d2"
  }},
  "code": "{"c" * 64}",
  "inputs": "{"i" * 64}",
  "output": "{"o" * 64}",
  "placements": {{
    "ConfigMap/shop/web": "e1"
  }},
  "policies": "{"p" * 64}",
  "templates": {{
    "ConfigMap/shop/web": "b2",
    "Deployment.apps/shop/web": "b1"
  }}
}}
"""


def write(root: Path, content: bytes) -> None:
    path = root / ".hubless/manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def test_to_bytes_is_the_manifest_format_exactly() -> None:
    assert FULL.to_bytes() == FULL_TEXT.encode()


def test_empty_fields_are_left_out_but_inputs_and_output_are_always_there() -> None:
    assert Manifest("", "").to_bytes() == b'{\n  "inputs": "",\n  "output": ""\n}\n'
    assert Manifest("a", "b", code="c").to_bytes() == (
        b'{\n  "code": "c",\n  "inputs": "a",\n  "output": "b"\n}\n'
    )


def test_read_manifest_reads_back_what_to_bytes_wrote(tmp_path: Path) -> None:
    write(tmp_path, FULL.to_bytes())
    assert read_manifest(tmp_path) == FULL


SAID = Warnings(
    fleet=(Problem.warning(Source("policies/c.yaml", 3), "cluster east is not Ready"),),
    templates=(
        TemplateNotes(
            "ConfigMap/shop/web",
            Source("templates/web.yaml", 1),
            (Problem.warning(Source("templates/web.yaml", 1), "looks like a key"),),
            (("east", 2_000_000), ("west", 1_500_000)),
        ),
        TemplateNotes("ConfigMap/shop/stray", Source("templates/stray.yaml", 4), unmatched=True),
    ),
    namespaces=(Problem.warning(None, "objects in namespace shop ..."),),
    validated_with="1.30",
    validation=(Problem.warning(None, "example.com/v1 Widget has no schema ..."),),
    custom_kinds={"example.com/v1 Widget": ("east", "west")},
)


def test_what_a_render_said_reads_back(tmp_path: Path) -> None:
    manifest = Manifest("a", "b", warnings=SAID)
    write(tmp_path, manifest.to_bytes())
    assert read_manifest(tmp_path) == manifest
    # Not worked out (None) and worked out to nothing ("") stay apart.
    for validated_with in (None, ""):
        nothing = Manifest("a", "b", warnings=Warnings(validated_with=validated_with))
        write(tmp_path, nothing.to_bytes())
        assert read_manifest(tmp_path) == nothing


@pytest.mark.parametrize(
    "warnings",
    [b"[]", b'{"fleet": [{"message": "m"}]}', b'{"templates": [{"source": null}]}'],
)
def test_unreadable_warnings_make_the_manifest_unreadable(tmp_path: Path, warnings: bytes) -> None:
    write(tmp_path, b'{"inputs": "a", "output": "b", "warnings": ' + warnings + b"}")
    assert read_manifest(tmp_path) is None


def test_a_manifest_of_only_inputs_and_output_reads_with_defaults(tmp_path: Path) -> None:
    write(tmp_path, b'{"inputs": "a", "output": "b"}')
    assert read_manifest(tmp_path) == Manifest("a", "b", "", {}, "", {}, {})


def test_values_are_read_as_strings(tmp_path: Path) -> None:
    write(tmp_path, b'{"inputs": 1, "output": 2, "clusters": {"east": 3}, "templates": null}')
    assert read_manifest(tmp_path) == Manifest("1", "2", cluster_digests={"east": "3"})


def test_no_manifest_is_none(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) is None
    assert read_manifest(tmp_path / "missing") is None


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        FULL_TEXT.encode()[:-40],  # cut short
        b"\xff\xfe not text",
        b"[]",
        b'"manifest"',
        b'{"output": "b"}',  # no inputs
        b'{"inputs": "a"}',  # no output
        b'{"inputs": "a", "output": "b", "clusters": ["east"]}',
        b'{"inputs": "a", "output": "b", "templates": "x"}',
        b'{"inputs": "a", "output": "b", "placements": 3}',
    ],
)
def test_a_corrupt_manifest_reads_as_none(tmp_path: Path, content: bytes) -> None:
    write(tmp_path, content)
    assert read_manifest(tmp_path) is None


def test_a_folder_where_the_manifest_should_be_reads_as_none(tmp_path: Path) -> None:
    (tmp_path / ".hubless/manifest.json").mkdir(parents=True)
    assert read_manifest(tmp_path) is None
