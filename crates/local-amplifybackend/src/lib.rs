//! A local stand-in for AWS AmplifyBackend's challenge-token API.
//!
//! AmplifyBackend has no local edition, so this speaks its REST-JSON wire format (API 2020-08-11)
//! closely enough for the real `aws-sdk-amplifybackend` client:
//!
//! | operation   | request                                           | success body                               |
//! |-------------|---------------------------------------------------|--------------------------------------------|
//! | CreateToken | `POST /backend/{appId}/challenge`                 | `appId`, `challengeCode`, `sessionId`, `ttl` |
//! | GetToken    | `GET /backend/{appId}/challenge/{sessionId}`      | `appId`, `challengeCode`, `sessionId`, `ttl` |
//! | DeleteToken | `POST /backend/{appId}/challenge/{sessionId}/remove` | `isSuccess`                             |
//!
//! Errors carry their type in `x-amzn-errortype` and a JSON `message`. Requests without a SigV4
//! `Authorization` header get 403. Tokens expire after their TTL; DeleteToken is atomic, so of two
//! concurrent deletes exactly one succeeds.
//!
//! Test hooks under `/_local/` (no auth): `POST /_local/control` queues faults or changes the TTL,
//! `GET /_local/stats` reports calls per operation, connections accepted and who signed the calls,
//! `POST /_local/tokens/{appId}` mints a token like CreateToken without a signature (local
//! development: a code to paste into a verify event).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rand::distr::Alphanumeric;
use rand::RngExt;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

pub const DEFAULT_TTL: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Operation {
    CreateToken,
    GetToken,
    DeleteToken,
}

/// A fault to inject into the next `count` matching calls.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// Which operation; `None` matches all three.
    #[serde(default)]
    pub operation: Option<Operation>,
    pub kind: FaultKind,
    /// How many calls it hits; 0 means every call until cleared.
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FaultKind {
    /// 429 TooManyRequestsException
    Throttle,
    /// 504 GatewayTimeoutException
    GatewayTimeout,
    /// 500 InternalServerException
    Internal,
    /// Close the connection without answering.
    Reset,
    /// Answer normally, after a delay.
    Delay { millis: u64 },
    /// Do the work (e.g. really delete), then answer 500: the caller cannot know it happened.
    FailAfterCommit,
    /// Do the work, then answer 200 with a body the SDK cannot read, the real answer (a GetToken
    /// code included) still in it: what a faulty proxy or a service bug could send.
    Garbled { garble: Garble },
    /// Do the work, then answer 400 with an error type the SDK does not know, whose message is the
    /// real answer's body (a GetToken code included).
    UnknownErrorWithBody,
}

impl FaultKind {
    /// The faults that answer with a body holding the real answer (a GetToken code included)
    /// that the client cannot use: what a secrets test must throw at it.
    pub fn carrying_bodies() -> [FaultKind; 4] {
        [
            FaultKind::Garbled {
                garble: Garble::WrongTypes,
            },
            FaultKind::Garbled {
                garble: Garble::TrailingBytes,
            },
            FaultKind::Garbled {
                garble: Garble::Truncated,
            },
            FaultKind::UnknownErrorWithBody,
        ]
    }
}

/// How [`FaultKind::Garbled`] breaks a success body.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum Garble {
    /// `"ttl": 120` (and `"isSuccess": "yes"`): members of the wrong JSON type.
    WrongTypes,
    /// Valid JSON followed by more bytes.
    TrailingBytes,
    /// The body cut short.
    Truncated,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Control {
    #[serde(default)]
    faults: Vec<Fault>,
    #[serde(default)]
    clear_faults: bool,
    #[serde(default)]
    ttl_seconds: Option<f64>,
}

struct Stored {
    code: String,
    ttl: Duration,
    expires: Instant,
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    create: AtomicU64,
    get: AtomicU64,
    delete: AtomicU64,
    unauthenticated: AtomicU64,
    faults_injected: AtomicU64,
}

/// Shared state of one service instance.
pub struct Backend {
    tokens: Mutex<HashMap<(String, String), Stored>>,
    /// `<access key id>/<region>` of each signed request's SigV4 credential scope, counted.
    signers: Mutex<std::collections::BTreeMap<String, u64>>,
    faults: Mutex<VecDeque<Fault>>,
    ttl: Mutex<Duration>,
    counters: Counters,
}

impl Backend {
    pub fn new(ttl: Duration) -> Arc<Self> {
        Arc::new(Self {
            tokens: Mutex::default(),
            signers: Mutex::default(),
            faults: Mutex::default(),
            ttl: Mutex::new(ttl),
            counters: Counters::default(),
        })
    }

    /// Queue a fault (the same as `POST /_local/control {"faults": [...]}`).
    pub fn inject(&self, fault: Fault) {
        lock(&self.faults).push_back(fault);
    }

    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    pub fn stats(&self) -> Value {
        let c = &self.counters;
        let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
        json!({
            "connections": n(&c.connections),
            "createToken": n(&c.create),
            "getToken": n(&c.get),
            "deleteToken": n(&c.delete),
            "unauthenticated": n(&c.unauthenticated),
            "faultsInjected": n(&c.faults_injected),
            "liveTokens": lock(&self.tokens).len(),
            "signedBy": *lock(&self.signers),
        })
    }

    /// Mint a token directly (what CreateToken does), for tests and benchmarks.
    pub fn create_token(&self, app_id: &str) -> (String, String) {
        let session_id = random_id(&[8, 4, 4, 4, 12]);
        let code = random_code();
        let ttl = *lock(&self.ttl);
        let stored = Stored {
            code: code.clone(),
            ttl,
            expires: Instant::now() + ttl,
        };
        lock(&self.tokens).insert((app_id.to_string(), session_id.clone()), stored);
        (session_id, code)
    }

    fn next_fault(&self, operation: Operation) -> Option<FaultKind> {
        let mut faults = lock(&self.faults);
        let at = faults
            .iter()
            .position(|f| f.operation.is_none_or(|op| op == operation))?;
        let kind = faults[at].kind.clone();
        match faults[at].count {
            0 => {}
            1 => {
                faults.remove(at);
            }
            _ => faults[at].count -= 1,
        }
        self.counters
            .faults_injected
            .fetch_add(1, Ordering::Relaxed);
        Some(kind)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these maps half-updated; keep serving.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn random_string(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

fn random_code() -> String {
    random_string(32)
}

fn random_id(groups: &[usize]) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    let mut rng = rand::rng();
    groups
        .iter()
        .map(|&n| {
            (0..n)
                .map(|_| HEX[rng.random_range(0..16)] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, body: Value) -> Reply {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn error(status: StatusCode, error_type: &'static str, message: &str) -> Reply {
    let mut response = reply(status, json!({ "message": message }));
    response
        .headers_mut()
        .insert("x-amzn-errortype", HeaderValue::from_static(error_type));
    response
}

fn fault_reply(kind: &FaultKind) -> Option<Reply> {
    match kind {
        FaultKind::Throttle => Some(error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            "Rate exceeded",
        )),
        FaultKind::GatewayTimeout => Some(error(
            StatusCode::GATEWAY_TIMEOUT,
            "GatewayTimeoutException",
            "Gateway timed out",
        )),
        FaultKind::Internal | FaultKind::FailAfterCommit => Some(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerException",
            "Internal failure",
        )),
        FaultKind::Reset
        | FaultKind::Delay { .. }
        | FaultKind::Garbled { .. }
        | FaultKind::UnknownErrorWithBody => None,
    }
}

/// The connection is dropped when the service returns an error.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fault injected: connection reset")
    }
}

impl std::error::Error for DropConnection {}

async fn handle(
    backend: Arc<Backend>,
    request: Request<Incoming>,
) -> Result<Reply, DropConnection> {
    let path = request.uri().path().to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if segments.first() == Some(&"_local") {
        return Ok(control(&backend, &segments[1..], request).await);
    }
    let (operation, app_id, session_id) = match (request.method(), segments.as_slice()) {
        (&Method::POST, ["backend", app, "challenge"]) => (Operation::CreateToken, *app, None),
        (&Method::GET, ["backend", app, "challenge", session]) => {
            (Operation::GetToken, *app, Some(*session))
        }
        (&Method::POST, ["backend", app, "challenge", session, "remove"]) => {
            (Operation::DeleteToken, *app, Some(*session))
        }
        _ => {
            return Ok(error(
                StatusCode::NOT_FOUND,
                "UnknownOperationException",
                "no such operation",
            ))
        }
    };
    let signer = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(signer_of);
    if let Some(signer) = signer {
        *lock(&backend.signers).entry(signer).or_default() += 1;
    } else {
        backend
            .counters
            .unauthenticated
            .fetch_add(1, Ordering::Relaxed);
        return Ok(error(
            StatusCode::FORBIDDEN,
            "MissingAuthenticationTokenException",
            "Missing SigV4 Authorization header for service amplifybackend",
        ));
    }
    let counter = match operation {
        Operation::CreateToken => &backend.counters.create,
        Operation::GetToken => &backend.counters.get,
        Operation::DeleteToken => &backend.counters.delete,
    };
    counter.fetch_add(1, Ordering::Relaxed);
    let (app_id, session_id) = (decode(app_id), session_id.map(decode));
    if app_id.is_empty() || session_id.as_deref() == Some("") {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "BadRequestException",
            "appId and sessionId are required",
        ));
    }

    let fault = backend.next_fault(operation);
    match &fault {
        Some(FaultKind::Reset) => return Err(DropConnection),
        Some(FaultKind::Delay { millis }) => {
            tokio::time::sleep(Duration::from_millis(*millis)).await
        }
        Some(
            FaultKind::FailAfterCommit
            | FaultKind::Garbled { .. }
            | FaultKind::UnknownErrorWithBody,
        )
        | None => {}
        Some(other) => return Ok(fault_reply(other).unwrap_or_else(unreachable_reply)),
    }
    let answer = match (operation, session_id) {
        (Operation::CreateToken, _) => {
            let (session_id, code) = backend.create_token(&app_id);
            let ttl = lock(&backend.ttl).as_secs_f64();
            reply(
                StatusCode::OK,
                json!({"appId": app_id, "challengeCode": code, "sessionId": session_id, "ttl": ttl.to_string()}),
            )
        }
        (Operation::GetToken, Some(session_id)) => {
            let key = (app_id.clone(), session_id.clone());
            let mut tokens = lock(&backend.tokens);
            match tokens.get(&key) {
                Some(t) if t.expires > Instant::now() => reply(
                    StatusCode::OK,
                    json!({"appId": app_id, "challengeCode": t.code, "sessionId": session_id, "ttl": t.ttl.as_secs_f64().to_string()}),
                ),
                Some(_) => {
                    tokens.remove(&key);
                    error(
                        StatusCode::NOT_FOUND,
                        "NotFoundException",
                        "challenge token expired",
                    )
                }
                None => error(
                    StatusCode::NOT_FOUND,
                    "NotFoundException",
                    "challenge token not found",
                ),
            }
        }
        (Operation::DeleteToken, Some(session_id)) => {
            // Atomic: remove under the lock, so of two concurrent deletes exactly one succeeds.
            let removed = lock(&backend.tokens).remove(&(app_id, session_id));
            match removed {
                Some(t) if t.expires > Instant::now() => {
                    reply(StatusCode::OK, json!({"isSuccess": true}))
                }
                _ => error(
                    StatusCode::NOT_FOUND,
                    "NotFoundException",
                    "challenge token not found",
                ),
            }
        }
        _ => unreachable_reply(),
    };
    Ok(match &fault {
        Some(FaultKind::Garbled { garble }) => garbled(answer, *garble).await,
        Some(FaultKind::UnknownErrorWithBody) => {
            let body = body_text(answer).await;
            error(StatusCode::BAD_REQUEST, "UnexpectedLeakException", &body)
        }
        // FailAfterCommit: the work above happened anyway.
        Some(kind) => fault_reply(kind).unwrap_or(answer),
        None => answer,
    })
}

async fn body_text(reply: Reply) -> String {
    match reply.into_body().collect().await {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
        Err(never) => match never {},
    }
}

/// The answer's body, broken as asked; status and headers kept.
async fn garbled(answer: Reply, garble: Garble) -> Reply {
    let (parts, body) = answer.into_parts();
    let text = body_text(Response::new(body)).await;
    let broken = match garble {
        Garble::WrongTypes => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(mut members)) => {
                if members.contains_key("ttl") {
                    members.insert("ttl".into(), json!(120));
                }
                if members.contains_key("isSuccess") {
                    members.insert("isSuccess".into(), json!("yes"));
                }
                Value::Object(members).to_string()
            }
            _ => text,
        },
        Garble::TrailingBytes => format!("{text} trailing-bytes}}"),
        Garble::Truncated => text
            .chars()
            .take(text.chars().count().saturating_sub(4))
            .collect(),
    };
    Response::from_parts(parts, Full::new(Bytes::from(broken)))
}

fn unreachable_reply() -> Reply {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerException",
        "unroutable request",
    )
}

/// `AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/amplifybackend/aws4_request, …` →
/// `AKID/us-east-1`; `None` unless it is a SigV4 signature for amplifybackend.
fn signer_of(authorization: &str) -> Option<String> {
    let scope = authorization
        .strip_prefix("AWS4-HMAC-SHA256 Credential=")?
        .split(',')
        .next()?;
    match scope.split('/').collect::<Vec<_>>().as_slice() {
        [key, _date, region, "amplifybackend", "aws4_request"] => Some(format!("{key}/{region}")),
        _ => None,
    }
}

/// Path labels arrive percent-encoded.
fn decode(label: &str) -> String {
    let bytes = label.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn control(backend: &Backend, rest: &[&str], request: Request<Incoming>) -> Reply {
    match (request.method().clone(), rest) {
        (Method::GET, ["stats"]) => reply(StatusCode::OK, backend.stats()),
        (Method::POST, ["tokens", app_id]) if !app_id.is_empty() => {
            let app_id = decode(app_id);
            let (session_id, code) = backend.create_token(&app_id);
            reply(
                StatusCode::OK,
                json!({"appId": app_id, "sessionId": session_id, "challengeCode": code}),
            )
        }
        (Method::POST, ["control"]) => {
            let body = match request.into_body().collect().await {
                Ok(body) => body.to_bytes(),
                Err(_) => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "BadRequestException",
                        "unreadable body",
                    )
                }
            };
            let control: Control = match serde_json::from_slice(&body) {
                Ok(control) => control,
                Err(e) => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "BadRequestException",
                        &e.to_string(),
                    )
                }
            };
            if control.clear_faults {
                backend.clear_faults();
            }
            for fault in control.faults {
                backend.inject(fault);
            }
            if let Some(seconds) = control.ttl_seconds.filter(|s| s.is_finite() && *s >= 0.0) {
                *lock(&backend.ttl) = Duration::from_secs_f64(seconds);
            }
            reply(StatusCode::OK, backend.stats())
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "no such control route",
        ),
    }
}

/// Serve until the task is dropped. Each connection is HTTP/1.1 keep-alive, as AWS is.
pub async fn serve(listener: TcpListener, backend: Arc<Backend>) -> std::io::Result<()> {
    serve_with(listener, backend, None).await
}

/// [`serve`], over TLS when a server configuration is given.
async fn serve_with(
    listener: TcpListener,
    backend: Arc<Backend>,
    tls: Option<TlsAcceptor>,
) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        // As a real service does: with Nagle on, a reply written in two pieces (a TLS flight)
        // waits for the client's delayed ACK, ~40 ms, which no client should be charged for.
        let _ = stream.set_nodelay(true);
        backend.counters.connections.fetch_add(1, Ordering::Relaxed);
        let backend = backend.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(backend.clone(), request));
            // A dropped connection (fault, failed handshake or client gone) is routine here.
            match tls {
                None => {
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                }
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                }
            }
        });
    }
}

/// Bind 127.0.0.1 on `port` (0 = any free port) and serve in the background.
pub async fn start(
    port: u16,
    ttl: Duration,
) -> std::io::Result<(std::net::SocketAddr, Arc<Backend>)> {
    start_with(port, ttl, None).await
}

/// [`start`], serving HTTPS with this configuration (certificate and key chosen by the caller).
pub async fn start_tls(
    port: u16,
    ttl: Duration,
    tls: Arc<tokio_rustls::rustls::ServerConfig>,
) -> std::io::Result<(std::net::SocketAddr, Arc<Backend>)> {
    start_with(port, ttl, Some(TlsAcceptor::from(tls))).await
}

async fn start_with(
    port: u16,
    ttl: Duration,
    tls: Option<TlsAcceptor>,
) -> std::io::Result<(std::net::SocketAddr, Arc<Backend>)> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let address = listener.local_addr()?;
    let backend = Backend::new(ttl);
    tokio::spawn(serve_with(listener, backend.clone(), tls));
    Ok((address, backend))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_of_labels() {
        assert_eq!(decode("a%20b%2Fc"), "a b/c");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
    }

    #[test]
    fn faults_are_consumed_in_order_and_by_operation() {
        let backend = Backend::new(DEFAULT_TTL);
        backend.inject(Fault {
            operation: Some(Operation::DeleteToken),
            kind: FaultKind::Throttle,
            count: 2,
        });
        backend.inject(Fault {
            operation: None,
            kind: FaultKind::Reset,
            count: 1,
        });
        assert_eq!(
            backend.next_fault(Operation::GetToken),
            Some(FaultKind::Reset)
        );
        assert_eq!(backend.next_fault(Operation::GetToken), None);
        assert_eq!(
            backend.next_fault(Operation::DeleteToken),
            Some(FaultKind::Throttle)
        );
        assert_eq!(
            backend.next_fault(Operation::DeleteToken),
            Some(FaultKind::Throttle)
        );
        assert_eq!(backend.next_fault(Operation::DeleteToken), None);
    }

    #[test]
    fn ids_look_like_uuids() {
        let id = random_id(&[8, 4, 4, 4, 12]);
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
    }
}
