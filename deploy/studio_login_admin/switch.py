"""Switching a pool's four triggers in one UpdateUserPool, and proving nothing else changed.

UpdateUserPool resets every setting it is not given (a dropped AdminCreateUserConfig would open
self sign-up), so the request carries every setting DescribeUserPool returned that the operation
accepts (taken from the SDK's own model of the operation, not a hand-kept list), with only the
four trigger ARNs replaced. Afterwards the pool is read again and compared field by field."""

from __future__ import annotations

import copy
import time

from .aws import reason_of
from .pool import TRIGGERS

# Describe-only fields that change on their own: not settings.
VOLATILE = {"LastModifiedDate", "CreationDate", "EstimatedNumberOfUsers", "Status"}


class SwitchFailed(Exception):
    def __init__(self, step: str, reason: str):
        super().__init__(f"{step}: {reason}")
        self.step, self.reason = step, reason


def update_request(idp, pool: dict, triggers: dict[str, str]) -> dict:
    """UpdateUserPool's arguments: `pool` as described, the four triggers set to `triggers`
    ({trigger: ARN}); every other Lambda trigger the pool has (pre sign-up, KMS key, ...) kept."""
    accepted = set(idp.meta.service_model.operation_model("UpdateUserPool").input_shape.members)
    # An empty string is how some endpoints describe an unset message; it cannot be sent back
    # (min length), and leaving it out leaves it unset: the same setting.
    request = {key: copy.deepcopy(value) for key, value in pool.items()
               if key in accepted and key != "UserPoolId" and value not in ("", None)}
    request["UserPoolId"] = pool["Id"]
    if _temporary_password_days(request) is not None:
        # Deprecated twin of Policies.PasswordPolicy.TemporaryPasswordValidityDays, which Describe
        # may return as well; UpdateUserPool refuses the two together.
        (request.get("AdminCreateUserConfig") or {}).pop("UnusedAccountValidityDays", None)
    lambda_config = dict(request.get("LambdaConfig") or {})
    lambda_config.update(triggers)
    request["LambdaConfig"] = lambda_config
    return request


def _temporary_password_days(pool: dict):
    return ((pool.get("Policies") or {}).get("PasswordPolicy") or {}).get("TemporaryPasswordValidityDays")


def _comparable(pool: dict) -> dict:
    """The pool with the deprecated UnusedAccountValidityDays left out when its current twin
    TemporaryPasswordValidityDays is set (that one is compared)."""
    pool = copy.deepcopy(pool)
    if _temporary_password_days(pool) is not None:
        (pool.get("AdminCreateUserConfig") or {}).pop("UnusedAccountValidityDays", None)
    return pool


def differences(before: dict, after: dict, triggers: dict[str, str]) -> list[str]:
    """Every setting that differs between two DescribeUserPool answers, other than the four
    triggers now set to `triggers` (which must be exactly those)."""
    before, after = _comparable(before), _comparable(after)
    problems = []
    keys = (set(before) | set(after)) - VOLATILE - {"LambdaConfig"}
    for key in sorted(keys):
        if before.get(key) != after.get(key):
            problems.append(f"{key}: was {before.get(key)!r}, now {after.get(key)!r}")
    old_lambda, new_lambda = before.get("LambdaConfig") or {}, after.get("LambdaConfig") or {}
    for key in sorted((set(old_lambda) | set(new_lambda)) - set(TRIGGERS)):
        if old_lambda.get(key) != new_lambda.get(key):
            problems.append(f"LambdaConfig.{key}: was {old_lambda.get(key)!r}, now {new_lambda.get(key)!r}")
    for trigger, arn in triggers.items():
        if new_lambda.get(trigger) != arn:
            problems.append(f"LambdaConfig.{trigger} is {new_lambda.get(trigger)!r}, expected {arn}")
    return problems


def switch_triggers(idp, pool: dict, triggers: dict[str, str]) -> dict:
    """One UpdateUserPool; then the pool as described afterwards, compared with `pool` field by
    field. Raises SwitchFailed naming what differs."""
    began = time.monotonic()
    try:
        idp.update_user_pool(**update_request(idp, pool, triggers))
    except Exception as error:  # noqa: BLE001 - any failure of the call is the step's failure
        raise SwitchFailed("UpdateUserPool", reason_of(error)) from None
    after = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    problems = differences(pool, after, triggers)
    if problems:
        raise SwitchFailed("comparing the pool after UpdateUserPool", "; ".join(problems))
    print(f"switched the four triggers of {pool['Id']} in one UpdateUserPool ({(time.monotonic() - began) * 1000:.0f} ms); "
          "every other setting compared equal")
    return after
