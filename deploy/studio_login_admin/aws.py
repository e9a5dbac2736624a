"""One place that builds AWS clients: the standard credential chain, few quick retries (an admin
is waiting, and a cutover switches back on failure), and --endpoint-url for every service."""

from __future__ import annotations

from dataclasses import dataclass, field

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


@dataclass
class Clients:
    region: str | None
    endpoint_url: str | None
    # One session per thread: boto3's default session is not safe to share between threads
    # (fleet scans regions concurrently).
    session: boto3.session.Session | None = field(default=None, repr=False)

    def __call__(self, service: str):
        config = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=10, read_timeout=30)
        kwargs = {"config": config}
        if self.region:
            kwargs["region_name"] = self.region
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        return (self.session or boto3).client(service, **kwargs)


def reason_of(error: Exception) -> str:
    """An AWS error as `Code: message` (what the API says), else its type and text."""
    if isinstance(error, ClientError):
        failure = error.response.get("Error", {})
        return f"{failure.get('Code', 'error')}: {failure.get('Message', '')}".strip()
    return f"{type(error).__name__}: {error}"
