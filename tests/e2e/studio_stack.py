"""A whole Amplify Studio login stack on one machine, from real parts.

- ministack (pinned, from PyPI): a real Cognito API that runs CUSTOM_AUTH and CustomMessage
  triggers by executing our `bootstrap` zips over the real Lambda Runtime API;
- local-amplifybackend (this workspace): AmplifyBackend's token API over its real REST-JSON wire
  format, reached by the real aws-sdk-amplifybackend client inside verify-auth-challenge;
- boto3 (the AWS SDK for Python) playing the Amplify console and Studio.

Everything binds 127.0.0.1, keeps its files under build/, and is stopped (process groups
killed) when the `with` block ends.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
REGION = "us-east-1"
TRIGGERS = {
    "DefineAuthChallenge": "define-auth-challenge",
    "CreateAuthChallenge": "create-auth-challenge",
    "VerifyAuthChallengeResponse": "verify-auth-challenge",
    "CustomMessage": "custom-message",
}
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what: str, ready, timeout: float = 60.0, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before it was ready")
        with contextlib.suppress(Exception):
            if ready():
                return
        time.sleep(0.1)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


def stop(process: subprocess.Popen | None, timeout: float = 10.0):
    """Stop a process and everything it started (it leads its own process group)."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)


def toolchain_free_path(path: str) -> str:
    """PATH without any directory holding cargo, cargo-lambda, zig or rustc: what an admin who
    deploys a release (`RELEASE=dist/...`) has."""
    keep = [d for d in path.split(os.pathsep)
            if d and not any((Path(d) / tool).exists() for tool in ("cargo", "cargo-lambda", "zig", "rustc"))]
    return os.pathsep.join(keep)


def ministack_cli_env(**extra: str) -> dict:
    """The caller's environment without its AWS settings, with ministack's test credentials:
    for the deploy scripts and make targets the tests run against the emulator."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1", **extra)
    return env


def run_deploy_script(script: str, *args: str) -> subprocess.CompletedProcess:
    """`deploy/<script> <args>` as an admin would run it, output printed for the test log."""
    result = subprocess.run([sys.executable, str(ROOT / "deploy" / script), *args], env=ministack_cli_env(),
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    print(result.stdout, result.stderr)
    return result


def bootstrap_zip(binary: Path) -> bytes:
    """A Lambda deployment package: the binary as an executable `bootstrap`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, binary.read_bytes())
    return buffer.getvalue()


# Studio's Node.js triggers as a pool has them before migration, written from SPEC.md so every
# clone has them: the three small ones here in a few lines each, verify in tests/e2e/node/ with
# its AWS SDK (`make node-standin`). The real original verify, extracted from the seed page
# (`make node-original`), is a comparison anchor: `node_verify="original"` deploys it instead,
# for the side-by-side tests only (marked `node_original`, skipped where the page is absent).
NODE_ORIGINALS = {
    "define-auth-challenge": """exports.handler = async (event) => {
  const session = event.request.session || [];
  const last = session[session.length - 1];
  event.response.issueTokens = false;
  event.response.failAuthentication = false;
  if (last && last.challengeResult === true) event.response.issueTokens = true;
  else if (session.length >= 3) event.response.failAuthentication = true;
  else event.response.challengeName = 'CUSTOM_CHALLENGE';
  return event;
};
""",
    "create-auth-challenge": """const crypto = require('crypto');
exports.handler = async (event) => {
  event.response.publicChallengeParameters = {};
  event.response.privateChallengeParameters = { secretLoginCode: crypto.randomBytes(16).toString('hex') };
  event.response.challengeMetadata = 'CODE-CHALLENGE';
  return event;
};
""",
    "custom-message": """exports.handler = async (event) => {
  if (event.triggerSource === 'CustomMessage_AdminCreateUser') {
    const m = event.request.clientMetadata || {};
    event.response.emailSubject = 'Welcome to Amplify Studio | Your temporary account details';
    event.response.emailMessage = `<p>You were invited to ${m.appName} (${m.appId}).</p>` +
      `<p>Username: ${event.request.usernameParameter}<br>Temporary password: ${event.request.codeParameter}</p>`;
  }
  return event;
};
""",
    # The managed Node.js runtime gives handlers context.done(error, result), which the original
    # verify calls; ministack's runner does not, so this wrapper supplies it.
    "verify-auth-challenge": """const original = require('./original.js');
exports.handler = (event, context) => new Promise((resolve, reject) => {
  context.done = (error, result) => (error ? reject(error) : resolve(result));
  Promise.resolve(original.handler(event, context)).catch(reject);
});
""",
}
NODE_VERIFY_DIRS = {"standin": BUILD / "node-standin", "original": BUILD / "node-original"}
NODE_ORIGINAL_DIR = NODE_VERIFY_DIRS["original"]


def node_original_installed() -> bool:
    """The real original verify is there (`make node-original`, which needs the seed page)."""
    return (NODE_ORIGINAL_DIR / ".installed").exists()


@functools.cache
def node_original_zip(binary: str, verify: str = "standin") -> bytes:
    """A Studio-shaped Node function's package; `verify` picks the verify handler: the stand-in
    written from SPEC.md, or the real original from the seed page."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # A fixed timestamp: the same package (and CodeSha256) however often it is made.
        entry = zipfile.ZipInfo("index.js", date_time=(1980, 1, 1, 0, 0, 0))
        entry.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(entry, NODE_ORIGINALS[binary])
        if binary == "verify-auth-challenge":
            source = NODE_VERIFY_DIRS[verify]
            if not (source / ".installed").exists():
                raise RuntimeError(f"the Node {verify} verify is not installed: run `make node-{verify}`")
            archive.write(source / "index.js", "original.js")
            for path in sorted((source / "node_modules").rglob("*")):
                if path.is_file():
                    archive.write(path, str(path.relative_to(source)))
    return buffer.getvalue()


@dataclass
class StudioLoginStack:
    app_id: str = "d1a2b3c4d5e6f7"
    # "x86_64": the host build (`make functions-x86_64`, binaries in build/lambda/x86_64);
    # "arm64": exactly the release zips of `make build` (build/lambda/arm64/<function>/bootstrap.zip),
    # which ministack can exec only under qemu-user through binfmt_misc (tests/arm64/emulation.sh).
    architecture: str = field(default_factory=lambda: os.environ.get("STUDIO_ARCH", "x86_64"))
    backend_bin: Path = ROOT / "target" / "release" / "local-amplifybackend"
    log_level: str = "INFO"
    token_ttl: float = 300.0
    # "rust": our bootstraps; "node": Studio's original shape (nodejs20.x placeholders), for
    # migration; "none": nothing deployed (a CloudFormation/SAM deploy does it).
    functions: str = "rust"
    # With functions="node": which verify handler ("standin" from SPEC.md, or "original").
    node_verify: str = "standin"
    extra_services: str = ""
    short_code: str = ""
    say: callable = print
    pool_id: str = ""
    client_id: str = ""
    backend_url: str = ""
    ministack_url: str = ""
    _processes: list = field(default_factory=list)

    # ---------- lifecycle ----------
    def __enter__(self) -> "StudioLoginStack":
        try:
            self._start_backend()
            self._start_ministack()
            if self.functions != "none":
                self._deploy()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for process in reversed(self._processes):
            stop(process)

    def survivors(self) -> list[int]:
        """Live processes still in any group this stack started (bootstraps included)."""
        groups = {process.pid for process in self._processes}
        alive = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                state, pgrp = fields[0], int(fields[2])
                if pgrp in groups and state not in ("Z", "X"):
                    alive.append(int(stat.parent.name))
        return alive

    def _spawn(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = open(BUILD / "logs" / f"{name}.log", "wb")
        process = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._processes.append(process)
        return process

    def _start_backend(self):
        (BUILD / "logs").mkdir(parents=True, exist_ok=True)
        port_file = BUILD / "logs" / "local-amplifybackend.port"
        port_file.unlink(missing_ok=True)
        process = self._spawn(
            "local-amplifybackend",
            [str(self.backend_bin), "--port", "0",
             "--ttl", str(self.token_ttl), "--port-file", str(port_file)],
            dict(os.environ),
        )
        wait_until("local AmplifyBackend", lambda: port_file.read_text().strip(), 20, process)
        self.backend_url = f"http://127.0.0.1:{port_file.read_text().strip()}"
        self.say(f"local AmplifyBackend listening on {self.backend_url}")

    def _start_ministack(self):
        port = free_port()
        state = BUILD / "ministack"
        (state / "tmp").mkdir(parents=True, exist_ok=True)
        (state / "state").mkdir(parents=True, exist_ok=True)
        env = {
            key: value for key, value in os.environ.items()
            # Keep the caller's AWS settings away from ministack and the functions it runs.
            if not key.startswith("AWS_") and key not in ("ENDPOINT", "RUST_LOG")
        }
        env.update({
            "GATEWAY_PORT": str(port),
            "BIND_HOST": "127.0.0.1",
            "IOT_MTLS_ENABLED": "0",
            "SERVICES": "cognito-idp,lambda,logs,sts,iam,ses" + (f",{self.extra_services}" if self.extra_services else ""),
            "TMPDIR": str(state / "tmp"),
            "STATE_DIR": str(state / "state"),
            "PERSIST_STATE": "0",
            "LOG_LEVEL": "WARNING",
        })
        ministack = Path(os.environ.get("VIRTUAL_ENV", BUILD / "venv")) / "bin" / "ministack"
        process = self._spawn("ministack", [str(ministack)], env)
        self.ministack_url = f"http://127.0.0.1:{port}"
        wait_until(
            "ministack",
            lambda: urllib.request.urlopen(f"{self.ministack_url}/_ministack/health", timeout=2).status == 200,
            90, process,
        )
        self.say(f"ministack (Cognito, Lambda, SES) listening on {self.ministack_url}")

    # ---------- clients ----------
    def client(self, service: str):
        return boto3.client(
            service, endpoint_url=self.ministack_url, region_name=REGION,
            config=Config(retries={"max_attempts": 1}, read_timeout=30), **CREDENTIALS,
        )

    def amplifybackend(self):
        return boto3.client(
            "amplifybackend", endpoint_url=self.backend_url, region_name=REGION,
            config=Config(retries={"max_attempts": 1}), **CREDENTIALS,
        )

    # ---------- deployment ----------
    def function_name(self, binary: str) -> str:
        return f"amplify-login-{binary}-{self.short_code or self.app_id[:8]}"

    @property
    def artifacts(self) -> Path:
        return BUILD / "lambda" / self.architecture

    def function_zip(self, binary: str) -> bytes:
        if self.architecture == "arm64":
            return (self.artifacts / binary / "bootstrap.zip").read_bytes()
        return bootstrap_zip(self.artifacts / binary / "bootstrap")

    def _code(self, binary: str) -> dict:
        if self.functions == "node":
            return {"Runtime": "nodejs20.x", "Handler": "index.handler", "MemorySize": 256, "Timeout": 15,
                    "Code": {"ZipFile": node_original_zip(binary, self.node_verify)}}
        return {"Runtime": "provided.al2023", "Handler": "bootstrap", "MemorySize": 128, "Timeout": 5,
                "Code": {"ZipFile": self.function_zip(binary)}}

    def function_env(self, binary: str) -> dict:
        if self.functions == "node":  # the original's only setting
            return {"ENDPOINT": self.backend_url} if binary == "verify-auth-challenge" else {}
        # As template.yaml sets them: the app id on all four (the metrics' AppId dimension).
        env = {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": self.log_level, "AMPLIFY_APP_ID": self.app_id}
        if binary == "verify-auth-challenge":
            env["ENDPOINT"] = self.backend_url
        return env

    def create_role(self) -> str:
        """The functions' execution role with the token policy a deployment gives verify: this
        app's challenge tokens (template.yaml), or for Studio's originals Studio's own grant on
        every backend (SPEC.md)."""
        iam = self.client("iam")
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        arn = iam.create_role(RoleName="amplify-login-lambda", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        backend = "/backend/*" if self.functions == "node" else f"/backend/{self.app_id}/challenge/*"
        tokens = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["amplifybackend:GetToken", "amplifybackend:DeleteToken"],
            "Resource": f"arn:aws:amplifybackend:{'*:*' if self.functions == 'node' else REGION + ':000000000000'}:{backend}"}]}
        iam.put_role_policy(RoleName="amplify-login-lambda", PolicyName="login-tokens", PolicyDocument=json.dumps(tokens))
        return arn

    def grant_cognito(self, function_arns):
        """Cognito may invoke each function for this pool, as a deployment grants it."""
        lam = self.client("lambda")
        for arn in function_arns:
            lam.add_permission(FunctionName=arn, StatementId="cognito-invoke", Action="lambda:InvokeFunction",
                               Principal="cognito-idp.amazonaws.com",
                               SourceArn=f"arn:aws:cognito-idp:{REGION}:000000000000:userpool/{self.pool_id}")

    def _deploy(self):
        lam = self.client("lambda")
        role = self.create_role()
        arns = {}
        for trigger, binary in TRIGGERS.items():
            arns[trigger] = lam.create_function(
                FunctionName=self.function_name(binary),
                Role=role,
                Architectures=[self.architecture if self.functions == "rust" else "x86_64"],
                Environment={"Variables": self.function_env(binary)},
                **self._code(binary),
            )["FunctionArn"]
            self.say(f"deployed {self.function_name(binary)} ({self._code(binary)['Runtime']})")
        self.create_pool(arns)
        self.grant_cognito(arns.values())

    def create_pool(self, triggers: dict):
        """Studio's login pool `amplify_backend_manager_<appId>` and its app client."""
        idp = self.client("cognito-idp")
        pool = idp.create_user_pool(
            PoolName=f"amplify_backend_manager_{self.app_id}",
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            LambdaConfig=triggers,
        )["UserPool"]
        self.pool_id = pool["Id"]
        self.client_id = idp.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName=f"amplify_backend_manager_{self.app_id}",
            ExplicitAuthFlows=["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            GenerateSecret=False,
            PreventUserExistenceErrors="ENABLED",  # as template.yaml
        )["UserPoolClient"]["ClientId"]
        self.say(f"user pool {pool['Name']} ({self.pool_id}) wired to the four triggers")

    # ---------- what the console and Studio do ----------
    def invite(self, email: str, metadata: dict) -> dict:
        """Amplify Studio settings → Add team member: AdminCreateUser with the invite metadata."""
        return self.client("cognito-idp").admin_create_user(
            UserPoolId=self.pool_id, Username=email,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            DesiredDeliveryMediums=["EMAIL"], ClientMetadata=metadata,
        )["User"]

    def add_confirmed_user(self, email: str):
        idp = self.client("cognito-idp")
        idp.admin_create_user(
            UserPoolId=self.pool_id, Username=email, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        )
        idp.admin_set_user_password(
            UserPoolId=self.pool_id, Username=email, Password="Unused-Passw0rd!", Permanent=True,
        )

    def create_token(self, app_id: str | None = None) -> dict:
        """The console's CreateToken: a one-time code under a session id."""
        return self.amplifybackend().create_token(AppId=app_id or self.app_id)

    def start_login(self, email: str) -> dict:
        return self.client("cognito-idp").initiate_auth(
            AuthFlow="CUSTOM_AUTH", ClientId=self.client_id, AuthParameters={"USERNAME": email},
        )

    def answer(self, email: str, session: str, code: str, metadata: dict | None) -> dict:
        kwargs = {"ClientMetadata": metadata} if metadata is not None else {}
        return self.client("cognito-idp").respond_to_auth_challenge(
            ClientId=self.client_id, ChallengeName="CUSTOM_CHALLENGE", Session=session,
            ChallengeResponses={"USERNAME": email, "ANSWER": code}, **kwargs,
        )

    def login_metadata(self, token: dict) -> dict:
        return {"appId": token["AppId"], "sessionId": token["SessionId"]}

    def sent_emails(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.ministack_url}/_ministack/ses/messages", timeout=5) as r:
            body = json.load(r)
        return body.get("messages", body) if isinstance(body, dict) else body

    def function_logs(self, binary: str) -> list[str]:
        logs = self.client("logs")
        group = f"/aws/lambda/{self.function_name(binary)}"
        lines = []
        with contextlib.suppress(logs.exceptions.ResourceNotFoundException):
            # Every page: one call returns at most 10,000 events.
            for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
                lines.extend(e["message"] for e in page.get("events", []))
        return lines

    def invoke(self, binary: str, event: dict) -> tuple[str | None, dict]:
        """Invoke one deployed function directly (as Cognito would): (FunctionError, answer)."""
        out = self.client("lambda").invoke(
            FunctionName=self.function_name(binary), Payload=json.dumps(event).encode(),
        )
        return out.get("FunctionError"), json.loads(out["Payload"].read() or b"null")

    def assert_signs_in_and_refuses_a_foreign_code(self, email: str):
        """A member signs in with the right code; a code minted for another app is refused."""
        self.add_confirmed_user(email)
        token = self.create_token()
        started = self.start_login(email)
        assert started["ChallengeName"] == "CUSTOM_CHALLENGE"
        result = self.answer(email, started["Session"], token["ChallengeCode"], self.login_metadata(token))
        assert "AuthenticationResult" in result
        foreign = self.create_token(app_id="dsomeotherapp")
        refused = self.answer(email, self.start_login(email)["Session"], foreign["ChallengeCode"],
                              self.login_metadata(foreign))
        assert "AuthenticationResult" not in refused

    def role_resources(self, role_arn: str, action: str) -> set[str]:
        """Resources the role's inline policies allow `action` on."""
        iam = self.client("iam")
        role = role_arn.rsplit("/", 1)[1]
        resources = set()
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
            if isinstance(document, str):
                document = json.loads(urllib.parse.unquote(document))
            statements = document.get("Statement", [])
            for statement in statements if isinstance(statements, list) else [statements]:
                if action in str(statement.get("Action")):
                    found = statement["Resource"]
                    resources.update(found if isinstance(found, list) else [found])
        return resources

    def backend_stats(self) -> dict:
        with urllib.request.urlopen(f"{self.backend_url}/_local/stats", timeout=5) as r:
            return json.load(r)

    def backend_control(self, control: dict) -> dict:
        request = urllib.request.Request(
            f"{self.backend_url}/_local/control", data=json.dumps(control).encode(),
            headers={"content-type": "application/json"}, method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as r:
            return json.load(r)
