"""What the end-to-end suite remembers of the secrets it used, and the scan of every function log
line for them (run by conftest.py once all tests are done, so test order does not matter)."""

import json

# Every code, wrong answer and temporary password a test used: none may appear in any log line.
SECRETS: list[str] = []
# ERROR lines are expected only from a deliberate AmplifyBackend outage: verify's own line, and
# lambda_runtime's report of the error the function returned (its stable errorType, which names
# nothing about the attempt).
EXPECTED_ERROR_OUTCOMES = {"backend_unavailable"}
EXPECTED_ERROR_MESSAGES = {"LoginCheckFailed"}


def remember(secret: str) -> str:
    SECRETS.append(secret)
    return secret


def assert_clean(logs: dict[str, list[str]]):
    # Any test run (even a -k subset) uses at least one code; none would mean nothing was checked.
    assert SECRETS, "no code, answer or password was recorded: the scan would prove nothing"
    assert any(logs.values()), "no function logged anything: the scan would prove nothing"
    for binary, lines in logs.items():
        for line in lines:
            for secret in SECRETS:
                assert secret not in line, f"{binary} logged a secret: {line}"
            assert "Runtime.ExitError" not in line and "panicked" not in line, f"{binary}: {line}"
            record = json.loads(line) if line.startswith("{") else {}
            fields = record.get("fields", {})
            if record.get("level") == "ERROR":
                assert fields.get("outcome") in EXPECTED_ERROR_OUTCOMES \
                    or fields.get("message") in EXPECTED_ERROR_MESSAGES, f"{binary}: unexpected ERROR: {line}"
            if {"outcome", "decision", "attempt", "trigger_source", "app_id"} & set(fields) \
                    and fields.get("message") not in ("cold start",) and "accepting only" not in fields.get("message", ""):
                assert record["span"]["requestId"], f"{binary}: request id on invocation lines: {line}"
