"""Lambda's deprecation phases for the runtimes Studio's functions use.

Source: AWS Lambda Developer Guide, "Lambda runtimes" (docs.aws.amazon.com/lambda/latest/dg/
lambda-runtimes.html), deprecated-runtimes table: Deprecation date, Block function create,
Block function update. Lambda keeps invoking a function in every phase; from "create blocked" it
refuses CreateFunction, from "update blocked" also UpdateFunctionCode and configuration updates
that name the runtime."""

from __future__ import annotations

import datetime

# runtime: (deprecated, create blocked, update blocked)
PHASE_DATES = {
    "nodejs16.x": (datetime.date(2024, 6, 12), datetime.date(2025, 10, 1), datetime.date(2025, 11, 11)),
    "nodejs18.x": (datetime.date(2025, 9, 1), datetime.date(2025, 10, 1), datetime.date(2025, 11, 11)),
    "nodejs20.x": (datetime.date(2026, 4, 30), datetime.date(2026, 8, 31), datetime.date(2026, 9, 30)),
}


def phase(runtime: str | None, today: datetime.date | None = None) -> str:
    """supported / deprecated / create blocked / update blocked (an OS-only runtime: supported)."""
    dates = PHASE_DATES.get(runtime or "")
    if not dates:
        return "supported"
    today = today or datetime.datetime.now(datetime.timezone.utc).date()
    deprecated, create_blocked, update_blocked = dates
    if today >= update_blocked:
        return f"update blocked since {update_blocked}"
    if today >= create_blocked:
        return f"create blocked since {create_blocked}; updates blocked from {update_blocked}"
    if today >= deprecated:
        return f"deprecated since {deprecated}; creates blocked from {create_blocked}"
    return f"supported; deprecated from {deprecated}"
