"""The cutover of a Studio pool onto the Rust functions, and back, through the real CLI
(deploy/migrate.py) against ministack with Lambda's deprecation policy in front
(lambda_policy.py): Node originals on nodejs20.x that Lambda refuses to update, a pool with
non-default settings, the app's stack deployed with the SAM CLI in existing-pool mode. Every
migrate/rollback runs under the policy; failures are injected at each step."""

import contextlib
import json
import os
import stat
import subprocess
import sys
from collections import Counter
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from fault_proxy import Rule
from lambda_policy import lambda_as_in_december_2026, refusal
from metric_filters import datapoints, template_metric_filters
from studio_stack import BUILD, ROOT, TRIGGERS, StudioLoginStack, ministack_cli_env, node_original_zip, toolchain_free_path

APP_ID = "dmigrate00001"
SHORT_CODE = "ab12cd34"
ORIGINAL_FIELDS = ("FunctionArn", "Runtime", "Handler", "Architectures", "CodeSha256", "Environment", "MemorySize", "Timeout")
NEW_NAME = "amplify-login-{}-r" + APP_ID
BUCKET = "sam-artifacts"
SAM = BUILD / "venv-sam" / "bin" / "sam"
# STUDIO_RELEASE=dist/amplify-studio-login-<version> (`make release-deploy-test`): also migrate from
# that release's zips with no Rust toolchain on PATH.
RELEASE = os.environ.get("STUDIO_RELEASE")


def studio_settings(triggers: dict) -> dict:
    """A Studio pool an admin has tuned: every one of these must survive the switch."""
    return {
        "Policies": {"PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True,
                                        "RequireNumbers": True, "RequireSymbols": False, "TemporaryPasswordValidityDays": 3}},
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True, "InviteMessageTemplate": {
            "EmailSubject": "Your Studio invitation", "EmailMessage": "Hi {username}, your code is {####}",
            "SMSMessage": "Studio: {username} {####}"}},
        "UserPoolTags": {"team": "agency-7", "cost-center": "42"},
        "DeletionProtection": "ACTIVE",
        "AccountRecoverySetting": {"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
        "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE", "EmailSubject": "Verify Studio",
                                        "EmailMessage": "Your Studio code is {####}"},
        "EmailVerificationSubject": "Verify Studio", "EmailVerificationMessage": "Your Studio code is {####}",
        "AutoVerifiedAttributes": ["email"],
        "LambdaConfig": triggers,
    }


@contextlib.contextmanager
def studio_pool(node_verify: str = "standin"):
    """A tuned Studio pool on Node originals; verify is the SPEC stand-in, or with "original"
    the real one from the seed page (test_node_original.py runs the cutover on that too)."""
    with StudioLoginStack(app_id=APP_ID, functions="node", node_verify=node_verify, short_code=SHORT_CODE,
                          say=lambda _: None, extra_services="cloudformation,s3,monitoring,events") as stack:
        idp = stack.client("cognito-idp")
        triggers = idp.describe_user_pool(UserPoolId=stack.pool_id)["UserPool"]["LambdaConfig"]
        idp.update_user_pool(UserPoolId=stack.pool_id, **studio_settings(triggers))
        stack.client("s3").create_bucket(Bucket=BUCKET)
        yield stack
    assert stack.survivors() == []


@pytest.fixture(scope="module")
def studio():
    with studio_pool() as stack:
        yield stack


def write_artifacts(stack, tmp_path: Path) -> Path:
    for binary in TRIGGERS.values():
        (tmp_path / "artifacts" / binary).mkdir(parents=True)
        (tmp_path / "artifacts" / binary / "bootstrap.zip").write_bytes(stack.function_zip(binary))
    return tmp_path / "artifacts"


@pytest.fixture
def artifacts(studio, tmp_path) -> Path:
    return write_artifacts(studio, tmp_path)


def cli(stack, tmp: Path, *args: str, endpoint: str, bucket: str = BUCKET, **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "migrate.py"), *args, "--app-id", APP_ID, "--endpoint-url", endpoint,
         "--artifacts", str(tmp / "artifacts"), "--architecture", stack.architecture, "--records", str(tmp / "records"),
         "--s3-bucket", bucket],
        env=ministack_cli_env(SAM_CLI=str(SAM), **env), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=900)
    print(result.stdout, result.stderr)
    return result


def lambda_client(endpoint: str):
    return boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))


def make_check(endpoint: str) -> subprocess.CompletedProcess:
    """`make check` as an admin runs it (its own venv), boto3 pointed at the endpoint."""
    checked = subprocess.run(["make", "--no-print-directory", "check", f"APP_ID={APP_ID}"], cwd=ROOT,
                             env=ministack_cli_env(AWS_ENDPOINT_URL=endpoint), capture_output=True, text=True, timeout=600)
    print(checked.stdout, checked.stderr)
    return checked


def originals(stack) -> dict:
    lam = stack.client("lambda")
    return {b: {k: lam.get_function(FunctionName=stack.function_name(b))["Configuration"].get(k) for k in ORIGINAL_FIELDS}
            for b in TRIGGERS.values()}


def pool(stack) -> dict:
    described = stack.client("cognito-idp").describe_user_pool(UserPoolId=stack.pool_id)["UserPool"]
    return {k: v for k, v in described.items() if k not in ("LastModifiedDate", "EstimatedNumberOfUsers")}


def without_triggers(described: dict) -> dict:
    return {k: v for k, v in described.items() if k != "LambdaConfig"}


def calls(stack) -> dict:
    return pool(stack)["LambdaConfig"]


def login(stack, email: str):
    stack.add_confirmed_user(email)
    token = stack.create_token()
    started = stack.start_login(email)
    assert started["ChallengeName"] == "CUSTOM_CHALLENGE"
    result = stack.answer(email, started["Session"], token["ChallengeCode"], stack.login_metadata(token))
    assert "AuthenticationResult" in result, result


def assert_untouched(stack, before_functions: dict, before_pool: dict, email: str):
    """The originals exactly as before, the pool exactly as before, a login through them."""
    assert originals(stack) == before_functions
    assert pool(stack) == before_pool
    login(stack, email)


def test_the_deprecation_policy_refuses_the_old_in_place_migrate(studio, tmp_path):
    """Prove the policy bites: yesterday's in-place migrate (code then configuration updates on
    Studio's functions) fails at its first call and cannot roll back, exactly as on AWS today."""
    before = originals(studio)
    old = tmp_path / "old"
    old.mkdir()
    for name in ("migrate.py", "check.py"):
        (old / name).write_text(subprocess.run(["git", "show", f"9bddd40:deploy/{name}"], cwd=ROOT, check=True,
                                               capture_output=True, text=True).stdout)
    for binary in TRIGGERS.values():
        (tmp_path / "artifacts" / binary).mkdir(parents=True)
        (tmp_path / "artifacts" / binary / "bootstrap.zip").write_bytes(studio.function_zip(binary))
    with lambda_as_in_december_2026(studio.ministack_url) as policy:
        result = subprocess.run([sys.executable, str(old / "migrate.py"), "migrate", "--yes", "--app-id", APP_ID,
                                 "--endpoint-url", policy.url, "--artifacts", str(tmp_path / "artifacts"),
                                 "--architecture", studio.architecture, "--records", str(tmp_path / "records")],
                                env=ministack_cli_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
        print(result.stdout, result.stderr)
        via = lambda_client(policy.url)  # Lambda as a deployment tool meets it today
        name = studio.function_name("custom-message")
        with pytest.raises(via.exceptions.InvalidParameterValueException) as code_refused:
            via.update_function_code(FunctionName=name, ZipFile=node_original_zip("custom-message"))
        with pytest.raises(via.exceptions.InvalidParameterValueException):
            via.update_function_configuration(FunctionName=name, Runtime="nodejs20.x")
        with pytest.raises(via.exceptions.InvalidParameterValueException):
            via.create_function(FunctionName="studio-login-policy-probe", Runtime="nodejs18.x", Handler="index.handler",
                                Role="arn:aws:iam::000000000000:role/x", Code={"ZipFile": node_original_zip("custom-message")})
        refusals = list(policy.refusals)
    assert result.returncode == 4 and "InvalidParameterValueException" in result.stderr, result.stderr
    assert "AUTOMATIC ROLLBACK FAILED" in result.stderr
    status, code, message = refusal("nodejs20.x")
    assert code_refused.value.response["Error"]["Message"] == message
    assert code_refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == status == 400
    first_call = f"/2015-03-31/functions/{studio.function_name('define-auth-challenge')}/code"
    assert ("PUT", first_call, *refusal("nodejs20.x")) in refusals
    print("REFUSALS", json.dumps(refusals, indent=1))
    assert originals(studio) == before, "refused calls changed nothing"


def test_a_config_update_moving_to_a_supported_runtime_is_allowed(studio):
    lam = studio.client("lambda")  # created beside the policy: Lambda would refuse this today
    lam.create_function(FunctionName="studio-login-scratch", Runtime="nodejs20.x", Handler="index.handler",
                        Role="arn:aws:iam::000000000000:role/x", Code={"ZipFile": node_original_zip("custom-message")})
    with lambda_as_in_december_2026(studio.ministack_url) as policy:
        via = lambda_client(policy.url)
        via.update_function_configuration(FunctionName="studio-login-scratch", Runtime="provided.al2023", Handler="bootstrap")
        via.update_function_code(FunctionName="studio-login-scratch", ZipFile=studio.function_zip("define-auth-challenge"))
        assert not policy.refusals
    lam.delete_function(FunctionName="studio-login-scratch")


def as_lambda_applies_logging_config(stack):
    """Lambda turns a function's LoggingConfig (LogFormat JSON, ApplicationLogLevel) into the
    AWS_LAMBDA_LOG_FORMAT / AWS_LAMBDA_LOG_LEVEL its runtime reads; ministack does not. Done here
    for the stack's functions, from the configuration the stack gave them."""
    lam = stack.client("lambda")
    for binary in TRIGGERS.values():
        config = lam.get_function_configuration(FunctionName=NEW_NAME.format(binary))
        logging = config.get("LoggingConfig") or {}
        assert logging.get("LogFormat") == "JSON", logging
        env = dict(config["Environment"]["Variables"], AWS_LAMBDA_LOG_FORMAT="JSON",
                   AWS_LAMBDA_LOG_LEVEL=logging.get("ApplicationLogLevel", "INFO"))
        lam.update_function_configuration(FunctionName=config["FunctionName"], Environment={"Variables": env})


def _published(stack, binary: str) -> Counter:
    lines = stack.client("logs")
    found = []
    with contextlib.suppress(lines.exceptions.ResourceNotFoundException):
        for page in lines.get_paginator("filter_log_events").paginate(logGroupName=f"/aws/lambda/{NEW_NAME.format(binary)}"):
            found.extend(e["message"] for e in page.get("events", []))
    return Counter((p.metric, p.dimensions) for f in template_metric_filters() if f.binary == binary
                   for p in datapoints(f, found))


def test_migrate_login_invitation_metrics_check_and_rollback(studio, artifacts, tmp_path):
    stack = studio
    before_functions, before_pool = originals(stack), pool(stack)
    assert {c["Runtime"] for c in before_functions.values()} == {"nodejs20.x"}
    with lambda_as_in_december_2026(stack.ministack_url) as policy:
        checked = subprocess.run([sys.executable, str(ROOT / "deploy" / "check.py"), "--app-id", APP_ID,
                                  "--endpoint-url", policy.url], env=ministack_cli_env(), capture_output=True, text=True,
                                 timeout=300)
        print("CHECK BEFORE\n" + checked.stdout, checked.stderr)
        assert checked.returncode == 0 and checked.stdout.count("update blocked since 2026-09-30") == 4, checked.stdout
        assert "alarms: none for this app" in checked.stdout

        planned = cli(stack, tmp_path, "plan", endpoint=policy.url)
        assert planned.returncode == 0 and "one UpdateUserPool" in planned.stdout
        assert pool(stack) == before_pool

        migrated = cli(stack, tmp_path, "migrate", "--yes", endpoint=policy.url)
        assert migrated.returncode == 0, migrated.stderr
        assert not policy.refusals, policy.refusals
        assert originals(stack) == before_functions, "the originals are never modified"
        after_pool = pool(stack)
        assert without_triggers(after_pool) == without_triggers(before_pool), "every other setting kept"
        assert after_pool["LambdaConfig"] == {t: f"arn:aws:lambda:us-east-1:000000000000:function:{NEW_NAME.format(b)}"
                                              for t, b in TRIGGERS.items()}
        record_dir = tmp_path / "records" / APP_ID
        assert stat.S_IMODE(os.stat(record_dir).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(record_dir / "record.json").st_mode) == 0o600

        # A login and an invitation through the migrated Studio pool, counted by the stack's filters.
        as_lambda_applies_logging_config(stack)
        counted = _published(stack, "verify-auth-challenge")
        login(stack, "migrated@example.com")
        stack.invite("new.member@example.com",
                     {"appId": APP_ID, "appName": "Migrated", "region": "us-east-1", "environment": "prod"})
        assert any("Migrated (dmigrate00001)" in m["BodyHtml"] for a in stack.sent_emails().values() for m in a)
        accepted = ("VerifyOutcome", (("AppId", APP_ID), ("Outcome", "accepted")))
        assert _published(stack, "verify-auth-challenge")[accepted] == counted[accepted] + 1

        checked = make_check(policy.url)
        assert checked.returncode == 0 and checked.stdout.count("provided.al2023  supported") == 4, checked.stdout
        assert "alarms: 17 of stack" in checked.stdout
        admin_venv = list((BUILD / "venv-admin").glob("lib/python*/site-packages"))
        assert admin_venv and not list(admin_venv[0].glob("ministack*")) and not list(admin_venv[0].glob("pytest*"))

        rolled = cli(stack, tmp_path, "rollback", "--yes", "--delete-stack", endpoint=policy.url)
        assert rolled.returncode == 0, rolled.stderr
        assert not policy.refusals, policy.refusals
    stacks = stack.client("cloudformation").list_stacks()["StackSummaries"]
    assert all(s["StackStatus"] == "DELETE_COMPLETE" for s in stacks if s["StackName"] == f"amplify-studio-login-{APP_ID}")
    assert_untouched(stack, before_functions, before_pool, "rolled.back@example.com")


@pytest.mark.parametrize("fault, step", [
    # The new verify passes the direct check, then fails when called through the pool.
    (lambda: [Rule("POST", r"/2015-03-31/functions/" + NEW_NAME.format("verify-auth-challenge") + r"/invocations", "error",
                   skip=1, count=0, status=500, code="ServiceException")], "the check through the pool"),
    # Refused outright (not retried): nothing was switched, and switching back is harmless.
    (lambda: [Rule("POST", r"/", "error", target="UpdateUserPool", code="InvalidParameterException")], "UpdateUserPool"),
])
def test_a_failure_after_the_switch_switches_back(studio, artifacts, tmp_path, fault, step):
    before_functions, before_pool = originals(studio), pool(studio)
    with lambda_as_in_december_2026(studio.ministack_url, fault()) as policy:
        failed = cli(studio, tmp_path, "migrate", "--yes", endpoint=policy.url)
        assert all(rule.acted for rule in policy.rules[:1])
    assert failed.returncode == 3, failed.stderr
    assert f"FAILED at {step}" in failed.stderr and "switched back" in failed.stderr and "Traceback" not in failed.stderr
    assert not policy.refusals, "nothing asked Lambda to touch a Node function"
    assert_untouched(studio, before_functions, before_pool, f"after.{len(step)}@example.com")


def test_nothing_is_switched_when_the_stack_deploy_or_the_direct_check_fails(studio, artifacts, tmp_path):
    before_functions, before_pool = originals(studio), pool(studio)
    with lambda_as_in_december_2026(studio.ministack_url) as policy:
        no_bucket = cli(studio, tmp_path, "migrate", "--yes", endpoint=policy.url, bucket="no-such-bucket")
        assert no_bucket.returncode == 2 and "stack deploy" in no_bucket.stderr and "not switched" in no_bucket.stderr
        assert pool(studio) == before_pool
        bad = artifacts / "create-auth-challenge" / "bootstrap.zip"
        import io
        import zipfile
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            info = zipfile.ZipInfo("bootstrap")
            info.external_attr = 0o755 << 16
            archive.writestr(info, "#!/bin/sh\nexit 1\n")
        bad.write_bytes(buffer.getvalue())
        broken = cli(studio, tmp_path, "migrate", "--yes", endpoint=policy.url)
        assert broken.returncode == 2 and "fail the check before the switch" in broken.stderr, broken.stderr
        assert not (tmp_path / "records" / APP_ID / "record.json").exists()
        bad.write_bytes(studio.function_zip("create-auth-challenge"))
    # Cognito may not invoke the new verify (its resource policy lacks the pool): refused before the switch.
    no_grant = Rule("GET", r"/2015-03-31/functions/[^/]*verify-auth-challenge-r" + APP_ID + r"/policy", "rewrite",
                    count=0, rewrite=lambda answer: dict(answer, Policy=json.dumps({"Version": "2012-10-17", "Statement": []})))
    with lambda_as_in_december_2026(studio.ministack_url, [no_grant]) as policy:
        ungranted = cli(studio, tmp_path, "migrate", "--yes", endpoint=policy.url)
        assert no_grant.acted and ungranted.returncode == 2, ungranted.stderr
        assert "Cognito may not invoke the new functions: verify-auth-challenge" in ungranted.stderr
    assert_untouched(studio, before_functions, before_pool, "not.switched@example.com")


def test_a_duplicate_pool_name_and_a_qualified_trigger_are_refused(studio, tmp_path):
    idp = studio.client("cognito-idp")
    twin = idp.create_user_pool(PoolName=f"amplify_backend_manager_{APP_ID}")["UserPool"]["Id"]
    try:
        with lambda_as_in_december_2026(studio.ministack_url) as policy:
            refused = cli(studio, tmp_path, "plan", endpoint=policy.url)
            assert refused.returncode == 2 and "2 user pools are named" in refused.stderr and "--pool-id" in refused.stderr
            chosen = cli(studio, tmp_path, "plan", "--pool-id", studio.pool_id, endpoint=policy.url)
            assert chosen.returncode == 0, chosen.stderr
            triggers = dict(idp.describe_user_pool(UserPoolId=studio.pool_id)["UserPool"]["LambdaConfig"])
            qualified = {t: f"{arn}:1" for t, arn in triggers.items()}
            idp.update_user_pool(UserPoolId=twin, LambdaConfig=qualified)
            refused = cli(studio, tmp_path, "plan", "--pool-id", twin, endpoint=policy.url)
            assert refused.returncode == 2 and "is a qualified ARN" in refused.stderr, refused.stderr
    finally:
        idp.delete_user_pool(UserPoolId=twin)


def test_ctrl_c_during_the_switch_switches_back(studio, artifacts, tmp_path):
    """SIGINT arrives while UpdateUserPool is in flight (the switch has happened): switched back."""
    import signal
    before_functions, before_pool = originals(studio), pool(studio)
    running = {}
    interrupt = Rule("POST", r"/", "before", target="UpdateUserPool",
                     before=lambda: os.kill(running["migrate"].pid, signal.SIGINT))
    with lambda_as_in_december_2026(studio.ministack_url, [interrupt]) as policy:
        running["migrate"] = subprocess.Popen(
            [sys.executable, str(ROOT / "deploy" / "migrate.py"), "migrate", "--yes", "--app-id", APP_ID,
             "--endpoint-url", policy.url, "--artifacts", str(artifacts), "--architecture", studio.architecture,
             "--records", str(tmp_path / "records"), "--s3-bucket", BUCKET],
            env=ministack_cli_env(SAM_CLI=str(SAM)), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        out, err = running["migrate"].communicate(timeout=600)
        print(out, err)
        assert interrupt.acted == 1
    assert running["migrate"].returncode == 3, err
    assert "interrupted (Ctrl-C)" in err and "switched back" in err and "Traceback" not in err
    assert_untouched(studio, before_functions, before_pool, "interrupted@example.com")


def log_groups(stack) -> dict[str, int | None]:
    """The stack's four log groups that exist, with their retention."""
    logs = stack.client("logs")
    found = {}
    for binary in TRIGGERS.values():
        name = f"/aws/lambda/{NEW_NAME.format(binary)}"
        for group in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]:
            if group["logGroupName"] == name:
                found[name] = group.get("retentionInDays")
    return found


def stack_log_groups(cfn) -> list[str]:
    resources = cfn.list_stack_resources(StackName=f"amplify-studio-login-{APP_ID}")["StackResourceSummaries"]
    return [r["LogicalResourceId"] for r in resources if r["ResourceType"] == "AWS::Logs::LogGroup"]


def test_log_groups_outlive_the_stack_and_a_second_migrate_uses_them(studio, artifacts, tmp_path):
    """migrate -> rollback --delete-stack -> migrate again -> rollback: the groups are kept when the
    stack is deleted (the audit trail), and the stack created again does not try to create them
    (CloudFormation would fail: they already exist), keeping the lines written before. ministack's
    CloudFormation does not refuse creating a log group that exists, so the test asserts what AWS
    requires instead: while the groups exist, the stack declares no AWS::Logs::LogGroup."""
    cfn = studio.client("cloudformation")
    with lambda_as_in_december_2026(studio.ministack_url) as policy:
        first = cli(studio, tmp_path, "migrate", "--yes", endpoint=policy.url)
        assert first.returncode == 0, first.stderr
        params = {p["ParameterKey"]: p["ParameterValue"]
                  for p in cfn.describe_stacks(StackName=f"amplify-studio-login-{APP_ID}")["Stacks"][0]["Parameters"]}
        assert len(log_groups(studio)) == 4
        if params["LogGroups"] == "retain":  # this test alone: the first stack created them
            assert len(stack_log_groups(cfn)) == 4
        login(studio, "before.delete@example.com")
        written = len(studio.client("logs").filter_log_events(
            logGroupName=f"/aws/lambda/{NEW_NAME.format('verify-auth-challenge')}")["events"])
        deleted = cli(studio, tmp_path, "rollback", "--yes", "--delete-stack", endpoint=policy.url)
        assert deleted.returncode == 0 and "its log groups are kept" in deleted.stdout, deleted.stderr
        kept = log_groups(studio)
        assert len(kept) == 4, f"the stack's deletion kept its log groups: {kept}"

        again = cli(studio, tmp_path, "migrate", "--yes", endpoint=policy.url)
        assert again.returncode == 0, again.stderr
        assert stack_log_groups(cfn) == [], "on AWS, creating a group that exists fails the stack"
        assert "LogGroups=existing" in again.stdout, again.stdout
        assert log_groups(studio) == kept
        after = studio.client("logs").filter_log_events(
            logGroupName=f"/aws/lambda/{NEW_NAME.format('verify-auth-challenge')}")["events"]
        assert len(after) >= written > 0, "the lines written before the deletion are still there"
        assert cli(studio, tmp_path, "rollback", "--yes", "--delete-stack", endpoint=policy.url).returncode == 0
    assert params["LogGroups"] in ("retain", "existing"), params


def test_retire_deletes_the_originals_after_a_passing_check_keeping_their_code(studio, artifacts, tmp_path):
    """Last in this module: it deletes the Node originals for good."""
    before_functions = originals(studio)
    with lambda_as_in_december_2026(studio.ministack_url) as policy:
        assert cli(studio, tmp_path, "retire", "--yes", endpoint=policy.url).returncode == 2, "nothing migrated yet"
        assert cli(studio, tmp_path, "migrate", "--yes", endpoint=policy.url).returncode == 0
        retired = cli(studio, tmp_path, "retire", "--yes", endpoint=policy.url)
        assert retired.returncode == 0, retired.stderr
        assert "cannot be undone" in retired.stdout
    lam = studio.client("lambda")
    names = {f["FunctionName"] for page in lam.get_paginator("list_functions").paginate() for f in page["Functions"]}
    assert not names & {studio.function_name(b) for b in TRIGGERS.values()}, "the originals are gone"
    kept = tmp_path / "records" / APP_ID
    for binary in TRIGGERS.values():
        assert (kept / f"original-{binary}.zip").read_bytes() == node_original_zip(binary)
        assert json.loads((kept / f"original-{binary}.json").read_text())["CodeSha256"] == before_functions[binary]["CodeSha256"]
        assert stat.S_IMODE(os.stat(kept / f"original-{binary}.zip").st_mode) == 0o600
    login(studio, "after.retire@example.com")


@pytest.mark.skipif(not RELEASE, reason="needs STUDIO_RELEASE=dist/amplify-studio-login-<version> (make release-deploy-test)")
def test_migrate_from_a_release_without_a_toolchain(studio, tmp_path):
    """What `make migrate RELEASE=...` runs: release.py unpack (checked against SHA256SUMS), then the
    cutover from those zips, with cargo, rustc, cargo-lambda and zig unreachable."""
    import base64
    import hashlib
    import shutil
    no_toolchain = toolchain_free_path(os.environ["PATH"])
    assert not any(shutil.which(t, path=no_toolchain) for t in ("cargo", "rustc", "cargo-lambda", "zig"))
    unpacked = subprocess.run([sys.executable, str(ROOT / "deploy" / "release.py"), "unpack", RELEASE,
                               "--arch", studio.architecture, "--out", str(tmp_path / "artifacts")],
                              env=ministack_cli_env(PATH=no_toolchain), capture_output=True, text=True, timeout=60)
    assert unpacked.returncode == 0, unpacked.stderr
    before_functions, before_pool = originals(studio), pool(studio)
    with lambda_as_in_december_2026(studio.ministack_url) as policy:
        migrated = cli(studio, tmp_path, "migrate", "--yes", endpoint=policy.url, PATH=no_toolchain)
        assert migrated.returncode == 0, migrated.stderr
        lam = studio.client("lambda")
        for binary in TRIGGERS.values():
            shipped = (Path(RELEASE) / f"{binary}-{studio.architecture}.zip").read_bytes()
            deployed = lam.get_function(FunctionName=NEW_NAME.format(binary))["Configuration"]["CodeSha256"]
            assert deployed == base64.b64encode(hashlib.sha256(shipped).digest()).decode(), binary
        login(studio, "from.release@example.com")
        rolled = cli(studio, tmp_path, "rollback", "--yes", "--delete-stack", endpoint=policy.url, PATH=no_toolchain)
        assert rolled.returncode == 0, rolled.stderr
        assert not policy.refusals, policy.refusals
    assert_untouched(studio, before_functions, before_pool, "after.release@example.com")
