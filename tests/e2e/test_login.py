"""End-to-end: a Studio login through ministack's Cognito, the four bootstraps and the local
AmplifyBackend, driven by boto3 as the Amplify console and Studio would."""

import html
import itertools
import json
import re
import time
from collections import Counter

import pytest
from botocore.exceptions import ClientError

from metric_filters import datapoints, template_metric_filters
from secrets_scan import remember
from studio_stack import ROOT

_users = itertools.count(1)


def new_user(stack) -> str:
    email = f"admin{next(_users)}@example.com"
    stack.add_confirmed_user(email)
    return email


def token(stack, app_id=None) -> dict:
    minted = stack.create_token(app_id)
    remember(minted["ChallengeCode"])
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
    remember("000000-wrong")
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
    remember(html.unescape(password))
    links = re.findall(r'<a href="([^"]+)">Visit the Amplify Studio</a>', body)
    assert [html.unescape(link) for link in links] == ([expected_link] if expected_link else []), body
    assert "undefined" not in body and "<i>" not in body and "javascript:" not in body.lower()


def test_every_verify_outcome_is_logged_with_its_request_id(stack):
    email, minted = new_user(stack), token(stack)
    started = stack.start_login(email)
    stack.answer(email, started["Session"], minted["ChallengeCode"], metadata(minted))
    stack.answer(email, stack.start_login(email)["Session"], minted["ChallengeCode"], metadata(minted))
    stack.answer(email, stack.start_login(email)["Session"], minted["ChallengeCode"], None)
    foreign = token(stack, app_id="dOTHERAPP0001")
    stack.answer(email, stack.start_login(email)["Session"], foreign["ChallengeCode"], metadata(foreign))
    wrong = token(stack)
    stack.answer(email, stack.start_login(email)["Session"], remember("wrong-answer-31337"), metadata(wrong))
    records = [json.loads(l) for l in stack.function_logs("verify-auth-challenge") if l.startswith("{")]
    outcomes = {r["fields"].get("outcome") for r in records}
    assert {"accepted", "wrong_answer", "no_such_token", "foreign_app", "missing_metadata"} <= outcomes
    levels = {r["fields"].get("outcome"): r["level"] for r in records if r["fields"].get("outcome")}
    assert levels["foreign_app"] == "WARN" and levels["accepted"] == "INFO"


FIXTURES = ROOT / "tests" / "fixtures"


def _event(name: str, user_not_found: bool, **request) -> dict:
    event = json.loads((FIXTURES / name).read_text())
    event["userName"] = "someone@example.com"
    event["request"].update(request, userNotFound=user_not_found)
    return event


def _sign_in_as(stack, user_not_found: bool) -> dict:
    """The trigger sequence Cognito runs for one sign-in with two wrong codes then the right one
    (and a third wrong for the 3-attempt end), each function invoked as Cognito would."""
    seen = {}
    before = stack.backend_stats()

    def answer(binary, event):  # what Cognito reads: the function error, if any, and `response`
        error, out = stack.invoke(binary, event)
        return error, (out or {}).get("response")

    seen["define 1"] = answer("define-auth-challenge", _event("define-first-call.json", user_not_found))
    error, created = answer("create-auth-challenge", _event("create-first-call.json", user_not_found))
    secret = created["privateChallengeParameters"].pop("secretLoginCode")
    seen["create"] = (error, created, len(secret))
    minted = token(stack)
    wrong = _event("verify-answer.json", user_not_found, challengeAnswer=remember("wrong-7777"),
                   clientMetadata=metadata(minted))
    seen["verify wrong"] = answer("verify-auth-challenge", wrong)
    right = token(stack)
    event = _event("verify-answer.json", user_not_found, challengeAnswer=right["ChallengeCode"],
                   clientMetadata=metadata(right))
    seen["verify right"] = answer("verify-auth-challenge", event)
    failed = [{"challengeName": "CUSTOM_CHALLENGE", "challengeResult": False, "challengeMetadata": "STUDIO_LOGIN_CODE"}]
    seen["define after 1 wrong"] = answer("define-auth-challenge", _event("define-first-call.json", user_not_found, session=failed))
    seen["define after 3 wrong"] = answer("define-auth-challenge", _event("define-first-call.json", user_not_found, session=failed * 3))
    after = stack.backend_stats()
    seen["backend calls"] = (after["getToken"] - before["getToken"], after["deleteToken"] - before["deleteToken"])
    return seen


def test_an_unknown_email_is_answered_like_a_team_member(stack):
    """PreventUserExistenceErrors: Cognito runs the triggers with userNotFound=true for an unknown
    email. ministack's Cognito does not (it answers UserNotFoundException for CUSTOM_AUTH), so the
    deployed functions are invoked here directly with the events Cognito sends."""
    known, unknown = _sign_in_as(stack, False), _sign_in_as(stack, True)
    for step in known:
        if step == "verify right":
            continue
        assert unknown[step] == known[step], f"{step}: {unknown[step]} != {known[step]}"
    assert known["define 1"][1]["challengeName"] == "CUSTOM_CHALLENGE"
    assert known["define after 1 wrong"][1]["challengeName"] == "CUSTOM_CHALLENGE"
    assert known["define after 3 wrong"][1]["failAuthentication"] is True
    assert known["create"][2] == 32
    assert known["backend calls"] == (2, 2), "the same calls, so timing tells nothing either"
    # Up to the refused answer: the right code lets only the team member in.
    assert known["verify right"] == (None, {"answerCorrect": True})
    assert unknown["verify right"] == (None, {"answerCorrect": False})


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


def _published(stack) -> list:
    """Datapoints the template's metric filters make of every function log line so far."""
    return [point for metric_filter in template_metric_filters()
            for point in datapoints(metric_filter, stack.function_logs(metric_filter.binary))]


def _counted(points: list) -> Counter:
    return Counter((point.metric, point.dimensions) for point in points)


def test_metric_filters_count_logins_decisions_invitations_and_outages(stack):
    """The template's metric filters, applied to what the real functions logged: every verify
    outcome, define decision, invitation, backend latency and cold start is counted under this
    app's id, and no datapoint carries anything but names and numbers."""
    before = _counted(_published(stack))
    app = (("AppId", stack.app_id),)
    # accepted, then foreign_app
    stack.assert_signs_in_and_refuses_a_foreign_code(f"metrics{next(_users)}@example.com")
    # wrong_answer, then no_such_token (the wrong answer burned it), then the third failure
    email, minted = new_user(stack), token(stack)
    remember("111111-wrong")
    first = stack.start_login(email)
    second = stack.answer(email, first["Session"], "111111-wrong", metadata(minted))
    third = stack.answer(email, second["Session"], minted["ChallengeCode"], metadata(minted))
    with pytest.raises(ClientError):
        stack.answer(email, third["Session"], minted["ChallengeCode"], metadata(minted))
    # backend_unavailable
    email, minted = new_user(stack), token(stack)
    started = stack.start_login(email)
    stack.backend_control({"faults": [{"kind": {"type": "throttle"}, "count": 0}]})
    try:
        with pytest.raises(ClientError):
            stack.answer(email, started["Session"], minted["ChallengeCode"], metadata(minted))
    finally:
        stack.backend_control({"clearFaults": True})
    stack.invite("metrics.invitee@example.com", {"appId": stack.app_id, "appName": "Metrics", "region": "us-east-1"})

    points = _published(stack)
    after = _counted(points)
    new = after - before
    for outcome in ("accepted", "foreign_app", "wrong_answer", "no_such_token", "backend_unavailable"):
        assert new[("VerifyOutcome", app + (("Outcome", outcome),))] >= 1, (outcome, new)
    # wrong_answer + foreign_app (+ replayed): the SuspiciousCodes alarm's metric
    assert new[("SuspiciousCodes", app)] >= 2, new
    for decision in ("ask_for_code", "issue_tokens", "fail_too_many_attempts"):
        assert new[("DefineDecision", app + (("Decision", decision),))] >= 1, (decision, new)
    assert new[("InvitationsSent", app)] >= 1, new
    # One latency datapoint per verify that called AmplifyBackend (not for foreign_app).
    latencies = [point for point in points if point.metric == "BackendLatency"]
    assert latencies and all(0 <= p.value < 5000 for p in latencies), latencies
    assert new[("BackendLatency", app)] >= 4, new
    # Cold starts: every function has started at least once in this session, each under its name.
    for binary in ("define-auth-challenge", "create-auth-challenge", "verify-auth-challenge", "custom-message"):
        assert after[("ColdStarts", app + (("Trigger", binary),))] >= 1, (binary, after)
    # Only this app, only known names: no code, session id or email can become a dimension.
    known = {"accepted", "wrong_answer", "no_such_token", "foreign_app", "replayed", "token_mismatch",
             "missing_metadata", "backend_unavailable", "not_configured", "unknown_user", "ask_for_code",
             "issue_tokens", "fail_too_many_attempts", "fail_user_not_found", "fail_unreadable_session",
             "fail_other_challenge", "define-auth-challenge", "create-auth-challenge",
             "verify-auth-challenge", "custom-message"}
    for metric, dimensions in new:  # (other tests reconfigure functions: `any`, `unset` before this one)
        assert dict(dimensions)["AppId"] == stack.app_id, (metric, dimensions)
    for metric, dimensions in after:
        assert dict(dimensions)["AppId"] in {stack.app_id, "any", "unset"}, (metric, dimensions)
        assert all(v in known for k, v in dimensions if k != "AppId"), (metric, dimensions)
