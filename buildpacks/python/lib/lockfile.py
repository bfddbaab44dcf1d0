"""lockfile.py pipenv|poetry|uv APP_DIR — prints the app's lock file as a pip requirements list: one exact pin per
package with every hash the lock records (`name==1.0 ; marker --hash=sha256:…`), for
`pip install --require-hashes --no-deps -r`, so pip installs exactly the locked files and refuses any other.

  pipenv: Pipfile.lock's `default` section (what `pipenv install --deploy` installs), after checking that the lock
          was written for this Pipfile (`_meta.hash.sha256`, computed as Pipenv computes it).
  poetry: poetry.lock's packages the main group needs (`poetry sync --only main`), after checking that the lock
          was written for this pyproject.toml (`metadata.content-hash`, as Poetry 1.x or 2.x computes it).
  uv:     uv.lock's packages the project's own dependencies need (`uv sync --locked --no-dev`), after checking that
          the lock's record of the project's requirements (`[package.metadata] requires-dist`) still names what
          pyproject.toml's [project].dependencies names.

Neither tool is needed: the stack's Python 3.11 reads TOML (tomllib) and JSON, and markers are evaluated with the
`packaging` pip carries, against the interpreter running this script (the app's). A problem with the app's files
is printed to stderr, one line per sentence, and the exit code is 2.

lockfile.py poetry-package APP_DIR exits 0 when the Poetry project is itself a package to install (pip install .);
lockfile.py uv-package APP_DIR the same for a uv project (its lock entry's source is `editable` rather than `virtual`).
"""
import functools
import hashlib
import json
import os
import re
import sys
import tomllib

try:
    from pip._vendor.packaging.markers import Marker
    from pip._vendor.packaging.requirements import Requirement
except ImportError:  # pragma: no cover - the venv always has pip
    Marker = Requirement = None


class LockError(Exception):
    """A lock file this script refuses, with what to do about it."""


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.lru_cache(maxsize=None)  # locks repeat the same few markers: each is parsed once
def marker_holds(text):
    if not text or Marker is None:
        return True
    try:
        return Marker(text).evaluate()
    except Exception as err:  # an invalid marker is the lock's problem, said clearly
        raise LockError(f"The marker {text!r} cannot be read ({err}).")


def pin(name, version, hashes, marker=None):
    if not hashes:
        raise LockError(f"{name} {version} has no hashes in the lock file, so its files cannot be verified.")
    line = f"{name}=={version}"
    if marker:
        line += f" ; {marker}"
    return line + "".join(f" --hash={h}" for h in sorted(set(hashes)))


def load(path, reader, what):
    try:
        with open(path, "rb") as f:
            return reader(f)
    except (ValueError, UnicodeDecodeError) as err:  # JSONDecodeError and TOMLDecodeError are ValueErrors
        raise LockError(f"{what} cannot be parsed: {err}.")


# --- Pipenv ---------------------------------------------------------------------------------------------------

PIPFILE_DEFAULT_SOURCE = [{"url": "https://pypi.org/simple", "verify_ssl": True, "name": "pypi"}]


def pipfile_hash(pipfile):
    """The hash Pipenv (plette) writes to `_meta.hash.sha256`: sorted, compact JSON of the Pipfile's content."""
    data = {
        "_meta": {"sources": pipfile.get("source", PIPFILE_DEFAULT_SOURCE), "requires": pipfile.get("requires", {})},
        "default": pipfile.get("packages", {}),
        "develop": pipfile.get("dev-packages", {}),
    }
    for key, value in pipfile.items():
        if key not in ("source", "requires", "packages", "dev-packages", "pipenv", "scripts", "default", "develop"):
            data[key] = value
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def export_pipenv(app):
    pipfile = load(os.path.join(app, "Pipfile"), tomllib.load, "Pipfile") if os.path.isfile(os.path.join(app, "Pipfile")) else None
    lock = load(os.path.join(app, "Pipfile.lock"), json.load, "Pipfile.lock")
    if not isinstance(lock, dict) or not isinstance(lock.get("default"), dict):
        raise LockError("Pipfile.lock has no `default` section: it is not a lock file Pipenv wrote.")
    locked_for = (lock.get("_meta") or {}).get("hash", {}).get("sha256")
    if pipfile is not None and locked_for != pipfile_hash(pipfile):
        raise LockError(
            "Pipfile.lock is out of date: it was not written for this Pipfile (its _meta.hash differs).",
            "Run `pipenv lock` and commit Pipfile.lock.",
        )
    lines = []
    for name, entry in sorted(lock["default"].items()):
        if not isinstance(entry, dict):
            raise LockError(f"Pipfile.lock's entry for {name} is not a table.")
        for kind in ("git", "hg", "svn", "bzr", "path", "file"):
            if kind in entry:
                raise LockError(
                    f"{name} is a `{kind}` dependency in Pipfile.lock; only packages from an index can be installed "
                    "with their hashes here.",
                    "Publish it to your index (PIP_INDEX_URL / PIP_EXTRA_INDEX_URL) and lock it by version.",
                )
        version = str(entry.get("version", ""))
        if not version.startswith("=="):
            raise LockError(f"Pipfile.lock pins no exact version for {name} ({version or 'none'}).")
        if entry.get("markers") and not marker_holds(entry["markers"]):
            continue
        extras = entry.get("extras") or []
        spec = name + (f"[{','.join(extras)}]" if extras else "")
        lines.append(pin(spec, version[2:], entry.get("hashes")))
    return lines


# --- Poetry ---------------------------------------------------------------------------------------------------

def content_hashes(pyproject):
    """The `content-hash` values Poetry 1.x and 2.x would write for this pyproject.toml (they differ)."""
    def digest(content):
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    poetry = pyproject.get("tool", {}).get("poetry", {})
    # Poetry 1.x: these four always (null when absent), `group` when present.
    v1 = {key: poetry.get(key) for key in ("dependencies", "source", "extras", "dev-dependencies")}
    if poetry.get("group") is not None:
        v1["group"] = poetry["group"]
    # Poetry 2.x: [project]'s dependency keys too; absent keys are left out (dev-dependencies only without [project]).
    project_table = pyproject.get("project", {})
    project = {k: project_table[k] for k in ("requires-python", "dependencies", "optional-dependencies") if project_table.get(k) is not None}
    tool = {}
    for key in ("dependencies", "group", "source", "extras", "dev-dependencies"):
        value = poetry.get(key)
        if value is None and (key != "dev-dependencies" or project):
            continue
        tool[key] = value
    v2 = {"project": project, "tool": {"poetry": tool}} if project else tool
    hashes = {digest(v1), digest(v2)}
    return hashes


def main_roots(pyproject):
    """{canonical name: [extras]} of the main group's dependencies (tool.poetry.dependencies or project.dependencies)."""
    roots = {}
    for name, spec in pyproject.get("tool", {}).get("poetry", {}).get("dependencies", {}).items():
        if canonical(name) == "python":
            continue
        if isinstance(spec, dict) and spec.get("optional"):
            continue
        if isinstance(spec, dict) and spec.get("markers") and not marker_holds(spec["markers"]):
            continue
        roots[canonical(name)] = list(spec.get("extras", [])) if isinstance(spec, dict) else []
    for requirement in pyproject.get("project", {}).get("dependencies", []):
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[([^\]]*)\])?[^;]*(;(.*))?$", requirement)
        if not match:
            raise LockError(f"pyproject.toml's dependency {requirement!r} cannot be read.")
        if match.group(5) and not marker_holds(match.group(5).strip()):
            continue
        extras = [e.strip() for e in (match.group(3) or "").split(",") if e.strip()]
        roots[canonical(match.group(1))] = extras
    return roots


def export_poetry(app):
    pyproject = load(os.path.join(app, "pyproject.toml"), tomllib.load, "pyproject.toml")
    lock = load(os.path.join(app, "poetry.lock"), tomllib.load, "poetry.lock")
    packages = lock.get("package", [])
    metadata = lock.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(packages, list):
        raise LockError("poetry.lock has no [metadata] table: it is not a lock file Poetry wrote.")
    if metadata.get("content-hash") not in content_hashes(pyproject):
        raise LockError(
            "poetry.lock is out of date: pyproject.toml changed since it was written (its content-hash differs).",
            "Run `poetry lock` and commit poetry.lock.",
        )
    by_name = {}
    for package in packages:
        if not isinstance(package, dict) or "name" not in package or "version" not in package:
            raise LockError("poetry.lock has a [[package]] without a name and a version.")
        by_name[canonical(package["name"])] = package
    legacy_files = metadata.get("files", {})  # lock-version 1.x keeps the hashes here

    # Each package is walked once per new extra: dependency cycles and diamonds end.
    wanted, queue = {}, [(name, extras, None) for name, extras in main_roots(pyproject).items()]
    while queue:
        name, extras, parent = queue.pop()
        package = by_name.get(name)
        if package is None:
            needed = f"needed by {parent}" if parent else "a main dependency in pyproject.toml"
            raise LockError(f"{name} ({needed}) has no entry in poetry.lock.", "Run `poetry lock` and commit poetry.lock.")
        if name in wanted and set(extras) <= wanted[name]:
            continue
        wanted.setdefault(name, set()).update(extras)
        optional_wanted = {canonical(re.split(r"[\s(\[;<>=!~]", dep, maxsplit=1)[0])
                           for extra in extras for dep in package.get("extras", {}).get(extra, [])}
        for dep, spec in package.get("dependencies", {}).items():
            for one in spec if isinstance(spec, list) else [spec]:
                table = one if isinstance(one, dict) else {}
                if table.get("optional") and canonical(dep) not in optional_wanted:
                    continue
                if table.get("markers") and not marker_holds(table["markers"]):
                    continue
                queue.append((canonical(dep), list(table.get("extras", [])), package["name"]))
                break

    lines = []
    for name in sorted(wanted):
        package = by_name[name]
        source = package.get("source", {})
        if source.get("type") not in (None, "legacy"):
            raise LockError(
                f"{package['name']} comes from a `{source.get('type')}` source in poetry.lock; only packages from an "
                "index can be installed with their hashes here.",
                "Publish it to your index (PIP_INDEX_URL / PIP_EXTRA_INDEX_URL) and lock it by version.",
            )
        files = package.get("files") or legacy_files.get(package["name"]) or []
        lines.append(pin(package["name"], package["version"], [f.get("hash") for f in files if f.get("hash")]))
    return lines


def is_poetry_package(app):
    """True when the Poetry project is a package to install itself: it declares a [build-system] and does not say
    `package-mode = false` (an app that is only its dependencies)."""
    pyproject = load(os.path.join(app, "pyproject.toml"), tomllib.load, "pyproject.toml")
    if "build-system" not in pyproject:
        return False
    return pyproject.get("tool", {}).get("poetry", {}).get("package-mode", True) is not False


# --- uv -------------------------------------------------------------------------------------------------------

def requirement_key(name, extras=(), specifier="", marker=""):
    """One requirement, comparable whichever way it was written: name, extras, specifiers and marker normalised."""
    spec = ",".join(sorted(part.replace(" ", "") for part in str(specifier or "").split(",") if part.strip()))
    if marker and Marker is not None:
        marker = str(Marker(marker))
    return (canonical(name), tuple(sorted(canonical(e) for e in extras)), spec, marker or "")


def declared_key(requirement):
    if Requirement is None:
        return requirement_key(re.match(r"\s*([A-Za-z0-9._-]+)", requirement).group(1))
    try:
        parsed = Requirement(requirement)
    except Exception as err:
        raise LockError(f"pyproject.toml's dependency {requirement!r} cannot be read ({err}).")
    return requirement_key(parsed.name, parsed.extras, str(parsed.specifier), str(parsed.marker or ""))


def recorded_key(entry):
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise LockError("uv.lock's requires-dist has an entry without a name: it is not a lock file uv wrote.")
    return requirement_key(entry["name"], entry.get("extras", []), entry.get("specifier", ""), entry.get("marker", ""))


def uv_root(app):
    """(pyproject, lock, the project's own entry, {canonical name: entry}) of a uv project."""
    pyproject = load(os.path.join(app, "pyproject.toml"), tomllib.load, "pyproject.toml") \
        if os.path.exists(os.path.join(app, "pyproject.toml")) else None
    if pyproject is None:
        raise LockError("uv.lock was found, but no pyproject.toml: uv locks the project a pyproject.toml declares.")
    lock = load(os.path.join(app, "uv.lock"), tomllib.load, "uv.lock")
    packages = lock.get("package")
    if not isinstance(lock.get("version"), int) or not isinstance(packages, list):
        raise LockError("uv.lock has no version and no [[package]] list: it is not a lock file uv wrote.")
    by_name = {}
    for package in packages:
        if not isinstance(package, dict) or "name" not in package:
            raise LockError("uv.lock has a [[package]] without a name.")
        by_name[canonical(package["name"])] = package
    name = pyproject.get("project", {}).get("name")
    root = by_name.get(canonical(name)) if isinstance(name, str) else None
    if root is None or not {"virtual", "editable"} & set(root.get("source", {})):
        raise LockError(
            f"uv.lock has no entry for this project ({name or 'pyproject.toml names no [project].name'}).",
            "Run `uv lock` and commit uv.lock.",
        )
    return pyproject, lock, root, by_name


def export_uv(app):
    pyproject, _lock, root, by_name = uv_root(app)
    declared = {declared_key(r) for r in pyproject.get("project", {}).get("dependencies", [])}
    recorded = {recorded_key(r) for r in root.get("metadata", {}).get("requires-dist", [])}
    if declared != recorded:
        raise LockError(
            "uv.lock is out of date: pyproject.toml's dependencies changed since it was written.",
            "Run `uv lock` and commit uv.lock.",
        )
    wanted, queue = {}, [(canonical(d["name"]), d.get("extra", []), root["name"], d.get("marker"))
                         for d in root.get("dependencies", [])]
    while queue:
        name, extras, parent, marker = queue.pop()
        if marker and not marker_holds(marker):
            continue
        package = by_name.get(name)
        if package is None:
            raise LockError(f"{name} (needed by {parent}) has no entry in uv.lock.", "Run `uv lock` and commit uv.lock.")
        if name in wanted and set(extras) <= wanted[name]:
            continue
        wanted.setdefault(name, set()).update(extras)
        deps = list(package.get("dependencies", []))
        for extra in extras:
            deps += package.get("optional-dependencies", {}).get(extra, [])
        queue += [(canonical(d["name"]), d.get("extra", []), package["name"], d.get("marker")) for d in deps]

    lines = []
    for name in sorted(wanted):
        package = by_name[name]
        source = package.get("source", {})
        if "registry" not in source:
            kind = next(iter(source), "unknown")
            raise LockError(
                f"{package['name']} comes from a `{kind}` source in uv.lock; only packages from an index can be "
                "installed with their hashes here.",
                "Publish it to your index (PIP_INDEX_URL / PIP_EXTRA_INDEX_URL) and lock it by version.",
            )
        files = ([package["sdist"]] if isinstance(package.get("sdist"), dict) else []) + list(package.get("wheels", []))
        lines.append(pin(package["name"], package.get("version", "?"), [f.get("hash") for f in files if f.get("hash")]))
    return lines


def is_uv_package(app):
    """True when the uv project is itself a package to install: uv locked it `editable` (it has a build system)."""
    return "editable" in uv_root(app)[2].get("source", {})


def main(argv):
    kinds = ("pipenv", "poetry", "uv", "poetry-package", "uv-package")
    if len(argv) != 3 or argv[1] not in kinds:
        print("usage: lockfile.py pipenv|poetry|uv|poetry-package|uv-package APP_DIR", file=sys.stderr)
        return 64
    try:
        if argv[1] == "poetry-package":
            return 0 if is_poetry_package(argv[2]) else 1
        if argv[1] == "uv-package":
            return 0 if is_uv_package(argv[2]) else 1
        lines = {"pipenv": export_pipenv, "poetry": export_poetry, "uv": export_uv}[argv[1]](argv[2])
    except LockError as err:
        for sentence in err.args:
            print(sentence, file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
