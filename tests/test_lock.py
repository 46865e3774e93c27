"""The lock files (requirements/*.lock, made by scripts/lock.sh) agree with pyproject.toml, pin
every package with hashes, and are what this environment has installed. No network."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.tools import locked_versions

ROOT = Path(__file__).resolve().parents[1]
REQ = ROOT / "requirements"
LOCKS = ("runtime.lock", "test.lock", "bootstrap.lock")


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def tools_in() -> list[Requirement]:
    return [Requirement(line.strip()) for line in
            (REQ / "tools.in").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def dependency_digest() -> str:
    spec = importlib.util.spec_from_file_location("lock_digest", ROOT / "scripts" / "lock_digest.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return str(mod.dependency_digest(ROOT))


@pytest.mark.parametrize("lock", LOCKS)
def test_lock_was_made_from_the_current_pyproject(lock: str) -> None:
    text = (REQ / lock).read_text(encoding="utf-8")
    m = re.search(r"^# pyproject-dependencies-sha256: ([0-9a-f]{64})$", text, re.M)
    assert m, f"requirements/{lock} has no digest line: regenerate it with scripts/lock.sh"
    assert m.group(1) == dependency_digest(), (
        f"pyproject.toml's dependencies or requirements/tools.in changed since requirements/{lock} "
        "was made: run `bash scripts/lock.sh` and commit the locks with the change")


@pytest.mark.parametrize("lock,extras", [("runtime.lock", ()), ("test.lock", ("test",))])
def test_every_declared_requirement_is_locked_within_its_range(lock: str,
                                                               extras: tuple[str, ...]) -> None:
    pins = locked_versions(REQ / lock)
    reqs = [Requirement(r) for r in project()["dependencies"]] + tools_in()
    for extra in extras:
        reqs += [Requirement(r) for r in project()["optional-dependencies"][extra]]
    for req in reqs:
        name = norm(req.name)
        assert name in pins, f"{req} is declared but not in requirements/{lock}"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements/{lock} pins {name}=={pins[name]}, outside {req}")


def test_runtime_and_test_locks_agree() -> None:
    """The test lock is the runtime lock plus the test extra: same version of every shared
    package, and pytest is not something fundflow needs to run."""
    runtime = locked_versions(REQ / "runtime.lock")
    test = locked_versions(REQ / "test.lock")
    assert set(runtime) <= set(test)
    assert {k: test[k] for k in runtime} == runtime
    assert "pytest" not in runtime and "pytest" in test


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_is_exact_and_hashed(lock: str) -> None:
    text = (REQ / lock).read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 3)[3])
    assert entries and all(e.strip() for e in entries)
    for entry in entries:
        head = entry.splitlines()[0]
        assert re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*==\S+", head), head
        assert "--hash=sha256:" in entry, f"{head.split()[0]} in {lock} has no hash"


def test_this_environment_is_the_locked_set() -> None:
    """bootstrap.sh installs exactly requirements/test.lock: every locked package at its pinned
    version (fundflow itself editable), so a test run never sees an unlocked version."""
    pins = locked_versions(REQ / "test.lock")
    installed = {norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
    wrong = {n: (v, installed.get(n)) for n, v in pins.items() if installed.get(n) != v}
    assert not wrong, (f"installed versions differ from requirements/test.lock "
                       f"(name: locked, installed): {wrong}; run bash scripts/bootstrap.sh --test")
    extra = set(installed) - set(pins) - {"fundflow"}
    assert not extra, f"installed but not locked: {sorted(extra)}"
