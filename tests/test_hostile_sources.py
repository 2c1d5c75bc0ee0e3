"""Sources a pull request could make hostile: links out of the repository, files that are
not files, names that are not text, unreadable folders, impossible workloads, runaway
templates. Each is one error line and exit status 1, never a traceback or a hang."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hubless import load
from hubless.errors import UserError
from hubless.load import SourceFile, load_fleet, read_sources
from tests.conftest import Unprivileged, cluster_yaml, write_tree

POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}, {apiVersion: apps/v1, kind: Deployment}]
  placement:
    replicaScheduling: {replicaSchedulingType: Divided}
"""
CONFIG = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: shop}\ndata: {a: b}\n"
SECRET_CONFIG = CONFIG % "stolen"


def render(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`hubless render` in `repo`; a hang is a failure, not a stuck test run."""
    return subprocess.run(
        [sys.executable, "-m", "hubless", "render", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def refused(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The error lines of a render that must fail cleanly."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    return [line for line in result.stderr.splitlines() if ": error: " in line]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository at tmp_path/repo, with a file beside it (outside it) worth stealing."""
    root = tmp_path / "repo"
    write_tree(
        root,
        {"policies/c.yaml": cluster_yaml("one"), "policies/p.yaml": POLICY,
         "templates/ok.yaml": CONFIG % "ok"},
    )  # fmt: skip
    (tmp_path / "outside.yaml").write_text(SECRET_CONFIG)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/inner.yaml").write_text(SECRET_CONFIG)
    return root


# -- symbolic links ----------------------------------------------------------------------


def test_a_file_link_out_of_the_repository_is_refused(repo: Path) -> None:
    (repo / "templates/ext.yaml").symlink_to("../../outside.yaml")
    outside = os.path.realpath(repo.parent / "outside.yaml")
    assert refused(render(repo)) == [
        f"templates/ext.yaml:1: error: a symbolic link out of the repository (to {outside})"
    ]
    assert not any("stolen" in p.read_text() for p in repo.rglob("rendered/**/*.yaml"))


def test_links_out_of_the_repository_are_refused_at_any_depth(repo: Path) -> None:
    (repo / "templates/deep/er").mkdir(parents=True)
    (repo / "templates/deep/er/ext.yml").symlink_to("/etc/hostname")
    (repo / "templates/dir").symlink_to(repo.parent / "outside")
    (repo / "policies/more").symlink_to("../../outside")
    assert refused(render(repo)) == [
        "policies/more:1: error: a symbolic link out of the repository "
        f"(to {os.path.realpath(repo.parent / 'outside')})",
        "templates/deep/er/ext.yml:1: error: a symbolic link out of the repository "
        f"(to {os.path.realpath('/etc/hostname')})",
        "templates/dir:1: error: a symbolic link out of the repository "
        f"(to {os.path.realpath(repo.parent / 'outside')})",
    ]


def test_a_linked_top_folder_out_of_the_repository_is_refused(repo: Path) -> None:
    (repo / "templates/ok.yaml").unlink()
    (repo / "templates").rmdir()
    (repo / "templates").symlink_to(repo.parent / "outside")
    assert refused(render(repo)) == [
        "templates:1: error: a symbolic link out of the repository "
        f"(to {os.path.realpath(repo.parent / 'outside')})"
    ]


def test_links_inside_the_repository_are_followed(repo: Path) -> None:
    write_tree(repo, {"shared/app.yaml": CONFIG % "app", "shared/sub/more.yaml": CONFIG % "more"})
    (repo / "templates/app.yaml").symlink_to("../shared/app.yaml")
    (repo / "templates/shared").symlink_to("../shared/sub")
    paths = [f.path for f in read_sources(repo)]
    assert paths == [
        "policies/c.yaml",
        "policies/p.yaml",
        "templates/app.yaml",
        "templates/ok.yaml",
        "templates/shared/more.yaml",
    ]
    result = render(repo)
    assert result.returncode == 0, result.stderr
    rendered = "".join(p.read_text() for p in (repo / "rendered/one").rglob("*.yaml"))
    assert "name: app\n" in rendered and "name: more\n" in rendered


def test_links_into_hidden_folders_are_refused(repo: Path) -> None:
    write_tree(repo, {".git/config.yaml": SECRET_CONFIG})
    (repo / "templates/git.yaml").symlink_to("../.git/config.yaml")
    assert refused(render(repo)) == [
        "templates/git.yaml:1: error: a symbolic link into .git/config.yaml, a hidden path "
        "hubless does not read"
    ]


def test_a_dangling_link_is_an_error(repo: Path) -> None:
    (repo / "templates/gone.yaml").symlink_to("missing.yaml")
    assert refused(render(repo)) == [
        "templates/gone.yaml:1: error: a dangling symbolic link (to missing.yaml, "
        "which does not exist)"
    ]


def test_a_link_loop_is_an_error(repo: Path) -> None:
    (repo / "templates/a.yaml").symlink_to("b.yaml")
    (repo / "templates/b.yaml").symlink_to("a.yaml")
    assert refused(render(repo)) == [
        "templates/a.yaml:1: error: a symbolic link loop",
        "templates/b.yaml:1: error: a symbolic link loop",
    ]


def test_a_folder_link_loop_is_an_error(repo: Path) -> None:
    (repo / "templates/sub").mkdir()
    (repo / "templates/sub/up").symlink_to("..")
    assert refused(render(repo)) == [
        "templates/sub/up:1: error: a symbolic link to a folder already read as templates "
        "(a loop, or two ways to the same files)"
    ]


# -- files that are not regular files ----------------------------------------------------


def test_a_fifo_is_refused_without_opening_it(repo: Path) -> None:
    os.mkfifo(repo / "templates/pipe.yaml")
    assert refused(render(repo)) == ["templates/pipe.yaml:1: error: not a regular file (a FIFO)"]


def test_a_linked_fifo_and_a_socket_are_refused(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.mkfifo(repo / "fifo")
    (repo / "templates/linked.yaml").symlink_to("../fifo")
    monkeypatch.chdir(repo / "policies")  # a socket's path must be short: bind it relative
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("sock.yaml")
        assert refused(render(repo)) == [
            "policies/sock.yaml:1: error: not a regular file (a socket)",
            "templates/linked.yaml:1: error: not a regular file (a FIFO)",
        ]


def test_files_that_are_not_sources_are_ignored_whatever_they_are(repo: Path) -> None:
    os.mkfifo(repo / "templates/pipe")
    (repo / "templates/.hidden.yaml").symlink_to("/etc/hostname")
    assert [f.path for f in read_sources(repo)][-1] == "templates/ok.yaml"


# -- names -------------------------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_an_error(repo: Path) -> None:
    with open(os.path.join(os.fsencode(repo / "templates"), b"caf\xe9.yaml"), "w") as f:
        f.write(CONFIG % "cafe")
    assert refused(render(repo)) == [
        "templates/caf\\xe9.yaml:1: error: the file name is not UTF-8 text"
    ]


# -- permissions -------------------------------------------------------------------------


@pytest.fixture
def locked(unprivileged: Unprivileged) -> Iterator[Path]:
    root = unprivileged.root
    write_tree(
        root,
        {"policies/c.yaml": cluster_yaml("one"), "policies/p.yaml": POLICY,
         "templates/x.yaml": CONFIG % "x", "templates/private/y.yaml": CONFIG % "y"},
    )  # fmt: skip
    yield root
    for path in (root / "templates/x.yaml", root / "templates/private"):
        path.chmod(0o755)


def test_an_unreadable_template_is_an_error(locked: Path, unprivileged: Unprivileged) -> None:
    (locked / "templates/x.yaml").chmod(0)
    assert refused(unprivileged.run("render")) == [
        "templates/x.yaml:1: error: cannot read: Permission denied"
    ]


def test_an_unreadable_folder_is_an_error(locked: Path, unprivileged: Unprivileged) -> None:
    (locked / "templates/private").chmod(0)
    assert refused(unprivileged.run("render")) == [
        "templates/private:1: error: cannot read: Permission denied"
    ]


# -- workloads ---------------------------------------------------------------------------

POD_TEMPLATE = "{metadata: {labels: {app: a}}, spec: {containers: [{name: a, image: a}]}}"


def workload(kind: str, spec: str, api: str = "apps/v1") -> list[SourceFile]:
    return [
        SourceFile("policies/c.yaml", cluster_yaml("one")),
        SourceFile(
            "templates/w.yaml",
            f"# a workload\napiVersion: {api}\nkind: {kind}\nmetadata: {{name: w}}\nspec:\n{spec}",
        ),
    ]


def load_error(sources: list[SourceFile]) -> list[str]:
    with pytest.raises(UserError) as caught:
        load_fleet(sources)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("-3", "-3"),
        ("2147483648", "2147483648"),
        ("99999999999999999999999", "1e+23"),
        ("2.5", "2.5"),
        ("3.0", "3.0"),
        ('"3"', '"3"'),
        ("true", "true"),
        ("[1]", "[1]"),
    ],
)
@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet", "StatefulSet"])
def test_replicas_must_be_a_non_negative_int32(kind: str, value: str, shown: str) -> None:
    spec = f"  template: {POD_TEMPLATE}\n  replicas: {value}\n"
    assert load_error(workload(kind, spec)) == [
        "templates/w.yaml:7: error: spec.replicas must be an integer from 0 to 2147483647, "
        f"not {shown}"
    ]


@pytest.mark.parametrize("field", ["parallelism", "completions"])
def test_job_counts_must_be_non_negative_int32s(field: str) -> None:
    spec = f"  template: {POD_TEMPLATE}\n\n  {field}: -1\n"
    assert load_error(workload("Job", spec, "batch/v1")) == [
        f"templates/w.yaml:8: error: spec.{field} must be an integer from 0 to 2147483647, not -1"
    ]


@pytest.mark.parametrize("value", ["0", "2147483647", "null"])
def test_replicas_at_the_limits_are_accepted(value: str) -> None:
    spec = f"  template: {POD_TEMPLATE}\n  replicas: {value}\n"
    [template] = load_fleet(workload("Deployment", spec)).templates
    assert template.body["spec"]["replicas"] == (1 if value == "null" else int(value))


def test_workload_errors_fail_the_render_and_validate(repo: Path) -> None:
    write_tree(
        repo,
        {"templates/d.yaml": f"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {{name: d, namespace: shop}}
            spec:
              replicas: -3
              template: {POD_TEMPLATE}
            """,
         "templates/e.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: e, namespace: shop}
            spec:
              replicas: 2
            """},
    )  # fmt: skip
    expected = [
        "templates/d.yaml:5: error: spec.replicas must be an integer from 0 to 2147483647, not -3",
        "templates/e.yaml:4: error: Deployment has no pod template: spec.template must be a map",
    ]
    assert refused(render(repo)) == expected
    validate = subprocess.run(
        [sys.executable, "-m", "hubless", "validate"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused(validate) == expected


@pytest.mark.parametrize(
    ("kind", "api", "spec", "line", "field"),
    [
        ("Deployment", "apps/v1", "  replicas: 2\n", 5, "spec.template"),
        ("ReplicaSet", "apps/v1", "  replicas: 2\n  template:\n", 7, "spec.template"),
        ("StatefulSet", "apps/v1", "  template: null\n", 6, "spec.template"),
        ("DaemonSet", "apps/v1", "  template: [a]\n", 6, "spec.template"),
        ("Job", "batch/v1", "  template: x\n", 6, "spec.template"),
        ("CronJob", "batch/v1", "  schedule: '* * * * *'\n  jobTemplate: {spec: {}}\n", 7,
         "spec.jobTemplate.spec.template"),
    ],
)  # fmt: skip
def test_a_workload_needs_a_pod_template(
    kind: str, api: str, spec: str, line: int, field: str
) -> None:
    assert load_error(workload(kind, spec, api)) == [
        f"templates/w.yaml:{line}: error: {kind} has no pod template: {field} must be a map"
    ]


def test_a_workload_without_a_spec_has_no_pod_template() -> None:
    sources = workload("Deployment", "")
    sources[1] = SourceFile(sources[1].path, sources[1].text.replace("spec:\n", ""))
    assert load_error(sources) == [
        "templates/w.yaml:2: error: Deployment has no pod template: spec.template must be a map"
    ]


def test_a_cronjob_with_a_pod_template_loads() -> None:
    spec = f"  schedule: '* * * * *'\n  jobTemplate: {{spec: {{template: {POD_TEMPLATE}}}}}\n"
    assert load_fleet(workload("CronJob", spec, "batch/v1")).templates


def test_null_job_counts_are_defaulted_like_absent_ones() -> None:
    spec = f"  template: {POD_TEMPLATE}\n  parallelism: null\n  completions: null\n"
    [template] = load_fleet(workload("Job", spec, "batch/v1")).templates
    assert template.body["spec"]["parallelism"] == template.body["spec"]["completions"] == 1


# -- Jinja2 ------------------------------------------------------------------------------


# Far more than any machine can allocate: Python's MemoryError, at once, whatever the RAM.
HUGE = "a: 1\nb: {{ 'x' * 1000000000000000 }}\n"


def test_jinja_out_of_memory_is_a_clear_error() -> None:
    assert load_error([SourceFile("templates/t.yaml.j2", HUGE)]) == [
        "templates/t.yaml.j2:2: error: Jinja2: out of memory (a value too large to build?)"
    ]


def test_jinja_out_of_memory_through_the_cli(repo: Path) -> None:
    (repo / "templates/big.yaml.j2").write_text(HUGE)
    assert refused(render(repo)) == [
        "templates/big.yaml.j2:2: error: Jinja2: out of memory (a value too large to build?)"
    ]


RUNAWAY = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"


def test_a_runaway_jinja_loop_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "MAX_JINJA_SECONDS", 0.2)
    assert load_error([SourceFile("templates/t.yaml.j2", "a: 1\n" + RUNAWAY)]) == [
        "templates/t.yaml.j2:1: error: Jinja2: rendering took longer than 0.2 s (a runaway loop?)"
    ]


def test_the_jinja_time_limit_leaves_no_timer_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    before = signal.getsignal(signal.SIGALRM)
    monkeypatch.setattr(load, "MAX_JINJA_SECONDS", 0.2)
    assert load_fleet([SourceFile("templates/t.yaml.j2", CONFIG % "{{ 'j' }}")]).templates
    load_error([SourceFile("templates/t.yaml.j2", RUNAWAY)])
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is before
