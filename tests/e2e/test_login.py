"""End-to-end: a Studio login through ministack's Cognito, the four bootstraps and the local
AmplifyBackend, driven by boto3 as the Amplify console and Studio would."""

import html
import itertools
import json
import re
import time

import pytest
from botocore.exceptions import ClientError

_users = itertools.count(1)
SECRETS: list[str] = []  # every code and answer used; none may appear in any log


def new_user(stack) -> str:
    email = f"admin{next(_users)}@example.com"
    stack.add_confirmed_user(email)
    return email


def token(stack, app_id=None) -> dict:
    minted = stack.create_token(app_id)
    SECRETS.append(minted["ChallengeCode"])
    return minted


def metadata(minted: dict) -> dict:
    return {"appId": minted["AppId"], "sessionId": minted["SessionId"]}


def test_correct_code_issues_tokens(stack):
    email, minted = new_user(stack), token(stack)
    started = stack.start_login(email)
    assert started["ChallengeName"] == "CUSTOM_CHALLENGE"
    result = stack.answer(email, started["Session"], minted["ChallengeCode"], metadata(minted))
    assert set(result["AuthenticationResult"]) >= {"AccessToken", "IdToken", "RefreshToken"}


def test_wrong_code_gets_a_new_challenge_burns_the_token_and_third_failure_ends_it(stack):
    email, minted = new_user(stack), token(stack)
    SECRETS.append("000000-wrong")
    first = stack.start_login(email)
    second = stack.answer(email, first["Session"], "000000-wrong", metadata(minted))
    assert second["ChallengeName"] == "CUSTOM_CHALLENGE", "a clean new challenge, not an error"
    # The token was burned by the wrong answer: the right code now is refused too.
    third = stack.answer(email, second["Session"], minted["ChallengeCode"], metadata(minted))
    assert third["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert "AuthenticationResult" not in third
    with pytest.raises(ClientError) as failure:
        stack.answer(email, third["Session"], minted["ChallengeCode"], metadata(minted))
    assert failure.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_a_used_code_cannot_log_in_again(stack):
    email, minted = new_user(stack), token(stack)
    first = stack.start_login(email)
    assert "AuthenticationResult" in stack.answer(email, first["Session"], minted["ChallengeCode"], metadata(minted))
    again = stack.start_login(email)
    replay = stack.answer(email, again["Session"], minted["ChallengeCode"], metadata(minted))
    assert "AuthenticationResult" not in replay and replay["ChallengeName"] == "CUSTOM_CHALLENGE"


def test_a_code_minted_for_another_app_is_refused(stack):
    email, foreign = new_user(stack), token(stack, app_id="dOTHERAPP0000")
    started = stack.start_login(email)
    result = stack.answer(email, started["Session"], foreign["ChallengeCode"], metadata(foreign))
    assert "AuthenticationResult" not in result and result["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert stack.backend_stats()["liveTokens"] >= 1, "the other app's token was not touched"


def test_an_expired_token_is_refused(stack):
    stack.backend_control({"ttlSeconds": 0.5})
    try:
        email, minted = new_user(stack), token(stack)
    finally:
        stack.backend_control({"ttlSeconds": 300})
    time.sleep(0.8)
    started = stack.start_login(email)
    result = stack.answer(email, started["Session"], minted["ChallengeCode"], metadata(minted))
    assert "AuthenticationResult" not in result and result["ChallengeName"] == "CUSTOM_CHALLENGE"


def test_missing_client_metadata_is_refused_cleanly(stack):
    email, minted = new_user(stack), token(stack)
    started = stack.start_login(email)
    result = stack.answer(email, started["Session"], minted["ChallengeCode"], None)
    assert "AuthenticationResult" not in result and result["ChallengeName"] == "CUSTOM_CHALLENGE"
    partial = stack.answer(email, result["Session"], minted["ChallengeCode"], {"appId": minted["AppId"]})
    assert partial["ChallengeName"] == "CUSTOM_CHALLENGE"


def _email_to(stack, address: str) -> dict:
    for account in stack.sent_emails().values():
        for message in account:
            if address in message["To"]:
                return message
    raise AssertionError(f"no email to {address}")


@pytest.mark.parametrize(
    "invitee, invite_metadata, expected_link, expected_project",
    [
        ("teammate1@example.com",
         {"appId": "d1a2b3c4d5e6f7", "appName": "My <Shop> & App!", "region": "us-east-1", "environment": "staging"},
         "https://us-east-1.admin.amplifyapp.com/admin/login?appId=d1a2b3c4d5e6f7&backendEnvironmentName=staging",
         "MyShopApp (d1a2b3c4d5e6f7)"),
        ("teammate2@example.com",
         {"appId": "d1a2b3c4d5e6f7", "appName": "x!", "appLink": "https://us-east-1.console.aws.amazon.com/amplify/home?a=1&b=2"},
         "https://us-east-1.console.aws.amazon.com/amplify/home?a=1&b=2",
         "amplify (d1a2b3c4d5e6f7)"),
        ("teammate3@example.com",
         {"appId": "<i>d1</i>", "appName": "Store", "appLink": "javascript:alert(1)"},
         None,
         "Store (&lt;i&gt;d1&lt;/i&gt;)"),
    ],
)
def test_invite_email_is_studios_escaped_and_filled(stack, invitee, invite_metadata, expected_link, expected_project):
    user = stack.invite(invitee, invite_metadata)
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    email = _email_to(stack, invitee)
    body = email["BodyHtml"]
    assert email["Subject"] == "Welcome to Amplify Studio | Your temporary account details"
    assert f"<b>{expected_project}</b>" in body, body
    assert f'<a href="mailto:{invitee}">{invitee}</a>' in body, "username placeholder filled"
    password = re.search(r"Temporary password: <b>([^<]+)</b>", body).group(1)
    assert password != "{####}" and len(password) >= 6, "code placeholder filled"
    SECRETS.append(html.unescape(password))
    links = re.findall(r'<a href="([^"]+)">Visit the Amplify Studio</a>', body)
    assert [html.unescape(link) for link in links] == ([expected_link] if expected_link else []), body
    assert "undefined" not in body and "<i>" not in body and "javascript:" not in body.lower()


def test_clean_paths_had_no_function_errors_and_logged_no_secrets(stack):
    lines = {b: stack.function_logs(b) for b in
             ["define-auth-challenge", "create-auth-challenge", "verify-auth-challenge", "custom-message"]}
    verify_outcomes = [json.loads(l)["fields"].get("outcome") for l in lines["verify-auth-challenge"] if l.startswith("{")]
    assert {"accepted", "wrong_answer", "no_such_token", "foreign_app", "missing_metadata"} <= set(verify_outcomes)
    for binary, log in lines.items():
        assert log, f"{binary} logged nothing"
        for line in log:
            assert '"level":"ERROR"' not in line, f"{binary}: {line}"
            assert "Runtime.ExitError" not in line and "panicked" not in line, f"{binary}: {line}"
            record = json.loads(line) if line.startswith("{") else {}
            if {"outcome", "decision", "attempt", "trigger_source", "app_id"} & set(record.get("fields", {})) \
                    and "accepting only" not in record["fields"].get("message", ""):
                assert record["span"]["requestId"], f"{binary}: request id on invocation lines: {line}"
            for secret in SECRETS:
                assert secret not in line, f"{binary} logged a secret: {line}"
    assert len(SECRETS) >= 8


def test_backend_outage_fails_closed_within_cognitos_budget(stack):
    email, minted = new_user(stack), token(stack)
    started = stack.start_login(email)
    stack.backend_control({"faults": [{"kind": {"type": "throttle"}, "count": 0}]})
    try:
        began = time.monotonic()
        with pytest.raises(ClientError) as failure:
            stack.answer(email, started["Session"], minted["ChallengeCode"], metadata(minted))
        elapsed = time.monotonic() - began
    finally:
        stack.backend_control({"clearFaults": True})
    assert failure.value.response["Error"]["Code"] in {"InvalidLambdaResponseException", "UserLambdaValidationException", "UnexpectedLambdaException"}
    assert elapsed < 4.5, elapsed
    errors = [l for l in stack.function_logs("verify-auth-challenge") if '"level":"ERROR"' in l]
    assert any("backend_unavailable" in line for line in errors), errors
    assert minted["ChallengeCode"] not in "".join(errors)
