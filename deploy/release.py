#!/usr/bin/env python3
"""Use a release directory (`make release`) without a Rust toolchain: only Python is needed.

    release.py verify RELEASE                       check every file against RELEASE/SHA256SUMS
    release.py unpack RELEASE --arch A --out DIR    verify, then DIR/<function>/bootstrap.zip
                                                    (the --artifacts layout migrate takes)
    release.py sam-template RELEASE --arch A --out FILE
                                                    verify, then the release's template.yaml with
                                                    each function's CodeUri = its zip for arch A
                                                    and no build metadata: `sam deploy` it as is

Everything refuses a release whose SHA256SUMS is missing, lists a file that is missing, or does
not match, and a release without all four functions for the arch asked.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
from pathlib import Path

FUNCTIONS = ["define-auth-challenge", "create-auth-challenge", "verify-auth-challenge", "custom-message"]
ARCHES = ["arm64", "x86_64"]
SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *]([A-Za-z0-9._-]+)$")


class ReleaseError(Exception):
    pass


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(release: Path) -> dict[str, str]:
    """Check SHA256SUMS; returns name -> sha256 of the files it lists."""
    sums_file = release / "SHA256SUMS"
    if not sums_file.is_file():
        raise ReleaseError(f"{sums_file}: missing, the release cannot be checked")
    sums: dict[str, str] = {}
    for n, line in enumerate(sums_file.read_text().splitlines(), 1):
        m = SUM_LINE.match(line)
        if not m:
            raise ReleaseError(f"{sums_file}:{n}: not a sha256sum line")
        sums[m.group(2)] = m.group(1)
    for name, expected in sums.items():
        path = release / name
        if not path.is_file():
            raise ReleaseError(f"{name}: listed in SHA256SUMS but missing")
        if sha256(path) != expected:
            raise ReleaseError(f"{name}: SHA-256 does not match SHA256SUMS")
    return sums


def zips(release: Path, arch: str, sums: dict[str, str]) -> dict[str, Path]:
    found = {}
    for f in FUNCTIONS:
        name = f"{f}-{arch}.zip"
        if name not in sums:
            raise ReleaseError(f"{name}: not in this release's SHA256SUMS")
        found[f] = release / name
    return found


def unpack(release: Path, arch: str, out: Path) -> None:
    for f, z in zips(release, arch, verify(release)).items():
        (out / f).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(z, out / f / "bootstrap.zip")
        print(f"{out / f / 'bootstrap.zip'}  ({z.name})")


METADATA = re.compile(
    r"^    Metadata:\n      BuildMethod: rust-cargolambda\n      BuildProperties:\n        Binary: ([a-z-]+)\n",
    re.MULTILINE,
)


def sam_template(release: Path, arch: str, out: Path) -> None:
    found = zips(release, arch, verify(release))
    if "template.yaml" not in verify(release):
        raise ReleaseError("template.yaml: not in this release's SHA256SUMS")
    text = (release / "template.yaml").read_text()
    pieces, done, pos = [], [], 0
    for m in METADATA.finditer(text):
        binary = m.group(1)
        if binary not in found:
            raise ReleaseError(f"template.yaml: unknown function {binary}")
        pieces.append(text[pos:m.start()])
        code_uri = text.find("      CodeUri: .\n", m.end())
        if code_uri < 0:
            raise ReleaseError(f"template.yaml: no CodeUri for {binary}")
        pieces.append(text[m.end():code_uri])
        pieces.append(f"      CodeUri: {found[binary].resolve()}\n")
        pos = code_uri + len("      CodeUri: .\n")
        done.append(binary)
    pieces.append(text[pos:])
    if sorted(done) != sorted(FUNCTIONS):
        raise ReleaseError(f"template.yaml: expected the four functions' build metadata, found {done}")
    # The zips are for one architecture: make it the template's default so a deploy that does not
    # pass Architecture cannot pair arm64 code with an x86_64 function.
    rewritten, n = re.subn(r"(\n  Architecture:\n(?:    .*\n)*?    Default: )\S+", rf"\g<1>{arch}", "".join(pieces))
    if n != 1:
        raise ReleaseError("template.yaml: no Architecture parameter default")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(rewritten)
    print(f"{out}: CodeUri = {release}/<function>-{arch}.zip")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify")
    v.add_argument("release", type=Path)
    for name in ("unpack", "sam-template"):
        s = sub.add_parser(name)
        s.add_argument("release", type=Path)
        s.add_argument("--arch", choices=ARCHES, required=True)
        s.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    try:
        if args.command == "verify":
            print(f"{args.release}: {len(verify(args.release))} files match SHA256SUMS")
        elif args.command == "unpack":
            unpack(args.release, args.arch, args.out)
        else:
            sam_template(args.release, args.arch, args.out)
    except ReleaseError as e:
        print(f"release: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
