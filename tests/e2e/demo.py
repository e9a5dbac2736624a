"""`make demo`: a whole Amplify Studio login on this machine, step by step.

Starts the local AmplifyBackend and ministack, deploys the four Rust bootstraps as Cognito
triggers of a Studio-shaped pool, invites a team member, logs in without a password, shows a
wrong code refused, then stops everything.
"""

import base64
import html
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from studio_stack import StudioLoginStack  # noqa: E402

APP_ID = "d1a2b3c4d5e6f7"
STEP = iter(range(1, 100))
T0 = time.monotonic()


def step(title: str):
    print(f"\n[{next(STEP)}] {title}  (+{time.monotonic() - T0:.1f}s)", flush=True)


def say(line: str):
    print(f"    {line}", flush=True)


def claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def masked(code: str) -> str:
    return f"<{len(code)}-character code, not printed>"


def main() -> int:
    step("Starting the local AmplifyBackend, ministack (Cognito + Lambda + SES) and deploying the triggers")
    with StudioLoginStack(app_id=APP_ID, say=say) as stack:
        step("Inviting a team member (Amplify Studio settings -> Add team member)")
        invitee = "teammate@example.com"
        stack.invite(invitee, {"appId": APP_ID, "appName": "My Shop <App>", "region": "us-east-1",
                               "environment": "staging"})
        email = next(m for account in stack.sent_emails().values() for m in account if invitee in m["To"])
        say(f"email to {invitee}: \"{email['Subject']}\"")
        text = re.sub(r"<br>", "\n", email["BodyHtml"])
        text = re.sub(r"Temporary password: <b>[^<]+</b>", "Temporary password: [hidden]", text)
        link = re.search(r'<a href="([^"]+)">Visit the Amplify Studio', email["BodyHtml"])
        for line in html.unescape(re.sub(r"<[^>]+>", "", text)).splitlines():
            if line.strip():
                say(f"  | {line.strip()}")
        say(f"  | link: {html.unescape(link.group(1)) if link else '(none)'}")

        step("Amplify console: CreateToken for the app (AmplifyBackend, SigV4-signed by boto3)")
        admin = "admin@example.com"
        stack.add_confirmed_user(admin)
        token = stack.create_token()
        say(f"sessionId={token['SessionId']} ttl={token['Ttl']}s challengeCode={masked(token['ChallengeCode'])}")
        say(f"Studio opens .../admin/login?appId={APP_ID}&code=<hidden>&sessionId={token['SessionId']}")

        step("Studio: InitiateAuth(CUSTOM_AUTH) -> define-auth-challenge, create-auth-challenge")
        began = time.monotonic()
        started = stack.start_login(admin)
        say(f"challenge: {started['ChallengeName']} ({(time.monotonic() - began) * 1000:.0f} ms)")

        step("Studio: RespondToAuthChallenge(ANSWER=code, ClientMetadata={appId, sessionId}) -> verify")
        began = time.monotonic()
        result = stack.answer(admin, started["Session"], token["ChallengeCode"], stack.login_metadata(token))
        tokens = result["AuthenticationResult"]
        say(f"signed in as {claims(tokens['IdToken'])['email']}: IdToken, AccessToken, RefreshToken issued "
            f"({(time.monotonic() - began) * 1000:.0f} ms)")

        step("A wrong code: refused cleanly, and the one-time code is burned")
        token = stack.create_token()
        started = stack.start_login(admin)
        wrong = stack.answer(admin, started["Session"], "not-the-code", stack.login_metadata(token))
        say(f"wrong code -> {wrong['ChallengeName']} again (no tokens, no function error)")
        retry = stack.answer(admin, wrong["Session"], token["ChallengeCode"], stack.login_metadata(token))
        say(f"the right code after that -> {retry.get('ChallengeName', 'tokens?!')} (token already burned)")
        if "AuthenticationResult" in retry or "AuthenticationResult" in wrong:
            say("UNEXPECTED: a burned code logged in")
            return 1

        stats = stack.backend_stats()
        say(f"AmplifyBackend saw {stats['getToken']} GetToken, {stats['deleteToken']} DeleteToken, "
            f"{stats['unauthenticated']} unsigned requests, {stats['liveTokens']} live tokens left")
        verify_lines = [json.loads(l) for l in stack.function_logs("verify-auth-challenge") if l.startswith("{")]
        outcomes = [l["fields"]["outcome"] for l in verify_lines if "outcome" in l.get("fields", {})]
        say(f"verify-auth-challenge outcomes: {', '.join(outcomes)}")
        step("Stopping everything")
    leftovers = stack.survivors()
    say(f"stopped; processes left behind: {len(leftovers)}")
    print(f"\nDemo finished in {time.monotonic() - T0:.1f}s.")
    return 0 if not leftovers else 1


if __name__ == "__main__":
    sys.exit(main())
