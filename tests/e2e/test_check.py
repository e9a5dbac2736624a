"""`make check` (deploy/check.py) against the session's Rust login pool: the table, what it
touches (one GetToken, nothing created or deleted), and misconfigurations it must catch. IAM's
SimulatePrincipalPolicy is answered by iam_policy.py's evaluation of the role's policies in front
of ministack (lambda_policy.py), as AWS decides it."""

import contextlib
import json

from iam_policy import caller_may_not_simulate
from lambda_policy import lambda_as_in_december_2026
from secrets_scan import remember
from studio_stack import TRIGGERS, run_deploy_script

TOKEN_POLICY = ("amplify-login-lambda", "login-tokens")


def check(stack, *args: str, rules=None):
    with lambda_as_in_december_2026(stack.ministack_url, rules) as aws:
        return run_deploy_script("check.py", "--app-id", stack.app_id, "--endpoint-url", aws.url, *args)


@contextlib.contextmanager
def token_policy(stack, statements: list[dict]):
    """The verify role's token policy replaced by these statements for the block, then restored."""
    iam = stack.client("iam")
    role, name = TOKEN_POLICY
    before = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    before = before if isinstance(before, str) else json.dumps(before)
    iam.put_role_policy(RoleName=role, PolicyName=name,
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    try:
        yield
    finally:
        from urllib.parse import unquote
        iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=unquote(before))


def challenges(stack, app_id=None) -> str:
    return f"arn:aws:amplifybackend:us-east-1:000000000000:/backend/{app_id or stack.app_id}/challenge/*"


def permission_rows(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("permission "))
    return lines[start + 1:start + 7]


def users(stack) -> int:
    return len(stack.client("cognito-idp").list_users(UserPoolId=stack.pool_id)["Users"])


def test_check_shows_each_function_and_touches_no_user_or_token(stack):
    waiting = stack.create_token()  # someone's login code, minted and not yet used
    remember(waiting["ChallengeCode"])
    backend, people = stack.backend_stats(), users(stack)
    checked = check(stack)
    assert checked.returncode == 0, checked.stderr
    rows = checked.stdout.splitlines()[1:5]
    for row, trigger in zip(rows, ("DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse", "CustomMessage")):
        assert row.startswith(trigger) and "provided.al2023" in row and stack.app_id in row and "ok (" in row, row
        assert " 128 " in row and " 5 " in row, row
    after = stack.backend_stats()
    # verify looked up one random session (NotFound) and deleted nothing (the waiting code is
    # still live); nobody was created.
    assert after["getToken"] - backend["getToken"] == 1
    assert (after["deleteToken"], after["createToken"], after["liveTokens"]) == (backend["deleteToken"], backend["createToken"], backend["liveTokens"])
    assert users(stack) == people
    # The permissions a probe cannot exercise: both token actions for verify's role, and Cognito's
    # invoke permission of each function for this pool.
    granted = permission_rows(checked.stdout)
    assert granted[0].startswith("amplifybackend:GetToken ") and granted[1].startswith("amplifybackend:DeleteToken ")
    allowed = f"ok (allowed on /backend/{stack.app_id}/challenge/<random>)"
    assert all("verify role amplify-login-lambda" in row and allowed in row for row in granted[:2]), granted
    for row, binary in zip(granted[2:], TRIGGERS.values()):
        assert row.startswith("lambda:InvokeFunction by cognito-idp") and f"{binary} (" in row, row
        assert "ok (for this pool)" in row, row
    assert "6/6 permissions proven" in checked.stdout


def test_check_fails_naming_deletetoken_when_the_verify_role_lost_it(stack):
    with token_policy(stack, [{"Effect": "Allow", "Action": "amplifybackend:GetToken", "Resource": challenges(stack)}]):
        checked = check(stack)
    assert checked.returncode == 1, checked.stdout
    assert "FAILED amplifybackend:DeleteToken for verify role amplify-login-lambda: implicitDeny" in checked.stderr
    assert "FAILED amplifybackend:GetToken" not in checked.stderr
    assert "5/6 permissions proven; denied: amplifybackend:DeleteToken" in checked.stdout
    assert "all four triggers answer as they should" in checked.stdout, "the probes cannot see it: only the check can"


def test_check_fails_on_an_explicit_deny_or_a_resource_for_another_app(stack):
    allow = {"Effect": "Allow", "Action": "amplifybackend:*", "Resource": "arn:aws:amplifybackend:*:*:/backend/*"}
    with token_policy(stack, [allow, {"Effect": "Deny", "Action": "amplifybackend:DeleteToken", "Resource": "*"}]):
        denied = check(stack)
    assert denied.returncode == 1 and "FAILED amplifybackend:DeleteToken for verify role amplify-login-lambda: explicitDeny" \
        in denied.stderr, denied.stderr
    with token_policy(stack, [dict(allow, Action="amplifybackend:*Token", Resource=challenges(stack, "dotherapp"))]):
        mistyped = check(stack)
    assert mistyped.returncode == 1 and "denied: amplifybackend:DeleteToken, amplifybackend:GetToken" in mistyped.stdout


def test_check_fails_naming_the_function_whose_invoke_permission_is_gone(stack):
    lam, name = stack.client("lambda"), stack.function_name("create-auth-challenge")
    lam.remove_permission(FunctionName=name, StatementId="cognito-invoke")
    try:
        checked = check(stack)
    finally:
        stack.grant_cognito([lam.get_function_configuration(FunctionName=name)["FunctionArn"]])
    assert checked.returncode == 1, checked.stdout
    assert f"FAILED lambda:InvokeFunction by cognito-idp for create-auth-challenge ({name}): " in checked.stderr
    assert "5/6 permissions proven" in checked.stdout
    assert check(stack).returncode == 0, "restored"


def test_a_caller_without_simulate_principal_policy_fails_the_check_saying_so(stack):
    checked = check(stack, rules=[caller_may_not_simulate()])
    assert checked.returncode == 1
    assert ("FAILED amplifybackend:DeleteToken for verify role amplify-login-lambda: cannot prove it: this caller may not "
            "call iam:SimulatePrincipalPolicy (AccessDenied") in checked.stderr, checked.stderr


def test_check_fails_when_verify_is_not_configured_for_this_app(stack):
    lam = stack.client("lambda")
    name = stack.function_name("verify-auth-challenge")
    env = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": dict(env, AMPLIFY_APP_ID="*")})
    try:
        checked = check(stack)
    finally:
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": env})
    assert checked.returncode == 1
    assert "FAILED VerifyAuthChallengeResponse" in checked.stderr and "AMPLIFY_APP_ID is '*'" in checked.stderr
    assert "3/4 triggers answer as they should" in checked.stdout


def test_check_says_when_there_is_no_such_pool(stack):
    missing = check(stack, "--short-code", "nope")
    assert missing.returncode == 2 and "not amplify-login-define-auth-challenge-nope" in missing.stderr
