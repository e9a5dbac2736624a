"""Lambda's runtime deprecation rules, Cognito's UpdateUserPool resets and IAM's policy
simulation, answered in front of ministack (which enforces none of them).

In December 2026 nodejs16.x, 18.x and 20.x are past "block function update" (Lambda's runtimes
page): Lambda refuses CreateFunction with such a runtime, UpdateFunctionCode on a function that
runs one, and an UpdateFunctionConfiguration that names one; invocations keep working, and a
configuration update that moves the function to a supported runtime is allowed. These rules are
`FaultProxy` rules, so they combine with a test's injected faults (the test's own rules first)."""

from __future__ import annotations

import json
import re
import urllib.request

from fault_proxy import FaultProxy, Rule
from iam_policy import simulate_principal_policy_rule

BLOCKED_RUNTIMES = ("nodejs16.x", "nodejs18.x", "nodejs20.x")
FUNCTIONS = r"/2015-03-31/functions"
FUNCTION = FUNCTIONS + r"/([^/?]+)"


def refusal(runtime: str) -> tuple[int, str, str]:
    """Lambda's answer, word for word."""
    return (400, "InvalidParameterValueException",
            f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
            "functions. We recommend you use a supported runtime while creating or updating functions.")


def _named_runtime(body: bytes) -> str | None:
    try:
        runtime = json.loads(body or b"{}").get("Runtime")
    except (ValueError, AttributeError):
        return None
    return runtime if runtime in BLOCKED_RUNTIMES else None


def _current_runtime(upstream: str, path: str) -> str | None:
    name = re.fullmatch(FUNCTION + r"/code", path.split("?")[0]).group(1)
    with urllib.request.urlopen(f"{upstream}{FUNCTIONS}/{name}/configuration", timeout=30) as answer:
        runtime = json.load(answer).get("Runtime")
    return runtime if runtime in BLOCKED_RUNTIMES else None


def deprecation_rules(upstream: str) -> list[Rule]:
    def decide(named):
        return lambda path, body: refusal(named(path, body)) if named(path, body) else None

    return [
        Rule("POST", FUNCTIONS, "refuse", count=0, decide=decide(lambda _path, body: _named_runtime(body))),
        Rule("PUT", FUNCTION + r"/configuration", "refuse", count=0, decide=decide(lambda _path, body: _named_runtime(body))),
        Rule("PUT", FUNCTION + r"/code", "refuse", count=0,
             decide=decide(lambda path, _body: _current_runtime(upstream, path))),
    ]


# What UpdateUserPool sets a setting to when the request leaves it out (Cognito's API reference:
# "If you don't provide a value for an attribute, Amazon Cognito sets it to its default value").
UPDATE_USER_POOL_DEFAULTS = {
    "Policies": {"PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True,
                                    "RequireNumbers": True, "RequireSymbols": True, "TemporaryPasswordValidityDays": 7}},
    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
    "DeletionProtection": "INACTIVE",
    "LambdaConfig": {},
    "AutoVerifiedAttributes": [],
    "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE"},
    "AccountRecoverySetting": {"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"},
                                                      {"Priority": 2, "Name": "verified_phone_number"}]},
    "UserPoolTags": {},
    "EmailVerificationSubject": "Your verification code",
    "EmailVerificationMessage": "Your verification code is {####}.",
}


def _reset_unspecified(body: bytes) -> bytes:
    request = json.loads(body or b"{}")
    for key, default in UPDATE_USER_POOL_DEFAULTS.items():
        request.setdefault(key, default)
    return json.dumps(request).encode()


def update_user_pool_resets() -> Rule:
    return Rule("POST", r"/", "reset", target="UpdateUserPool", count=0, rewrite_request=_reset_unspecified)


def lambda_as_in_december_2026(upstream: str, rules: list[Rule] | None = None) -> FaultProxy:
    """ministack behind Lambda's deprecation policy, Cognito's UpdateUserPool resets and IAM's
    SimulatePrincipalPolicy evaluation (iam_policy.py) (the test's own faults matched first)."""
    return FaultProxy(upstream, [*(rules or []), *deprecation_rules(upstream), update_user_pool_resets(),
                                 simulate_principal_policy_rule(upstream)])
