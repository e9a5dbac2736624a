"""The app's own stack in existing-pool mode: template.yaml with UserPoolId set, deployed with the
SAM CLI from the release zips (no build on the admin's machine): the four Rust functions under
their own names, roles, log groups with retention, metric filters, alarms, dashboard, and one
invoke permission per function for the pool's ARN. Studio's functions are not in it. Its log groups
outlive it (LogGroups, log_groups_mode)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from botocore.exceptions import ClientError

from .pool import TRIGGERS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


class StackFailed(Exception):
    pass


def stack_name(app_id: str) -> str:
    return f"amplify-studio-login-{app_id}"


def short_code(app_id: str) -> str:
    """The stack's name suffix: per app (agencies run many apps per region), and never an
    8-character Studio short code."""
    return f"r{app_id}"


def function_name(app_id: str, binary: str) -> str:
    return f"amplify-login-{binary}-{short_code(app_id)}"


def packaged_template(artifacts: Path, into: Path) -> Path:
    """template.yaml with each function's CodeUri pointing at its release zip (sam deploy uploads
    a zip as it is; `Metadata.BuildMethod` only matters to `sam build`)."""
    text = TEMPLATE.read_text()

    def code_uri(match: re.Match) -> str:
        zip_path = artifacts / match.group(2) / "bootstrap.zip"
        return f"{match.group(1)}CodeUri: {zip_path}"

    packaged, count = re.subn(r"(Binary: ([a-z-]+)\n(?:.*\n)*?\s+)CodeUri: \.", code_uri, text)
    if count != len(TRIGGERS):
        raise StackFailed(f"template.yaml: found {count} functions' CodeUri, expected {len(TRIGGERS)}")
    path = into / "template.yaml"
    path.write_text(packaged)
    return path


def sam_cli() -> str:
    found = os.environ.get("SAM_CLI") or shutil.which("sam")
    if not found:
        raise StackFailed("the SAM CLI (`sam`) is not installed: `make sam-venv`, or pip install aws-sam-cli")
    return found


def log_group_names(app_id: str) -> list[str]:
    return [f"/aws/lambda/{function_name(app_id, binary)}" for binary in TRIGGERS.values()]


def log_groups_mode(clients, app_id: str) -> str:
    """The template's LogGroups parameter for this deploy. The stack keeps its log groups when it
    is deleted (the audit trail), so a stack created again after `rollback --delete-stack` finds
    them and must not create them (CloudFormation would fail: they already exist): "existing".
    A stack that exists keeps the mode it was deployed with (a template without the parameter
    owned its groups: "retain")."""
    try:
        (described,) = clients("cloudformation").describe_stacks(StackName=stack_name(app_id))["Stacks"]
        return {p["ParameterKey"]: p["ParameterValue"] for p in described.get("Parameters", [])}.get("LogGroups", "retain")
    except ClientError as error:
        if "does not exist" not in str(error):
            raise
    logs = clients("logs")
    names = log_group_names(app_id)
    kept = [name for name in names
            if any(g["logGroupName"] == name for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"])]
    if not kept:
        return "retain"
    for name in names:
        if name not in kept:  # one deleted by hand: made as the template would, kept like the others
            logs.create_log_group(logGroupName=name)
            logs.put_retention_policy(logGroupName=name, retentionInDays=90)
            print(f"created log group {name} (the others were kept from an earlier stack)")
    print(f"log groups kept from an earlier stack ({', '.join(kept)}): the stack uses them (LogGroups=existing)")
    return "existing"


def deploy(args, pool: dict, endpoint: str | None) -> dict[str, str]:
    """Create or update the stack; {binary: function ARN} of the new functions."""
    missing = [b for b in TRIGGERS.values() if not (Path(args.artifacts) / b / "bootstrap.zip").exists()]
    if missing:
        raise StackFailed(f"missing artifacts for {', '.join(missing)} under {args.artifacts} (run `make build`)")
    parameters = {
        "AppId": args.app_id, "ShortCode": short_code(args.app_id), "Architecture": args.architecture,
        "UserPoolId": pool["Id"], "AmplifyBackendEndpoint": endpoint or "",
        "LogGroups": log_groups_mode(args.clients, args.app_id),
    }
    with tempfile.TemporaryDirectory(prefix="studio-login-stack-") as work:
        template = packaged_template(Path(args.artifacts).resolve(), Path(work))
        command = [sam_cli(), "deploy", "--template-file", str(template), "--stack-name", stack_name(args.app_id),
                   "--capabilities", "CAPABILITY_IAM", "--no-confirm-changeset", "--no-fail-on-empty-changeset",
                   "--parameter-overrides", *[f"{k}={v}" for k, v in parameters.items() if v != ""]]
        command += ["--s3-bucket", args.s3_bucket] if args.s3_bucket else ["--resolve-s3"]
        if args.region:
            command += ["--region", args.region]
        env = dict(os.environ, SAM_CLI_TELEMETRY="0")
        if args.endpoint_url:
            env["AWS_ENDPOINT_URL"] = args.endpoint_url
        print(f"deploying stack {stack_name(args.app_id)} (SAM, existing-pool mode, pool {pool['Id']})")
        result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise StackFailed(f"sam deploy failed (exit {result.returncode}):\n{tail}")
    return outputs(args.clients("cloudformation"), args.app_id)


def outputs(cfn, app_id: str) -> dict[str, str]:
    described = cfn.describe_stacks(StackName=stack_name(app_id))["Stacks"][0]
    found = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    arns = {}
    for trigger, binary in TRIGGERS.items():
        arn = found.get(f"{trigger}FunctionArn")
        if not arn:
            raise StackFailed(f"stack {stack_name(app_id)} has no {trigger}FunctionArn output")
        arns[binary] = arn
    return arns


def delete(cfn, app_id: str):
    cfn.delete_stack(StackName=stack_name(app_id))
    cfn.get_waiter("stack_delete_complete").wait(StackName=stack_name(app_id), WaiterConfig={"Delay": 2, "MaxAttempts": 300})
