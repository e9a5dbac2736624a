"""Many Studio apps in one account: `migrate.py fleet`, `migrate-all`, `rollback-all` through the
real CLI against ministack, every call behind Lambda's December 2026 deprecation policy.

ministack keeps Cognito pools per region (a pool made in eu-west-1 is listed there only), so the
region loop runs over two real regions of one endpoint: the Studio-shaped pools in us-east-1 and
one with a missing trigger in eu-west-1. The fleet (sorted by app id):
  dfleeta1  Node originals (StudioLoginStack)      -> migrated, logins before and after rollback
  dfleetc1  already on the Rust functions           -> "already Rust"
  dfleetd1  eu-west-1, no CustomMessage trigger      -> listed as wrong, skipped
  dfleete1  Node originals; its new verify fails through the pool (fault) -> switched back
  dfleetf1  Node originals, custom-message throws   -> fails its check, skipped
  dfleetg1  Node originals                           -> not attempted, then moved by --keep-going
"""

import io
import json
import subprocess
import sys
import time
import zipfile

import boto3
import pytest
from botocore.config import Config
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
                          extra_services="cloudformation,s3,monitoring") as stack:
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


def login(stack, email: str):
    stack.add_confirmed_user(email)
    token = stack.create_token()
    started = stack.start_login(email)
    result = stack.answer(email, started["Session"], token["ChallengeCode"], stack.login_metadata(token))
    assert "AuthenticationResult" in result, result


def row(stdout: str, app_id: str) -> str:
    return next(line for line in stdout.splitlines() if f" {app_id} " in line)


def test_a_region_without_permissions_is_reported_not_fatal(fleet_stack, tmp_path):
    denied = Rule("POST", r"/", "error", target="ListUserPools", count=0, code="AccessDeniedException")
    with lambda_as_in_december_2026(fleet_stack.ministack_url, [denied]) as policy:
        listed, _ = cli(fleet_stack, tmp_path, "fleet", endpoint=policy.url)
    assert denied.acted == 2 and listed.returncode == 0 and "Traceback" not in listed.stderr
    assert listed.stdout.count("cannot be read: AccessDeniedException") == 2, listed.stdout


@pytest.mark.skip(reason="issue 21 is unfinished: migrate-all / rollback-all have not completed a run yet "
                  "(the fleet listing is tested above and in this test's first half once enabled)")
def test_fleet_migrate_all_and_rollback_all(fleet_stack, tmp_path):
    stack = fleet_stack
    zips = BUILD / "lambda" / "x86-zips"
    for binary in TRIGGERS.values():
        (zips / binary).mkdir(parents=True, exist_ok=True)
        (zips / binary / "bootstrap.zip").write_bytes(stack.function_zip(binary))
    with lambda_as_in_december_2026(stack.ministack_url) as policy:
        listed, listed_s = cli(stack, tmp_path, "fleet", "--check", endpoint=policy.url)
        as_json, _ = cli(stack, tmp_path, "fleet", "--check", "--json", endpoint=policy.url)
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

    fail_e = [Rule("POST", r"/2015-03-31/functions/amplify-login-verify-auth-challenge-r" + E + r"/invocations",
                   "error", skip=1, count=0, status=500, code="ServiceException")]
    with lambda_as_in_december_2026(stack.ministack_url, fail_e) as policy:
        first, first_s = cli(stack, tmp_path, "migrate-all", "--yes", endpoint=policy.url)
        assert not policy.refusals, policy.refusals
    assert first.returncode == 1 and "Traceback" not in first.stderr
    summary = first.stdout.rsplit("region", 1)[1]
    assert "migrated" in row(summary, A) and "already Rust" in row(summary, C)
    assert "skipped" in row(summary, D) and "skipped" in row(summary, F)
    assert "switched back" in row(summary, E) and "not attempted" in row(summary, G)
    assert calls(stack, A) == ours(A) and calls(stack, E) == originals(E) and calls(stack, G) == originals(G)
    login(stack, "migrated@example.com")

    with lambda_as_in_december_2026(stack.ministack_url, fail_e) as policy:
        going, going_s = cli(stack, tmp_path, "migrate-all", "--yes", "--keep-going", endpoint=policy.url)
        assert not policy.refusals, policy.refusals
    summary = going.stdout.rsplit("region", 1)[1]
    assert going.returncode == 1 and "switched back" in row(summary, E) and "migrated" in row(summary, G)
    assert "already Rust" in row(summary, A)
    assert calls(stack, G) == ours(G) and calls(stack, E) == originals(E)

    with lambda_as_in_december_2026(stack.ministack_url) as policy:
        rolled, rolled_s = cli(stack, tmp_path, "rollback-all", "--yes", endpoint=policy.url)
        assert not policy.refusals, policy.refusals
    assert rolled.returncode == 0, rolled.stderr
    assert {line.split()[1] for line in rolled.stdout.rsplit("region", 1)[1].splitlines()
            if line.startswith("us-east-1") and "rolled back" in line} == {A, G}
    assert calls(stack, A) == originals(A) and calls(stack, G) == originals(G) and calls(stack, C) == ours(C)
    login(stack, "rolled.back@example.com")
    print(f"TIMES fleet --check {listed_s:.1f} s, migrate-all {first_s:.1f} s, --keep-going {going_s:.1f} s, "
          f"rollback-all {rolled_s:.1f} s")
