"""plan / migrate / rollback / retire: Studio's pool moved onto the Rust functions beside its
Node.js originals, and back. The originals are never modified (Lambda refuses updates on blocked
runtimes, but keeps invoking them), so switching back is one UpdateUserPool to functions that
were never touched.

    migrate.py plan     --app-id ID [--pool-id P] [--artifacts DIR] [--architecture arm64|x86_64]
    migrate.py migrate  --app-id ID [--pool-id P] [--artifacts DIR] [--architecture ...] [--yes]
    migrate.py rollback --app-id ID [--delete-stack] [--yes]
    migrate.py retire   --app-id ID [--yes]        (deletes the Node originals: cannot be undone)
    every command: [--region R] [--endpoint-url URL] [--records DIR]

migrate: finds the pool (amplify_backend_manager_<ID>, or --pool-id) and the four functions its
triggers call; deploys or updates the app's stack (template.yaml, UserPoolId set, SAM CLI);
checks the four new functions directly; records the pool's complete configuration; makes sure
Cognito may invoke the new functions; switches the four trigger ARNs in one UpdateUserPool (every
other setting copied from DescribeUserPool and compared field by field afterwards); checks
through the pool. Any failure (or Ctrl-C) after the switch switches back and checks the
originals: exit 3 naming the step, or 4 if switching back failed (record kept for rollback).

Exit codes: studio_login_admin/exit_codes.py. Needs: cognito-idp:ListUserPools, DescribeUserPool,
UpdateUserPool; lambda:GetFunction, GetPolicy, InvokeFunction (DeleteFunction for retire);
cloudformation, s3, iam, logs, cloudwatch for the stack (what `sam deploy` needs).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from . import check, permissions, stack
from .aws import Clients, reason_of
from .exit_codes import Exit
from .pool import TRIGGERS, PoolError, find_pool, trigger_functions
from .records import Records, default_root
from .runtimes import phase
from .switch import SwitchFailed, switch_triggers

ROOT = Path(__file__).resolve().parents[2]


class Refused(Exception):
    """Refused or failed before the pool was switched: nothing changed for logins."""


def confirm(args, question: str) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise Refused("not confirmed: pass --yes when not running interactively")
    return input(f"{question} [yes/no] ").strip().lower() in ("y", "yes")


def show(rows) -> list[str]:
    print(check.table(rows))
    return check.failures(rows)


def read_originals(lam, pool: dict) -> dict[str, dict]:
    configs = {}
    for binary, ref in trigger_functions(pool).items():
        try:
            configs[binary] = lam.get_function(FunctionName=ref.arn)["Configuration"]
        except ClientError as error:
            raise Refused(f"cannot read {ref.arn}: {reason_of(error)}") from None
    return configs


def invoke_permission_problems(lam, pool: dict, arns: dict[str, str]) -> list[str]:
    """Each new function lets cognito-idp invoke it on behalf of this pool (permissions.py)."""
    problems = []
    for binary, arn in arns.items():
        problem, _ = permissions.invoke_problem(lam, arn, pool["Arn"])
        if problem:
            problems.append(f"{binary}: {problem}")
    return problems


def through_pool(clients: Clients, args, pool: dict, expected: dict[str, str]) -> list[str]:
    """The check through the pool, and the pool calls exactly `expected` ({binary: ARN})."""
    rows = check.run_check(clients("lambda"), clients("cognito-idp"), args.app_id, pool_id=pool["Id"])
    failed = show(rows)
    calls = trigger_functions(clients("cognito-idp").describe_user_pool(UserPoolId=pool["Id"])["UserPool"])
    failed += [f"the pool's {binary} trigger calls {calls[binary].arn}, expected {arn}"
               for binary, arn in expected.items() if calls[binary].arn != arn]
    return failed


def as_triggers(arns: dict[str, str]) -> dict[str, str]:
    return {trigger: arns[binary] for trigger, binary in TRIGGERS.items()}


def switch_back(clients: Clients, args, pool_id: str, originals: dict[str, str], settings: dict | None = None) -> list[str]:
    """The originals' ARNs back in one UpdateUserPool, then the check through the pool. The other
    settings: `settings` (migrate's own record, taken minutes ago: whatever went wrong is undone
    too), else the pool's as they are now (a rollback days later keeps an admin's edits since).
    Ctrl-C is ignored meanwhile: this is what makes an interrupt safe."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        idp = clients("cognito-idp")
        now = settings or idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        switch_triggers(idp, now, as_triggers(originals))
        return through_pool(clients, args, now, originals)
    finally:
        signal.signal(signal.SIGINT, previous)


def plan_and_read(clients: Clients, args):
    idp, lam = clients("cognito-idp"), clients("lambda")
    pool = find_pool(idp, args.app_id, args.pool_id)
    refs = trigger_functions(pool)
    ours = {binary: stack.function_name(args.app_id, binary) for binary in TRIGGERS.values()}
    already = [ref.name for binary, ref in refs.items() if ref.name == ours[binary]]
    if already:
        raise Refused(f"the pool already calls this tool's functions ({', '.join(already)}): nothing to migrate")
    originals = read_originals(lam, pool)
    endpoint = ((originals["verify-auth-challenge"].get("Environment") or {}).get("Variables") or {}).get("ENDPOINT")
    print(f"pool {pool['Name']} ({pool['Id']}) calls:")
    for binary, config in originals.items():
        print(f"  {config['FunctionName']}: {config.get('Runtime')} {config.get('Handler')} "
              f"({phase(config.get('Runtime'))}) -> {ours[binary]} provided.al2023 {args.architecture}")
    print(f"stack {stack.stack_name(args.app_id)} (existing-pool mode){f'; verify ENDPOINT={endpoint}' if endpoint else ''}")
    print("the originals are not modified; the pool's four trigger ARNs are switched in one UpdateUserPool")
    return pool, originals, endpoint


def migrate(clients: Clients, args) -> int:
    records = Records(args.records, args.app_id)
    if records.exists():
        raise Refused(f"a migration of this pool is recorded in {records.record}: run "
                      f"`make rollback APP_ID={args.app_id}` first (or retire)")
    pool, originals, endpoint = plan_and_read(clients, args)
    if args.command == "plan":
        return Exit.OK
    if not confirm(args, "Deploy the stack and switch the pool?"):
        print("nothing changed")
        return Exit.CHECK_FAILED
    began = time.monotonic()
    try:
        arns = stack.deploy(args, pool, endpoint)
    except stack.StackFailed as error:
        raise Refused(f"stack deploy: {error}. The pool was not switched") from None
    print(f"stack deployed ({time.monotonic() - began:.1f} s); checking the new functions directly")
    lam = clients("lambda")
    failed = show(check.check_functions(lam, pool, args.app_id, {b: a.rsplit(":", 1)[1] for b, a in arns.items()}))
    if failed:
        raise Refused("the new functions fail the check before the switch: " + "; ".join(failed) +
                      ". The pool was not switched")
    problems = invoke_permission_problems(lam, pool, arns)
    if problems:
        raise Refused("Cognito may not invoke the new functions: " + "; ".join(problems) + ". The pool was not switched")
    original_arns = {binary: config["FunctionArn"] for binary, config in originals.items()}
    records.save({"pool": pool, "originals": originals, "original_triggers": original_arns, "new_triggers": arns,
                  "stack": stack.stack_name(args.app_id)})
    print(f"recorded the pool's complete configuration in {records.record}")

    step = "UpdateUserPool"
    try:
        switched_at = time.monotonic()
        switch_triggers(clients("cognito-idp"), pool, as_triggers(arns))
        step = "the check through the pool"
        failed = through_pool(clients, args, pool, arns)
        if failed:
            raise SwitchFailed(step, "; ".join(failed))
    except (SwitchFailed, ClientError, BotoCoreError, PoolError, KeyboardInterrupt) as error:
        step = error.step if isinstance(error, SwitchFailed) else step
        reason = ("interrupted (Ctrl-C)" if isinstance(error, KeyboardInterrupt)
                  else error.reason if isinstance(error, SwitchFailed) else reason_of(error))
        print(f"FAILED at {step}: {reason}", file=sys.stderr)
        print("switching the pool back to the originals", file=sys.stderr)
        try:
            again = switch_back(clients, args, pool["Id"], original_arns, settings=pool)
        except (SwitchFailed, ClientError, BotoCoreError, PoolError) as failure:
            again = [str(failure)]
        if again:
            print(f"SWITCHING BACK FAILED: {'; '.join(again)}. The record is kept in {records.record}: run "
                  f"`make rollback APP_ID={args.app_id}` once the cause is fixed", file=sys.stderr)
            return Exit.SWITCH_BACK_FAILED
        records.retire("switched-back")
        print(f"switched back: the pool calls its original functions again (checked). Migration failed at {step}: "
              f"{reason}", file=sys.stderr)
        return Exit.SWITCHED_BACK
    print(f"migrated: the pool calls the Rust functions and they answer as they should "
          f"(switch and check {time.monotonic() - switched_at:.1f} s, whole migrate {time.monotonic() - began:.1f} s). "
          f"`make rollback APP_ID={args.app_id}` switches back; the originals are untouched")
    return Exit.OK


def rollback(clients: Clients, args) -> int:
    records = Records(args.records, args.app_id)
    if not records.exists():
        raise Refused(f"no migration record at {records.record}")
    record = records.load()
    originals = record["original_triggers"]
    print(f"pool {record['pool']['Id']}: the four triggers back to {', '.join(originals.values())}")
    if not confirm(args, "Switch back?"):
        print("nothing changed")
        return Exit.CHECK_FAILED
    began = time.monotonic()
    try:
        failed = switch_back(clients, args, record["pool"]["Id"], originals)
    except (SwitchFailed, ClientError, BotoCoreError, PoolError) as error:
        print(f"ROLLBACK FAILED: {error}. The record is kept in {records.record}; run rollback again", file=sys.stderr)
        return Exit.SWITCH_BACK_FAILED
    if failed:
        print("switched back, but the check through the pool fails: " + "; ".join(failed), file=sys.stderr)
        return Exit.CHECK_FAILED
    kept = records.retire("rolled-back")
    print(f"rolled back in {time.monotonic() - began:.1f} s: the pool calls its original functions, checked "
          f"(record kept as {kept})")
    if args.delete_stack:
        stack.delete(clients("cloudformation"), args.app_id)
        print(f"deleted stack {stack.stack_name(args.app_id)}; its log groups are kept (the audit trail: "
              f"{', '.join(stack.log_group_names(args.app_id))}), and a later migrate uses them")
    else:
        print(f"stack {stack.stack_name(args.app_id)} kept (--delete-stack removes it)")
    return Exit.OK


def download(url: str, endpoint_url: str | None) -> bytes:
    """A GetFunction Code.Location: https only (plain http only to the --endpoint-url host)."""
    parsed = urllib.parse.urlsplit(url)
    emulator = urllib.parse.urlsplit(endpoint_url).hostname if endpoint_url else None
    loopback = {"127.0.0.1", "localhost", "::1"}
    allowed_http = {emulator} | (loopback if emulator in loopback else set()) if emulator else set()
    if not (parsed.scheme == "https" or (parsed.scheme == "http" and parsed.hostname in allowed_http)):
        raise Refused(f"refusing to download code from a {parsed.scheme or 'relative'}: URL (https only)")
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - scheme checked above
        return response.read()


def retire(clients: Clients, args) -> int:
    records = Records(args.records, args.app_id)
    if not records.exists():
        raise Refused(f"no migration record at {records.record}: retire only after `make migrate`")
    record = records.load()
    failed = through_pool(clients, args, {"Id": record["pool"]["Id"]}, record["new_triggers"])
    if failed:
        raise Refused("the check through the Rust functions fails: " + "; ".join(failed) + ". Nothing deleted")
    print("retire DELETES the four Node.js originals. This cannot be undone: Lambda will not create a function "
          "on a blocked runtime again, so `make rollback` is impossible afterwards. Their code and "
          f"configuration are kept in {records.directory}.")
    if not confirm(args, "Delete the four originals?"):
        print("nothing changed")
        return Exit.CHECK_FAILED
    lam = clients("lambda")
    for binary, arn in record["original_triggers"].items():
        function = lam.get_function(FunctionName=arn)
        records.write(f"original-{binary}.zip", download(function["Code"]["Location"], args.endpoint_url))
        records.write(f"original-{binary}.json", json.dumps(function["Configuration"], indent=2, default=str))
    for arn in record["original_triggers"].values():
        lam.delete_function(FunctionName=arn)
        print(f"deleted {arn}")
    records.retire("retired")
    return Exit.OK


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["plan", "migrate", "rollback", "retire"])
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--pool-id", help="the pool, when several carry the name amplify_backend_manager_<app>")
    parser.add_argument("--region")
    parser.add_argument("--endpoint-url", help="send every AWS call (and the SAM CLI's) to this endpoint (an emulator)")
    parser.add_argument("--records", default=str(default_root()), help="where records are kept (default: %(default)s)")
    parser.add_argument("--artifacts", default=str(ROOT / "build" / "lambda" / "arm64"),
                        help="directory with <function>/bootstrap.zip (make build)")
    parser.add_argument("--architecture", choices=["arm64", "x86_64"], default="arm64")
    parser.add_argument("--s3-bucket", help="bucket for sam deploy's upload (default: SAM's managed bucket)")
    parser.add_argument("--delete-stack", action="store_true", help="rollback: also delete the app's stack")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    args = parser.parse_args(argv)
    clients = Clients(args.region, args.endpoint_url)
    args.clients = clients
    command = {"plan": migrate, "migrate": migrate, "rollback": rollback, "retire": retire}[args.command]
    try:
        return command(clients, args)
    except (Refused, PoolError) as error:
        print(f"error: {error}", file=sys.stderr)
        return Exit.REFUSED
