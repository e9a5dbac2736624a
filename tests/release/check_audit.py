#!/usr/bin/env python3
"""Every zip of a release carries the dependency list `cargo auditable` embeds, and it is right.

    check_audit.py --release dist/amplify-studio-login-<version> --reader build/cargo-tools/bin/rust-audit-info

For each <function>-<arch>.zip: unzip `bootstrap`, read the `.dep-v0` section back with
rust-audit-info (the maintained reader from the cargo-auditable project), and compare it with
`cargo tree -e normal -p <function> --target <triple>`, i.e. Cargo.lock's normal dependencies of
that binary on that platform (name and version). A zip fails when:
  - it has no embedded list, or the list's root is not that function;
  - a package the binary ships is missing from the list, or listed with another version;
  - a shipped package is marked build-only, unless it is a proc macro (compile-time code only,
    which cargo-auditable rightly marks `build`);
  - the list names a runtime package that is neither shipped nor in Cargo.lock at all.
cargo-auditable reads `cargo metadata`, which unifies features across the whole workspace and its
dev/build dependencies (cargo-auditable issue #66, cargo #10718), so the list can name a few more
packages than the binary links (here: aws-smithy-mocks' test-util features); those are printed,
never missing ones. Exits 1 on any failing zip.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]
# The target triples are defined once, in deploy/make_release.py.
sys.path.insert(0, str(ROOT / "deploy"))
from make_release import TRIPLES  # noqa: E402

ZIP_NAME = re.compile(r"^(?P<function>[a-z-]+)-(?P<arch>arm64|x86_64)\.zip$")
TREE_LINE = re.compile(r"^(?P<name>[A-Za-z0-9_-]+) v(?P<version>\S+)")


def embedded(reader: str, binary: Path) -> list[dict]:
    out = subprocess.run([reader, str(binary)], check=False, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"FAIL  {binary.name}: no embedded dependency list ({out.stderr.strip()[:200]})")
    return json.loads(out.stdout)["packages"]


def tree(triple: str, *args: str) -> set[tuple[str, str]]:
    out = subprocess.run(["cargo", "tree", "--locked", "--offline", "--target", triple, "--prefix", "none",
                          "--format", "{p}", *args], check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return {(m["name"], m["version"]) for line in out.splitlines() if (m := TREE_LINE.match(line))}


def proc_macros() -> set[tuple[str, str]]:
    meta = json.loads(subprocess.run(["cargo", "metadata", "--locked", "--offline", "--format-version", "1"],
                                     check=True, capture_output=True, text=True, cwd=ROOT).stdout)
    return {(p["name"], p["version"]) for p in meta["packages"]
            if any("proc-macro" in t["kind"] for t in p["targets"])}


def compare(function: str, packages: list[dict], shipped: set, lockfile: set, macros: set) -> tuple[list[str], set]:
    """The problems of one embedded list, and the runtime packages it names beyond the binary's."""
    listed = {(p["name"], p["version"]) for p in packages}
    runtime = {(p["name"], p["version"]) for p in packages if p.get("kind", "runtime") == "runtime"}
    roots = [p["name"] for p in packages if p.get("root")]
    problems = []
    if roots != [function]:
        problems.append(f"root is {roots}, not {function}")
    if missing := sorted(shipped - listed):
        problems.append(f"shipped but not listed: {missing[:10]}")
    if build_only := sorted(shipped - runtime - macros):
        problems.append(f"shipped but marked build-only: {build_only[:10]}")
    extra = runtime - shipped
    if unknown := sorted(extra - lockfile):
        problems.append(f"listed but not in Cargo.lock: {unknown[:10]}")
    return problems, extra


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--release", type=Path, required=True)
    p.add_argument("--reader", required=True)
    args = p.parse_args()
    failed, checked = 0, 0
    macros = proc_macros()
    with open(ROOT / "Cargo.lock", "rb") as f:
        lockfile = {(p["name"], p["version"]) for p in tomllib.load(f)["package"]}
    for z in sorted(args.release.glob("*.zip")):
        m = ZIP_NAME.match(z.name)
        if not m:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            with zipfile.ZipFile(z) as zf:
                binary = Path(zf.extract("bootstrap", tmp))
            packages = embedded(args.reader, binary)
        triple = TRIPLES[m["arch"]]
        shipped = tree(triple, "-e", "normal", "-p", m["function"])
        problems, extra = compare(m["function"], packages, shipped, lockfile, macros)
        checked += 1
        if problems:
            failed += 1
            print(f"FAIL  {z.name}: " + "; ".join(problems))
        else:
            print(f"ok    {z.name}: all {len(shipped)} shipped packages listed with their versions; "
                  f"{len(extra)} more from workspace feature unification ({', '.join(sorted(n for n, _ in extra)[:6])}, ...)")
    if checked == 0:
        print(f"{args.release}: no zips")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
