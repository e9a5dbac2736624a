"""`make check` (deploy/check.py) against the session's Rust login pool: the table, what it
touches (one GetToken, nothing created or deleted), and a misconfiguration it must catch."""

from secrets_scan import remember
from studio_stack import run_deploy_script


def check(stack, *args: str):
    return run_deploy_script("check.py", "--app-id", stack.app_id, "--endpoint-url", stack.ministack_url, *args)


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
