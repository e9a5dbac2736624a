#!/usr/bin/env python3
"""Build a release directory an admin can check: `make release` runs this.

    make_release.py [--out dist] [--arch arm64 --arch x86_64] [--no-build] [--sbom]

Writes dist/amplify-studio-login-<version>/:
  <function>-<arch>.zip   one `bootstrap` (mode 0755, mtime SOURCE_DATE_EPOCH), deflate level 9
  template.yaml           the SAM template, unchanged (deploy it with deploy/release.py)
  SHA256SUMS              `sha256sum -c` format, every other file of the release
  <function>-<arch>.cdx.json  CycloneDX SBOM of what that zip ships (cargo-cyclonedx)
  release.json            version, git commit, rustc / cargo / cargo-lambda versions, build flags
and prints the artifact table (name, size, SHA-256).

Reproducibility: the build runs with the workspace directory and $CARGO_HOME remapped
(`--remap-path-prefix`), CARGO_INCREMENTAL=0, SOURCE_DATE_EPOCH = the commit's time, and the
zips are written here, not by cargo-lambda, so nothing but the bootstrap bytes and fixed metadata
goes into them. The version is [workspace.package].version of Cargo.toml.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import tomllib

# One SHA-256 for the sums written here and the sums deploy/release.py checks.
from release import sha256  # noqa: E402  (deploy/ is a directory of scripts)

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ["define-auth-challenge", "create-auth-challenge", "verify-auth-challenge", "custom-message"]
TRIPLES = {"arm64": "aarch64-unknown-linux-musl", "x86_64": "x86_64-unknown-linux-musl"}
# cargo-lambda adds `-C target-cpu=` (Graviton2's core, Haswell) only when RUSTFLAGS is unset; the
# release sets RUSTFLAGS (the remaps), so it names them itself: the same code as `make build`'s.
TARGET_CPUS = {"arm64": "neoverse-n1", "x86_64": "haswell"}
NAME = "amplify-studio-login"
ZIP_EPOCH_MIN = 315532800  # 1980-01-01, the earliest time a zip entry can carry


def workspace_version() -> str:
    with open(ROOT / "Cargo.toml", "rb") as f:
        return tomllib.load(f)["workspace"]["package"]["version"]


def run(cmd: list[str], **kw) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, **kw).stdout.strip()


def source_date_epoch() -> int:
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    return int(run(["git", "log", "-1", "--format=%ct"]))


def build_env(epoch: int, target_dir: Path) -> tuple[dict[str, str], str]:
    """The environment of a reproducible build and the RUSTFLAGS it uses."""
    cargo_home = os.environ.get("CARGO_HOME", str(Path.home() / ".cargo"))
    # Paths of the build machine end up in panic messages and in the auditable/debug sections:
    # map the workspace and the registry sources to fixed names.
    flags = [
        f"--remap-path-prefix={ROOT}=/build",
        f"--remap-path-prefix={cargo_home}=/cargo",
    ]
    # Build scripts' OUT_DIR (generated sources) lives in the target dir: the same name wherever it is.
    if not target_dir.resolve().is_relative_to(ROOT):
        flags.append(f"--remap-path-prefix={target_dir.resolve()}=/build/target")
    rustup_home = os.environ.get("RUSTUP_HOME", str(Path.home() / ".rustup"))
    flags.append(f"--remap-path-prefix={rustup_home}=/rustup")
    rustflags = " ".join(filter(None, [os.environ.get("RUSTFLAGS", ""), *flags]))
    env = dict(os.environ, RUSTFLAGS=rustflags, CARGO_INCREMENTAL="0", SOURCE_DATE_EPOCH=str(epoch),
               TZ="UTC", LC_ALL="C")
    return env, rustflags


def arch_rustflags(rustflags: str, arch: str) -> str:
    return f"{rustflags} -C target-cpu={TARGET_CPUS[arch]}".strip()


def build(arch: str, functions: list[str], env: dict[str, str], auditable: str | None) -> None:
    env = dict(env, RUSTFLAGS=arch_rustflags(env["RUSTFLAGS"], arch))
    cmd = ["cargo", "lambda", "build", "--release", "--locked", "--target", TRIPLES[arch]]
    for f in functions:
        cmd += ["--bin", f]
    if auditable:
        # `cargo auditable <subcommand>` sets RUSTC_WORKSPACE_WRAPPER to itself and runs
        # `cargo <subcommand>`; cargo-lambda's inner `cargo build` inherits it, so every binary
        # gets the `.dep-v0` section that `cargo audit bin`, Trivy, Syft and Grype read.
        cmd = [auditable, "auditable", *cmd[1:]]
        # cargo-auditable >= 0.7.3 keeps its symbol with `-Wl,-u,AUDITABLE_VERSION_INFO`, which zig cc
        # (cargo-lambda's cargo-zigbuild) forwards; 0.7.0-0.7.2 passed `-Wl,--undefined=...`, which
        # zig rejects ("unsupported linker arg: --undefined"). The Makefile pins 0.7.7.
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, env=env)


def deterministic_zip(binary: Path, dest: Path, epoch: int) -> None:
    stamp = time.gmtime(max(epoch, ZIP_EPOCH_MIN))[:6]
    info = zipfile.ZipInfo("bootstrap", date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so the mode below is honoured by Lambda
    info.external_attr = (0o100755 & 0xFFFF) << 16
    with zipfile.ZipFile(dest, "w") as z:
        z.writestr(info, binary.read_bytes(), compresslevel=9)


def tool_version(cmd: list[str]) -> str | None:
    try:
        return run(cmd)
    except (OSError, subprocess.CalledProcessError):
        return None


def installed_version(tool: str | None) -> str | None:
    """`<name> <version>` of a tool `cargo install --root R` put in R/bin (its .crates2.json)."""
    if not tool:
        return None
    record = Path(tool).resolve().parent.parent / ".crates2.json"
    try:
        installs = json.loads(record.read_text())["installs"]
    except (OSError, ValueError, KeyError):
        return None
    name = Path(tool).name
    return next((" ".join(k.split()[:2]) for k in installs if k.split()[0] == name), None)


def sbom(out: Path, cyclonedx: str, arches: list[str], functions: list[str], env: dict[str, str]) -> None:
    """<function>-<arch>.cdx.json: CycloneDX of what ships, i.e. that platform's graph without
    build-only dependencies (cargo-cyclonedx writes <crate>.cdx.json beside each manifest)."""
    for arch in arches:
        subprocess.run([cyclonedx, "cyclonedx", "--format", "json", "--target", TRIPLES[arch], "--no-build-deps",
                        "--manifest-path", str(ROOT / "Cargo.toml")], check=True, cwd=ROOT, env=env)
        for bom in ROOT.glob("crates/*/*.cdx.json"):
            if bom.parent.name in functions:
                shutil.move(bom, out / f"{bom.parent.name}-{arch}.cdx.json")
            else:
                bom.unlink()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=ROOT / "dist")
    p.add_argument("--arch", action="append", choices=sorted(TRIPLES))
    p.add_argument("--only", action="append", choices=FUNCTIONS, help="package only these functions")
    p.add_argument("--target-dir", type=Path, default=ROOT / "target")
    p.add_argument("--no-build", action="store_true", help="package what target/ already holds")
    p.add_argument("--auditable", help="cargo-auditable binary (embed the dependency list)")
    p.add_argument("--cyclonedx", help="cargo-cyclonedx binary (write the SBOMs)")
    args = p.parse_args()
    arches = args.arch or ["arm64", "x86_64"]
    functions = args.only or FUNCTIONS
    version = workspace_version()
    epoch = source_date_epoch()
    # Read once, before the build: the commit and its time describe the same tree.
    commit = tool_version(["git", "rev-parse", "HEAD"])
    dirty = bool(tool_version(["git", "status", "--porcelain", "--untracked-files=no"]))
    env, rustflags = build_env(epoch, args.target_dir)
    env["CARGO_TARGET_DIR"] = str(args.target_dir)
    out = args.out / f"{NAME}-{version}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    for arch in arches:
        if not args.no_build:
            build(arch, functions, env, args.auditable)
        for f in functions:
            binary = args.target_dir / "lambda" / f / "bootstrap"
            triple_bin = args.target_dir / TRIPLES[arch] / "release" / f
            # cargo-lambda copies the last build into target/lambda/<f>/bootstrap; the
            # per-triple binary is the one of this arch whatever was built after it.
            src = triple_bin if triple_bin.exists() else binary
            deterministic_zip(src, out / f"{f}-{arch}.zip", epoch)

    shutil.copy(ROOT / "template.yaml", out / "template.yaml")
    if args.cyclonedx:
        sbom(out, args.cyclonedx, arches, functions, env)
    release = {
        "name": NAME,
        "version": version,
        "git_commit": commit,
        # Built from uncommitted changes: `make release-check` (which rebuilds git_commit) cannot match.
        "git_dirty": dirty,
        "source_date_epoch": epoch,
        "rustc": tool_version(["rustc", "--version"]),
        "cargo": tool_version(["cargo", "--version"]),
        "cargo_lambda": tool_version(["cargo", "lambda", "--version"]),
        "cargo_auditable": installed_version(args.auditable),
        "cargo_cyclonedx": installed_version(args.cyclonedx),
        # The linker cargo-lambda drives (the ziglang package on this Python).
        "zig": tool_version([sys.executable, "-m", "ziglang", "version"]),
        "build": {
            "command": "cargo lambda build --release --locked --target <triple>",
            "profile": "release (Cargo.toml: opt-level 3, fat LTO, 1 codegen unit, symbols stripped)",
            "rustflags": {a: arch_rustflags(rustflags, a).replace(str(ROOT), "<workspace>") for a in arches},
            "architectures": {a: TRIPLES[a] for a in arches},
        },
        "functions": functions,
    }
    (out / "release.json").write_text(json.dumps(release, indent=2, sort_keys=True) + "\n")

    files = sorted(p for p in out.iterdir() if p.name != "SHA256SUMS")
    sums = {p.name: sha256(p) for p in files}
    (out / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in sums.items()))
    width = max(len(n) for n in sums)
    print(f"\n{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    print(f"{'artifact':<{width}}  {'bytes':>9}  sha256")
    for p in files:
        print(f"{p.name:<{width}}  {p.stat().st_size:>9,}  {sums[p.name]}")
    sums_file = out / "SHA256SUMS"
    print(f"{sums_file.name:<{width}}  {sums_file.stat().st_size:>9,}  {sha256(sums_file)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
