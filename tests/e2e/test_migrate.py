"""Migration of an existing Studio pool's Node.js triggers to the Rust functions, and back,
through the real CLI (deploy/migrate.py) against ministack's Lambda and Cognito APIs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio_stack import ROOT, TRIGGERS, StudioLoginStack

SHORT_CODE = "ab12cd34"
APP_ID = "dmigrate00001"


@pytest.fixture(scope="module")
def node_stack():
    with StudioLoginStack(app_id=APP_ID, functions="node", short_code=SHORT_CODE, say=lambda _: None) as stack:
        yield stack
    assert stack.survivors() == []


def cli(stack, tmp: Path, *args: str, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    command = [sys.executable, str(ROOT / "deploy" / "migrate.py"), *args,
               "--app-id", APP_ID, "--short-code", SHORT_CODE, "--endpoint-url", stack.ministack_url,
               "--artifacts", str(tmp / "artifacts"), "--architecture", stack.architecture, "--records", str(tmp / "records")]
    result = subprocess.run(command, env=env, stdin=stdin, capture_output=True, text=True, timeout=180)
    print(result.stdout, result.stderr)
    return result


MIGRATED_FIELDS = ("FunctionArn", "Runtime", "Handler", "Architectures", "CodeSha256", "Environment")


def configs(stack) -> dict:
    """What migration may change, per function (volatile fields like State left out)."""
    lam = stack.client("lambda")
    return {
        b: {k: lam.get_function(FunctionName=stack.function_name(b))["Configuration"].get(k) for k in MIGRATED_FIELDS}
        for b in TRIGGERS.values()
    }


def test_migrate_login_and_roll_back(node_stack, tmp_path):
    stack = node_stack
    for binary in TRIGGERS.values():
        (tmp_path / "artifacts" / binary).mkdir(parents=True)
        (tmp_path / "artifacts" / binary / "bootstrap.zip").write_bytes(stack.function_zip(binary))
    before = configs(stack)
    pool_before = stack.client("cognito-idp").describe_user_pool(UserPoolId=stack.pool_id)["UserPool"]["LambdaConfig"]
    assert {c["Runtime"] for c in before.values()} == {"nodejs20.x"}

    plan = cli(stack, tmp_path, "plan")
    assert plan.returncode == 0 and "nodejs20.x index.handler x86_64 -> provided.al2023 bootstrap x86_64" in plan.stdout
    assert "+ env AMPLIFY_APP_ID=" + APP_ID in plan.stdout
    assert configs(stack) == before, "plan changes nothing"

    unconfirmed = cli(stack, tmp_path, "migrate")
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    assert configs(stack) == before, "no confirmation, no change"

    migrated = cli(stack, tmp_path, "migrate", "--yes")
    assert migrated.returncode == 0, migrated.stderr
    after = configs(stack)
    for binary, config in after.items():
        assert (config["Runtime"], config["Handler"]) == ("provided.al2023", "bootstrap"), binary
        assert config["FunctionArn"] == before[binary]["FunctionArn"]
    verify_env = after["verify-auth-challenge"]["Environment"]["Variables"]
    assert verify_env["AMPLIFY_APP_ID"] == APP_ID and verify_env["ENDPOINT"] == stack.backend_url, "env kept"
    assert stack.client("cognito-idp").describe_user_pool(UserPoolId=stack.pool_id)["UserPool"]["LambdaConfig"] == pool_before

    # A whole login through the migrated functions.
    email = "admin@example.com"
    stack.add_confirmed_user(email)
    token = stack.create_token()
    started = stack.start_login(email)
    assert started["ChallengeName"] == "CUSTOM_CHALLENGE"
    wrong = stack.answer(email, started["Session"], "wrong", stack.login_metadata(token))
    assert wrong["ChallengeName"] == "CUSTOM_CHALLENGE"
    token = stack.create_token()
    started = stack.start_login(email)
    assert "AuthenticationResult" in stack.answer(email, started["Session"], token["ChallengeCode"], stack.login_metadata(token))
    stack.invite("new.member@example.com", {"appId": APP_ID, "appName": "Migrated", "region": "us-east-1", "environment": "prod"})
    assert any("Migrated (dmigrate00001)" in m["BodyHtml"] for a in stack.sent_emails().values() for m in a)

    rolled_back = cli(stack, tmp_path, "rollback", "--yes")
    assert rolled_back.returncode == 0, rolled_back.stderr
    restored = configs(stack)
    for binary, config in restored.items():
        old = before[binary]
        assert (config["Runtime"], config["Handler"], config["CodeSha256"]) == (old["Runtime"], old["Handler"], old["CodeSha256"]), binary
        assert config["Environment"] == old["Environment"], binary
    assert not (tmp_path / "records" / f"{APP_ID}-{SHORT_CODE}" / "record.json").exists()
