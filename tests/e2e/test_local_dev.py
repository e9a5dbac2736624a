"""The local development loop of the README: `make dev` (a local AmplifyBackend and `cargo lambda
watch`), credentials from a named profile in shared files (no keys in the environment), and
`cargo lambda invoke --data-file` for each trigger, the verify event made by deploy/dev_event.py."""

import json
import os
import subprocess
import sys
import urllib.request

import pytest

from studio_stack import BUILD, ROOT, free_port, stop, wait_until

TOOLS_BIN = BUILD / "venv-tools" / "bin"


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    home = tmp_path_factory.mktemp("aws")
    (home / "config").write_text("[profile studio-dev]\nregion = eu-central-1\n")
    (home / "credentials").write_text("[studio-dev]\naws_access_key_id = AKIDDEVPROFILE\naws_secret_access_key = dev-secret\n")
    backend_port, invoke_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_PROFILE="studio-dev", AWS_CONFIG_FILE=str(home / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"), AWS_EC2_METADATA_DISABLED="true")
    log = open(BUILD / "logs" / "make-dev.log", "wb")
    process = subprocess.Popen(
        ["make", "--no-print-directory", "dev", f"DEV_BACKEND_PORT={backend_port}", f"DEV_INVOKE_PORT={invoke_port}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    backend = f"http://127.0.0.1:{backend_port}"
    try:
        wait_until("local AmplifyBackend", lambda: urllib.request.urlopen(f"{backend}/_local/stats", timeout=2).status == 200, 300, process)
        wait_until("cargo lambda watch", lambda: _port_open(invoke_port), 120, process)
        yield backend, invoke_port, env
    finally:
        stop(process)
        # cargo-lambda finishes its own shutdown after make has gone: wait for the whole group.
        wait_until("make dev's processes to exit", lambda: not _group_alive(process.pid), 30)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _port_open(port: int) -> bool:
    import socket
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def invoke(dev, function: str, data_file) -> dict:
    _, invoke_port, env = dev
    env = {**env, "PATH": f"{TOOLS_BIN}:{env['PATH']}"}
    done = subprocess.run(
        ["cargo", "lambda", "invoke", function, "--invoke-address", "127.0.0.1", "--invoke-port", str(invoke_port),
         "--data-file", str(data_file)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_every_trigger_answers_through_cargo_lambda_watch(dev, tmp_path):
    backend, _, _ = dev
    fixtures = ROOT / "tests" / "fixtures"
    assert invoke(dev, "define-auth-challenge", fixtures / "define-first-call.json")["response"]["challengeName"] == "CUSTOM_CHALLENGE"
    assert len(invoke(dev, "create-auth-challenge", fixtures / "create-first-call.json")["response"]["privateChallengeParameters"]["secretLoginCode"]) == 32
    assert "Welcome to Amplify Studio" in invoke(dev, "custom-message", fixtures / "custom-message-invite.json")["response"]["emailSubject"]
    for wrong, expected in [(False, True), (True, False)]:
        event = tmp_path / f"verify-{wrong}.json"
        made = subprocess.run([sys.executable, str(ROOT / "deploy" / "dev_event.py"), "--backend", backend]
                              + (["--wrong"] if wrong else []), capture_output=True, text=True, timeout=30, check=True)
        event.write_text(made.stdout)
        assert invoke(dev, "verify-auth-challenge", event)["response"]["answerCorrect"] is expected
    with urllib.request.urlopen(f"{backend}/_local/stats", timeout=5) as r:
        stats = json.load(r)
    assert stats["signedBy"] == {"AKIDDEVPROFILE/eu-central-1": 4}, "signed with the profile's key, in its region"
