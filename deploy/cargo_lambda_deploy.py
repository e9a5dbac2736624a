#!/usr/bin/env python3
"""Stand up the four functions with `cargo lambda deploy` and attach them to a Studio pool.

    cargo_lambda_deploy.py --app-id APP [--short-code CODE] [--lambda-dir DIR]
                           [--pool-id ID] [--region R] [--endpoint-url URL]

What `cargo lambda deploy` does, once per function: uploads `<lambda-dir>/<function>/bootstrap`
as `amplify-login-<function>-<CODE>` (provided.al2023, 128 MB, 5 s, log retention 90 days),
with `AMPLIFY_APP_ID` (on all four). What this script adds around it, because cargo-lambda does not:
- the verify function's role, with the basic Lambda logging policy and `amplifybackend:GetToken`
  / `amplifybackend:DeleteToken` on this app's `/backend/<APP>/challenge/*` only (the other
  three get cargo-lambda's default role: logging only);
- the pool's triggers: the pool `amplify_backend_manager_<APP>` (or --pool-id) gets the four
  functions as DefineAuthChallenge / CreateAuthChallenge / VerifyAuthChallengeResponse /
  CustomMessage, every other pool setting kept;
- one invoke permission per function for `cognito-idp.amazonaws.com`, limited to that pool.

Not done here (SAM's template.yaml does it): the pool and app client themselves, JSON log format
(Lambda's LoggingConfig; these functions then log text), the per-function log groups as stack
resources, and one CloudFormation stack to update or delete them together.

Uses the standard AWS credential chain (boto3 and cargo-lambda); --endpoint-url targets an
emulator. Needs iam:CreateRole/PutRolePolicy/AttachRolePolicy/GetRole/PassRole, lambda:* on the
four functions, cognito-idp:DescribeUserPool/UpdateUserPool/ListUserPools.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
from studio_login_admin.pool import TRIGGERS
from studio_login_admin.switch import SwitchFailed, switch_triggers

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
BASIC_LOGGING = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def clients(args):
    kwargs = {"region_name": args.region}
    if args.endpoint_url:
        kwargs["endpoint_url"] = args.endpoint_url
    return boto3.client("iam", **kwargs), boto3.client("lambda", **kwargs), boto3.client("cognito-idp", **kwargs)


def verify_role(iam, args) -> str:
    """The verify role: logging plus GetToken/DeleteToken on this app's challenge tokens."""
    name = f"amplify-login-verify-{args.short_code}"
    try:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST),
                              Description="Amplify Studio login verify trigger")["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=BASIC_LOGGING)
    partition = arn.split(":")[1]
    account = arn.split(":")[4]
    iam.put_role_policy(RoleName=name, PolicyName="ReadAndBurnThisAppsLoginTokens", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["amplifybackend:GetToken", "amplifybackend:DeleteToken"],
            "Resource": f"arn:{partition}:amplifybackend:{args.region}:{account}:/backend/{args.app_id}/challenge/*",
        }],
    }))
    return arn


def cargo_lambda_deploy(binary: str, args, role: str | None) -> str:
    name = f"amplify-login-{binary}-{args.short_code}"
    command = [
        "cargo", "lambda", "deploy", "--lambda-dir", str(args.lambda_dir), "--binary-name", binary,
        "--memory", "128", "--timeout", "5", "--log-retention", "90", "--region", args.region,
        "--description", f"Amplify Studio login - {binary}", "--output-format", "json",
    ]
    if args.endpoint_url:
        command += ["--endpoint-url", args.endpoint_url]
    if role:
        command += ["--iam-role", role]
    # On all four: verify accepts only this app's codes, and every line the metrics count names it.
    env_vars = {"AMPLIFY_APP_ID": args.app_id}
    env_vars.update(args.env_var or {})
    if binary == "verify-auth-challenge" and args.amplifybackend_endpoint:
        env_vars["ENDPOINT"] = args.amplifybackend_endpoint
    for key, value in env_vars.items():
        command += ["--env-var", f"{key}={value}"]
    command.append(name)
    print(f"$ cargo lambda deploy ... {name}", flush=True)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"cargo lambda deploy {name} failed:\n{done.stdout}\n{done.stderr}")
    return name


def find_pool(idp, args) -> dict:
    if args.pool_id:
        return idp.describe_user_pool(UserPoolId=args.pool_id)["UserPool"]
    wanted = f"amplify_backend_manager_{args.app_id}"
    for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == wanted:
                return idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    raise SystemExit(f"no user pool named {wanted}: create it first (or pass --pool-id)")


def attach(lam, idp, pool: dict, arns: dict[str, str]):
    """Cognito may invoke each function for this pool first; then the four triggers in one
    UpdateUserPool that keeps every other setting (the same switch as `make migrate`)."""
    for trigger, arn in arns.items():
        statement = f"cognito-{pool['Id']}-{trigger}"
        try:
            lam.add_permission(FunctionName=arn, StatementId=statement, Action="lambda:InvokeFunction",
                               Principal="cognito-idp.amazonaws.com", SourceArn=pool["Arn"])
        except lam.exceptions.ResourceConflictException:
            pass  # already granted by an earlier run
    try:
        switch_triggers(idp, pool, arns)
    except SwitchFailed as error:
        raise SystemExit(f"switching the pool's triggers failed: {error}") from None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--short-code", default="rust")
    parser.add_argument("--lambda-dir", type=Path, default=ROOT / "build" / "lambda" / "arm64",
                        help="cargo lambda build output (holding <function>/bootstrap or bootstrap.zip)")
    parser.add_argument("--pool-id")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1")
    parser.add_argument("--endpoint-url", help="an emulator's endpoint (tests)")
    parser.add_argument("--amplifybackend-endpoint", help="ENDPOINT for verify (tests against a local AmplifyBackend)")
    parser.add_argument("--env-var", type=lambda kv: kv.split("=", 1), action="append", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.env_var = dict(args.env_var or [])
    iam, lam, idp = clients(args)
    pool = find_pool(idp, args)
    role = verify_role(iam, args)
    arns = {}
    for trigger, binary in TRIGGERS.items():
        name = cargo_lambda_deploy(binary, args, role if binary == "verify-auth-challenge" else None)
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        arns[trigger] = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    attach(lam, idp, pool, arns)
    print(f"attached to {pool['Name']} ({pool['Id']}): {', '.join(arns.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
