import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from studio_stack import StudioLoginStack  # noqa: E402


@pytest.fixture(scope="session")
def stack():
    # TRACE everywhere: the suite also proves nothing secret reaches a function log.
    with StudioLoginStack(log_level="TRACE", say=lambda line: None) as running:
        yield running
    assert running.survivors() == [], "every process the stack started is stopped"
