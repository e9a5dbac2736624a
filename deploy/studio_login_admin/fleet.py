"""fleet / migrate-all / rollback-all: every Amplify Studio login pool in the account.

    migrate.py fleet        [--regions R,...|all] [--check] [--json]
    migrate.py migrate-all  [--regions R,...|all] [--keep-going] [--yes] [--artifacts DIR] [--architecture ...]
    migrate.py rollback-all [--regions R,...|all] [--keep-going] [--yes] [--delete-stack]
    every command: [--endpoint-url URL] [--records DIR]

fleet: in each region (all = the account's enabled regions, ec2:DescribeRegions), every pool
named amplify_backend_manager_<appId> (paginated ListUserPools), one row per app: the Amplify
app's name (amplify:GetApp, '-' when not allowed), the runtime each of the four triggers calls
and its Lambda phase, whether the pool runs this project's Rust stack, what is wrong with pools
that have missing or foreign triggers, and with --check the verdict of `make check`'s probe.
Regions are scanned concurrently (at most 4); a region that cannot be read (missing permission,
region not enabled) is reported, not fatal. Exit 1 when any pool is wrong or fails its check.

migrate-all: the plan for every app as one table, one confirmation, then `make migrate`'s own
cutover app by app (its check, its automatic switch-back). Skipped: pools already on the Rust
stack, with wrong triggers, already recorded, or failing their check now (a switch-back to
originals that fail could not be verified: move those one at a time). Stops at the first failure
unless --keep-going. Each cutover is given the pool id the scan found (as --pool-id). rollback-all:
`make rollback` for every recorded migration. Both end with a summary table; exit 0 only when every
app moved (or was on Rust already) and, for migrate-all, every region could be read.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import io
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from . import check, cutover, stack
from .aws import Clients, reason_of
from .exit_codes import Exit
from .pool import APP_ID, TRIGGERS, PoolError, trigger_functions
from .records import Records, default_root
from .runtimes import phase

PREFIX = "amplify_backend_manager_"
MAX_PARALLEL_REGIONS = 4
SHORT = {"define-auth-challenge": "define", "create-auth-challenge": "create",
         "verify-auth-challenge": "verify", "custom-message": "message"}


@dataclass
class Trigger:
    function: str | None = None
    runtime: str | None = None
    phase: str | None = None


@dataclass
class App:
    region: str
    app_id: str
    pool_id: str
    app_name: str = "-"
    triggers: dict[str, Trigger] = field(default_factory=dict)
    rust: str = "no"               # yes / partly / no: the pool calls this project's functions
    problems: list[str] = field(default_factory=list)
    check: str | None = None       # None: not checked; "ok"; or what fails

    @property
    def ok(self) -> bool:
        return not self.problems and self.check in (None, "ok")


@dataclass
class Region:
    name: str
    error: str | None = None
    apps: list[App] = field(default_factory=list)


# ---------- fleet ----------

def enabled_regions(clients: Clients) -> list[str]:
    """The account's enabled regions (DescribeRegions answers only those by default)."""
    ec2 = Clients(clients.region or "us-east-1", clients.endpoint_url)("ec2")
    return sorted(r["RegionName"] for r in ec2.describe_regions()["Regions"])


def app_name(clients: Clients, app_id: str) -> str:
    try:
        return clients("amplify").get_app(appId=app_id)["app"]["name"]
    except (ClientError, BotoCoreError):  # not allowed, not found, or no Amplify there: a name is optional
        return "-"


def inspect_pool(clients: Clients, region: str, summary: dict, with_check: bool) -> App:
    app_id = summary["Name"][len(PREFIX):]
    app = App(region, app_id, summary["Id"])
    idp, lam = clients("cognito-idp"), clients("lambda")
    if not APP_ID.match(app_id):
        app.problems.append(f"{app_id!r} is not an Amplify app id")
        return app
    pool = idp.describe_user_pool(UserPoolId=summary["Id"])["UserPool"]
    app.app_name = app_name(clients, app_id)
    attached = pool.get("LambdaConfig") or {}
    for trigger, binary in TRIGGERS.items():
        app.triggers[binary] = Trigger(function=(attached.get(trigger) or "").rsplit(":", 1)[-1] or None)
    try:
        refs = trigger_functions(pool)
    except PoolError as error:
        missing = [t for t in TRIGGERS if not attached.get(t)]
        app.problems.append(f"no {', '.join(missing)} trigger" if missing else str(error))
        refs = {}
    configs = {}
    for binary, ref in refs.items():
        try:
            configs[binary] = lam.get_function(FunctionName=ref.arn)["Configuration"]
        except ClientError as error:
            app.problems.append(f"{SHORT[binary]}: cannot read {ref.name} ({reason_of(error)})")
            continue
        app.triggers[binary] = Trigger(ref.name, configs[binary].get("Runtime"), phase(configs[binary].get("Runtime")))
    ours = [binary for binary, ref in refs.items() if ref.name == stack.function_name(app_id, binary)
            and check.is_rust(configs.get(binary, {}))]
    app.rust = "yes" if len(ours) == len(TRIGGERS) else "partly" if ours else "no"
    if with_check and not app.problems:
        rows = check.check_functions(lam, pool, app_id, {b: r.name for b, r in refs.items()})
        failed = check.failures(rows)
        app.check = "ok" if not failed else "; ".join(failed)
    return app


def scan_region(region: str, endpoint_url: str | None, with_check: bool, progress) -> Region:
    clients = Clients(region, endpoint_url, session=boto3.session.Session())
    found = Region(region)
    began = time.monotonic()
    try:
        idp = clients("cognito-idp")
        summaries = [pool for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60)
                     for pool in page["UserPools"] if pool["Name"].startswith(PREFIX)]
        for summary in sorted(summaries, key=lambda p: (p["Name"], p["Id"])):
            found.apps.append(inspect_pool(clients, region, summary, with_check))
    except (ClientError, BotoCoreError) as error:
        # AccessDenied, UnrecognizedClient (a region not enabled), throttled past the retries...
        found.error = reason_of(error)
    progress(f"{region}: {len(found.apps)} Studio pool(s)" + (f", ERROR {found.error}" if found.error else "")
             + f" ({time.monotonic() - began:.1f} s)")
    return found


def scan(args) -> list[Region]:
    regions = resolve_regions(args)
    tty = sys.stderr.isatty()

    def progress(line: str):
        if tty:
            print(line, file=sys.stderr, flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_REGIONS, len(regions))) as pool:
        return list(pool.map(lambda r: scan_region(r, args.endpoint_url, args.check, progress), regions))


def resolve_regions(args) -> list[str]:
    if args.regions and args.regions != "all":
        return [r.strip() for r in args.regions.split(",") if r.strip()]
    if args.endpoint_url:
        raise cutover.Refused("with --endpoint-url, name the regions (--regions R,...): an emulator has no account")
    return enabled_regions(Clients(None, None))


def apps_of(regions: list[Region]) -> list[App]:
    return [app for region in regions for app in region.apps]


def render(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def fleet_table(regions: list[Region]) -> str:
    rows = [("region", "app id", "pool id", "app name", *SHORT.values(), "Lambda phase", "Rust", "verdict")]
    for app in apps_of(regions):
        runtimes = [app.triggers.get(b, Trigger()).runtime for b in TRIGGERS.values()]
        phases = sorted({f"{t.runtime}: {t.phase}" for t in app.triggers.values() if t.runtime})
        verdict = ("WRONG: " + "; ".join(app.problems) if app.problems else
                   "not checked" if app.check is None else "ok" if app.check == "ok" else f"FAIL: {app.check}")
        rows.append((app.region, app.app_id, app.pool_id, app.app_name, *[r or "-" for r in runtimes],
                     "; ".join(phases) or "-", app.rust, verdict))
    lines = [render(rows)]
    lines += [f"{r.name}: cannot be read: {r.error}" for r in regions if r.error]
    apps = apps_of(regions)
    lines.append(f"{len(apps)} Studio pool(s) in {len(regions)} region(s); {sum(not a.ok for a in apps)} wrong or failing; "
                 f"{sum(a.rust == 'yes' for a in apps)} on the Rust stack")
    return "\n".join(lines)


def fleet_json(regions: list[Region]) -> str:
    return json.dumps({"regions": [{"region": r.name, "error": r.error, "pools": len(r.apps)} for r in regions],
                       "apps": [dict(asdict(a), ok=a.ok) for a in apps_of(regions)]}, indent=2, sort_keys=True)


def fleet(args) -> int:
    regions = scan(args)
    print(fleet_json(regions) if args.json else fleet_table(regions))
    return Exit.CHECK_FAILED if any(not app.ok for app in apps_of(regions)) else Exit.OK


# ---------- migrate-all / rollback-all ----------

class Tee(io.TextIOBase):
    """stderr as it is, remembered: the summary names each app's failure as migrate said it."""

    def __init__(self, through):
        self.through, self.lines = through, []

    def write(self, text: str) -> int:
        self.lines.extend(line for line in text.splitlines() if line.strip())
        return self.through.write(text)

    def flush(self):
        self.through.flush()


def per_app_args(args, app_id: str, region: str, pool_id: str | None) -> argparse.Namespace:
    """What `migrate.py migrate|rollback --app-id [--pool-id]` would have parsed, confirmed already.
    The pool the fleet listed is named by its id: two pools carrying one app's name would
    otherwise make the single-app command refuse, or act on the other one."""
    single = argparse.Namespace(**vars(args))
    single.command, single.app_id, single.region, single.pool_id, single.yes = "migrate", app_id, region, pool_id, True
    single.clients = Clients(region, args.endpoint_url)
    return single


def run_one(command, args, app_id: str, region: str, pool_id: str | None) -> tuple[int, str]:
    """One app's cutover or rollback exactly as the single-app command runs it: (exit, why)."""
    single = per_app_args(args, app_id, region, pool_id)
    tee = Tee(sys.stderr)
    try:
        with contextlib.redirect_stderr(tee):
            code = command(single.clients, single)
    except (cutover.Refused, PoolError) as error:
        return Exit.REFUSED, str(error)
    except (ClientError, BotoCoreError) as error:
        return Exit.REFUSED, reason_of(error)
    why = next((line for line in reversed(tee.lines) if "FAILED" in line), tee.lines[-1] if tee.lines else "")
    return code, why


OUTCOMES = {Exit.OK: "{done}", Exit.REFUSED: "failed, nothing switched", Exit.CHECK_FAILED: "failed its check",
            Exit.SWITCHED_BACK: "failed, switched back (checked)", Exit.SWITCH_BACK_FAILED: "FAILED, SWITCH BACK FAILED"}


def migration_plan(args, apps: list[App]) -> list[tuple[App, str | None]]:
    """(app, None) to migrate, (app, why not) to skip."""
    plan = []
    for app in apps:
        if app.rust == "yes":
            why = "already Rust"
        elif app.problems:
            why = "skipped: " + "; ".join(app.problems)
        elif Records(args.records, app.app_id).exists():
            why = "skipped: a migration is recorded (rollback-all or retire first)"
        elif app.check not in (None, "ok"):
            why = f"skipped: fails its check now ({app.check}); migrate it alone"
        else:
            why = None
        plan.append((app, why))
    return plan


def plan_table(plan: list[tuple[App, str | None]], architecture: str) -> str:
    rows = [("region", "app id", "pool id", "creates", "switches", "or")]
    for app, why in plan:
        if why:
            rows.append((app.region, app.app_id, app.pool_id, "-", "-", why))
        else:
            rows.append((app.region, app.app_id, app.pool_id,
                         f"stack {stack.stack_name(app.app_id)}: 4 x provided.al2023 {architecture}",
                         ", ".join(t.function or "-" for t in app.triggers.values()) +
                         f" -> amplify-login-*-{stack.short_code(app.app_id)}", "migrate"))
    return render(rows)


def summary_table(results: list[tuple[str, str, str, str, float | None]]) -> str:
    rows = [("region", "app id", "outcome", "detail", "s")]
    rows += [(region, app_id, outcome, detail, f"{seconds:.1f}" if seconds is not None else "-")
             for region, app_id, outcome, detail, seconds in results]
    return render(rows)


def run_all(args, items: list[tuple[str, str, str | None, str | None]], command, done: str,
            unread: list[Region] = ()) -> int:
    """items: (region, app id, pool id, why skipped or None). Each in turn; the summary; the exit
    status: 0 only when every app moved (or was on Rust already) and every region was read."""
    results, failed, stopped = [], False, False
    for region, app_id, pool_id, why in items:
        if why:
            results.append((region, app_id, why.split(":")[0], why.partition(": ")[2], None))
            continue
        if stopped:
            results.append((region, app_id, "not attempted", "stopped at the first failure (--keep-going goes on)", None))
            continue
        print(f"\n=== {app_id} ({region}) ===", flush=True)
        began = time.monotonic()
        code, why_failed = run_one(command, args, app_id, region, pool_id)
        outcome = OUTCOMES.get(code, f"exit {code}").format(done=done)
        results.append((region, app_id, outcome, "" if code == Exit.OK else why_failed, time.monotonic() - began))
        if code != Exit.OK:
            failed = True
            stopped = not args.keep_going
    print("\n" + summary_table(results))
    moved = sum(r[2] == done for r in results)
    print(f"{moved} {done}, {sum(r[2] == 'already Rust' for r in results)} already Rust, "
          f"{sum(r[2] == 'skipped' for r in results)} skipped, "
          f"{sum(r[2] not in (done, 'already Rust', 'skipped', 'not attempted') for r in results)} failed, "
          f"{sum(r[2] == 'not attempted' for r in results)} not attempted")
    for region in unread:  # its pools, if any, were not in the plan
        print(f"{region.name}: cannot be read: {region.error}; its pools (if any) were not migrated")
    incomplete = failed or stopped or bool(unread) or any(r[2] not in (done, "already Rust") for r in results)
    return Exit.CHECK_FAILED if incomplete else Exit.OK


def migrate_all(args) -> int:
    args.check = True  # the plan skips pools whose originals fail now: a switch-back needs them working
    regions = scan(args)
    print(fleet_table(regions))
    plan = migration_plan(args, apps_of(regions))
    print("\nplan (the originals are never modified; each pool switched in one UpdateUserPool, "
          "checked, switched back by itself on failure):")
    print(plan_table(plan, args.architecture))
    if not any(why is None for _app, why in plan):
        print("nothing to migrate")  # the summary still says why each app stays where it is
    elif not cutover.confirm(args, f"Migrate {sum(why is None for _app, why in plan)} app(s)?"):
        print("nothing changed")
        return Exit.CHECK_FAILED
    return run_all(args, [(app.region, app.app_id, app.pool_id, why) for app, why in plan], cutover.migrate,
                   "migrated", unread=[r for r in regions if r.error])


def recorded(args) -> list[tuple[str, str]]:
    """(region, app id) of every recorded migration, in the named regions."""
    wanted = None if not args.regions or args.regions == "all" else set(resolve_regions(args))
    found = []
    for record in sorted(Path(args.records).glob("*/record.json")):
        pool_id = json.loads(record.read_text())["pool"]["Id"]
        region = pool_id.split("_")[0]
        if wanted is None or region in wanted:
            found.append((region, record.parent.name))
    return found


def rollback_all(args) -> int:
    items = recorded(args)
    if not items:
        print(f"no recorded migrations under {args.records}")
        return Exit.OK
    print(render([("region", "app id", "switches back to")] +
                 [(region, app_id, ", ".join(v.rsplit(":", 1)[-1] for v in
                                            Records(args.records, app_id).load()["original_triggers"].values()))
                  for region, app_id in items]))
    if not cutover.confirm(args, f"Switch {len(items)} pool(s) back?"):
        print("nothing changed")
        return Exit.CHECK_FAILED
    return run_all(args, [(region, app_id, None, None) for region, app_id in items], cutover.rollback, "rolled back")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["fleet", "migrate-all", "rollback-all"])
    parser.add_argument("--regions", default="all", help="R,R,... or all (the account's enabled regions)")
    parser.add_argument("--endpoint-url", help="send every AWS call (and the SAM CLI's) to this endpoint (an emulator)")
    parser.add_argument("--records", default=str(default_root()), help="where records are kept (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="fleet: JSON instead of the table")
    parser.add_argument("--check", action="store_true", help="fleet: also probe each pool's four triggers (make check)")
    parser.add_argument("--keep-going", action="store_true", help="go on after an app fails")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--artifacts", default=str(cutover.ROOT / "build" / "lambda" / "arm64"),
                        help="directory with <function>/bootstrap.zip (make build)")
    parser.add_argument("--architecture", choices=["arm64", "x86_64"], default="arm64")
    parser.add_argument("--s3-bucket", help="bucket for sam deploy's upload (default: SAM's managed bucket)")
    parser.add_argument("--delete-stack", action="store_true", help="rollback-all: also delete each app's stack")
    args = parser.parse_args(argv)
    command = {"fleet": fleet, "migrate-all": migrate_all, "rollback-all": rollback_all}[args.command]
    try:
        return command(args)
    except (cutover.Refused, PoolError, ClientError, BotoCoreError) as error:
        print(f"error: {error if isinstance(error, (cutover.Refused, PoolError)) else reason_of(error)}", file=sys.stderr)
        return Exit.REFUSED
