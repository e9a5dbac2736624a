#!/usr/bin/env python3
"""Migrate an existing Amplify Studio login pool's four Node.js triggers to the Rust functions,
in place, prove the result with the same check as `make check`, and roll back by itself when
anything fails.

    migrate.py plan     --app-id APP [--short-code CODE] [--artifacts DIR] [--architecture arm64]
    migrate.py migrate  --app-id APP [--short-code CODE] [--artifacts DIR] [--architecture arm64] [--yes] [--force]
    migrate.py rollback --app-id APP [--short-code CODE] [--yes]

The four functions are the ones the pool `amplify_backend_manager_<APP>` itself calls (the short
code is only a cross-check). They keep their names, roles and ARNs, so the triggers stay attached.

`migrate` refuses unless all four still run Studio's Node.js code (`--force` records whatever runs
now as "the original": dangerous, rollback would restore that instead of Studio's code). It reads
each function once (configuration, code location and RevisionId from one GetFunction), downloads
the code over https and checks it against CodeSha256, and records both under --records (outside
the build tree; no make target deletes it). Then, per function: new code (bootstrap.zip,
architecture), new configuration (provided.al2023, bootstrap, JSON logs, AMPLIFY_APP_ID; other
environment variables kept), each update carrying the RevisionId it expects, so a concurrent edit
aborts the migration instead of being overwritten. Then the pool is re-read and every function is
invoked with a harmless event (deploy/check.py). Any failure after the first change (API error,
throttling, conflict, waiter timeout, failed check) restores what was changed from the record,
says which step failed, and exits 3 (4 if the automatic rollback failed too).

`rollback` restores exactly what was recorded (each saved zip is checked against its CodeSha256
before it is uploaded), then runs the check.

Needs: cognito-idp:ListUserPools, DescribeUserPool; lambda:GetFunction, GetFunctionConfiguration,
UpdateFunctionCode, UpdateFunctionConfiguration, InvokeFunction on the four functions.
Standard AWS credential chain; --endpoint-url points it at an emulator.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import os
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

import check

ROOT = Path(__file__).resolve().parents[1]
NEW_RUNTIME, NEW_HANDLER = "provided.al2023", "bootstrap"
NEW_LOGGING = {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"}
RECORDED_FIELDS = ("FunctionName", "FunctionArn", "Runtime", "Handler", "Architectures", "Environment",
                   "CodeSha256", "LoggingConfig")


class MigrationError(Exception):
    """Refused or failed before anything was changed."""


class StepFailed(Exception):
    """A step after the first change failed: what was changed must be restored."""

    def __init__(self, step: str, reason: str):
        super().__init__(f"{step}: {reason}")
        self.step, self.reason = step, reason


def default_records() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "amplify-studio-login" / "migrations"


def record_dir(args) -> Path:
    return Path(args.records) / args.app_id


def sha256_b64(data: bytes) -> str:
    """Lambda's CodeSha256: base64 of the SHA-256 of the zip."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def is_node_original(config: dict) -> bool:
    return str(config.get("Runtime", "")).startswith("nodejs") and config.get("Handler") == "index.handler"


# ---------- reading ----------

def read_pool(lam, idp, args) -> tuple[dict, dict[str, dict]]:
    """The pool and, per binary, one GetFunction answer (configuration, code, RevisionId agree)."""
    try:
        pool, names = check.pool_functions(idp, args.app_id, args.short_code)
    except check.PoolNotFound as error:
        raise MigrationError(str(error)) from None
    functions = {}
    for binary, name in names.items():
        try:
            functions[binary] = lam.get_function(FunctionName=name)
        except ClientError as error:
            raise MigrationError(f"cannot read {name}: {check.reason_of(error)}") from None
    return pool, functions


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def http_allowed_for(endpoint_url: str | None) -> set[str]:
    """Plain http is allowed only to the emulator named with --endpoint-url (and, when that is on
    this machine, to its other loopback names: emulators hand out `localhost` URLs)."""
    host = urllib.parse.urlsplit(endpoint_url).hostname if endpoint_url else None
    if not host:
        return set()
    return {host} | (LOOPBACK if host in LOOPBACK else set())


def download(url: str, http_hosts: set[str]) -> bytes:
    """The code behind a GetFunction Code.Location: https only (plain http only to `http_hosts`),
    no redirects, no file:, data: or ftp: URLs."""
    parsed = urllib.parse.urlsplit(url)
    if not (parsed.scheme == "https" or (parsed.scheme == "http" and parsed.hostname in http_hosts)):
        raise MigrationError(f"refusing to download code from a {parsed.scheme or 'relative'}: URL (https only)")
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.HTTPSHandler(), urllib.request.HTTPHandler(), urllib.request.HTTPErrorProcessor(),
                    urllib.request.HTTPDefaultErrorHandler()):
        opener.add_handler(handler)
    with opener.open(url, timeout=60) as response:
        return response.read()


def verified_zip(path: Path, expected_sha: str) -> bytes:
    data = path.read_bytes()
    if sha256_b64(data) != expected_sha:
        raise MigrationError(f"{path} does not match the recorded CodeSha256 {expected_sha}: it was changed "
                             "after it was saved; nothing was uploaded")
    return data


def save_record(functions: dict[str, dict], directory: Path, http_hosts: set[str]):
    """Download and verify every function's code, then write record.json last (atomically): a
    record exists only when all four zips are saved and verified."""
    directory.mkdir(parents=True, exist_ok=True)
    record = {}
    for binary, function in functions.items():
        config = function["Configuration"]
        try:
            code = download(function["Code"]["Location"], http_hosts)
        except OSError as error:
            raise MigrationError(f"cannot download {config['FunctionName']}'s code: {error}") from None
        if sha256_b64(code) != config["CodeSha256"]:
            raise MigrationError(f"the code downloaded for {config['FunctionName']} does not match its CodeSha256")
        (directory / f"{binary}.zip").write_bytes(code)
        record[binary] = {key: config.get(key) for key in RECORDED_FIELDS}
    partial = directory / "record.json.partial"
    partial.write_text(json.dumps(record, indent=2))
    partial.replace(directory / "record.json")


# ---------- changing ----------

def wait_updated(lam, name: str, timeout: float) -> dict:
    """Poll until the function's last update finished; its configuration then (RevisionId included)."""
    deadline = time.monotonic() + timeout
    delay = 0.2  # most updates finish within a second; then back off to 2 s between reads
    while True:
        config = lam.get_function_configuration(FunctionName=name)
        status = config.get("LastUpdateStatus", "Successful")
        if status == "Successful" and config.get("State", "Active") == "Active":
            return config
        if status == "Failed" or config.get("State") == "Failed":
            raise StepFailed(f"update of {name}", f"Lambda reports {status}: {config.get('LastUpdateStatusReason', '')}")
        if time.monotonic() > deadline:
            raise StepFailed(f"update of {name}", f"still {status} after {timeout:.0f} s (waiter timed out)")
        time.sleep(delay)
        delay = min(delay * 1.5, 2.0)


def update(lam, name: str, revision: str, code: bytes, architecture: str, configuration: dict, timeout: float,
           skip_code: bool = False) -> str:
    """Code then configuration, each update carrying the RevisionId it expects (a concurrent
    edit makes Lambda answer PreconditionFailedException). Returns the final RevisionId."""
    if not skip_code:
        step = f"update code of {name}"
        try:
            lam.update_function_code(FunctionName=name, ZipFile=code, Architectures=[architecture], RevisionId=revision)
        except (ClientError, BotoCoreError) as error:
            raise StepFailed(step, check.reason_of(error)) from None
        after_code = wait_updated(lam, name, timeout)
        if after_code.get("CodeSha256") != sha256_b64(code):
            raise StepFailed(step, "the function's code is not the code just uploaded (changed concurrently)")
        revision = after_code["RevisionId"]
    step = f"update configuration of {name}"
    try:
        lam.update_function_configuration(FunctionName=name, RevisionId=revision, **configuration)
    except (ClientError, BotoCoreError) as error:
        raise StepFailed(step, check.reason_of(error)) from None
    return wait_updated(lam, name, timeout)["RevisionId"]


def target_configuration(config: dict, app_id: str) -> dict:
    env = dict((config.get("Environment") or {}).get("Variables") or {})
    env["AMPLIFY_APP_ID"] = app_id
    return {"Runtime": NEW_RUNTIME, "Handler": NEW_HANDLER, "Environment": {"Variables": env},
            "LoggingConfig": NEW_LOGGING}


def recorded_configuration(previous: dict) -> dict:
    configuration = {
        "Runtime": previous["Runtime"],
        "Handler": previous["Handler"],
        "Environment": {"Variables": (previous.get("Environment") or {}).get("Variables") or {}},
    }
    if previous.get("LoggingConfig"):
        configuration["LoggingConfig"] = previous["LoggingConfig"]
    return configuration


def restore(lam, directory: Path, binaries: list[str], timeout: float, read: dict[str, dict] | None = None):
    """Put the recorded code and configuration back on these functions. Every zip is checked
    against its recorded CodeSha256 before anything is uploaded. `read`: configurations just
    read (their RevisionIds are what the updates expect); else each is read here."""
    record = json.loads((directory / "record.json").read_text())
    zips = {binary: verified_zip(directory / f"{binary}.zip", record[binary]["CodeSha256"]) for binary in binaries}
    for binary in binaries:
        previous = record[binary]
        name = previous["FunctionName"]
        try:
            current = (read or {}).get(binary) or lam.get_function_configuration(FunctionName=name)
        except ClientError as error:
            raise StepFailed(f"read {name}", check.reason_of(error)) from None
        update(lam, name, current["RevisionId"], zips[binary], (previous.get("Architectures") or ["x86_64"])[0],
               recorded_configuration(previous), timeout, skip_code=current.get("CodeSha256") == previous["CodeSha256"])
        print(f"restored {name} ({previous['Runtime']}, code {previous['CodeSha256']})")


def retire_record(directory: Path, why: str):
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (directory / "record.json").replace(directory / f"record.{why}-{stamp}.json")


# ---------- commands ----------

def describe_plan(functions: dict[str, dict], args) -> list[str]:
    lines = []
    for binary, function in functions.items():
        config = function["Configuration"]
        before = f"{config.get('Runtime')} {config.get('Handler')} {','.join(config.get('Architectures') or ['x86_64'])}"
        lines.append(f"{config['FunctionName']}: {before} -> {NEW_RUNTIME} {NEW_HANDLER} {args.architecture}")
        old_env = (config.get("Environment") or {}).get("Variables") or {}
        new_env = target_configuration(config, args.app_id)["Environment"]["Variables"]
        for key in sorted(k for k in new_env if old_env.get(k) != new_env[k]):
            lines.append(f"    + env {key}={new_env[key]}")
        zip_path = Path(args.artifacts) / binary / "bootstrap.zip"
        lines.append(f"    code: {zip_path} ({zip_path.stat().st_size if zip_path.exists() else 'MISSING'} bytes)")
    return lines


def confirm(args, question: str) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise MigrationError("not confirmed: pass --yes when not running interactively")
    return input(f"{question} [yes/no] ").strip().lower() in ("y", "yes")


def run_cutover_check(lam, idp, args, migrated: dict[str, dict]):
    """The pool still calls these four functions, and each answers as it should."""
    rows = check.run_check(lam, idp, args.app_id, args.short_code)
    print(check.table(rows))
    failed = check.failures(rows)
    failed += [f"the pool's {row.trigger} trigger now calls {row.name}" for row in rows
               if row.name != migrated[row.binary]["Configuration"]["FunctionName"]]
    not_rust = [row.name for row in rows if row.config.get("Runtime") != NEW_RUNTIME]
    if not_rust:
        failed.append(f"still not {NEW_RUNTIME}: {', '.join(not_rust)}")
    if failed:
        raise StepFailed("check", "; ".join(failed))


def migrate(args) -> int:
    lam, idp = check.clients(args.region, args.endpoint_url)
    pool, functions = read_pool(lam, idp, args)
    print(f"pool {pool['Name']} ({pool['Id']}): migrating its four triggers")
    print("\n".join(describe_plan(functions, args)))
    not_node = [f"{f['Configuration']['FunctionName']} ({f['Configuration'].get('Runtime')} {f['Configuration'].get('Handler')})"
                for f in functions.values() if not is_node_original(f["Configuration"])]
    directory = record_dir(args)
    if (directory / "record.json").exists():
        raise MigrationError(f"a migration of this pool is already recorded in {directory / 'record.json'}: "
                             f"it holds the original code; run `make rollback APP_ID={args.app_id}` to restore it")
    if not_node and not args.force:
        raise MigrationError(
            "not the Node.js originals: " + ", ".join(not_node) + ". Migrating would record this code as the "
            "original, and rollback would restore it instead of Studio's. Refusing (--force overrides: dangerous)")
    if not_node:
        print("WARNING --force: recording non-Node code as the original: " + ", ".join(not_node), file=sys.stderr)
    missing = [b for b in functions if not (Path(args.artifacts) / b / "bootstrap.zip").exists()]
    if missing:
        raise MigrationError(f"missing artifacts for {', '.join(missing)} under {args.artifacts} (run `make build`)")
    if args.command == "plan":
        return 0
    if not confirm(args, "Apply these changes?"):
        print("nothing changed")
        return 1
    save_record(functions, directory, http_allowed_for(args.endpoint_url))
    print(f"recorded the original code and configuration in {directory}")

    changed: list[str] = []
    try:
        for binary, function in functions.items():
            config = function["Configuration"]
            changed.append(binary)  # from the first call on: a failure midway leaves it half-changed
            update(lam, config["FunctionName"], config["RevisionId"],
                   (Path(args.artifacts) / binary / "bootstrap.zip").read_bytes(), args.architecture,
                   target_configuration(config, args.app_id), args.wait_timeout)
            print(f"migrated {config['FunctionName']}")
        run_cutover_check(lam, idp, args, functions)
    except (StepFailed, ClientError, BotoCoreError, OSError) as error:
        step = error.step if isinstance(error, StepFailed) else "migration"
        reason = error.reason if isinstance(error, StepFailed) else check.reason_of(error)
        print(f"FAILED at {step}: {reason}", file=sys.stderr)
        print(f"rolling back {len(changed)} function(s) to the recorded originals", file=sys.stderr)
        try:
            restore(lam, directory, list(reversed(changed)), args.wait_timeout)
        except (StepFailed, MigrationError, ClientError, BotoCoreError, OSError) as again:
            print(f"AUTOMATIC ROLLBACK FAILED: {again}. The record is kept in {directory}: run "
                  f"`make rollback APP_ID={args.app_id}` once the cause is fixed", file=sys.stderr)
            return 4
        retire_record(directory, "rolled-back")
        print(f"rolled back: the pool runs its original functions again. Migration failed at {step}: {reason}",
              file=sys.stderr)
        return 3
    print("all four triggers run the Rust functions, are attached to the pool, and answer as they should")
    return 0


def rollback(args) -> int:
    lam, idp = check.clients(args.region, args.endpoint_url)
    directory = record_dir(args)
    record_file = directory / "record.json"
    if not record_file.exists():
        raise MigrationError(f"no migration record at {record_file}")
    record = json.loads(record_file.read_text())
    _, functions = read_pool(lam, idp, args)
    names = {binary: function["Configuration"]["FunctionName"] for binary, function in functions.items()}
    for binary, previous in record.items():
        if names.get(binary) != previous["FunctionName"]:
            raise MigrationError(f"the pool's {binary} trigger calls {names.get(binary)}, not the recorded {previous['FunctionName']}")
        print(f"{previous['FunctionName']}: back to {previous['Runtime']} {previous['Handler']} "
              f"{','.join(previous.get('Architectures') or ['x86_64'])} (code {previous['CodeSha256']})")
    for binary, previous in record.items():  # before asking: a tampered record changes nothing
        verified_zip(directory / f"{binary}.zip", previous["CodeSha256"])
    if not confirm(args, "Roll back?"):
        print("nothing changed")
        return 1
    try:
        restore(lam, directory, list(record), args.wait_timeout,
                read={binary: function["Configuration"] for binary, function in functions.items()})
    except StepFailed as error:
        print(f"FAILED at {error.step}: {error.reason}. The record is kept in {directory}; run rollback again",
              file=sys.stderr)
        return 4
    retire_record(directory, "rolled-back")
    rows = check.run_check(lam, idp, args.app_id, args.short_code)
    print(check.table(rows))
    failed = check.failures(rows)
    if failed:
        print("rolled back, but the check fails: " + "; ".join(failed), file=sys.stderr)
        return 1
    print("rollback complete; triggers attached and answering")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["plan", "migrate", "rollback"])
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--short-code", help="optional cross-check of the names amplify-login-*-<short-code>")
    parser.add_argument("--artifacts", default=str(ROOT / "build" / "lambda" / "arm64"),
                        help="directory with <function>/bootstrap.zip (make build)")
    parser.add_argument("--architecture", choices=["arm64", "x86_64"], default="arm64")
    parser.add_argument("--records", default=str(default_records()),
                        help="where the original code is kept (default: %(default)s)")
    parser.add_argument("--force", action="store_true",
                        help="DANGEROUS: migrate even if the functions are not the Node.js originals")
    parser.add_argument("--wait-timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    parser.add_argument("--region")
    parser.add_argument("--endpoint-url")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    args = parser.parse_args(argv)
    try:
        return rollback(args) if args.command == "rollback" else migrate(args)
    except MigrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
