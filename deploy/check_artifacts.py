#!/usr/bin/env python3
"""Check that release bootstraps run on Lambda's provided.al2023 for the architecture intended.

    check_artifacts.py --arch arm64|x86_64 DIR

For each of the four functions, DIR/<function>/bootstrap.zip (its `bootstrap` member) or else
DIR/<function>/bootstrap must be an ELF executable for that machine, statically linked (the
shipped triples are static musl: no program interpreter, no shared library, no GLIBC symbol
version, so nothing on provided.al2023 is loaded before `main`), and not be a `test-ca` build
(which would trust a CA file named in its environment). Prints one line per artifact; exits 1
if any check fails. Reads the ELF with `readelf` (binutils), which understands every ELF machine.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

FUNCTIONS = ["define-auth-challenge", "create-auth-challenge", "verify-auth-challenge", "custom-message"]
MACHINES = {"arm64": "AArch64", "x86_64": "Advanced Micro Devices X86-64"}


def readelf(flag: str, path: Path) -> str:
    return subprocess.run(["readelf", flag, "--wide", str(path)], check=True, capture_output=True, text=True).stdout


def check(path: Path, arch: str) -> list[str]:
    problems = []
    header = readelf("-h", path)
    machine = re.search(r"Machine:\s+(.+)", header)
    kind = re.search(r"Type:\s+(\S+)", header)
    if not machine or machine.group(1).strip() != MACHINES[arch]:
        problems.append(f"machine {machine.group(1).strip() if machine else '?'}, expected {MACHINES[arch]}")
    if not kind or kind.group(1) not in ("EXEC", "DYN"):
        problems.append(f"ELF type {kind.group(1) if kind else '?'}, expected an executable")
    interpreter = re.search(r"Requesting program interpreter: ([^\]]+)\]", readelf("-l", path))
    if interpreter:
        problems.append(f"dynamically linked (interpreter {interpreter.group(1)}), expected static")
    glibc = sorted(set(re.findall(r"GLIBC_\d+(?:\.\d+)+", readelf("-V", path))))
    if glibc:
        problems.append(f"requires glibc symbol versions ({', '.join(glibc)}), expected static")
    if b"STUDIO_LOGIN_TEST_CA_FILE" in path.read_bytes():
        problems.append("a test-ca build: it trusts STUDIO_LOGIN_TEST_CA_FILE, never ship it")
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", readelf("-d", path)))
    if needed:
        problems.append(f"needs shared libraries ({', '.join(sorted(needed))}), expected static")
    print(f"{path.parent.name:24} {arch:7} {kind.group(1) if kind else '?':4} "
          + ("static" if not (interpreter or needed or glibc) else "dynamic")
          + ("" if not problems else "  FAILED: " + "; ".join(problems)))
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", choices=sorted(MACHINES), required=True)
    parser.add_argument("dir", type=Path)
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as scratch:
        for function in FUNCTIONS:
            archive, binary = args.dir / function / "bootstrap.zip", args.dir / function / "bootstrap"
            if archive.is_file():
                with zipfile.ZipFile(archive) as z:
                    target = Path(scratch) / function / "bootstrap"
                    target.parent.mkdir()
                    target.write_bytes(z.read("bootstrap"))
                binary = target
            if not binary.is_file():
                print(f"{function:24} {args.arch:7} missing: {archive} / {binary}")
                failed = True
                continue
            failed |= bool(check(binary, args.arch))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
