#!/usr/bin/env python3
"""Print a verify-auth-challenge event for `cargo lambda invoke --data-file`, carrying a login code
freshly minted by a running local-amplifybackend (its unauthenticated /_local/tokens hook).

    deploy/dev_event.py [--backend http://127.0.0.1:9100] [--app-id d1a2b3c4d5e6f7] [--wrong] > build/verify.json
"""

import argparse
import json
import urllib.request
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "verify-answer.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="http://127.0.0.1:9100")
    parser.add_argument("--app-id", default="d1a2b3c4d5e6f7")
    parser.add_argument("--wrong", action="store_true", help="answer a wrong code instead")
    args = parser.parse_args()
    request = urllib.request.Request(f"{args.backend}/_local/tokens/{args.app_id}", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        token = json.load(response)
    event = json.loads(FIXTURE.read_text())
    event["request"]["clientMetadata"] = {"appId": token["appId"], "sessionId": token["sessionId"]}
    event["request"]["challengeAnswer"] = "not-the-code" if args.wrong else token["challengeCode"]
    print(json.dumps(event, indent=2))


if __name__ == "__main__":
    main()
