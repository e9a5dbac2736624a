"""The permissions a login needs that a harmless probe cannot exercise, proven by reading them:

- the verify role may call AmplifyBackend GetToken and DeleteToken on this app's challenge tokens
  (`iam:SimulatePrincipalPolicy` for the role the function runs under, on a challenge resource
  with a random session id: identity policies, the permissions boundary and the organization's
  SCPs as IAM evaluates them; the probe only ever reaches GetToken, never DeleteToken);
- Cognito may invoke each function for this pool (`lambda:GetPolicy`: an Allow statement for
  cognito-idp.amazonaws.com and lambda:InvokeFunction whose SourceArn condition matches the pool's
  ARN, or that has none).

Studio's Node originals run under Studio's own role: it is simulated the same way (read only), so
a role that lost DeleteToken is reported whichever function the pool calls.

A caller that may not read these (AccessDenied on iam:SimulatePrincipalPolicy or lambda:GetPolicy)
gets a failed row saying which permission the caller lacks: a permission that cannot be proven is
not reported as working.
"""

from __future__ import annotations

import fnmatch
import json
import uuid
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from .aws import reason_of

TOKEN_ACTIONS = ("amplifybackend:GetToken", "amplifybackend:DeleteToken")
COGNITO = "cognito-idp.amazonaws.com"
INVOKE = "lambda:InvokeFunction"
DENIED_TO_CALLER = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}


@dataclass
class Permission:
    action: str      # the action a login needs, e.g. amplifybackend:DeleteToken
    principal: str   # who must be allowed it: the verify role, or Cognito for a function
    problem: str | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None


def challenge_resource(function_arn: str, app_id: str) -> str:
    """This app's challenge token with a session id nobody minted, in the function's partition,
    region and account (arn:<partition>:lambda:<region>:<account>:function:<name>)."""
    _, partition, _, region, account, *_ = function_arn.split(":")
    return f"arn:{partition}:amplifybackend:{region}:{account}:/backend/{app_id}/challenge/{uuid.uuid4()}"


def _why_denied(result: dict) -> str:
    decision = result.get("EvalDecision", "?")
    reasons = []
    if (result.get("PermissionsBoundaryDecisionDetail") or {}).get("AllowedByPermissionsBoundary") is False:
        reasons.append("the permissions boundary does not allow it")
    if (result.get("OrganizationsDecisionDetail") or {}).get("AllowedByOrganizations") is False:
        reasons.append("a service control policy denies it")
    if not reasons:
        reasons.append("a policy explicitly denies it" if decision == "explicitDeny" else "no policy of the role allows it")
    return f"{decision}: {', '.join(reasons)}"


def token_permissions(iam, verify_config: dict, app_id: str) -> list[Permission]:
    """GetToken and DeleteToken for the role verify runs under, as IAM decides them."""
    role = verify_config.get("Role", "")
    principal = f"verify role {role.rsplit('/', 1)[-1] or '?'}"
    resource = challenge_resource(verify_config["FunctionArn"], app_id)
    rows = {action: Permission(action, principal) for action in TOKEN_ACTIONS}
    try:
        results = [result for page in iam.get_paginator("simulate_principal_policy").paginate(
                       PolicySourceArn=role, ActionNames=list(TOKEN_ACTIONS), ResourceArns=[resource])
                   for result in page.get("EvaluationResults", [])]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in DENIED_TO_CALLER:
            problem = f"cannot prove it: this caller may not call iam:SimulatePrincipalPolicy ({reason_of(error)})"
        elif code == "NoSuchEntity":
            problem = f"the role {role} does not exist ({reason_of(error)})"
        else:
            problem = f"iam:SimulatePrincipalPolicy failed: {reason_of(error)}"
        return [Permission(action, principal, problem) for action in TOKEN_ACTIONS]
    except BotoCoreError as error:
        return [Permission(action, principal, f"iam:SimulatePrincipalPolicy failed: {reason_of(error)}")
                for action in TOKEN_ACTIONS]
    for result in results:
        row = rows.get(result.get("EvalActionName"))
        if row is None:
            continue
        if result.get("EvalDecision") == "allowed":
            row.note = f"allowed on /backend/{app_id}/challenge/<random>"
        else:
            row.problem = _why_denied(result)
    for row in rows.values():
        if not row.note and row.problem is None:
            row.problem = "IAM returned no decision for it"
    return list(rows.values())


def _as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _principal_is_cognito(principal) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, dict) and COGNITO in _as_list(principal.get("Service"))


def _action_is_invoke(statement: dict) -> bool:
    return any(fnmatch.fnmatchcase(INVOKE.lower(), str(pattern).lower()) for pattern in _as_list(statement.get("Action")))


def _source_arns(condition: dict) -> list[tuple[str, str]]:
    """(operator, value) of every aws:SourceArn condition (keys are case-insensitive)."""
    found = []
    for operator, keys in (condition or {}).items():
        for key, values in (keys or {}).items():
            if key.lower() == "aws:sourcearn":
                found.extend((operator, str(value)) for value in _as_list(values))
    return found


def _matches(operator: str, pattern: str, arn: str) -> bool:
    if operator.lower().endswith("like"):  # ArnLike, StringLike: * and ? wildcards
        return fnmatch.fnmatchcase(arn, pattern)
    return arn == pattern


def invoke_problem(lam, function: str, pool_arn: str) -> tuple[str | None, str]:
    """(problem or None, note) for Cognito invoking `function` on behalf of `pool_arn`."""
    try:
        policy = json.loads(lam.get_policy(FunctionName=function)["Policy"])
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in DENIED_TO_CALLER:
            return f"cannot prove it: this caller may not call lambda:GetPolicy ({reason_of(error)})", ""
        if code == "ResourceNotFoundException":
            return "no resource policy: Cognito may not invoke it", ""
        return f"lambda:GetPolicy failed: {reason_of(error)}", ""
    except (BotoCoreError, ValueError) as error:
        return f"lambda:GetPolicy failed: {reason_of(error)}", ""
    allowed, denied = None, False
    for statement in _as_list(policy.get("Statement")):
        if not (isinstance(statement, dict) and _principal_is_cognito(statement.get("Principal"))
                and _action_is_invoke(statement)):
            continue
        sources = _source_arns(statement.get("Condition"))
        applies = not sources or any(_matches(operator, value, pool_arn) for operator, value in sources)
        if not applies:
            continue
        if statement.get("Effect") == "Deny":
            denied = True
        elif statement.get("Effect") == "Allow":
            allowed = "for this pool" if sources else "for any source (no SourceArn condition)"
    if denied:
        return f"a Deny statement refuses Cognito for {pool_arn}", ""
    if not allowed:
        return f"no statement lets {COGNITO} call {INVOKE} for {pool_arn}", ""
    return None, allowed


def invoke_permissions(lam, pool_arn: str, functions: dict[str, str]) -> list[Permission]:
    """One row per function ({binary: name or ARN})."""
    rows = []
    for binary, function in functions.items():
        problem, note = invoke_problem(lam, function, pool_arn)
        rows.append(Permission(f"{INVOKE} by cognito-idp", f"{binary} ({function.rsplit(':', 1)[-1]})", problem, note))
    return rows


def table(rows: list[Permission]) -> str:
    lines = [("permission", "for", "result")]
    lines += [(row.action, row.principal, f"ok ({row.note})" if row.ok else f"FAIL: {row.problem}") for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines)
