"""An HTTP proxy in front of ministack that makes chosen AWS API calls fail, stall or race a
concurrent edit, so tests can break a migration at any step. Binds 127.0.0.1, runs in a thread,
stopped by its context manager."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

HOP_BY_HOP = {"host", "connection", "keep-alive", "transfer-encoding", "content-length", "accept-encoding"}


@dataclass
class Rule:
    """Matches `method path`; lets `skip` matches through, then acts on the next `count` (0: all)."""
    method: str
    path: str                      # regular expression, matched against the whole path
    action: str                    # "error", "stall", "before", "rewrite", "refuse", "reset", "answer"
    skip: int = 0
    count: int = 1
    status: int = 400
    code: str = "InvalidParameterValueException"
    before: Callable[[], None] | None = None          # "before": run, then forward
    rewrite: Callable[[dict], dict] | None = None     # "rewrite": change the JSON answer
    # "reset": change the request body before it is forwarded
    rewrite_request: Callable[[bytes], bytes] | None = None
    # "refuse": decide(path, body) -> (status, code, message) to answer as AWS would, or None to forward
    decide: Callable[[str, bytes], tuple[int, str, str] | None] | None = None
    # "answer": respond(path, body) -> (status, headers, payload) to answer instead of the upstream
    # (an API the emulator does not implement as AWS does), or None to forward
    respond: Callable[[str, bytes], tuple[int, dict, bytes] | None] | None = None
    target: str = ""               # JSON-protocol APIs (Cognito): the X-Amz-Target operation, e.g. "UpdateUserPool"
    seen: int = 0
    acted: int = 0

    def applies(self, method: str, path: str, target: str = "") -> bool:
        if method != self.method or not re.fullmatch(self.path, path.split("?")[0]):
            return False
        if self.target and target.rsplit(".", 1)[-1] != self.target:
            return False
        self.seen += 1
        if self.seen <= self.skip or (self.count and self.acted >= self.count):
            return False
        self.acted += 1
        return True


@dataclass
class FaultProxy:
    upstream: str
    rules: list[Rule] = field(default_factory=list)
    refusals: list[tuple] = field(default_factory=list)  # (method, path, status, code, message) answered by "refuse" rules

    def __enter__(self) -> "FaultProxy":
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_):
                pass

            def _serve(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                rule, verdict, reply = None, None, None
                with proxy._lock:
                    for candidate in proxy.rules:
                        if not candidate.applies(self.command, self.path, self.headers.get("x-amz-target", "")):
                            continue
                        if candidate.action == "answer":
                            reply = candidate.respond(self.path, body)
                            if reply:
                                break
                            continue
                        if candidate.action != "refuse":
                            rule = candidate
                            break
                        verdict = candidate.decide(self.path, body)  # None: this policy lets it through
                        if verdict:
                            proxy.refusals.append((self.command, self.path.split("?")[0], *verdict))
                            break
                if verdict:
                    self._error(*verdict)
                    return
                if reply:
                    self._answer(*reply)
                    return
                if rule and rule.action == "error":
                    self._error(rule.status, rule.code, "injected by the test")
                    return
                if rule and rule.action == "before":
                    rule.before()
                if rule and rule.action == "reset":
                    body = rule.rewrite_request(body)
                status, headers, answer = proxy._forward(self.command, self.path, dict(self.headers), body)
                if rule and rule.action == "stall":
                    document = json.loads(answer)
                    (document.get("Configuration") or document)["LastUpdateStatus"] = "InProgress"
                    answer = json.dumps(document).encode()
                if rule and rule.action == "rewrite":
                    answer = json.dumps(rule.rewrite(json.loads(answer))).encode()
                self._answer(status, headers, answer)

            def _error(self, status: int, code: str, message: str):
                payload = json.dumps({"__type": code, "Type": "User", "message": message}).encode()
                self._answer(status, {"content-type": "application/json", "x-amzn-errortype": code}, payload)

            def _answer(self, status, headers, payload):
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = _serve

        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _forward(self, method, path, headers, body):
        request = urllib.request.Request(
            self.upstream + path, data=body if method in ("PUT", "POST", "PATCH") else None, method=method,
            headers={k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()
