#!/usr/bin/env python3
"""Migrate an existing Amplify Studio login pool's four Node.js triggers to the Rust functions,
in place, and roll them back.

    migrate.py plan     --app-id APP --short-code CODE [--artifacts DIR] [--architecture arm64]
    migrate.py migrate  --app-id APP --short-code CODE [--artifacts DIR] [--architecture arm64] [--yes]
    migrate.py rollback --app-id APP --short-code CODE [--yes]

The functions keep their names, roles and ARNs, so the pool's triggers stay attached. `migrate`
first records each function's configuration and downloads its current code to
build/migrations/<app>-<code>/, then updates code (bootstrap.zip, architecture) and
configuration (runtime provided.al2023, handler bootstrap, JSON logs, AMPLIFY_APP_ID on verify;
other environment variables are kept). `rollback` restores exactly what was recorded.

Needs: cognito-idp:ListUserPools, cognito-idp:DescribeUserPool, lambda:GetFunction,
lambda:UpdateFunctionCode, lambda:UpdateFunctionConfiguration on the four functions.
Uses the standard AWS credential chain; --endpoint-url points it at an emulator.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

import boto3

TRIGGERS = {
    "DefineAuthChallenge": "define-auth-challenge",
    "CreateAuthChallenge": "create-auth-challenge",
    "VerifyAuthChallengeResponse": "verify-auth-challenge",
    "CustomMessage": "custom-message",
}
ROOT = Path(__file__).resolve().parents[1]
NEW_RUNTIME, NEW_HANDLER = "provided.al2023", "bootstrap"


class MigrationError(Exception):
    pass


def function_name(binary: str, short_code: str) -> str:
    return f"amplify-login-{binary}-{short_code}"


def record_dir(args) -> Path:
    return Path(args.records) / f"{args.app_id}-{args.short_code}"


def clients(args):
    kwargs = {"region_name": args.region} if args.region else {}
    if args.endpoint_url:
        kwargs["endpoint_url"] = args.endpoint_url
    return boto3.client("lambda", **kwargs), boto3.client("cognito-idp", **kwargs)


def find_pool(idp, app_id: str) -> dict:
    name = f"amplify_backend_manager_{app_id}"
    for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == name:
                return idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    raise MigrationError(f"no user pool named {name}")


def current_functions(lam, idp, args) -> tuple[dict, dict]:
    """The four functions, checked to be the ones this Studio pool's triggers call."""
    pool = find_pool(idp, args.app_id)
    attached = pool.get("LambdaConfig") or {}
    functions = {}
    for trigger, binary in TRIGGERS.items():
        name = function_name(binary, args.short_code)
        try:
            config = lam.get_function(FunctionName=name)["Configuration"]
        except lam.exceptions.ResourceNotFoundException:
            raise MigrationError(f"function {name} not found") from None
        if attached.get(trigger) != config["FunctionArn"]:
            raise MigrationError(
                f"pool trigger {trigger} is {attached.get(trigger)!r}, not {config['FunctionArn']}")
        functions[binary] = config
    return pool, functions


def target_environment(binary: str, config: dict, app_id: str) -> dict:
    env = dict((config.get("Environment") or {}).get("Variables") or {})
    if binary == "verify-auth-challenge":
        env["AMPLIFY_APP_ID"] = app_id
    return env


def describe_plan(functions: dict, args) -> list[str]:
    lines = []
    for binary, config in functions.items():
        before = f"{config.get('Runtime')} {config.get('Handler')} {','.join(config.get('Architectures', ['x86_64']))}"
        after = f"{NEW_RUNTIME} {NEW_HANDLER} {args.architecture}"
        lines.append(f"{config['FunctionName']}: {before} -> {after}")
        old_env = (config.get("Environment") or {}).get("Variables") or {}
        new_env = target_environment(binary, config, args.app_id)
        for key in sorted(set(new_env) - set(old_env)):
            lines.append(f"    + env {key}={new_env[key]}")
        zip_path = Path(args.artifacts) / binary / "bootstrap.zip"
        lines.append(f"    code: {zip_path} ({zip_path.stat().st_size if zip_path.exists() else 'MISSING'} bytes)")
    return lines


def wait_updated(lam, name: str):
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})


def save_record(lam, functions: dict, args):
    directory = record_dir(args)
    if (directory / "record.json").exists():
        raise MigrationError(f"{directory}/record.json exists: roll back first, or move it away")
    directory.mkdir(parents=True, exist_ok=True)
    record = {}
    for binary, config in functions.items():
        location = lam.get_function(FunctionName=config["FunctionName"])["Code"]["Location"]
        with urllib.request.urlopen(location, timeout=60) as response:
            (directory / f"{binary}.zip").write_bytes(response.read())
        record[binary] = {key: config.get(key) for key in
                          ("FunctionName", "Runtime", "Handler", "Architectures", "Environment",
                           "CodeSha256", "LoggingConfig")}
    (directory / "record.json").write_text(json.dumps(record, indent=2))
    return directory


def update(lam, name: str, code: bytes, architecture: str, configuration: dict):
    lam.update_function_code(FunctionName=name, ZipFile=code, Architectures=[architecture])
    wait_updated(lam, name)
    lam.update_function_configuration(FunctionName=name, **configuration)
    wait_updated(lam, name)


def confirm(args, question: str) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise MigrationError("not confirmed: pass --yes when not running interactively")
    return input(f"{question} [yes/no] ").strip().lower() in ("y", "yes")


def migrate(args) -> int:
    lam, idp = clients(args)
    pool, functions = current_functions(lam, idp, args)
    print(f"pool {pool['Name']} ({pool['Id']}): migrating its four triggers")
    print("\n".join(describe_plan(functions, args)))
    missing = [b for b in functions if not (Path(args.artifacts) / b / "bootstrap.zip").exists()]
    if missing:
        raise MigrationError(f"missing artifacts for {', '.join(missing)} under {args.artifacts} (run `make build`)")
    if args.command == "plan":
        return 0
    if not confirm(args, "Apply these changes?"):
        print("nothing changed")
        return 1
    directory = save_record(lam, functions, args)
    print(f"recorded previous code and configuration in {directory}")
    for binary, config in functions.items():
        code = (Path(args.artifacts) / binary / "bootstrap.zip").read_bytes()
        update(lam, config["FunctionName"], code, args.architecture, {
            "Runtime": NEW_RUNTIME,
            "Handler": NEW_HANDLER,
            "Environment": {"Variables": target_environment(binary, config, args.app_id)},
            "LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"},
        })
        print(f"migrated {config['FunctionName']}")
    _, after = current_functions(lam, idp, args)  # raises if a trigger came unattached
    for config in after.values():
        assert config["Runtime"] == NEW_RUNTIME and config["Handler"] == NEW_HANDLER, config
    print("all four triggers run the Rust functions and are still attached to the pool")
    return 0


def rollback(args) -> int:
    lam, idp = clients(args)
    directory = record_dir(args)
    record_file = directory / "record.json"
    if not record_file.exists():
        raise MigrationError(f"no migration record at {record_file}")
    record = json.loads(record_file.read_text())
    for binary, previous in record.items():
        print(f"{previous['FunctionName']}: back to {previous['Runtime']} {previous['Handler']} "
              f"{','.join(previous.get('Architectures') or ['x86_64'])} (code {previous['CodeSha256']})")
    if not confirm(args, "Roll back?"):
        print("nothing changed")
        return 1
    for binary, previous in record.items():
        configuration = {
            "Runtime": previous["Runtime"],
            "Handler": previous["Handler"],
            "Environment": {"Variables": (previous.get("Environment") or {}).get("Variables") or {}},
        }
        if previous.get("LoggingConfig"):
            configuration["LoggingConfig"] = previous["LoggingConfig"]
        update(lam, previous["FunctionName"], (directory / f"{binary}.zip").read_bytes(),
               (previous.get("Architectures") or ["x86_64"])[0], configuration)
        print(f"rolled back {previous['FunctionName']}")
    current_functions(lam, idp, args)
    record_file.rename(directory / "record.rolled-back.json")
    print("rollback complete; triggers still attached")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["plan", "migrate", "rollback"])
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--short-code", required=True, help="suffix of amplify-login-*-<short-code>")
    parser.add_argument("--artifacts", default=str(ROOT / "target" / "lambda"),
                        help="directory with <function>/bootstrap.zip (cargo lambda build --output-format zip)")
    parser.add_argument("--architecture", choices=["arm64", "x86_64"], default="arm64")
    parser.add_argument("--records", default=str(ROOT / "build" / "migrations"))
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
