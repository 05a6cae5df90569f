"""Cut a release: version in the manifest, changelog section, commit, tag and the HACS zip.

Usage: python scripts/lib/release.py X.Y.Z [--date YYYY-MM-DD]
       python scripts/lib/release.py --notes X.Y.Z

The version is a plain semantic version, higher than the manifest's; the tree must be clean
and the changelog's Unreleased section must say something. The release commit sets `version`
in custom_components/whatsminer/manifest.json and pyproject.toml, and turns the Unreleased
section into `## X.Y.Z — DATE` below a new empty one; the annotated tag `vX.Y.Z` carries the
section as its message. The zip is built from the tagged tree (nothing untracked, no caches)
with the integration's files at its root, named as hacs.json's `filename`, in dist/. Nothing is
pushed. `--notes` prints a released version's section, for the release page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
import re
import subprocess
import sys

REPO_ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = Path("custom_components/whatsminer")
MANIFEST = INTEGRATION / "manifest.json"
PYPROJECT = Path("pyproject.toml")
CHANGELOG = Path("CHANGELOG.md")
HACS = Path("hacs.json")
DIST = Path("dist")
UNRELEASED = "## Unreleased"
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
PYPROJECT_VERSION = re.compile(r'^version = "[^"]*"$', re.MULTILINE)


class ReleaseError(Exception):
    """Why a release cannot be cut; nothing has been changed."""


def _git(*args: str) -> str:
    """Run git in the repository and return its output."""
    result = subprocess.run(  # noqa: S603 - fixed git commands
        ["git", *args],  # noqa: S607 - git from PATH, as a person runs it
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def _version_tuple(version: str) -> tuple[int, ...]:
    if not SEMVER.fullmatch(version):
        raise ReleaseError(f"{version!r} is not a version of the form MAJOR.MINOR.PATCH")
    return tuple(int(part) for part in version.split("."))


def _section_bounds(text: str, heading: str) -> tuple[int, int]:
    """Return where the section under `heading` starts and the next `## ` heading begins."""
    start = text.find(f"\n{heading}\n")
    if start < 0:
        raise ReleaseError(f"{CHANGELOG} has no {heading!r} section")
    body = start + len(heading) + 2
    end = text.find("\n## ", body)
    return body, len(text) if end < 0 else end + 1


def section(text: str, heading: str) -> str:
    """Return the body of the changelog section under `heading`, stripped."""
    body, end = _section_bounds(text, heading)
    return text[body:end].strip()


def _released_changelog(text: str, version: str, date: dt.date) -> str:
    """Move the Unreleased section's text under a new heading for `version`."""
    if not section(text, UNRELEASED):
        raise ReleaseError(f"the {UNRELEASED!r} section of {CHANGELOG} is empty")
    body, _ = _section_bounds(text, UNRELEASED)
    heading = f"## {version} — {date.isoformat()}"
    return f"{text[:body]}\n{heading}\n{text[body:]}"


def _check(version: str) -> None:
    """Refuse a release that is not a new, higher version of a clean tree."""
    current = json.loads((REPO_ROOT / MANIFEST).read_text())["version"]
    if _version_tuple(version) <= _version_tuple(current):
        raise ReleaseError(f"{version} is not higher than the current version {current}")
    if _git("status", "--porcelain"):
        raise ReleaseError("the working tree has changes; commit or stash them first")
    if _git("tag", "--list", f"v{version}"):
        raise ReleaseError(f"the tag v{version} exists already")


def _write_version(version: str) -> None:
    manifest = json.loads((REPO_ROOT / MANIFEST).read_text())
    manifest["version"] = version
    (REPO_ROOT / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    pyproject = (REPO_ROOT / PYPROJECT).read_text()
    (REPO_ROOT / PYPROJECT).write_text(
        PYPROJECT_VERSION.sub(f'version = "{version}"', pyproject, count=1)
    )


def release(version: str, date: dt.date) -> Path:
    """Commit, tag and zip `version`; return the zip's path."""
    _check(version)
    changelog = _released_changelog((REPO_ROOT / CHANGELOG).read_text(), version, date)
    _write_version(version)
    (REPO_ROOT / CHANGELOG).write_text(changelog)
    _git("add", str(MANIFEST), str(PYPROJECT), str(CHANGELOG))
    _git("commit", "--quiet", "-m", f"Release {version}")
    notes = section(changelog, f"## {version} — {date.isoformat()}")
    _git("tag", "--annotate", f"v{version}", "-m", f"{version}\n\n{notes}")
    filename = json.loads((REPO_ROOT / HACS).read_text())["filename"]
    (REPO_ROOT / DIST).mkdir(exist_ok=True)
    archive = REPO_ROOT / DIST / filename
    _git("archive", "--format=zip", f"--output={archive}", f"v{version}:{INTEGRATION}")
    return archive


def notes_of(version: str) -> str:
    """Return the changelog section of a released version."""
    text = (REPO_ROOT / CHANGELOG).read_text()
    for line in text.splitlines():
        if line.startswith(f"## {version} "):
            return section(text, line)
    raise ReleaseError(f"{CHANGELOG} has no section for {version}")


def main() -> int:
    """Cut the release asked for, or print a version's notes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("version")
    today = dt.datetime.now(dt.UTC).date()
    parser.add_argument("--date", type=dt.date.fromisoformat, default=today)
    parser.add_argument("--notes", action="store_true", help="print the version's notes")
    args = parser.parse_args()
    try:
        if args.notes:
            print(notes_of(args.version))
            return 0
        archive = release(args.version, args.date)
    except ReleaseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    where = archive.relative_to(REPO_ROOT)
    print(f"released {args.version}: commit and tag v{args.version}, {where}")
    print(f"publish with: git push origin HEAD v{args.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
