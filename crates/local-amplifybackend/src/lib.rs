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

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::AUTHORIZATION;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rand::distr::Alphanumeric;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

mod call;
mod faults;
mod reply;

use call::{decode, Call, Route};
pub use faults::{Fault, FaultKind, Garble};
use reply::{bad_request, error, not_found, reply, Reply};

pub const DEFAULT_TTL: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Operation {
    CreateToken,
    GetToken,
    DeleteToken,
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

/// What `GET /_local/stats` reports (and [`Backend::stats`] returns): calls per operation since
/// start, connections accepted and who signed the calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub connections: u64,
    pub create_token: u64,
    pub get_token: u64,
    pub delete_token: u64,
    /// Calls refused for want of a SigV4 signature.
    pub unauthenticated: u64,
    pub faults_injected: u64,
    /// Tokens stored, expired ones not yet swept included.
    pub live_tokens: u64,
    /// `<access key id>/<region>` of each signed call's credential scope, counted.
    pub signed_by: BTreeMap<String, u64>,
}

impl Stats {
    /// AmplifyBackend calls of every operation.
    pub fn calls(&self) -> u64 {
        self.create_token + self.get_token + self.delete_token
    }
}

/// Shared state of one service instance.
pub struct Backend {
    tokens: Mutex<HashMap<(String, String), Stored>>,
    /// `<access key id>/<region>` of each signed request's SigV4 credential scope, counted.
    signers: Mutex<BTreeMap<String, u64>>,
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

    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            connections: n(&c.connections),
            create_token: n(&c.create),
            get_token: n(&c.get),
            delete_token: n(&c.delete),
            unauthenticated: n(&c.unauthenticated),
            faults_injected: n(&c.faults_injected),
            live_tokens: lock(&self.tokens).len() as u64,
            signed_by: lock(&self.signers).clone(),
        }
    }

    /// Mint a token directly (what CreateToken does), for tests and benchmarks.
    pub fn create_token(&self, app_id: &str) -> (String, String) {
        let session_id = random_id();
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

fn random_code() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

/// A random (version 4) UUID, as AmplifyBackend's session ids are.
fn random_id() -> String {
    uuid::Builder::from_random_bytes(rand::rng().random())
        .into_uuid()
        .to_string()
}

fn stats_reply(backend: &Backend) -> Reply {
    match serde_json::to_value(backend.stats()) {
        Ok(body) => reply(StatusCode::OK, body),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerException",
            &e.to_string(),
        ),
    }
}

/// The connection is dropped when the service returns an error.
#[derive(Debug, thiserror::Error)]
#[error("fault injected: connection reset")]
struct DropConnection;

async fn handle(
    backend: Arc<Backend>,
    request: Request<Incoming>,
) -> Result<Reply, DropConnection> {
    let path = request.uri().path().to_string();
    let call = match Route::parse(request.method(), &path) {
        Route::Call(call) => call,
        Route::Local(rest) => return Ok(control(&backend, &rest, request).await),
        Route::Unknown => {
            return Ok(error(
                StatusCode::NOT_FOUND,
                "UnknownOperationException",
                "no such operation",
            ))
        }
    };
    if !backend.count_signer(&request) {
        return Ok(error(
            StatusCode::FORBIDDEN,
            "MissingAuthenticationTokenException",
            "Missing SigV4 Authorization header for service amplifybackend",
        ));
    }
    let operation = call.operation();
    backend.counter(operation).fetch_add(1, Ordering::Relaxed);
    if call.has_empty_label() {
        return Ok(bad_request("appId and sessionId are required"));
    }
    let fault = backend.next_fault(operation);
    match faults::before(fault.as_ref()).await {
        faults::Before::Proceed => {}
        faults::Before::Answer(answer) => return Ok(answer),
        faults::Before::Reset => return Err(DropConnection),
    }
    let answer = backend.perform(call);
    Ok(faults::after(fault.as_ref(), answer).await)
}

impl Backend {
    /// Count who signed the request; `false` (counted as unauthenticated) without a signature.
    fn count_signer(&self, request: &Request<Incoming>) -> bool {
        let signer = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(signer_of);
        match signer {
            Some(signer) => *lock(&self.signers).entry(signer).or_default() += 1,
            None => {
                self.counters
                    .unauthenticated
                    .fetch_add(1, Ordering::Relaxed);
                return false;
            }
        }
        true
    }

    fn counter(&self, operation: Operation) -> &AtomicU64 {
        match operation {
            Operation::CreateToken => &self.counters.create,
            Operation::GetToken => &self.counters.get,
            Operation::DeleteToken => &self.counters.delete,
        }
    }

    /// Do what the call asks and answer as AmplifyBackend does.
    fn perform(&self, call: Call) -> Reply {
        match call {
            Call::Create { app_id } => {
                let (session_id, code) = self.create_token(&app_id);
                let ttl = lock(&self.ttl).as_secs_f64();
                reply(
                    StatusCode::OK,
                    json!({"appId": app_id, "challengeCode": code, "sessionId": session_id, "ttl": ttl.to_string()}),
                )
            }
            Call::Get { app_id, session_id } => {
                let key = (app_id, session_id);
                let mut tokens = lock(&self.tokens);
                match tokens.get(&key) {
                    Some(t) if t.expires > Instant::now() => reply(
                        StatusCode::OK,
                        json!({"appId": key.0, "challengeCode": t.code, "sessionId": key.1, "ttl": t.ttl.as_secs_f64().to_string()}),
                    ),
                    Some(_) => {
                        tokens.remove(&key);
                        not_found("challenge token expired")
                    }
                    None => not_found("challenge token not found"),
                }
            }
            Call::Delete { app_id, session_id } => {
                // Atomic: remove under the lock, so of two concurrent deletes exactly one succeeds.
                let removed = lock(&self.tokens).remove(&(app_id, session_id));
                match removed {
                    Some(t) if t.expires > Instant::now() => {
                        reply(StatusCode::OK, json!({"isSuccess": true}))
                    }
                    _ => not_found("challenge token not found"),
                }
            }
        }
    }
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

async fn control(backend: &Backend, rest: &[&str], request: Request<Incoming>) -> Reply {
    match (request.method().clone(), rest) {
        (Method::GET, ["stats"]) => stats_reply(backend),
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
                Err(_) => return bad_request("unreadable body"),
            };
            let control: Control = match serde_json::from_slice(&body) {
                Ok(control) => control,
                Err(e) => return bad_request(&e.to_string()),
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
            stats_reply(backend)
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
        let id = random_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        assert_eq!(id.as_bytes()[14], b'4', "version 4: {id}");
        assert_ne!(id, random_id());
    }
}
