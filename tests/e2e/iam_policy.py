"""IAM's SimulatePrincipalPolicy for a role, answered in front of ministack (which enforces no IAM
policy, so a green check against it would prove nothing).

The role's identity policies (inline and attached, read from ministack) are evaluated as IAM
does for the actions and resources asked: a statement applies when its Action/NotAction and
Resource/NotResource match (`*` and `?` wildcards, actions case-insensitive); an applying Deny
wins (explicitDeny), else an applying Allow allows (allowed), else implicitDeny. A permissions
boundary on the role must allow too. Statements with a Condition are not applied (the
simulation is given no context keys; IAM reports such keys as missing and does not match them).
The answer is IAM's XML, with EvaluationResults as IAM returns them."""

from __future__ import annotations

import fnmatch
import json
import urllib.parse
import uuid
from xml.sax.saxutils import escape

import boto3
from botocore.config import Config
from fault_proxy import Rule

XMLNS = "https://iam.amazonaws.com/doc/2010-05-08/"


def _as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _document(raw) -> dict:
    if isinstance(raw, str):
        raw = json.loads(urllib.parse.unquote(raw))
    return raw


def _matches(patterns, value: str, case_insensitive: bool) -> bool:
    if case_insensitive:
        return any(fnmatch.fnmatchcase(value.lower(), str(p).lower()) for p in _as_list(patterns))
    return any(fnmatch.fnmatchcase(value, str(p)) for p in _as_list(patterns))


def _applies(statement: dict, action: str, resource: str) -> bool:
    if statement.get("Condition"):
        return False
    if "Action" in statement:
        if not _matches(statement["Action"], action, True):
            return False
    elif not ("NotAction" in statement and not _matches(statement["NotAction"], action, True)):
        return False
    if "Resource" in statement:
        return _matches(statement["Resource"], resource, False)
    return "NotResource" in statement and not _matches(statement["NotResource"], resource, False)


def evaluate(documents: list[dict], action: str, resource: str) -> str:
    """allowed, explicitDeny or implicitDeny for these policy documents."""
    allowed = False
    for document in documents:
        for statement in _as_list(document.get("Statement")):
            if not _applies(statement, action, resource):
                continue
            if statement.get("Effect") == "Deny":
                return "explicitDeny"
            allowed = allowed or statement.get("Effect") == "Allow"
    return "allowed" if allowed else "implicitDeny"


def _iam(upstream: str):
    return boto3.client("iam", endpoint_url=upstream, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))


def _managed_document(iam, arn: str) -> dict:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return _document(iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])


def role_policies(upstream: str, role: str) -> tuple[list[dict], dict | None]:
    """(identity policy documents, permissions boundary document or None) of the role."""
    iam = _iam(upstream)
    described = iam.get_role(RoleName=role)["Role"]
    documents = [_document(iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"])
                 for name in iam.list_role_policies(RoleName=role)["PolicyNames"]]
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        arn = attached["PolicyArn"]
        if ":aws:policy/" in arn:  # AWS-managed (e.g. AWSLambdaBasicExecutionRole): logs only, not stored by ministack
            continue
        documents.append(_managed_document(iam, arn))
    boundary = (described.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return documents, (_managed_document(iam, boundary) if boundary else None)


def error_xml(status: int, code: str, message: str) -> tuple[int, dict, bytes]:
    body = (f'<ErrorResponse xmlns="{XMLNS}"><Error><Type>Sender</Type><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
    return status, {"content-type": "text/xml"}, body.encode()


def _members(form: dict, name: str) -> list[str]:
    found = sorted((int(key.rsplit(".", 1)[1]), values[0]) for key, values in form.items()
                   if key.startswith(f"{name}.member."))
    return [value for _, value in found]


def simulate(upstream: str, form: dict) -> tuple[int, dict, bytes]:
    source = form.get("PolicySourceArn", [""])[0]
    if ":role/" not in source:
        return error_xml(400, "InvalidInput", f"Invalid ARN: {source}")
    role = source.rsplit("/", 1)[1]
    iam = _iam(upstream)
    try:
        documents, boundary = role_policies(upstream, role)
    except iam.exceptions.NoSuchEntityException:
        return error_xml(404, "NoSuchEntity", f"The role with name {role} cannot be found.")
    members = []
    for action in _members(form, "ActionNames"):
        for resource in _members(form, "ResourceArns") or ["*"]:
            decision = evaluate(documents, action, resource)
            detail = ""
            if boundary is not None:
                within = evaluate([boundary], action, resource) == "allowed"
                detail = ("<PermissionsBoundaryDecisionDetail><AllowedByPermissionsBoundary>"
                          f"{str(within).lower()}</AllowedByPermissionsBoundary></PermissionsBoundaryDecisionDetail>")
                if decision == "allowed" and not within:
                    decision = "implicitDeny"
            members.append(f"<member><EvalActionName>{escape(action)}</EvalActionName>"
                           f"<EvalResourceName>{escape(resource)}</EvalResourceName>"
                           f"<EvalDecision>{decision}</EvalDecision><MatchedStatements/>"
                           f"<MissingContextValues/>{detail}</member>")
    body = (f'<SimulatePrincipalPolicyResponse xmlns="{XMLNS}"><SimulatePrincipalPolicyResult>'
            f"<IsTruncated>false</IsTruncated><EvaluationResults>{''.join(members)}</EvaluationResults>"
            f"</SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId>"
            "</ResponseMetadata></SimulatePrincipalPolicyResponse>")
    return 200, {"content-type": "text/xml"}, body.encode()


def _form(body: bytes) -> dict:
    try:
        return urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
    except UnicodeDecodeError:
        return {}


def simulate_principal_policy_rule(upstream: str) -> Rule:
    """Answers IAM SimulatePrincipalPolicy (query protocol, POST /) by evaluating the role."""
    def respond(_path: str, body: bytes):
        form = _form(body)
        return simulate(upstream, form) if form.get("Action") == ["SimulatePrincipalPolicy"] else None
    return Rule("POST", r"/", "answer", count=0, respond=respond)


def caller_may_not_simulate() -> Rule:
    """The admin's own principal lacks iam:SimulatePrincipalPolicy: IAM's AccessDenied."""
    def respond(_path: str, body: bytes):
        if _form(body).get("Action") == ["SimulatePrincipalPolicy"]:
            return error_xml(403, "AccessDenied", "User: arn:aws:iam::000000000000:user/admin is not authorized to "
                                                  "perform: iam:SimulatePrincipalPolicy on resource: role")
        return None
    return Rule("POST", r"/", "answer", count=0, respond=respond)
