"""The cargo-lambda path: `deploy/cargo_lambda_deploy.py` runs the real `cargo lambda deploy`
against ministack for the four functions, creates the verify role, and attaches them to a
Studio-shaped pool; then a whole login and an invitation go through the functions it deployed.
ministack runs bootstraps on this host, so the x86_64 build is deployed."""

import os
import subprocess
import sys

import pytest

from studio_stack import BUILD, ROOT, TRIGGERS, StudioLoginStack

APP_ID = "dcargolambda01"
TOOLS_BIN = BUILD / "venv-tools" / "bin"


@pytest.fixture(scope="module")
def deployed():
    with StudioLoginStack(app_id=APP_ID, functions="none", say=lambda _: None) as stack:
        stack.create_pool({})
        stack.short_code = "cl"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(PATH=f"{TOOLS_BIN}:{env['PATH']}", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        done = subprocess.run(
            [sys.executable, str(ROOT / "deploy" / "cargo_lambda_deploy.py"), "--app-id", APP_ID,
             "--short-code", "cl", "--lambda-dir", str(BUILD / "lambda" / "x86_64"), "--region", "us-east-1",
             "--endpoint-url", stack.ministack_url, "--amplifybackend-endpoint", stack.backend_url],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
        )
        print(done.stdout[-3000:], done.stderr[-3000:])
        assert done.returncode == 0, done.stderr
        yield stack
    assert stack.survivors() == []


def test_functions_role_and_triggers_are_as_documented(deployed):
    stack = deployed
    lam = stack.client("lambda")
    pool = stack.client("cognito-idp").describe_user_pool(UserPoolId=stack.pool_id)["UserPool"]
    for trigger, binary in TRIGGERS.items():
        config = lam.get_function(FunctionName=stack.function_name(binary))["Configuration"]
        assert (config["Runtime"], config["Handler"], config["MemorySize"], config["Timeout"]) \
            == ("provided.al2023", "bootstrap", 128, 5), config
        assert pool["LambdaConfig"][trigger] == config["FunctionArn"]
    verify = lam.get_function(FunctionName=stack.function_name("verify-auth-challenge"))["Configuration"]
    assert verify["Environment"]["Variables"]["AMPLIFY_APP_ID"] == APP_ID
    resources = stack.role_resources(verify["Role"], "amplifybackend:GetToken")
    assert resources == {f"arn:aws:amplifybackend:us-east-1:000000000000:/backend/{APP_ID}/challenge/*"}
    others = {lam.get_function(FunctionName=stack.function_name(b))["Configuration"]["Role"]
              for b in TRIGGERS.values() if b != "verify-auth-challenge"}
    assert verify["Role"] not in others, "only verify's role can read tokens"


def test_login_and_invite_through_functions_deployed_by_cargo_lambda(deployed):
    stack = deployed
    stack.assert_signs_in_and_refuses_a_foreign_code("admin@example.com")
    stack.invite("mate@example.com", {"appId": APP_ID, "appName": "CargoApp", "region": "eu-west-1", "environment": "main"})
    bodies = [m["BodyHtml"] for a in stack.sent_emails().values() for m in a if "mate@example.com" in m["To"]]
    assert bodies and f"CargoApp ({APP_ID})" in bodies[0]
