"""Finding Studio's login pool and the four functions its triggers call."""

from __future__ import annotations

import re
from dataclasses import dataclass

TRIGGERS = {
    "DefineAuthChallenge": "define-auth-challenge",
    "CreateAuthChallenge": "create-auth-challenge",
    "VerifyAuthChallengeResponse": "verify-auth-challenge",
    "CustomMessage": "custom-message",
}
APP_ID = re.compile(r"^[a-z0-9]{1,20}$")  # template.yaml's AppId pattern
FUNCTION_ARN = re.compile(r"^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):([0-9]{12}):function:([A-Za-z0-9_-]{1,64})(:.*)?$")


class PoolError(Exception):
    """The pool or its triggers are not what a cutover can work on: nothing was changed."""


def valid_app_id(app_id: str) -> str:
    if not APP_ID.match(app_id or ""):
        raise PoolError(f"{app_id!r} is not an Amplify app id (lowercase letters and digits, at most 20)")
    return app_id


def pool_name(app_id: str) -> str:
    return f"amplify_backend_manager_{app_id}"


def find_pool(idp, app_id: str, pool_id: str | None = None) -> dict:
    """DescribeUserPool of Studio's pool: the one named amplify_backend_manager_<app>, or --pool-id
    (which must carry that name)."""
    name = pool_name(valid_app_id(app_id))
    if pool_id:
        pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        if pool.get("Name") != name:
            raise PoolError(f"pool {pool_id} is named {pool.get('Name')!r}, not {name}")
        return pool
    found = [pool for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60)
             for pool in page["UserPools"] if pool["Name"] == name]
    if not found:
        raise PoolError(f"no user pool named {name} in this account and region")
    if len(found) > 1:
        ids = ", ".join(sorted(pool["Id"] for pool in found))
        raise PoolError(f"{len(found)} user pools are named {name} ({ids}): choose Studio's with --pool-id")
    return idp.describe_user_pool(UserPoolId=found[0]["Id"])["UserPool"]


@dataclass(frozen=True)
class FunctionRef:
    arn: str
    region: str
    account: str
    name: str


def parse_function_arn(arn: str) -> FunctionRef:
    match = FUNCTION_ARN.match(arn or "")
    if not match:
        raise PoolError(f"{arn!r} is not a Lambda function ARN")
    _partition, region, account, name, qualifier = match.groups()
    if qualifier:
        raise PoolError(f"{arn} is a qualified ARN (version or alias {qualifier[1:]!r}): switching back must "
                        "restore exactly what the pool calls, and this tool cannot vouch for a qualifier; "
                        "point the trigger at the function itself first")
    return FunctionRef(arn, region, account, name)


def pool_region_and_account(pool: dict) -> tuple[str, str | None]:
    arn = pool.get("Arn") or ""
    parts = arn.split(":")
    account = parts[4] if len(parts) > 5 else None
    return pool["Id"].split("_")[0], account


def trigger_functions(pool: dict) -> dict[str, FunctionRef]:
    """{binary: the function the pool's trigger calls}, each a full unqualified ARN in the pool's
    own account and region."""
    attached = pool.get("LambdaConfig") or {}
    region, account = pool_region_and_account(pool)
    functions = {}
    for trigger, binary in TRIGGERS.items():
        arn = attached.get(trigger)
        if not arn:
            raise PoolError(f"pool {pool['Name']} has no {trigger} trigger: not a Studio login pool")
        ref = parse_function_arn(arn)
        if ref.region != region or (account and ref.account != account):
            raise PoolError(f"the {trigger} trigger calls {arn}, a function in another "
                            f"{'region' if ref.region != region else 'account'} than the pool ({region}, {account}): "
                            "refusing to manage it from here")
        functions[binary] = ref
    return functions
