"""Load: N whole Studio logins through ministack's Cognito and the four bootstraps, C at a time,
on loopback, bounded in time. Every login must end with tokens (0 lost, 0 wrong); every 10th
first answers a wrong code and must get a clean new challenge. Prints throughput, errors and the
functions' peak RSS.

    python tests/e2e/load.py [--logins 10000] [--concurrency 8] [--max-seconds 1800]
"""

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from studio_stack import StudioLoginStack  # noqa: E402


def peak_rss_of_functions(stack) -> dict:
    """VmHWM (KiB) of every live bootstrap the stack's ministack runs, by function name."""
    peaks = {}
    for pid in stack.survivors():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue  # exited since the scan
        name = next((e.split(b"=", 1)[1].decode() for e in env if e.startswith(b"AWS_LAMBDA_FUNCTION_NAME=")), None)
        hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
        if name:
            peaks[name] = max(peaks.get(name, 0), hwm)
    return peaks


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=1800)
    args = parser.parse_args()

    with StudioLoginStack(say=lambda line: print(f"  {line}", flush=True)) as stack:
        users = [f"load{i}@example.com" for i in range(args.concurrency * 2)]
        for user in users:
            stack.add_confirmed_user(user)
        counts = {"ok": 0, "lost": 0, "wrong": 0, "skipped": 0, "clean_rejections": 0}
        lock = threading.Lock()
        peaks: dict = {}
        deadline = time.monotonic() + args.max_seconds

        def login(i: int) -> str:
            if time.monotonic() > deadline:
                return "skipped"  # past --max-seconds: not attempted, reported as such
            user = users[i % len(users)]
            token = stack.create_token()
            metadata = stack.login_metadata(token)
            started = stack.start_login(user)
            session = started["Session"]
            if i % 10 == 9:  # a wrong code first: must be a clean new challenge
                again = stack.answer(user, session, "not-the-code", metadata)
                if "AuthenticationResult" in again or again.get("ChallengeName") != "CUSTOM_CHALLENGE":
                    return "wrong"
                with lock:
                    counts["clean_rejections"] += 1
                token = stack.create_token()
                metadata = stack.login_metadata(token)
                session = again["Session"]
            result = stack.answer(user, session, token["ChallengeCode"], metadata)
            return "ok" if "AuthenticationResult" in result else "wrong"

        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            futures = [pool.submit(login, i) for i in range(args.logins)]
            for done, future in enumerate(as_completed(futures), 1):
                try:
                    outcome = future.result()
                except Exception as error:  # noqa: BLE001 - every failure is counted and shown
                    outcome = "lost"
                    print(f"  login failed: {type(error).__name__}: {error}", flush=True)
                with lock:
                    counts[outcome] += 1
                if done % 500 == 0 or done == args.logins:
                    for name, kib in peak_rss_of_functions(stack).items():
                        peaks[name] = max(peaks.get(name, 0), kib)
                    rate = done / (time.monotonic() - began)
                    print(f"  {done}/{args.logins} logins, {rate:.1f}/s, {counts}", flush=True)
        elapsed = time.monotonic() - began
        stats = stack.backend_stats()
        errors = sum('"level":"ERROR"' in line for b in ("define-auth-challenge", "create-auth-challenge", "verify-auth-challenge") for line in stack.function_logs(b))

    attempted = args.logins - counts["skipped"]
    print(f"\n{attempted} of {args.logins} logins attempted at concurrency {args.concurrency} in {elapsed:.1f}s: "
          f"{attempted / elapsed:.1f} logins/s; ok={counts['ok']} lost={counts['lost']} wrong={counts['wrong']} "
          f"clean wrong-code rejections={counts['clean_rejections']}; function ERROR log lines={errors}")
    print(f"AmplifyBackend: {stats['createToken']} CreateToken, {stats['getToken']} GetToken, "
          f"{stats['deleteToken']} DeleteToken, {stats['connections']} connections")
    print("peak RSS of the functions (MiB): " + ", ".join(f"{n.replace('amplify-login-', '')}={k / 1024:.1f}" for n, k in sorted(peaks.items())))
    return 0 if counts["ok"] == attempted and counts["skipped"] == 0 and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
