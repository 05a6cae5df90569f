"""scripts/release in a temporary clone of this checkout: what it writes, tags and refuses."""

from __future__ import annotations

import json
import os
from pathlib import Path
import shutil
import subprocess
import zipfile

import pytest

# A host tool, the same in every lane; the newest lane's Debian root has no git.
pytestmark = pytest.mark.skipif(
    shutil.which("git") is None, reason="scripts/release needs git (the oldest lane runs this)"
)

REPO_ROOT = Path(__file__).resolve().parent.parent
# The files the release reads or writes, copied as they are in the checkout (committed or not).
RELEASE_FILES = (
    "scripts/release",
    "scripts/lib/release.py",
    "CHANGELOG.md",
    "hacs.json",
    "pyproject.toml",
    ".gitignore",
    "custom_components/whatsminer/manifest.json",
)
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Release Test",
    "GIT_AUTHOR_EMAIL": "release@example.invalid",
    "GIT_COMMITTER_NAME": "Release Test",
    "GIT_COMMITTER_EMAIL": "release@example.invalid",
}
# The environment of the script under test: without pytest-cov's variables, which would
# make a Python it starts measure the clone's copy of the integration as untested code.
RELEASE_ENV = {
    **{name: value for name, value in os.environ.items() if not name.startswith("COV_CORE_")},
    **GIT_IDENTITY,
}


def _git(clone: Path, *args: str) -> str:
    return subprocess.run(  # noqa: S603 - fixed git commands
        ["git", *args],  # noqa: S607
        cwd=clone,
        env={**os.environ, **GIT_IDENTITY},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _release(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [str(clone / "scripts" / "release"), *args],
        cwd=clone,
        env=RELEASE_ENV,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """Return a clone of this checkout's history with its release files as they are now."""
    target = tmp_path / "clone"
    _git(tmp_path, "clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(target))
    for name in RELEASE_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, target / name)
    _git(target, "add", "--all")
    _git(target, "commit", "--quiet", "--allow-empty", "-m", "The checkout as it is")
    return target


def _version(clone: Path) -> str:
    manifest = clone / "custom_components" / "whatsminer" / "manifest.json"
    version: str = json.loads(manifest.read_text())["version"]
    return version


def test_release_bumps_moves_tags_and_zips(clone: Path) -> None:
    """The manifest, the changelog, a commit, an annotated tag and the zip HACS downloads."""
    unreleased_before = (clone / "CHANGELOG.md").read_text().split("## Unreleased\n", 1)[1]
    unreleased_before = unreleased_before.split("\n## ", 1)[0].strip()

    result = _release(clone, "9.8.7", "--date", "2031-02-03")

    assert result.returncode == 0, result.stderr
    assert _version(clone) == "9.8.7"
    assert 'version = "9.8.7"' in (clone / "pyproject.toml").read_text()
    changelog = (clone / "CHANGELOG.md").read_text()
    assert "## Unreleased\n\n## 9.8.7 — 2031-02-03\n" in changelog
    assert _release(clone, "--notes", "9.8.7").stdout.strip() == unreleased_before
    assert not _git(clone, "status", "--porcelain")  # dist/ is ignored
    assert _git(clone, "log", "-1", "--format=%s").strip() == "Release 9.8.7"
    assert _git(clone, "describe", "--exact-match").strip() == "v9.8.7"
    assert unreleased_before in _git(clone, "tag", "--list", "--format=%(contents)", "v9.8.7")

    hacs = json.loads((clone / "hacs.json").read_text())
    assert hacs["zip_release"] is True
    with zipfile.ZipFile(clone / "dist" / hacs["filename"]) as archive:
        names = archive.namelist()
        assert json.loads(archive.read("manifest.json"))["version"] == "9.8.7"
    assert "__init__.py" in names
    assert not [name for name in names if "__pycache__" in name]


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        ("1.2", "is not a version of the form MAJOR.MINOR.PATCH"),
        ("v1.2.3", "is not a version of the form MAJOR.MINOR.PATCH"),
        ("1.02.3", "is not a version of the form MAJOR.MINOR.PATCH"),
        ("0.0.1", "is not higher than the current version"),
    ],
)
def test_release_refuses_a_version(clone: Path, version: str, reason: str) -> None:
    """Not semantic, or not higher than the manifest's: nothing is changed."""
    head = _git(clone, "rev-parse", "HEAD")

    result = _release(clone, version)

    assert result.returncode == 1
    assert reason in result.stderr
    assert _git(clone, "rev-parse", "HEAD") == head
    assert not _git(clone, "status", "--porcelain")
    assert not _git(clone, "tag", "--list")


def test_release_refuses_the_current_version_and_a_dirty_tree(clone: Path) -> None:
    """The same version again, or uncommitted changes: refused."""
    assert "is not higher" in _release(clone, _version(clone)).stderr

    (clone / "README.md").write_text("changed\n")
    result = _release(clone, "99.0.0")

    assert result.returncode == 1
    assert "the working tree has changes" in result.stderr
    assert not _git(clone, "tag", "--list")


def test_release_refuses_an_empty_unreleased_section(clone: Path) -> None:
    """Nothing to release: refused before anything is written."""
    changelog = clone / "CHANGELOG.md"
    text = changelog.read_text()
    start = text.index("## Unreleased\n") + len("## Unreleased\n")
    changelog.write_text(text[:start] + "\n" + text[text.index("\n## ", start) + 1 :])
    _git(clone, "commit", "--quiet", "--all", "-m", "Nothing unreleased")

    result = _release(clone, "99.0.0")

    assert result.returncode == 1
    assert "is empty" in result.stderr
    assert _version(clone) != "99.0.0"
