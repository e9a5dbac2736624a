"""Many Studio apps in one account: `migrate.py fleet`, `migrate-all`, `rollback-all` through the
real CLI against ministack, every call behind Lambda's December 2026 deprecation policy.

ministack keeps Cognito pools per region (a pool made in eu-west-1 is listed there only), so the
region loop runs over two real regions of one endpoint: the Studio-shaped pools in us-east-1 and
one with a missing trigger in eu-west-1. The fleet (sorted by app id):
  dfleeta1  Node originals (StudioLoginStack)      -> migrated, logins after migrate and after rollback
  dfleetc1  already on the Rust functions           -> "already Rust"
  dfleetd1  eu-west-1, no CustomMessage trigger      -> listed as wrong, skipped
  dfleete1  Node originals; its new verify fails through the pool (fault) -> switched back
  dfleetf1  Node originals, custom-message throws   -> fails its check, skipped
  dfleetg1  Node originals                           -> not attempted, then moved by --keep-going (a login)
rollback-all then switches A and G back; every pool's DescribeUserPool is compared with the one
taken before the first migrate-all, the originals' configurations likewise.
"""

import contextlib
import io
import json
import subprocess
import sys
import time
import zipfile

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from fault_proxy import Rule
from lambda_policy import lambda_as_in_december_2026
from studio_stack import BUILD, CREDENTIALS, ROOT, TRIGGERS, StudioLoginStack, ministack_cli_env, node_original_zip
from test_migrate import studio_settings

A, C, D, E, F, G = "dfleeta1", "dfleetc1", "dfleetd1", "dfleete1", "dfleetf1", "dfleetg1"
BUCKET = "sam-artifacts"
SAM = BUILD / "venv-sam" / "bin" / "sam"
ROLE = "arn:aws:iam::000000000000:role/amplify-login-lambda"
REGIONS = "us-east-1,eu-west-1"


def throwing_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.js", "exports.handler = async () => { throw new Error('broken by an admin'); };\n")
    return buffer.getvalue()


def add_app(stack, app_id: str, kind: str) -> str:
    """Four functions and a Studio-named pool; kind: node, broken (custom-message throws), rust."""
    lam = stack.client("lambda")
    arns = {}
    for trigger, binary in TRIGGERS.items():
        if kind == "rust":
            name, code = f"amplify-login-{binary}-r{app_id}", {"Runtime": "provided.al2023", "Handler": "bootstrap",
                                                              "Code": {"ZipFile": stack.function_zip(binary)}}
            env = {"AMPLIFY_APP_ID": app_id, "AWS_LAMBDA_LOG_FORMAT": "JSON"}
        else:
            zipped = throwing_zip() if kind == "broken" and binary == "custom-message" else node_original_zip(binary)
            name, code, env = f"amplify-login-{binary}-{app_id}", {"Runtime": "nodejs20.x", "Handler": "index.handler",
                                                                   "Code": {"ZipFile": zipped}}, {}
        if binary == "verify-auth-challenge":
            env["ENDPOINT"] = stack.backend_url
        arns[trigger] = lam.create_function(FunctionName=name, Role=ROLE, Environment={"Variables": env},
                                            Timeout=15, **code)["FunctionArn"]
    return stack.client("cognito-idp").create_user_pool(PoolName=f"amplify_backend_manager_{app_id}",
                                                        LambdaConfig=arns)["UserPool"]["Id"]


@pytest.fixture(scope="module")
def fleet_stack():
    with StudioLoginStack(app_id=A, functions="node", say=lambda _: None,
                          extra_services="cloudformation,s3,monitoring,events") as stack:
        stack.client("s3").create_bucket(Bucket=BUCKET)
        pools = {A: stack.pool_id, C: add_app(stack, C, "rust"), E: add_app(stack, E, "node"),
                 F: add_app(stack, F, "broken"), G: add_app(stack, G, "node")}
        idp = stack.client("cognito-idp")
        for pool_id in pools.values():
            # Settings as a real Studio pool describes them: ministack leaves the verification
            # messages empty where Cognito describes its defaults, and the policy proxy's
            # UpdateUserPool then writes those defaults in, which the switch rightly reports.
            current = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"]
            idp.update_user_pool(UserPoolId=pool_id, **studio_settings(current))
        triggers = idp.describe_user_pool(UserPoolId=stack.pool_id)["UserPool"]["LambdaConfig"]
        eu = boto3.client("cognito-idp", endpoint_url=stack.ministack_url, region_name="eu-west-1",
                          config=Config(retries={"max_attempts": 1}), **CREDENTIALS)
        pools[D] = eu.create_user_pool(PoolName=f"amplify_backend_manager_{D}", LambdaConfig={
            t: arn for t, arn in triggers.items() if t != "CustomMessage"})["UserPool"]["Id"]
        stack.pools = pools
        # ministack answers its first request for a service it does not run (amplify:GetApp) after
        # ~6 s, once per process: paid here, so the timings the test prints are the tool's.
        with contextlib.suppress(ClientError):
            stack.client("amplify").get_app(appId=A)
        # An app client per pool a login goes through (A's came with the stack).
        stack.app_clients = {A: stack.client_id, G: idp.create_user_pool_client(
            UserPoolId=pools[G], ClientName=f"amplify_backend_manager_{G}", GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]}
        yield stack


def cli(stack, tmp, *args: str, endpoint: str) -> tuple[subprocess.CompletedProcess, float]:
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "migrate.py"), *args, "--regions", REGIONS, "--endpoint-url", endpoint,
         "--records", str(tmp / "records"), "--artifacts", str(BUILD / "lambda" / "x86-zips"),
         "--architecture", stack.architecture, "--s3-bucket", BUCKET],
        env=ministack_cli_env(SAM_CLI=str(SAM)), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=900)
    took = time.monotonic() - began
    print(f"--- {' '.join(args)} ({took:.1f} s, exit {result.returncode})\n{result.stdout}\n{result.stderr}")
    return result, took


def calls(stack, app_id: str) -> set[str]:
    pool = stack.client("cognito-idp").describe_user_pool(UserPoolId=stack.pools[app_id])["UserPool"]
    return {arn.rsplit(":", 1)[1] for arn in pool["LambdaConfig"].values()}


def ours(app_id: str) -> set[str]:
    return {f"amplify-login-{b}-r{app_id}" for b in TRIGGERS.values()}


def originals(app_id: str) -> set[str]:
    return {f"amplify-login-{b}-{app_id}" for b in TRIGGERS.values()}


def login(stack, app_id: str, email: str):
    """A Studio login through the app's pool, whichever functions it calls now."""
    idp, pool_id, client_id = stack.client("cognito-idp"), stack.pools[app_id], stack.app_clients[app_id]
    idp.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password="Unused-Passw0rd!",  # noqa: S106 - a test user
                                Permanent=True)
    token = stack.create_token(app_id=app_id)
    started = idp.initiate_auth(AuthFlow="CUSTOM_AUTH", ClientId=client_id, AuthParameters={"USERNAME": email})
    assert started["ChallengeName"] == "CUSTOM_CHALLENGE", started
    result = idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="CUSTOM_CHALLENGE", Session=started["Session"],
                                           ChallengeResponses={"USERNAME": email, "ANSWER": token["ChallengeCode"]},
                                           ClientMetadata=stack.login_metadata(token))
    assert "AuthenticationResult" in result, result


def settings(stack, app_id: str) -> dict:
    """DescribeUserPool as a whole (triggers included), less what changes by itself."""
    described = boto3.client("cognito-idp", endpoint_url=stack.ministack_url, region_name=stack.pools[app_id].split("_")[0],
                             config=Config(retries={"max_attempts": 1}), **CREDENTIALS).describe_user_pool(
        UserPoolId=stack.pools[app_id])["UserPool"]
    return {k: v for k, v in described.items() if k not in ("LastModifiedDate", "EstimatedNumberOfUsers")}


def functions(stack) -> dict:
    """Every function in us-east-1 as Lambda describes it: the originals must never change."""
    lam = stack.client("lambda")
    return {f["FunctionName"]: (f["Runtime"], f["CodeSha256"], f.get("Environment"), f["Handler"])
            for page in lam.get_paginator("list_functions").paginate() for f in page["Functions"]}


def fail_verify_through_pool(app_id: str) -> list[Rule]:
    """The app's new verify passes its direct check (the first invocation), then fails through the
    pool: the cutover must switch back. Fresh rules for each run (a Rule counts what it saw)."""
    return [Rule("POST", r"/2015-03-31/functions/amplify-login-verify-auth-challenge-r" + app_id + r"/invocations",
                 "error", skip=1, count=0, status=500, code="ServiceException")]


def row(stdout: str, app_id: str) -> str:
    """The app's line, its cells one space apart."""
    return " ".join(next(line for line in stdout.splitlines() if f" {app_id} " in line).split())


def test_a_region_without_permissions_is_reported_not_fatal(fleet_stack, tmp_path):
    denied = Rule("POST", r"/", "error", target="ListUserPools", count=0, code="AccessDeniedException")
    with lambda_as_in_december_2026(fleet_stack.ministack_url, [denied]) as policy:
        listed, _ = cli(fleet_stack, tmp_path, "fleet", endpoint=policy.url)
    assert denied.acted == 2 and listed.returncode == 0 and "Traceback" not in listed.stderr
    assert listed.stdout.count("cannot be read: AccessDeniedException") == 2, listed.stdout
    with lambda_as_in_december_2026(fleet_stack.ministack_url, [denied]) as policy:
        moved, _ = cli(fleet_stack, tmp_path, "migrate-all", "--yes", endpoint=policy.url)
    # Nothing could be read, so nothing moved: not an error, but not "all moved" either.
    assert moved.returncode == 1 and "Traceback" not in moved.stderr, moved.stderr
    assert moved.stdout.count("cannot be read: AccessDeniedException") == 4, "in the table and the summary"
    assert "0 migrated, 0 already Rust, 0 skipped, 0 failed, 0 not attempted" in moved.stdout


def section(stdout: str, header: str) -> str:
    """The table that starts with the last line beginning `header` (the plan, the summary)."""
    return header + stdout.rsplit("\n" + header, 1)[1]


def test_fleet_migrate_all_and_rollback_all(fleet_stack, tmp_path):
    stack = fleet_stack
    zips = BUILD / "lambda" / "x86-zips"
    for binary in TRIGGERS.values():
        (zips / binary).mkdir(parents=True, exist_ok=True)
        (zips / binary / "bootstrap.zip").write_bytes(stack.function_zip(binary))
    before = {app_id: settings(stack, app_id) for app_id in stack.pools}
    before_functions = functions(stack)
    assert {before_functions[name][0] for app_id in (A, E, F, G) for name in originals(app_id)} == {"nodejs20.x"}

    with lambda_as_in_december_2026(stack.ministack_url) as policy:
        plain, plain_s = cli(stack, tmp_path, "fleet", endpoint=policy.url)
        listed, listed_s = cli(stack, tmp_path, "fleet", "--check", endpoint=policy.url)
        as_json, _ = cli(stack, tmp_path, "fleet", "--check", "--json", endpoint=policy.url)
        assert not policy.refusals, policy.refusals
    assert plain.returncode == 1, "D is wrong even without --check"
    assert "not checked" in row(plain.stdout, F) and "WRONG: no CustomMessage trigger" in row(plain.stdout, D)
    assert listed.returncode == 1 and as_json.returncode == 1, "F fails its check, D is wrong"
    report = json.loads(as_json.stdout)
    assert [(r["region"], r["error"], r["pools"]) for r in report["regions"]] == [("us-east-1", None, 5), ("eu-west-1", None, 1)]
    apps = {a["app_id"]: a for a in report["apps"]}
    assert {k: (a["region"], a["pool_id"], a["rust"], a["ok"]) for k, a in apps.items()} == {
        A: ("us-east-1", stack.pools[A], "no", True), C: ("us-east-1", stack.pools[C], "yes", True),
        D: ("eu-west-1", stack.pools[D], "no", False), E: ("us-east-1", stack.pools[E], "no", True),
        F: ("us-east-1", stack.pools[F], "no", False), G: ("us-east-1", stack.pools[G], "no", True)}
    assert apps[D]["problems"] == ["no CustomMessage trigger"]
    assert "custom-message" in apps[F]["check"] and apps[A]["check"] == "ok"
    assert {t["runtime"] for t in apps[A]["triggers"].values()} == {"nodejs20.x"}
    assert {t["phase"] for t in apps[A]["triggers"].values()} == {"update blocked since 2026-09-30"}
    assert {t["runtime"] for t in apps[C]["triggers"].values()} == {"provided.al2023"}
    for app_id, app in apps.items():  # the table says what the JSON says
        line = row(listed.stdout, app_id)
        assert line.split()[:3] == [app["region"], app_id, app["pool_id"]]
        assert ("ok" if app["ok"] else ("WRONG" if app["problems"] else "FAIL")) in line
    assert "nodejs20.x: update blocked since 2026-09-30" in row(listed.stdout, A)
    assert listed.stdout.rstrip().endswith("6 Studio pool(s) in 2 region(s); 2 wrong or failing; 1 on the Rust stack")

    # 1. Without --keep-going: A moves, E fails through its pool and is switched back, G waits.
    with lambda_as_in_december_2026(stack.ministack_url, fail_verify_through_pool(E)) as policy:
        first, first_s = cli(stack, tmp_path, "migrate-all", "--yes", endpoint=policy.url)
        assert policy.rules[0].acted, "the fault was reached"
        assert not policy.refusals, policy.refusals
    assert first.returncode == 1 and "Traceback" not in first.stderr
    plan = first.stdout.split("\nplan (", 1)[1].split("\n=== ", 1)[0]
    for app_id in (A, E, G):
        assert row(plan, app_id).endswith("migrate"), row(plan, app_id)
        assert f"stack amplify-studio-login-{app_id}: 4 x provided.al2023 {stack.architecture}" in row(plan, app_id)
        assert all(name in row(plan, app_id) for name in originals(app_id)), "what it switches from"
        assert f"-> amplify-login-*-r{app_id}" in row(plan, app_id)
    assert row(plan, C).endswith("already Rust") and row(plan, D).endswith("skipped: no CustomMessage trigger")
    assert "skipped: fails its check now (CustomMessage" in row(plan, F)
    summary = section(first.stdout, "region")
    assert row(summary, A).split()[2] == "migrated" and "already Rust" in row(summary, C)
    assert "skipped no CustomMessage trigger" in row(summary, D) and "skipped fails its check now" in row(summary, F)
    assert "failed, switched back (checked) FAILED at the check through the pool: VerifyAuthChallengeResponse" in row(summary, E)
    assert "not attempted stopped at the first failure" in row(summary, G)
    assert "1 migrated, 1 already Rust, 2 skipped, 1 failed, 1 not attempted" in summary
    assert calls(stack, A) == ours(A) and calls(stack, E) == originals(E) and calls(stack, G) == originals(G)
    assert settings(stack, E) == before[E], "E switched back: triggers and every setting as before"
    migrated_a = settings(stack, A)
    assert {k: v for k, v in migrated_a.items() if k != "LambdaConfig"} == \
        {k: v for k, v in before[A].items() if k != "LambdaConfig"}, "every setting but the triggers kept"
    login(stack, A, "migrated@example.com")

    # 2. --keep-going: E fails and is switched back again, G (after it) still moves.
    with lambda_as_in_december_2026(stack.ministack_url, fail_verify_through_pool(E)) as policy:
        going, going_s = cli(stack, tmp_path, "migrate-all", "--yes", "--keep-going", endpoint=policy.url)
        assert policy.rules[0].acted, "the fault was reached"
        assert not policy.refusals, policy.refusals
    summary = section(going.stdout, "region")
    assert going.returncode == 1 and "Traceback" not in going.stderr
    assert "failed, switched back (checked)" in row(summary, E) and row(summary, G).split()[2] == "migrated"
    assert "already Rust" in row(summary, A) and "already Rust" in row(summary, C)
    assert "1 migrated, 2 already Rust, 2 skipped, 1 failed, 0 not attempted" in summary
    assert calls(stack, G) == ours(G) and calls(stack, E) == originals(E) and calls(stack, A) == ours(A)
    assert settings(stack, E) == before[E]
    login(stack, G, "migrated.g@example.com")

    # 3. rollback-all: every recorded migration (A, G) back; E's switch-back left no record.
    with lambda_as_in_december_2026(stack.ministack_url) as policy:
        rolled, rolled_s = cli(stack, tmp_path, "rollback-all", "--yes", endpoint=policy.url)
        assert not policy.refusals, policy.refusals
    assert rolled.returncode == 0, rolled.stderr
    summary = section(rolled.stdout, "region")
    assert {line.split()[1] for line in summary.splitlines()[1:] if line.startswith("us-east-1")} == {A, G}
    assert row(summary, A).split()[2:4] == row(summary, G).split()[2:4] == ["rolled", "back"]
    assert "2 rolled back, 0 already Rust, 0 skipped, 0 failed, 0 not attempted" in summary
    for app_id in stack.pools:  # triggers and every setting exactly as before, in every pool
        assert settings(stack, app_id) == before[app_id], app_id
    after_functions = functions(stack)
    assert {name: after_functions.get(name) for name in before_functions} == before_functions, "never modified"
    login(stack, A, "rolled.back@example.com")
    again, _ = cli(stack, tmp_path, "rollback-all", "--yes", endpoint=stack.ministack_url)
    assert again.returncode == 0 and "no recorded migrations" in again.stdout
    print(f"TIMES fleet {plain_s:.1f} s, fleet --check {listed_s:.1f} s, migrate-all {first_s:.1f} s, "
          f"migrate-all --keep-going {going_s:.1f} s, rollback-all {rolled_s:.1f} s")
