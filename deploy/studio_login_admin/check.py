"""Check a live Amplify Studio login pool: does sign-in work, in this account, right now?

    check.py --app-id APP [--pool-id P] [--short-code CODE] [--region REGION] [--endpoint-url URL]

Finds the pool `amplify_backend_manager_<APP>` and the four functions its own triggers call (the
short code is only a cross-check), shows each function's runtime and that runtime's Lambda
deprecation phase (runtimes.py), architecture, memory, timeout,
log format and AMPLIFY_APP_ID, and invokes each once with a harmless synthetic event:

- define-auth-challenge, empty session        -> CUSTOM_CHALLENGE
- create-auth-challenge, first attempt        -> a challenge (private parameters or metadata)
- verify-auth-challenge, this app and a random session with no token -> answerCorrect false and
  no function error: the role may call GetToken and the function reaches AmplifyBackend, without
  touching a real token (GetToken answers NotFound, so nothing is deleted)
- custom-message, a Studio invitation         -> the invitation email with the code placeholders

Then the permissions a login needs that the probes cannot exercise (permissions.py): the verify
role's amplifybackend:GetToken and DeleteToken on this app's challenge tokens, as
iam:SimulatePrincipalPolicy decides them, and each function's invoke permission for this pool.

Prints two tables; exits 1 when any check fails (a denied action is named), 2 when the pool or a
function cannot be found. Never creates or deletes users or tokens. Needs cognito-idp:ListUserPools,
DescribeUserPool, lambda:GetFunction, lambda:InvokeFunction, lambda:GetPolicy,
iam:SimulatePrincipalPolicy and cloudwatch:DescribeAlarms. Standard AWS credential chain. Also
says whether the Rust stack's alarms exist for the app.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
import uuid
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from . import permissions
from .aws import Clients, reason_of
from .exit_codes import Exit
from .pool import TRIGGERS, PoolError, find_pool, trigger_functions
from .runtimes import phase
from .stack import stack_name

CODE_PLACEHOLDER, USERNAME_PLACEHOLDER = "{####}", "{username}"


def pool_functions(idp, app_id: str, short_code: str | None = None, pool_id: str | None = None) -> tuple[dict, dict[str, str]]:
    """The pool and {binary: function name} from the pool's own trigger configuration."""
    pool = find_pool(idp, app_id, pool_id)
    names = {binary: ref.name for binary, ref in trigger_functions(pool).items()}
    for trigger, binary in TRIGGERS.items():
        if short_code and names[binary] != f"amplify-login-{binary}-{short_code}":
            raise PoolError(f"pool {pool['Name']}'s {trigger} trigger calls {names[binary]}, "
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
        decided = response.get("challengeName"), bool(response.get("issueTokens")), bool(response.get("failAuthentication"))
        if decided != ("CUSTOM_CHALLENGE", False, False):
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


def run_check(lam, idp, app_id: str, short_code: str | None = None, pool_id: str | None = None) -> list[Row]:
    """The check through the pool: the functions its triggers call now."""
    pool, names = pool_functions(idp, app_id, short_code, pool_id)
    return check_functions(lam, pool, app_id, names)


def check_functions(lam, pool: dict, app_id: str, names: dict[str, str]) -> list[Row]:
    """Each of these functions ({binary: name}) read and probed as the pool's trigger would call it."""
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
    header = ("trigger", "function", "runtime", "Lambda phase", "arch", "MB", "s", "logs", "AMPLIFY_APP_ID", "probe", "result")
    lines = [header]
    for row in rows:
        config = row.config
        env = (config.get("Environment") or {}).get("Variables") or {}
        lines.append((
            row.trigger, row.name, str(config.get("Runtime", "?")), phase(config.get("Runtime")) if config else "?",
            ",".join(config.get("Architectures") or ["x86_64"]),
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


def alarms_line(cloudwatch, app_id: str) -> str:
    """Whether the Rust stack's alarms exist for this app (stack `amplify-studio-login-<app>`)."""
    prefix = f"amplify-login-r{app_id}-"
    try:
        alarms = [a for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix)
                  for a in page.get("MetricAlarms", [])]
    except (ClientError, BotoCoreError) as error:
        return f"alarms: cannot read CloudWatch alarms ({reason_of(error)})"
    if not alarms:
        return f"alarms: none for this app (no {prefix}* alarms; stack {stack_name(app_id)} not deployed)"
    states = sorted({a.get("StateValue", "?") for a in alarms})
    return f"alarms: {len(alarms)} of stack {stack_name(app_id)} ({', '.join(states)})"


def permission_rows(iam, lam, pool: dict, app_id: str, rows: list[Row]) -> list[permissions.Permission]:
    """The token permissions of the role verify runs under and Cognito's invoke permissions."""
    found = []
    verify = next(row for row in rows if row.binary == "verify-auth-challenge")
    if verify.config:
        found += permissions.token_permissions(iam, verify.config, app_id)
    pool_arn = pool.get("Arn") or (
        "arn:{1}:cognito-idp:{3}:{4}:userpool/".format(*verify.config["FunctionArn"].split(":")) + pool["Id"]
        if verify.config else pool["Id"])
    found += permissions.invoke_permissions(lam, pool_arn, {row.binary: row.config.get("FunctionArn", row.name)
                                                            for row in rows})
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--pool-id", help="the pool, when several carry the name amplify_backend_manager_<app>")
    parser.add_argument("--short-code", help="optional cross-check of the function names amplify-login-*-<short-code>")
    parser.add_argument("--region")
    parser.add_argument("--endpoint-url", help="send every AWS call to this endpoint (an emulator)")
    args = parser.parse_args(argv)
    clients = Clients(args.region, args.endpoint_url)
    try:
        pool, names = pool_functions(clients("cognito-idp"), args.app_id, args.short_code, args.pool_id)
    except PoolError as error:
        print(f"error: {error}", file=sys.stderr)
        return Exit.REFUSED
    lam = clients("lambda")
    rows = check_functions(lam, pool, args.app_id, names)
    print(table(rows))
    print(alarms_line(clients("cloudwatch"), args.app_id))
    granted = permission_rows(clients("iam"), lam, pool, args.app_id, rows)
    print()
    print(permissions.table(granted))
    failed = failures(rows)
    for failure in failed:
        print(f"FAILED {failure}", file=sys.stderr)
    denied = [row for row in granted if not row.ok]
    for row in denied:
        print(f"FAILED {row.action} for {row.principal}: {row.problem}", file=sys.stderr)
    print(f"{4 - len(failed)}/4 triggers answer as they should" if failed else "all four triggers answer as they should")
    print(f"{len(granted) - len(denied)}/{len(granted)} permissions proven"
          + (f"; denied: {', '.join(sorted({row.action for row in denied}))}" if denied else ""))
    return Exit.CHECK_FAILED if failed or denied else Exit.OK

