#!/usr/bin/env python3
"""Check a live Amplify Studio login pool: does sign-in work, in this account, right now?

    check.py --app-id APP [--short-code CODE] [--region REGION] [--endpoint-url URL]

Finds the pool `amplify_backend_manager_<APP>` and the four functions its own triggers call (the
short code is only a cross-check), shows each function's runtime, architecture, memory, timeout,
log format and AMPLIFY_APP_ID, and invokes each once with a harmless synthetic event:

- define-auth-challenge, empty session        -> CUSTOM_CHALLENGE
- create-auth-challenge, first attempt        -> a challenge (private parameters or metadata)
- verify-auth-challenge, this app and a random session with no token -> answerCorrect false and
  no function error: the role may call GetToken and the function reaches AmplifyBackend, without
  touching a real token (GetToken answers NotFound, so nothing is deleted)
- custom-message, a Studio invitation         -> the invitation email with the code placeholders

Prints one table; exits 1 when any check fails, 2 when the pool or a function cannot be found.
Never creates or deletes users or tokens. Needs cognito-idp:ListUserPools, DescribeUserPool,
lambda:GetFunction and lambda:InvokeFunction. Standard AWS credential chain.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
import uuid
from dataclasses import dataclass, field

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

TRIGGERS = {
    "DefineAuthChallenge": "define-auth-challenge",
    "CreateAuthChallenge": "create-auth-challenge",
    "VerifyAuthChallengeResponse": "verify-auth-challenge",
    "CustomMessage": "custom-message",
}
CODE_PLACEHOLDER, USERNAME_PLACEHOLDER = "{####}", "{username}"


class PoolNotFound(Exception):
    pass


def clients(region: str | None, endpoint_url: str | None):
    # Few, quick retries: an admin is waiting, and a cut-over rolls back on failure.
    config = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=10, read_timeout=30)
    kwargs = {"config": config}
    if region:
        kwargs["region_name"] = region
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    return boto3.client("lambda", **kwargs), boto3.client("cognito-idp", **kwargs)


def function_name_of(arn: str) -> str:
    # arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
    parts = arn.split(":")
    return parts[6] if len(parts) >= 7 and parts[5] == "function" else arn


def find_pool(idp, app_id: str) -> dict:
    name = f"amplify_backend_manager_{app_id}"
    found = [pool for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60)
             for pool in page["UserPools"] if pool["Name"] == name]
    if not found:
        raise PoolNotFound(f"no user pool named {name} in this account and region")
    if len(found) > 1:
        raise PoolNotFound(f"{len(found)} user pools are named {name}: cannot tell which is Studio's")
    return idp.describe_user_pool(UserPoolId=found[0]["Id"])["UserPool"]


def pool_functions(idp, app_id: str, short_code: str | None = None) -> tuple[dict, dict[str, str]]:
    """The pool and {binary: function name} from the pool's own trigger configuration."""
    pool = find_pool(idp, app_id)
    attached = pool.get("LambdaConfig") or {}
    names = {}
    for trigger, binary in TRIGGERS.items():
        arn = attached.get(trigger)
        if not arn:
            raise PoolNotFound(f"pool {pool['Name']} has no {trigger} trigger: not a Studio login pool")
        names[binary] = function_name_of(arn)
        if short_code and names[binary] != f"amplify-login-{binary}-{short_code}":
            raise PoolNotFound(f"pool {pool['Name']}'s {trigger} trigger calls {names[binary]}, "
                               f"not amplify-login-{binary}-{short_code}")
    return pool, names


# ---------- the synthetic events: nothing in them exists, nothing is created ----------

def _event(pool: dict, trigger_source: str, request: dict, response: dict) -> dict:
    return {
        "version": "1", "region": pool["Id"].split("_")[0], "userPoolId": pool["Id"],
        "userName": f"studio-login-check-{secrets.token_hex(4)}",
        "callerContext": {"awsSdkVersion": "studio-login-check", "clientId": "studio-login-check"},
        "triggerSource": trigger_source, "request": request, "response": response,
    }


def probe_event(binary: str, pool: dict, app_id: str) -> dict:
    attributes = {"email": "studio-login-check@example.invalid", "email_verified": "true",
                  "cognito:user_status": "CONFIRMED"}
    if binary == "define-auth-challenge":
        return _event(pool, "DefineAuthChallenge_Authentication",
                      {"userAttributes": attributes, "session": [], "userNotFound": False},
                      {"challengeName": None, "issueTokens": None, "failAuthentication": None})
    if binary == "create-auth-challenge":
        return _event(pool, "CreateAuthChallenge_Authentication",
                      {"userAttributes": attributes, "challengeName": "CUSTOM_CHALLENGE", "session": [],
                       "userNotFound": False},
                      {"publicChallengeParameters": None, "privateChallengeParameters": None,
                       "challengeMetadata": None})
    if binary == "verify-auth-challenge":
        # A session id nobody minted a token for: GetToken answers NotFound, DeleteToken is not called.
        return _event(pool, "VerifyAuthChallengeResponse_Authentication",
                      {"userAttributes": attributes, "privateChallengeParameters": {},
                       "challengeAnswer": f"check-{secrets.token_hex(8)}",
                       "clientMetadata": {"appId": app_id, "sessionId": str(uuid.uuid4())},
                       "userNotFound": False},
                      {"answerCorrect": None})
    return _event(pool, "CustomMessage_AdminCreateUser",
                  {"userAttributes": dict(attributes, **{"cognito:user_status": "FORCE_CHANGE_PASSWORD"}),
                   "codeParameter": CODE_PLACEHOLDER, "usernameParameter": USERNAME_PLACEHOLDER,
                   "linkParameter": "{##Click Here##}",
                   "clientMetadata": {"appId": app_id, "appName": "studio-login-check", "region": pool["Id"].split("_")[0]}},
                  {"smsMessage": None, "emailMessage": None, "emailSubject": None})


EXPECTED = {
    "define-auth-challenge": "empty session -> CUSTOM_CHALLENGE",
    "create-auth-challenge": "first attempt -> a challenge",
    "verify-auth-challenge": "random session -> answerCorrect false",
    "custom-message": "invitation -> Studio email",
}


def judge(binary: str, answer) -> str | None:
    """None when the answer is what a working function gives, else what is wrong."""
    response = (answer or {}).get("response") if isinstance(answer, dict) else None
    if not isinstance(response, dict):
        return "no response object in the answer"
    if binary == "define-auth-challenge":
        if response.get("challengeName") != "CUSTOM_CHALLENGE" or response.get("issueTokens") or response.get("failAuthentication"):
            return f"answered {json.dumps(response, sort_keys=True)}"
    elif binary == "create-auth-challenge":
        if not (response.get("privateChallengeParameters") or response.get("challengeMetadata")):
            return "no challenge (private parameters and metadata empty)"
    elif binary == "verify-auth-challenge":
        if response.get("answerCorrect") is not False:
            return f"answerCorrect is {response.get('answerCorrect')!r}, expected false"
    else:
        message = response.get("emailMessage") or ""
        if not response.get("emailSubject") or CODE_PLACEHOLDER not in message or USERNAME_PLACEHOLDER not in message:
            return "no invitation email with the {####} and {username} placeholders"
    return None


@dataclass
class Row:
    trigger: str
    binary: str
    name: str
    config: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    millis: float | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def is_rust(config: dict) -> bool:
    return str(config.get("Runtime", "")).startswith("provided")


def configuration_problems(config: dict, app_id: str) -> list[str]:
    problems = []
    if config.get("State") not in (None, "Active"):
        problems.append(f"state {config.get('State')}: {config.get('StateReason', '')}".strip())
    if config.get("LastUpdateStatus") not in (None, "Successful"):
        problems.append(f"last update {config.get('LastUpdateStatus')}: {config.get('LastUpdateStatusReason', '')}".strip())
    env = (config.get("Environment") or {}).get("Variables") or {}
    # The Node originals do not read it; ours refuse every code without it (verify) and label
    # their metrics with it (all four).
    if is_rust(config) and env.get("AMPLIFY_APP_ID") != app_id:
        problems.append(f"AMPLIFY_APP_ID is {env.get('AMPLIFY_APP_ID')!r}, expected {app_id!r}")
    return problems


def reason_of(error: Exception) -> str:
    """An AWS error as `Code: message` (what the API says), else its type and text."""
    if isinstance(error, ClientError):
        failure = error.response.get("Error", {})
        return f"{failure.get('Code', 'error')}: {failure.get('Message', '')}".strip()
    return f"{type(error).__name__}: {error}"


def probe(lam, row: Row, pool: dict, app_id: str):
    began = time.monotonic()
    try:
        out = lam.invoke(FunctionName=row.name, Payload=json.dumps(probe_event(row.binary, pool, app_id)).encode())
        body = out["Payload"].read()
    except (ClientError, BotoCoreError) as error:
        row.problems.append(f"invoke failed: {reason_of(error)}")
        return
    row.millis = (time.monotonic() - began) * 1000
    if out.get("FunctionError"):
        # The error text a function returns is meant for Cognito's caller: generic, no secret.
        try:
            detail = json.loads(body or b"null")
        except ValueError:
            detail = None
        message = (detail.get("errorMessage") or detail.get("errorType")) if isinstance(detail, dict) else None
        if row.binary == "verify-auth-challenge" and not is_rust(row.config) and "not found" in str(message).lower():
            # Studio's Node original throws on a missing token (SPEC: a weakness ours fixes);
            # AmplifyBackend answering NotFound still proves the role and the network path.
            row.note = "original throws NotFound"
            return
        row.problems.append(f"function error ({out['FunctionError']}): {str(message or 'no message')[:120]}")
        return
    try:
        answer = json.loads(body or b"null")
    except ValueError:
        row.problems.append("the answer is not JSON")
        return
    wrong = judge(row.binary, answer)
    if wrong:
        row.problems.append(wrong)


def run_check(lam, idp, app_id: str, short_code: str | None = None) -> list[Row]:
    pool, names = pool_functions(idp, app_id, short_code)
    rows = []
    for trigger, binary in TRIGGERS.items():
        row = Row(trigger, binary, names[binary])
        try:
            row.config = lam.get_function(FunctionName=row.name)["Configuration"]
        except ClientError as error:
            row.problems.append(f"cannot read the function: {reason_of(error)}")
            rows.append(row)
            continue
        row.problems.extend(configuration_problems(row.config, app_id))
        probe(lam, row, pool, app_id)
        rows.append(row)
    return rows


def table(rows: list[Row]) -> str:
    header = ("trigger", "function", "runtime", "arch", "MB", "s", "logs", "AMPLIFY_APP_ID", "probe", "result")
    lines = [header]
    for row in rows:
        config = row.config
        env = (config.get("Environment") or {}).get("Variables") or {}
        lines.append((
            row.trigger, row.name, str(config.get("Runtime", "?")), ",".join(config.get("Architectures") or ["x86_64"]),
            str(config.get("MemorySize", "?")), str(config.get("Timeout", "?")),
            (config.get("LoggingConfig") or {}).get("LogFormat", "Text"), env.get("AMPLIFY_APP_ID", "-"),
            EXPECTED[row.binary],
            f"ok ({', '.join(filter(None, [f'{row.millis:.0f} ms' if row.millis is not None else '', row.note]))})"
            if row.ok else "FAIL: " + "; ".join(row.problems),
        ))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines)


def failures(rows: list[Row]) -> list[str]:
    return [f"{row.trigger} ({row.name}): {'; '.join(row.problems)}" for row in rows if not row.ok]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--short-code", help="optional cross-check of the function names amplify-login-*-<short-code>")
    parser.add_argument("--region")
    parser.add_argument("--endpoint-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    lam, idp = clients(args.region, args.endpoint_url)
    try:
        rows = run_check(lam, idp, args.app_id, args.short_code)
    except PoolNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(table(rows))
    failed = failures(rows)
    for failure in failed:
        print(f"FAILED {failure}", file=sys.stderr)
    print(f"{4 - len(failed)}/4 triggers answer as they should" if failed else "all four triggers answer as they should")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
