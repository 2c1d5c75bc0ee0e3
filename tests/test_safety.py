"""Safe by construction: secrets, names, hostile input, concurrent renders."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from hubless.errors import UserError
from hubless.load import SourceFile, load_fleet
from tests.conftest import cluster_yaml, run_hubless, write_tree


def load_error(path: str, text: str) -> str:
    with pytest.raises(UserError) as caught:
        load_fleet([SourceFile(path, text)])
    return "\n".join(str(p) for p in caught.value.problems)


SECRET = "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop%s}\n%s"


def test_plaintext_secrets_are_refused() -> None:
    message = load_error("templates/s.yaml", SECRET % ("", "data: {password: aHVudGVyMg==}\n"))
    assert message.startswith("templates/s.yaml:1: error: Secret shop/db holds plaintext data")
    assert "stringData" not in message
    assert load_error("templates/s.yaml", SECRET % ("", "stringData: {password: x}\n"))


def test_secret_opt_in_and_empty_secrets_pass() -> None:
    opted = SECRET % (
        ', annotations: {hubless.io/allow-plaintext-secret: "true"}',
        "data: {a: b}\n",
    )
    assert load_fleet([SourceFile("templates/s.yaml", opted)]).templates
    assert load_fleet([SourceFile("templates/s.yaml", SECRET % ("", "type: Opaque\n"))]).templates
    sealed = "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: db, namespace: shop}\nspec: {encryptedData: {a: AgB}}\n"
    assert load_fleet([SourceFile("templates/s.yaml", sealed)]).templates
    sops = SECRET % ("", "data: {a: 'ENC[AES256_GCM,data:x]'}\nsops: {version: 3.8.1}\n")
    # `sops` metadata without the MAC that decryption checks is not SOPS's output.
    assert "holds plaintext data" in load_error("templates/s.yaml", sops)


# As `sops --encrypt --age ... secret.yaml` writes it (values shortened).
SOPS_SECRET = """apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
type: Opaque
data:
  password: ENC[AES256_GCM,data:Tr7o2Aw=,iv:1T5nB0Jm2nA=,tag:Qx8N0kq6VQ==,type:str]
stringData:
  user: ENC[AES256_GCM,data:cm9vdA==,iv:9aQw0Zk=,tag:3bPoYk1w==,type:str]
sops:
  age:
  - recipient: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
    enc: |
      -----BEGIN AGE ENCRYPTED FILE-----
      YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBy
      -----END AGE ENCRYPTED FILE-----
  lastmodified: "2026-12-01T10:00:00Z"
  mac: ENC[AES256_GCM,data:p4Q0bH3k=,iv:Zk9w1Q=,tag:8xv0Q==,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.9.1
"""


def test_a_secret_encrypted_by_sops_is_rendered_as_it_is(tmp_path: Path) -> None:
    policy = (
        "apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterPropagationPolicy\n"
        "metadata: {name: all}\nspec:\n  resourceSelectors:\n  - {apiVersion: v1, kind: Secret}\n"
    )
    # A cluster with a Kubernetes version: the Secret is validated as the API server gets
    # it once Flux has decrypted it (without the `sops` metadata).
    versioned = cluster_yaml("one").replace("status:", "status:\n  kubernetesVersion: v1.30.2", 1)
    write_tree(
        tmp_path,
        {
            "policies/c.yaml": versioned,
            "policies/p.yaml": policy,
            "templates/s.yaml": SOPS_SECRET,
        },
    )
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    import yaml

    written = yaml.safe_load((tmp_path / "rendered/one/shop/secret_db.yaml").read_text())
    assert written == yaml.safe_load(SOPS_SECRET)  # metadata and MAC kept for decryption


@pytest.mark.parametrize(
    "change",
    [
        (
            "  user: ENC[AES256_GCM,data:cm9vdA==,iv:9aQw0Zk=,tag:3bPoYk1w==,type:str]",
            "  user: root",
        ),
        ("  mac: ENC[AES256_GCM,data:p4Q0bH3k=,iv:Zk9w1Q=,tag:8xv0Q==,type:str]\n", ""),
        ("sops:\n", "sops-not:\n"),
    ],
    ids=["a value left plain", "no mac", "no sops metadata"],
)
def test_a_secret_sops_did_not_fully_encrypt_is_refused(change: tuple[str, str]) -> None:
    text = SOPS_SECRET.replace(*change)
    assert text != SOPS_SECRET
    assert load_error("templates/s.yaml", text).startswith(
        "templates/s.yaml:1: error: Secret shop/db holds plaintext data: commit a SealedSecret, "
        "an ExternalSecret or a Secret with every value encrypted by SOPS instead"
    )


def test_overrides_cannot_smuggle_plaintext_into_a_secret() -> None:
    from hubless.compile import compile_fleet

    sources = [
        SourceFile("policies/c.yaml", cluster_yaml("one")),
        SourceFile(
            "policies/p.yaml",
            "apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterPropagationPolicy\nmetadata: {name: p}\n"
            "spec:\n  resourceSelectors: [{apiVersion: v1, kind: Secret}]\n---\n"
            "apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterOverridePolicy\nmetadata: {name: o}\n"
            "spec:\n  overrideRules:\n  - overriders:\n      plaintext: [{path: /data, operator: add, value: {k: dg==}}]\n",
        ),
        SourceFile("templates/s.yaml", SECRET % ("", "type: Opaque\n")),
    ]
    with pytest.raises(UserError, match="overrides put plaintext data into Secret"):
        compile_fleet(load_fleet(sources))


def test_credential_lookalikes_are_warned_about(tmp_path: Path) -> None:
    config = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop%s}\n"
        "data:\n  key: |\n    -----BEGIN RSA PRIVATE KEY-----\n    MIIE\n  id: AKIAABCDEFGHIJKLMNOP\n"
    )
    write_tree(tmp_path, {"policies/c.yaml": cluster_yaml("one"), "templates/c.yaml": config % ""})
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0
    assert "ConfigMap/shop/c data.key looks like a private key" in result.stderr
    assert "data.id looks like an AWS access key id" in result.stderr
    write_tree(
        tmp_path,
        {"templates/c.yaml": config % ', annotations: {hubless.io/allow-credentials: "true"}'},
    )
    assert "looks like" not in run_hubless("render", cwd=tmp_path).stderr


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ("{name: ../escape, namespace: shop}", "name '../escape' is not a valid Kubernetes name"),
        ("{name: Upper, namespace: shop}", "is not a valid Kubernetes name"),
        ("{name: ok, namespace: ../up}", "namespace '../up' is not a valid name"),
        ("{name: ok, namespace: " + "n" * 64 + "}", "is not a valid name"),
    ],
)
def test_object_names_follow_kubernetes_rules(metadata: str, message: str) -> None:
    assert message in load_error(
        "templates/c.yaml", f"apiVersion: v1\nkind: ConfigMap\nmetadata: {metadata}\n"
    )


def test_rbac_names_may_be_path_segments() -> None:
    role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: 'system:Reader'}\n"
    assert load_fleet([SourceFile("templates/r.yaml", role)]).templates
    assert "not a valid path segment" in load_error(
        "templates/r.yaml", role.replace("system:Reader", "a/b")
    )


def test_alias_bombs_are_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdefg", "bcdefgh", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    message = load_error("templates/bomb.yaml", "\n".join(lines) + "\n")
    assert "expands to more than 5,000,000 values" in message


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ clusters.__class__.__mro__ }}", "unsafe"),
        ("{% include '/etc/passwd' %}", "no loader"),
        ("{% import 'os' as os %}", "no loader"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "recursion too deep"),
        ("{% for i in range(10**9) %}x{% endfor %}", "Range too big"),
        (
            "{% for i in range(99999) %}{% for j in range(99999) %}{{ 'x' * 9999 }}{% endfor %}{% endfor %}",
            "output exceeds",
        ),
    ],
)
def test_jinja_is_sandboxed_and_bounded(template: str, message: str) -> None:
    assert message in load_error("templates/t.yaml.j2", template)


def test_binary_and_non_utf8_files_are_errors(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/latin1.yaml").write_bytes(b"a: caf\xe9\n")
    result = run_hubless("render", cwd=tmp_path)
    assert (
        result.returncode == 1 and "templates/latin1.yaml:1: error: not UTF-8 text" in result.stderr
    )
    (tmp_path / "templates/latin1.yaml").unlink()
    (tmp_path / "templates/nul.yaml").write_bytes(b"a: b\x00c\n")
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1 and "templates/nul.yaml:1: error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_concurrent_renders_wait_for_each_other(tmp_path: Path) -> None:
    write_tree(tmp_path, {"policies/c.yaml": cluster_yaml("one")})
    (tmp_path / "rendered/.hubless").mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.lockf(f, fcntl.LOCK_EX); "
            "print('locked', flush=True); time.sleep(2)",
            str(tmp_path / "rendered/.hubless/lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    start = time.monotonic()
    result = run_hubless("render", cwd=tmp_path)
    waited = time.monotonic() - start
    holder.wait()
    assert result.returncode == 0, result.stderr
    assert "waiting for another `hubless render` of this repository to finish" in result.stderr
    assert waited >= 1.0  # it waited for the holder, then rendered
