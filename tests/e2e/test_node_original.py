"""Side by side with Studio's real Node original verify (extracted from the seed page by `make
node-original`). These tests are the comparison anchor: on a clone without the page they skip
(conftest.py says so in one line); CI, which has the page, must run them (REQUIRE_NODE_ORIGINAL).

They also keep the stand-in honest: every Studio-shaped pool of the other tests runs the verify
written from SPEC.md (tests/e2e/node/verify-standin.js), and here it must answer every event
exactly as the real original does."""

import json

import pytest
import test_migrate as cutover  # its tests are not collected again here: only module attributes
from lambda_policy import lambda_as_in_december_2026
from studio_stack import StudioLoginStack, node_original_zip, run_deploy_script

pytestmark = pytest.mark.node_original

APP_ID = "dnodeorig0001"
SHORT_CODE = "nodeorig"
VERIFY = "verify-auth-challenge"


@pytest.fixture(scope="module")
def original_stack():
    with StudioLoginStack(app_id=APP_ID, functions="node", node_verify="original", short_code=SHORT_CODE,
                          say=lambda _: None) as stack:
        original = stack.client("lambda").get_function(FunctionName=stack.function_name(VERIFY))["Configuration"]
        # The stand-in beside it, configured exactly like the original.
        stack.client("lambda").create_function(
            FunctionName=f"{stack.function_name(VERIFY)}-standin", Role=original["Role"],
            Runtime=original["Runtime"], Handler=original["Handler"], MemorySize=original["MemorySize"],
            Timeout=original["Timeout"], Environment=original["Environment"],
            Code={"ZipFile": node_original_zip(VERIFY, "standin")},
        )
        yield stack
    assert stack.survivors() == []


def verify_event(stack, metadata, answer):
    request = {"userAttributes": {"email": "member@example.com"}, "challengeAnswer": answer,
               "privateChallengeParameters": {}, "userNotFound": False}
    if metadata is not None:
        request["clientMetadata"] = metadata
    return {"version": "1", "triggerSource": "VerifyAuthChallengeResponse_Authentication", "region": "us-east-1",
            "userPoolId": stack.pool_id, "userName": "member", "callerContext": {}, "request": request,
            "response": {}}


def answered(stack, function: str, event: dict) -> tuple[bool, object]:
    """(function error?, answerCorrect) as Cognito would see them."""
    out = stack.client("lambda").invoke(FunctionName=function, Payload=json.dumps(event).encode())
    payload = json.loads(out["Payload"].read() or b"null")
    correct = payload.get("response", {}).get("answerCorrect") if isinstance(payload, dict) else None
    return "FunctionError" in out, None if "FunctionError" in out else correct


# (name, how the event is made from a fresh token): each case mints its own token per function.
CASES = {
    "right code": lambda token: ({"appId": token["AppId"], "sessionId": token["SessionId"]}, token["ChallengeCode"]),
    "wrong code": lambda token: ({"appId": token["AppId"], "sessionId": token["SessionId"]}, "000000"),
    "unknown session": lambda token: ({"appId": token["AppId"], "sessionId": "no-such-session"}, "123456"),
    "no client metadata": lambda token: (None, token["ChallengeCode"]),
    "empty answer": lambda token: ({"appId": token["AppId"], "sessionId": token["SessionId"]}, ""),
}


@pytest.mark.parametrize("case", CASES)
def test_the_stand_in_answers_like_the_real_original(original_stack, case):
    stack = original_stack
    answers = {}
    for function in (stack.function_name(VERIFY), f"{stack.function_name(VERIFY)}-standin"):
        metadata, answer = CASES[case](stack.create_token())
        answers[function.rsplit("-", 1)[-1]] = answered(stack, function, verify_event(stack, metadata, answer))
    assert answers[SHORT_CODE] == answers["standin"], answers


def test_a_login_through_the_real_original_and_its_check(original_stack):
    stack = original_stack
    stack.add_confirmed_user("original@example.com")
    token = stack.create_token()
    started = stack.start_login("original@example.com")
    result = stack.answer("original@example.com", started["Session"], token["ChallengeCode"], stack.login_metadata(token))
    assert "AuthenticationResult" in result, result
    with lambda_as_in_december_2026(stack.ministack_url) as aws:  # IAM's simulation in front
        checked = run_deploy_script("check.py", "--app-id", APP_ID, "--endpoint-url", aws.url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "original throws NotFound" in checked.stdout, checked.stdout
    # Studio's own role (every backend's tokens) is simulated like ours: both actions allowed.
    assert "6/6 permissions proven" in checked.stdout, checked.stdout


def test_the_cutover_and_rollback_on_a_pool_with_the_real_original(tmp_path):
    """The whole cutover test of test_migrate.py (under Lambda's deprecation policy), on a Studio
    pool whose verify is the real original: migrate, login, invitation, metrics, check, rollback,
    and a login through the untouched original afterwards."""
    with cutover.studio_pool("original") as stack:
        cutover.test_migrate_login_invitation_metrics_check_and_rollback(
            stack, cutover.write_artifacts(stack, tmp_path), tmp_path)
