"""Migration of an existing Studio pool's Node.js triggers to the Rust functions, and back,
through the real CLI (deploy/migrate.py, deploy/check.py) against ministack's Lambda and Cognito
APIs. Failures are injected at each step with a fault proxy in front of ministack (and with
broken artifacts, and an unreachable AmplifyBackend): every one must end with the Node
originals restored, a working login, and a non-zero exit that names the failed step."""

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fault_proxy import FaultProxy, Rule
from studio_stack import ROOT, TRIGGERS, StudioLoginStack, ministack_cli_env, node_original_zip, run_deploy_script

sys.path.insert(0, str(ROOT / "deploy"))
from migrate import default_records  # noqa: E402  (deploy/ is a directory of scripts)

SHORT_CODE = "ab12cd34"
APP_ID = "dmigrate00001"
FUNCTIONS = "/2015-03-31/functions/amplify-login-{}-" + SHORT_CODE
MIGRATED_FIELDS = ("FunctionArn", "Runtime", "Handler", "Architectures", "CodeSha256", "Environment")


@pytest.fixture(scope="module")
def node_stack():
    with StudioLoginStack(app_id=APP_ID, functions="node", short_code=SHORT_CODE, say=lambda _: None) as stack:
        yield stack
    assert stack.survivors() == []


@pytest.fixture
def artifacts(node_stack, tmp_path) -> Path:
    assert {c["Runtime"] for c in configs(node_stack).values()} == {"nodejs20.x"}, "each test starts from the originals"
    for binary in TRIGGERS.values():
        (tmp_path / "artifacts" / binary).mkdir(parents=True)
        (tmp_path / "artifacts" / binary / "bootstrap.zip").write_bytes(node_stack.function_zip(binary))
    return tmp_path / "artifacts"


def run(script: str, endpoint: str, *args: str) -> subprocess.CompletedProcess:
    return run_deploy_script(script, *args, "--app-id", APP_ID, "--endpoint-url", endpoint)


def cli(stack, tmp: Path, *args: str, endpoint: str | None = None, wait: int = 20) -> subprocess.CompletedProcess:
    """migrate.py without a short code: the pool names its functions."""
    return run("migrate.py", endpoint or stack.ministack_url, *args, "--artifacts", str(tmp / "artifacts"),
               "--architecture", stack.architecture, "--records", str(tmp / "records"), "--wait-timeout", str(wait))


def configs(stack) -> dict:
    """What migration may change, per function (volatile fields like State left out)."""
    lam = stack.client("lambda")
    return {
        b: {k: lam.get_function(FunctionName=stack.function_name(b))["Configuration"].get(k) for k in MIGRATED_FIELDS}
        for b in TRIGGERS.values()
    }


def record(tmp: Path) -> Path:
    return tmp / "records" / APP_ID / "record.json"


def assert_node_originals_sign_in(stack, before: dict, email: str):
    """Exactly the recorded originals run again, and a whole login works through them."""
    assert configs(stack) == before
    stack.add_confirmed_user(email)
    token = stack.create_token()
    started = stack.start_login(email)
    assert started["ChallengeName"] == "CUSTOM_CHALLENGE"
    result = stack.answer(email, started["Session"], token["ChallengeCode"], stack.login_metadata(token))
    assert "AuthenticationResult" in result, result


def test_migrate_check_login_second_migrate_tampered_record_and_roll_back(node_stack, artifacts, tmp_path):
    stack = node_stack
    before = configs(stack)
    pool_before = stack.client("cognito-idp").describe_user_pool(UserPoolId=stack.pool_id)["UserPool"]["LambdaConfig"]
    assert {c["Runtime"] for c in before.values()} == {"nodejs20.x"}
    assert_node_originals_sign_in(stack, before, "before@example.com")

    # `make check` on the Node pool: the originals answer the same harmless probes.
    # `make check` on the Node pool (the make target, boto3 pointed at ministack by
    # AWS_ENDPOINT_URL): the originals answer the same harmless probes.
    checked = subprocess.run(["make", "--no-print-directory", "check", f"APP_ID={APP_ID}", f"SHORT_CODE={SHORT_CODE}"],
                             cwd=ROOT, env=ministack_cli_env(AWS_ENDPOINT_URL=stack.ministack_url),
                             capture_output=True, text=True, timeout=300)
    print(checked.stdout, checked.stderr)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.count("nodejs20.x") == 4 and "all four triggers answer as they should" in checked.stdout

    plan = cli(stack, tmp_path, "plan")
    assert plan.returncode == 0 and "nodejs20.x index.handler x86_64 -> provided.al2023 bootstrap x86_64" in plan.stdout
    assert "+ env AMPLIFY_APP_ID=" + APP_ID in plan.stdout
    unconfirmed = cli(stack, tmp_path, "migrate")
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    assert configs(stack) == before, "plan and an unconfirmed migrate change nothing"

    migrated = cli(stack, tmp_path, "migrate", "--yes")
    assert migrated.returncode == 0, migrated.stderr
    table = [line for line in migrated.stdout.splitlines() if line.startswith(("trigger ", "DefineAuth", "CreateAuth", "VerifyAuth", "CustomMessage"))]
    assert len(table) == 5 and all("ok (" in line for line in table[1:]), table
    assert all("provided.al2023" in line and APP_ID in line for line in table[1:]), table
    after = configs(stack)
    for binary, config in after.items():
        assert (config["Runtime"], config["Handler"]) == ("provided.al2023", "bootstrap"), binary
        assert config["FunctionArn"] == before[binary]["FunctionArn"]
        assert config["Environment"]["Variables"]["AMPLIFY_APP_ID"] == APP_ID, binary
    assert after["verify-auth-challenge"]["Environment"]["Variables"]["ENDPOINT"] == stack.backend_url, "env kept"
    assert stack.client("cognito-idp").describe_user_pool(UserPoolId=stack.pool_id)["UserPool"]["LambdaConfig"] == pool_before

    # A whole login and an invitation through the migrated functions.
    email = "admin@example.com"
    stack.add_confirmed_user(email)
    token = stack.create_token()
    started = stack.start_login(email)
    wrong = stack.answer(email, started["Session"], "wrong", stack.login_metadata(token))
    assert wrong["ChallengeName"] == "CUSTOM_CHALLENGE"
    token = stack.create_token()
    started = stack.start_login(email)
    assert "AuthenticationResult" in stack.answer(email, started["Session"], token["ChallengeCode"], stack.login_metadata(token))
    stack.invite("new.member@example.com", {"appId": APP_ID, "appName": "Migrated", "region": "us-east-1", "environment": "prod"})
    assert any("Migrated (dmigrate00001)" in m["BodyHtml"] for a in stack.sent_emails().values() for m in a)

    # A second migrate must not record the Rust functions as "the original".
    saved = {p.name: p.read_bytes() for p in record(tmp_path).parent.iterdir()}
    again = cli(stack, tmp_path, "migrate", "--yes")
    assert again.returncode == 2 and "already recorded" in again.stderr and "move" not in again.stderr
    assert {p.name: p.read_bytes() for p in record(tmp_path).parent.iterdir()} == saved
    elsewhere = cli(stack, tmp_path / "other", "migrate", "--yes")  # another --records: still refused
    assert elsewhere.returncode == 2 and "not the Node.js originals" in elsewhere.stderr
    assert not (tmp_path / "other" / "records" / APP_ID / "record.json").exists()
    assert configs(stack) == after

    # A saved zip changed after it was saved: rollback uploads nothing.
    verify_zip = record(tmp_path).parent / "verify-auth-challenge.zip"
    verify_zip.write_bytes(saved["verify-auth-challenge.zip"] + b"\0")
    tampered = cli(stack, tmp_path, "rollback", "--yes")
    assert tampered.returncode == 2 and "does not match the recorded CodeSha256" in tampered.stderr
    assert configs(stack) == after
    verify_zip.write_bytes(saved["verify-auth-challenge.zip"])

    rolled_back = cli(stack, tmp_path, "rollback", "--yes")
    assert rolled_back.returncode == 0, rolled_back.stderr
    assert "rollback complete" in rolled_back.stdout and not record(tmp_path).exists()
    assert_node_originals_sign_in(stack, before, "after@example.com")


def _put(stack, binary: str, what: str) -> tuple[str, str]:
    return "PUT", FUNCTIONS.format(binary) + "/" + what


@pytest.mark.parametrize("step, rules", [
    # The first call fails: only that function was touched.
    ("update code of amplify-login-define-auth-challenge", lambda s: [Rule(*_put(s, "define-auth-challenge", "code"), "error")]),
    # The review's case: define and create migrated, verify has the Rust zip under nodejs20.x.
    ("update configuration of amplify-login-verify-auth-challenge",
     lambda s: [Rule(*_put(s, "verify-auth-challenge", "configuration"), "error", status=500, code="ServiceException", count=3)]),
    # Throttled past the retries on the last function.
    ("update code of amplify-login-custom-message",
     lambda s: [Rule(*_put(s, "custom-message", "code"), "error", status=429, code="TooManyRequestsException", count=0)]),
    # An update that never finishes: the waiter times out.
    ("update of amplify-login-create-auth-challenge",
     lambda s: [Rule("GET", FUNCTIONS.format("create-auth-challenge") + "/configuration", "stall", count=8)]),
    # Someone edits verify in the console while migrate runs: its RevisionId no longer matches.
    ("update code of amplify-login-verify-auth-challenge",
     lambda s: [Rule(*_put(s, "verify-auth-challenge", "code"), "before", before=lambda: s.client("lambda").update_function_configuration(
         FunctionName=s.function_name("verify-auth-challenge"), Description="edited in the console meanwhile"))]),
])
def test_a_failure_at_any_step_rolls_back_by_itself(node_stack, artifacts, tmp_path, step, rules):
    stack = node_stack
    before = configs(stack)
    with FaultProxy(stack.ministack_url, rules(stack)) as proxy:
        # A short waiter for the stalled update: 8 stalled answers outlast its 3 s (at most 7 reads),
        # then restore's reads succeed.
        failed = cli(stack, tmp_path, "migrate", "--yes", endpoint=proxy.url, wait=3)
        assert all(rule.acted for rule in proxy.rules), "the fault was injected"
    assert failed.returncode == 3, failed.stderr
    assert f"FAILED at {step}" in failed.stderr and "rolled back" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert not record(tmp_path).exists() and list(record(tmp_path).parent.glob("record.rolled-back-*.json"))
    assert configs(stack) == before, "exactly the originals again"
    if "verify" in step:
        assert_node_originals_sign_in(stack, before, f"restored{len(step)}@example.com")


def test_when_the_automatic_rollback_fails_too_the_record_is_kept_for_make_rollback(node_stack, artifacts, tmp_path):
    stack = node_stack
    before = configs(stack)
    broken = Rule(*_put(stack, "verify-auth-challenge", "configuration"), "error", status=500, code="ServiceException", count=0)
    with FaultProxy(stack.ministack_url, [broken]) as proxy:
        failed = cli(stack, tmp_path, "migrate", "--yes", endpoint=proxy.url)
    assert failed.returncode == 4, failed.stderr
    assert "AUTOMATIC ROLLBACK FAILED" in failed.stderr and f"make rollback APP_ID={APP_ID}" in failed.stderr
    assert record(tmp_path).exists(), "the only copy of the originals is kept"
    rolled_back = cli(stack, tmp_path, "rollback", "--yes")
    assert rolled_back.returncode == 0, rolled_back.stderr
    assert configs(stack) == before


def _failing_bootstrap_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        archive.writestr(info, "#!/bin/sh\necho 'cannot start' >&2\nexit 1\n")
    return buffer.getvalue()


def test_a_bootstrap_that_cannot_start_is_rolled_back(node_stack, artifacts, tmp_path):
    stack = node_stack
    before = configs(stack)
    (artifacts / "create-auth-challenge" / "bootstrap.zip").write_bytes(_failing_bootstrap_zip())
    failed = cli(stack, tmp_path, "migrate", "--yes")
    assert failed.returncode == 3, failed.stderr
    assert "FAILED at check: CreateAuthChallenge" in failed.stderr and "function error" in failed.stderr
    assert "FAIL:" in failed.stdout, "the check's table shows which function failed"
    assert_node_originals_sign_in(stack, before, "after.broken.bootstrap@example.com")


def test_a_verify_that_cannot_reach_amplifybackend_is_rolled_back(node_stack, artifacts, tmp_path):
    stack = node_stack
    before = configs(stack)
    stack.backend_control({"faults": [{"kind": {"type": "throttle"}, "count": 0}]})
    try:
        failed = cli(stack, tmp_path, "migrate", "--yes")
    finally:
        stack.backend_control({"clearFaults": True})
    assert failed.returncode == 3, failed.stderr
    assert "FAILED at check: VerifyAuthChallengeResponse" in failed.stderr, failed.stderr
    assert "the login code could not be checked" in failed.stderr
    assert_node_originals_sign_in(stack, before, "after.outage@example.com")


def _location(url: str):
    def rewrite(answer: dict) -> dict:
        answer["Code"]["Location"] = url
        return answer
    return rewrite


def _code_sha(answer: dict) -> dict:
    answer["Configuration"]["CodeSha256"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    return answer


@pytest.mark.parametrize("rewrite, refusal", [
    (_location("file:///etc/passwd"), "https only"),
    (_location("data:application/zip;base64,UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="), "https only"),
    (_location("http://downloads.example.com/code.zip"), "https only"),
    (_code_sha, "does not match its CodeSha256"),
])
def test_code_is_downloaded_over_https_only_and_checked_against_its_hash(node_stack, artifacts, tmp_path, rewrite, refusal):
    stack = node_stack
    before = configs(stack)
    rule = Rule("GET", FUNCTIONS.format("verify-auth-challenge"), "rewrite", rewrite=rewrite)
    with FaultProxy(stack.ministack_url, [rule]) as proxy:
        refused = cli(stack, tmp_path, "migrate", "--yes", endpoint=proxy.url)
    assert refused.returncode == 2 and refusal in refused.stderr, refused.stderr
    assert configs(stack) == before and not record(tmp_path).exists(), "refused before any change"


def test_check_fails_on_a_misconfigured_function(node_stack):
    """`make check` exits non-zero and says why (here: a Node function gives no invitation email)."""
    stack = node_stack
    lam = stack.client("lambda")
    name = stack.function_name("custom-message")
    original = lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
    lam.update_function_code(FunctionName=name, ZipFile=_zip("index.js", "exports.handler = async (e) => e;\n"))
    try:
        checked = run("check.py", stack.ministack_url, "--short-code", SHORT_CODE)
        assert checked.returncode == 1
        assert "FAILED CustomMessage" in checked.stderr and "no invitation email" in checked.stderr
        assert "1/4" not in checked.stdout and "3/4 triggers answer" in checked.stdout
        wrong_code = run("check.py", stack.ministack_url, "--short-code", "zz99")
        assert wrong_code.returncode == 2 and "not amplify-login-define-auth-challenge-zz99" in wrong_code.stderr
    finally:
        lam.update_function_code(FunctionName=name, ZipFile=node_original_zip("custom-message"))
    assert lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"] == original


def _zip(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


def test_records_are_outside_build_and_no_make_target_deletes_them():
    assert ROOT / "build" not in default_records().parents
    removals = [line for line in (ROOT / "Makefile").read_text().splitlines() if "rm " in line]
    assert removals and not [line for line in removals if any(word in line for word in ("RECORDS", "migrations", "state", "~", "HOME"))]

