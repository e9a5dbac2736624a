import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from studio_stack import StudioLoginStack  # noqa: E402
import secrets_scan  # noqa: E402

FUNCTIONS = ["define-auth-challenge", "create-auth-challenge", "verify-auth-challenge", "custom-message"]


@pytest.fixture(scope="session")
def stack():
    # TRACE everywhere: the suite also proves nothing secret reaches a function log. The scan runs
    # here, after every test of the session whatever their order, over every log line.
    with StudioLoginStack(log_level="TRACE", say=lambda line: None) as running:
        yield running
        logs = {binary: running.function_logs(binary) for binary in FUNCTIONS}
    assert running.survivors() == [], "every process the stack started is stopped"
    secrets_scan.assert_clean(logs)
