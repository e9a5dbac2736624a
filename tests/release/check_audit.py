#!/usr/bin/env python3
"""Every zip of a release carries the dependency list `cargo auditable` embeds, and it is right.

    check_audit.py --release dist/amplify-studio-login-<version> --reader build/cargo-tools/bin/rust-audit-info

For each <function>-<arch>.zip: unzip `bootstrap`, read the `.dep-v0` section back with
rust-audit-info (the maintained reader from the cargo-auditable project), and compare its runtime
packages (name, version) with `cargo tree -e normal -p <function> --target <triple>`, i.e.
Cargo.lock's normal dependencies of that binary on that platform. Prints one line per zip with
the package count; exits 1 on a zip without the section or on any difference.
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

ROOT = Path(__file__).resolve().parents[2]
TRIPLES = {"arm64": "aarch64-unknown-linux-gnu", "x86_64": "x86_64-unknown-linux-gnu"}
ZIP_NAME = re.compile(r"^(?P<function>[a-z-]+)-(?P<arch>arm64|x86_64)\.zip$")
TREE_LINE = re.compile(r"^(?P<name>[A-Za-z0-9_-]+) v(?P<version>\S+)")


def embedded(reader: str, binary: Path) -> set[tuple[str, str]]:
    out = subprocess.run([reader, str(binary)], check=False, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{binary}: no embedded dependency list ({out.stderr.strip()[:200]})")
    packages = json.loads(out.stdout)["packages"]
    # `kind` is omitted for runtime dependencies; build-time ones (build scripts, proc macros
    # only used by them) say "build" and are not in the shipped code.
    return {(p["name"], p["version"]) for p in packages if p.get("kind", "runtime") == "runtime"}


def locked(function: str, triple: str) -> set[tuple[str, str]]:
    out = subprocess.run(["cargo", "tree", "--locked", "--offline", "-e", "normal", "-p", function,
                          "--target", triple, "--prefix", "none", "--format", "{p}"],
                         check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return {(m["name"], m["version"]) for line in out.splitlines() if (m := TREE_LINE.match(line))}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--release", type=Path, required=True)
    p.add_argument("--reader", required=True)
    args = p.parse_args()
    failed, checked = 0, 0
    for z in sorted(args.release.glob("*.zip")):
        m = ZIP_NAME.match(z.name)
        if not m:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            with zipfile.ZipFile(z) as zf:
                binary = Path(zf.extract("bootstrap", tmp))
            got = embedded(args.reader, binary)
        want = locked(m["function"], TRIPLES[m["arch"]])
        checked += 1
        if got == want:
            print(f"ok    {z.name}: {len(got)} packages embedded = Cargo.lock's normal dependencies")
        else:
            failed += 1
            print(f"FAIL  {z.name}: only embedded {sorted(got - want)[:10]}, only in Cargo.lock {sorted(want - got)[:10]}")
    if checked == 0:
        print(f"{args.release}: no zips")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
