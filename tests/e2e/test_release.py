"""deploy/release.py and deploy/make_release.py's packaging, without a build: a release made from
stand-in binaries is verified, unpacked and turned into a SAM template; every tampering is refused,
and two packagings of the same bytes are identical."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import make_release
import release

FUNCTIONS = release.FUNCTIONS


def make(tmp: Path, out: str) -> Path:
    target = tmp / "target"
    for triple in make_release.TRIPLES.values():
        (target / triple / "release").mkdir(parents=True, exist_ok=True)
        for f in FUNCTIONS:
            (target / triple / "release" / f).write_bytes(f"{triple} {f}\n".encode() * 100)
    subprocess.run([sys.executable, str(ROOT / "deploy" / "make_release.py"), "--no-build", "--target-dir", str(target),
                    "--out", str(tmp / out)], check=True, capture_output=True, env={"SOURCE_DATE_EPOCH": "1764633600", "PATH": "/usr/bin:/bin"})
    [made] = (tmp / out).iterdir()
    return made


@pytest.fixture
def made(tmp_path):
    return make(tmp_path, "dist")


def test_packaging_is_deterministic(tmp_path, made):
    again = make(tmp_path, "dist2")
    for f in FUNCTIONS:
        for arch in release.ARCHES:
            name = f"{f}-{arch}.zip"
            assert (made / name).read_bytes() == (again / name).read_bytes(), name


def test_verify_and_unpack(tmp_path, made):
    assert len(release.verify(made)) == 10
    release.unpack(made, "arm64", tmp_path / "artifacts")
    for f in FUNCTIONS:
        assert (tmp_path / "artifacts" / f / "bootstrap.zip").read_bytes() == (made / f"{f}-arm64.zip").read_bytes()


def test_a_changed_byte_is_refused(made):
    z = made / "verify-auth-challenge-arm64.zip"
    data = bytearray(z.read_bytes())
    data[-1] ^= 1
    z.write_bytes(bytes(data))
    with pytest.raises(release.ReleaseError, match="does not match"):
        release.verify(made)
    assert release.main(["unpack", str(made), "--arch", "arm64", "--out", str(made / "x")]) == 1


def test_missing_sums_or_zip_is_refused(made):
    (made / "custom-message-x86_64.zip").unlink()
    with pytest.raises(release.ReleaseError, match="missing"):
        release.verify(made)
    (made / "SHA256SUMS").unlink()
    with pytest.raises(release.ReleaseError, match="cannot be checked"):
        release.verify(made)


def test_sam_template_points_at_the_zips(tmp_path, made):
    out = tmp_path / "template.yaml"
    release.sam_template(made, "x86_64", out)
    text = out.read_text()
    assert "rust-cargolambda" not in text and "CodeUri: .\n" not in text
    for f in FUNCTIONS:
        assert f"CodeUri: {(made / f'{f}-x86_64.zip').resolve()}\n" in text
    assert "    Default: x86_64\n" in text


def test_audit_comparison():
    """tests/release/check_audit.py's verdict on an embedded list (the reader's JSON), without a build."""
    sys.path.insert(0, str(ROOT / "tests" / "release"))
    import check_audit

    shipped = {("verify-auth-challenge", "0.1.0"), ("tokio", "1.48.0"), ("serde_derive", "1.0.229")}
    lockfile = shipped | {("chrono", "0.4.45")}
    macros = {("serde_derive", "1.0.229")}

    def listed(*changes):
        packages = [{"name": "verify-auth-challenge", "version": "0.1.0", "root": True},
                    {"name": "tokio", "version": "1.48.0"}, {"name": "serde_derive", "version": "1.0.229", "kind": "build"},
                    {"name": "chrono", "version": "0.4.45"}]
        for change in changes:
            change(packages)
        return check_audit.compare("verify-auth-challenge", packages, shipped, lockfile, macros)

    problems, extra = listed()
    assert problems == [] and extra == {("chrono", "0.4.45")}
    assert "shipped but not listed" in listed(lambda p: p.pop(1))[0][0]
    assert "shipped but not listed" in listed(lambda p: p[1].update(version="1.47.0"))[0][0]
    assert "marked build-only" in listed(lambda p: p[1].update(kind="build"))[0][0]
    assert "not in Cargo.lock" in listed(lambda p: p.append({"name": "evil", "version": "6.6.6"}))[0][0]
    assert "root is" in listed(lambda p: p[0].update(name="define-auth-challenge"))[0][0]


def test_the_release_builds_what_make_build_ships():
    """The Makefile's shipped triples are the release's, and the release names the CPUs cargo-lambda
    picks for `make build` (it drops them when RUSTFLAGS is set, as the release's remaps do)."""
    makefile = (ROOT / "Makefile").read_text()
    assert f"X86_TRIPLE := {make_release.TRIPLES['x86_64']}" in makefile
    assert f"ARM_TRIPLE := {make_release.TRIPLES['arm64']}" in makefile
    _, rustflags = make_release.build_env(1764633600, ROOT / "target")
    assert "target-cpu" not in rustflags
    for arch, cpu in {"arm64": "neoverse-n1", "x86_64": "haswell"}.items():
        assert make_release.arch_rustflags(rustflags, arch).endswith(f"-C target-cpu={cpu}")
