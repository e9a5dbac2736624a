"""The SAM template, deployed: `sam build` + `sam deploy` into ministack's CloudFormation (which
applies the SAM transform), then a whole login and an invitation through the deployed stack.
ministack runs bootstraps on this host: Architecture=x86_64 by default, and the template's default
arm64 under qemu-user emulation with STUDIO_ARCH=arm64 (`make e2e-arm64`)."""

import json
import os
import subprocess
import sys
import time
import urllib.parse

import pytest

from lambda_policy import lambda_as_in_december_2026
from metric_filters import datapoints, load_template, template_metric_filters
from studio_stack import BUILD, ROOT, TRIGGERS, StudioLoginStack, run_deploy_script, toolchain_free_path

APP_ID = "dsamdeploy0001"
STACK_NAME = "amplify-studio-login"
SAM = BUILD / "venv-sam" / "bin" / "sam"
TOOLS_BIN = BUILD / "venv-tools" / "bin"
ALARM_TOPIC = "arn:aws:sns:us-east-1:000000000000:studio-login-alarms"
# STUDIO_RELEASE=dist/amplify-studio-login-<version>: deploy that release's zips instead of `sam build`,
# with no Rust toolchain reachable (no cargo, cargo-lambda or zig on PATH).
RELEASE = os.environ.get("STUDIO_RELEASE")


def sam(stack, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        PATH=toolchain_free_path(env["PATH"]) if RELEASE else f"{TOOLS_BIN}:{env['PATH']}", SAM_CLI_TELEMETRY="0", AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=stack.ministack_url,
    )
    result = subprocess.run([str(SAM), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    print(result.stdout[-3000:], result.stderr[-3000:])
    return result


@pytest.fixture(scope="module")
def deployed():
    with StudioLoginStack(app_id=APP_ID, functions="none", extra_services="cloudformation,s3,monitoring,events",
                          say=lambda _: None) as stack:
        arch = stack.architecture
        build_dir = BUILD / f"sam-{arch}"
        if RELEASE:
            built = subprocess.run([sys.executable, str(ROOT / "deploy" / "release.py"), "sam-template", RELEASE,
                                    "--arch", arch, "--out", str(build_dir / "template.yaml")],
                                   env={**os.environ, "PATH": toolchain_free_path(os.environ["PATH"])},
                                   check=False, capture_output=True, text=True)
        else:
            built = sam(stack, "build", "--build-dir", str(build_dir),
                        "--parameter-overrides", f"AppId={APP_ID} Architecture={arch}")
        assert built.returncode == 0, built.stderr
        stack.client("s3").create_bucket(Bucket="sam-artifacts")
        deploy = sam(stack, "deploy", "--template-file", str(build_dir / "template.yaml"),
                     "--stack-name", STACK_NAME, "--s3-bucket", "sam-artifacts", "--capabilities", "CAPABILITY_IAM",
                     "--no-confirm-changeset", "--no-fail-on-empty-changeset", "--region", "us-east-1",
                     "--parameter-overrides",
                     f"AppId={APP_ID} ShortCode=samtest Architecture={arch} AmplifyBackendEndpoint={stack.backend_url} "
                     f"AlarmTopicArn={ALARM_TOPIC} SuspiciousCodeThreshold=5")
        assert deploy.returncode == 0, deploy.stderr
        described = stack.client("cloudformation").describe_stacks(StackName=STACK_NAME)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
        stack.pool_id, stack.client_id = outputs["UserPoolId"], outputs["UserPoolClientId"]
        stack.short_code = "samtest"
        yield stack, described, outputs
    assert stack.survivors() == []


def test_stack_is_complete_and_shaped_like_studio(deployed):
    stack, described, outputs = deployed
    assert described["StackStatus"] == "CREATE_COMPLETE"
    pool = stack.client("cognito-idp").describe_user_pool(UserPoolId=stack.pool_id)["UserPool"]
    assert pool["Name"] == f"amplify_backend_manager_{APP_ID}"
    assert set(pool["LambdaConfig"]) >= {"DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse", "CustomMessage"}
    lam = stack.client("lambda")
    for binary in ["define-auth-challenge", "create-auth-challenge", "verify-auth-challenge", "custom-message"]:
        config = lam.get_function(FunctionName=f"amplify-login-{binary}-samtest")["Configuration"]
        assert (config["Runtime"], config["Handler"], config["MemorySize"], config["Timeout"]) == ("provided.al2023", "bootstrap", 128, 5)
        assert config["Architectures"] == [stack.architecture]
    verify_env = lam.get_function(FunctionName="amplify-login-verify-auth-challenge-samtest")["Configuration"]["Environment"]["Variables"]
    assert verify_env["AMPLIFY_APP_ID"] == APP_ID
    # Hardening: logs kept for LogRetentionDays (default 90), not forever; the pool cannot be
    # deleted by accident; the verify role reaches only this app's challenge tokens.
    logs = stack.client("logs")
    for binary in ["define-auth-challenge", "create-auth-challenge", "verify-auth-challenge", "custom-message"]:
        name = f"/aws/lambda/amplify-login-{binary}-samtest"
        groups = [g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name]
        assert groups and groups[0].get("retentionInDays") == 90, groups
    assert pool.get("DeletionProtection") == "ACTIVE", pool.get("DeletionProtection")
    resources = stack.role_resources(outputs["VerifyAuthChallengeRoleArn"], "amplifybackend:GetToken")
    assert resources == {f"arn:aws:amplifybackend:us-east-1:000000000000:/backend/{APP_ID}/challenge/*"}, resources


def test_login_and_invite_through_the_deployed_stack(deployed):
    stack, _, _ = deployed
    stack.assert_signs_in_and_refuses_a_foreign_code("admin@example.com")

    stack.invite("teammate@example.com", {"appId": APP_ID, "appName": "SamApp", "region": "eu-west-1", "environment": "main"})
    bodies = [m["BodyHtml"] for a in stack.sent_emails().values() for m in a if "teammate@example.com" in m["To"]]
    assert bodies and "SamApp (dsamdeploy0001)" in bodies[0]
    assert "https://eu-west-1.admin.amplifyapp.com/admin/login?appId=dsamdeploy0001&amp;backendEnvironmentName=main" in bodies[0]


def test_metric_filters_alarms_and_dashboard_exist_as_declared(deployed):
    stack, _, outputs = deployed
    logs, cloudwatch = stack.client("logs"), stack.client("cloudwatch")
    published = {}  # metric name -> its dimension keys, as the filters publish it
    declared = template_metric_filters(load_template())
    assert len(declared) == 13
    for declared_filter in declared:
        group = f"/aws/lambda/amplify-login-{declared_filter.binary}-samtest"
        found = [f for f in logs.describe_metric_filters(logGroupName=group)["metricFilters"]
                 if f["filterPattern"] == declared_filter.pattern]
        assert found, f"{declared_filter.name} missing on {group}"
        (transformation,) = found[0]["metricTransformations"]
        assert (transformation["metricNamespace"], transformation["metricName"], str(transformation["metricValue"])) \
            == (declared_filter.namespace, declared_filter.metric, declared_filter.value), declared_filter.name
        assert transformation.get("dimensions") == dict(declared_filter.dimensions), declared_filter.name
        published[declared_filter.metric] = {key for key, _ in declared_filter.dimensions}

    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms(AlarmNamePrefix="amplify-login-samtest-")["MetricAlarms"]}
    expected = {"backend-unavailable": ("AmplifyStudioLogin", "VerifyOutcome", {"AppId": APP_ID, "Outcome": "backend_unavailable"}, 300, 0),
                "suspicious-codes": ("AmplifyStudioLogin", "SuspiciousCodes", {"AppId": APP_ID}, 900, 5)}
    for outcome in ("not_configured", "token_mismatch", "foreign_app"):
        expected[outcome.replace("_", "-")] = ("AmplifyStudioLogin", "VerifyOutcome", {"AppId": APP_ID, "Outcome": outcome}, 300, 0)
    for binary in TRIGGERS.values():
        expected[f"{binary}-errors"] = ("AWS/Lambda", "Errors", {"FunctionName": f"amplify-login-{binary}-samtest"}, 300, 0)
        expected[f"{binary}-throttles"] = ("AWS/Lambda", "Throttles", {"FunctionName": f"amplify-login-{binary}-samtest"}, 300, 0)
        expected[f"heartbeat-{binary}"] = ("AmplifyStudioLogin", "Heartbeat", {"AppId": APP_ID, "Trigger": binary}, 900, 1)
    assert set(alarms) == {f"amplify-login-samtest-{name}" for name in expected}, sorted(alarms)
    for name, (namespace, metric, dimensions, period, threshold) in expected.items():
        alarm = alarms[f"amplify-login-samtest-{name}"]
        assert (alarm["Namespace"], alarm["MetricName"]) == (namespace, metric), name
        assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == dimensions, name
        assert (alarm["Statistic"], alarm["Period"], alarm["Threshold"]) == ("Sum", period, threshold), name
        if metric == "Heartbeat":  # fires when a probe fails or stops reporting: missing data breaches
            assert (alarm["ComparisonOperator"], alarm["TreatMissingData"], alarm["EvaluationPeriods"]) \
                == ("LessThanThreshold", "breaching", 2), name
        else:
            assert alarm["ComparisonOperator"] == "GreaterThanThreshold" and alarm["TreatMissingData"] == "notBreaching", name
        assert alarm["AlarmActions"] == [ALARM_TOPIC], name
        description = alarm["AlarmDescription"]
        assert "\n" not in description and " - " in description, f"{name}: one line, what it means - what to do"
        if namespace == "AmplifyStudioLogin":  # an alarm on a metric no filter publishes never fires
            assert set(dimensions) == published[metric], name

    body = json.loads(cloudwatch.get_dashboard(DashboardName=outputs["DashboardName"])["DashboardBody"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert {"Logins by outcome (verify)", "Function errors", "Cold starts"} <= set(titles), titles
    rendered = json.dumps(body)
    assert "${" not in rendered and APP_ID in rendered and "amplify-login-verify-auth-challenge-samtest" in rendered


# ---- Heartbeat: the scheduled rule's four probes, invoked as EventBridge would (the target's Input).
HEALTHY_PROBE = {"define-auth-challenge": "ask_for_code", "create-auth-challenge": "challenge_created",
                 "verify-auth-challenge": "no_such_token", "custom-message": "invitation_built"}
LOGIN_METRICS = {"VerifyOutcome", "SuspiciousCodes", "BackendLatency", "DefineDecision", "InvitationsSent"}


def heartbeat_targets(stack) -> dict[str, dict]:
    """The deployed heartbeat rule's targets by trigger, checked against the schedule declared."""
    lam = stack.client("lambda")
    for binary in HEALTHY_PROBE:  # Lambda turns LoggingConfig JSON into this variable; ministack does not
        config = lam.get_function_configuration(FunctionName=f"amplify-login-{binary}-samtest")
        if config["Environment"]["Variables"].get("AWS_LAMBDA_LOG_FORMAT") != "JSON":
            env = dict(config["Environment"]["Variables"], AWS_LAMBDA_LOG_FORMAT="JSON")
            lam.update_function_configuration(FunctionName=config["FunctionName"], Environment={"Variables": env})
    events = stack.client("events")
    (rule,) = [r for r in events.list_rules()["Rules"] if APP_ID in r.get("Description", "")]
    assert rule["ScheduleExpression"] == "rate(15 minutes)" and rule["State"] == "ENABLED", rule
    targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
    by_trigger = {}
    for target in targets:
        binary = target["Arn"].rsplit(":", 1)[1].removeprefix("amplify-login-").removesuffix("-samtest")
        by_trigger[binary] = target
    assert set(by_trigger) == set(HEALTHY_PROBE), sorted(by_trigger)
    return by_trigger


def run_probe(stack, target: dict) -> tuple[str | None, list[str]]:
    """Invoke the target with its Input; (FunctionError, the log lines that invocation wrote)."""
    binary = target["Arn"].rsplit(":", 1)[1].removeprefix("amplify-login-").removesuffix("-samtest")
    before = len(stack.function_logs(binary))
    out = stack.client("lambda").invoke(FunctionName=target["Arn"], Payload=target["Input"].encode())
    deadline = time.monotonic() + 10
    while True:
        lines = stack.function_logs(binary)[before:]
        if any('"heartbeat"' in line for line in lines) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for line in lines:
        print(f"{binary}: {line}")
    return out.get("FunctionError"), lines


def published(binary: str, lines: list[str]) -> dict[str, list]:
    return {f.metric: datapoints(f, lines) for f in template_metric_filters(load_template()) if f.binary == binary}


def test_heartbeat_rule_and_targets_exist_as_declared(deployed):
    stack, _, _ = deployed
    targets = heartbeat_targets(stack)
    for binary, target in targets.items():
        event = json.loads(target["Input"])
        assert event["callerContext"]["clientId"] == "amplify-studio-login-heartbeat", binary
        assert event["userPoolId"] == stack.pool_id and event["region"] == "us-east-1", binary
    verify = json.loads(targets["verify-auth-challenge"]["Input"])
    assert verify["request"]["clientMetadata"]["appId"] == APP_ID
    assert verify["triggerSource"] == "VerifyAuthChallengeResponse_Authentication"
    policies = {}
    for binary in HEALTHY_PROBE:
        policy = json.loads(stack.client("lambda").get_policy(FunctionName=f"amplify-login-{binary}-samtest")["Policy"])
        policies[binary] = [s for s in policy["Statement"] if s["Principal"].get("Service") == "events.amazonaws.com"]
        assert policies[binary], f"{binary}: no invoke permission for the schedule"


def test_heartbeat_probes_are_healthy_and_counted_apart_from_logins(deployed):
    stack, _, _ = deployed
    for binary, target in heartbeat_targets(stack).items():
        gets_before = stack.backend_stats()["getToken"]
        error, lines = run_probe(stack, target)
        assert error is None, (binary, lines)
        metrics = published(binary, lines)
        assert metrics["Heartbeat"] and {dp.dimensions for dp in metrics["Heartbeat"]} \
            == {(("AppId", APP_ID), ("Trigger", binary))}, (binary, lines)
        for metric in LOGIN_METRICS & set(metrics):
            assert metrics[metric] == [], f"{binary}: a probe was counted in {metric}"
        if binary == "verify-auth-challenge":  # AmplifyBackend really asked, with the function's role
            assert stack.backend_stats()["getToken"] == gets_before + 1


def test_heartbeat_fails_with_amplifybackend_unreachable(deployed):
    stack, _, _ = deployed
    target = heartbeat_targets(stack)["verify-auth-challenge"]
    stack.backend_control({"faults": [{"kind": {"type": "reset"}, "count": 0}]})
    try:
        error, lines = run_probe(stack, target)
    finally:
        stack.backend_control({"clearFaults": True})
    assert error is not None, lines
    assert published("verify-auth-challenge", lines)["Heartbeat"] == [], lines
    assert any('"heartbeat":"backend_unavailable"' in line and '"ERROR"' in line for line in lines), lines
    assert published("verify-auth-challenge", lines)["VerifyOutcome"] == []


def test_heartbeat_fails_with_the_wrong_app_id(deployed):
    stack, _, _ = deployed
    target = heartbeat_targets(stack)["verify-auth-challenge"]
    lam, name = stack.client("lambda"), "amplify-login-verify-auth-challenge-samtest"
    env = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {**env, "AMPLIFY_APP_ID": "dwrongapp01"}})
    try:
        error, lines = run_probe(stack, target)
    finally:
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": env})
    metrics = published("verify-auth-challenge", lines)
    assert metrics["Heartbeat"] == [], lines
    assert any('"heartbeat":"foreign_app"' in line and '"ERROR"' in line for line in lines), lines
    assert metrics["SuspiciousCodes"] == [] and metrics["VerifyOutcome"] == [], lines


# ---- make check on the deployed stack: the permissions a probe cannot exercise, IAM's simulation
# answered in front of ministack (lambda_policy.py / iam_policy.py).
def run_check(stack):
    with lambda_as_in_december_2026(stack.ministack_url) as aws:
        return run_deploy_script("check.py", "--app-id", APP_ID, "--endpoint-url", aws.url)


def verify_role_policy(stack, outputs) -> tuple[str, str, str]:
    """(role name, inline policy name, its document) of the stack's verify role token policy."""
    iam, role = stack.client("iam"), outputs["VerifyAuthChallengeRoleArn"].rsplit("/", 1)[1]
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        document = document if isinstance(document, str) else json.dumps(document)
        if "amplifybackend:DeleteToken" in urllib.parse.unquote(document):
            return role, name, urllib.parse.unquote(document)
    raise AssertionError(f"no token policy on {role}")


def test_check_is_green_on_the_deployed_stack_with_the_permissions_proven(deployed):
    stack, _, outputs = deployed
    heartbeat_targets(stack)  # the functions log JSON as Lambda would make them
    checked = run_check(stack)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    role = outputs["VerifyAuthChallengeRoleArn"].rsplit("/", 1)[1]
    for action in ("amplifybackend:GetToken", "amplifybackend:DeleteToken"):
        assert any(line.startswith(action) and f"verify role {role}" in line and "ok (allowed" in line
                   for line in checked.stdout.splitlines()), action
    assert checked.stdout.count("ok (for this pool)") == 4 and "6/6 permissions proven" in checked.stdout


def test_the_verify_role_missing_deletetoken_turns_the_check_red_naming_it(deployed):
    """The heartbeat's verify probe asks for a session nobody minted: GetToken answers NotFound and
    DeleteToken is never called (a probe must not burn a real code), on AWS as here. So a role
    that lost DeleteToken leaves the probe healthy while every real login fails; the check's
    simulation is what catches it, naming the action."""
    stack, _, outputs = deployed
    iam = stack.client("iam")
    role, name, document = verify_role_policy(stack, outputs)
    narrowed = json.loads(document)
    for statement in narrowed["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != "amplifybackend:DeleteToken"]
    iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(narrowed))
    try:
        checked = run_check(stack)
        error, lines = run_probe(stack, heartbeat_targets(stack)["verify-auth-challenge"])
    finally:
        iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=document)
    assert checked.returncode == 1, checked.stdout
    assert f"FAILED amplifybackend:DeleteToken for verify role {role}: implicitDeny" in checked.stderr
    assert "denied: amplifybackend:DeleteToken" in checked.stdout
    # What the probe alone would report: healthy (this is why the check simulates the role).
    assert error is None and published("verify-auth-challenge", lines)["Heartbeat"], lines
    assert run_check(stack).returncode == 0, "restored"


def test_heartbeat_minutes_zero_disables_the_rule_and_drops_its_alarms(deployed):
    """Last in this module: it updates the stack. HeartbeatMinutes=0 keeps the rule, DISABLED, and
    removes the four heartbeat alarms (nothing fires on probes that no longer run)."""
    stack, _, _ = deployed
    arch = stack.architecture
    updated = sam(stack, "deploy", "--template-file", str(BUILD / f"sam-{arch}" / "template.yaml"),
                  "--stack-name", STACK_NAME, "--s3-bucket", "sam-artifacts", "--capabilities", "CAPABILITY_IAM",
                  "--no-confirm-changeset", "--no-fail-on-empty-changeset", "--region", "us-east-1",
                  "--parameter-overrides",
                  f"AppId={APP_ID} ShortCode=samtest Architecture={arch} AmplifyBackendEndpoint={stack.backend_url} "
                  f"AlarmTopicArn={ALARM_TOPIC} SuspiciousCodeThreshold=5 HeartbeatMinutes=0")
    assert updated.returncode == 0, updated.stderr
    (rule,) = [r for r in stack.client("events").list_rules()["Rules"] if APP_ID in r.get("Description", "")]
    assert rule["State"] == "DISABLED", rule
    alarms = [a["AlarmName"] for a in stack.client("cloudwatch").describe_alarms(
        AlarmNamePrefix="amplify-login-samtest-")["MetricAlarms"]]
    assert alarms and not [a for a in alarms if "-heartbeat-" in a], alarms
    assert "amplify-login-samtest-backend-unavailable" in alarms
