//! A minimal Lambda Runtime API on loopback: hands out one event per `GET .../invocation/next`
//! and collects the answer from `POST .../invocation/{id}/response` (or `/error`).

use std::sync::Arc;
use std::time::Instant;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Mutex};

pub struct Invocation {
    pub request_id: String,
    pub event: Value,
}

/// What the function answered, and when.
pub struct Answer {
    pub request_id: String,
    pub body: Result<Value, String>,
    pub at: Instant,
}

pub struct RuntimeApi {
    pub address: std::net::SocketAddr,
    /// The first time the function asked for work (init done).
    pub first_next: Arc<Mutex<Option<Instant>>>,
    pub events: mpsc::Sender<Invocation>,
    pub answers: mpsc::Receiver<Answer>,
}

struct Shared {
    first_next: Arc<Mutex<Option<Instant>>>,
    events: Mutex<mpsc::Receiver<Invocation>>,
    answers: mpsc::Sender<Answer>,
}

pub async fn start() -> std::io::Result<RuntimeApi> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let address = listener.local_addr()?;
    let (event_tx, event_rx) = mpsc::channel(1);
    let (answer_tx, answer_rx) = mpsc::channel(16);
    let first_next = Arc::new(Mutex::new(None));
    let shared = Arc::new(Shared {
        first_next: first_next.clone(),
        events: Mutex::new(event_rx),
        answers: answer_tx,
    });
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let shared = shared.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| handle(shared.clone(), request));
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(RuntimeApi {
        address,
        first_next,
        events: event_tx,
        answers: answer_rx,
    })
}

fn reply(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    if method == Method::GET && path.ends_with("/invocation/next") {
        {
            let mut first = shared.first_next.lock().await;
            first.get_or_insert_with(Instant::now);
        }
        let next = shared.events.lock().await.recv().await;
        let Some(invocation) = next else {
            // The run is over: leave the function waiting, as Lambda does when it freezes it.
            std::future::pending::<()>().await;
            unreachable!()
        };
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() + 5_000)
            .unwrap_or_default();
        let mut response = reply(StatusCode::OK, Bytes::from(invocation.event.to_string()));
        let headers = response.headers_mut();
        let header = |v: &str| {
            v.parse()
                .unwrap_or_else(|_| hyper::header::HeaderValue::from_static(""))
        };
        headers.insert(
            "lambda-runtime-aws-request-id",
            header(&invocation.request_id),
        );
        headers.insert("lambda-runtime-deadline-ms", header(&deadline.to_string()));
        headers.insert(
            "lambda-runtime-invoked-function-arn",
            header("arn:aws:lambda:us-east-1:000000000000:function:bench"),
        );
        headers.insert(
            "lambda-runtime-trace-id",
            header("Root=1-00000000-000000000000000000000000"),
        );
        headers.insert("content-type", header("application/json"));
        return Ok(response);
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if method == Method::POST {
        if let ["2018-06-01", "runtime", "invocation", id, outcome] = segments.as_slice() {
            let body = request.into_body().collect().await?.to_bytes();
            let at = Instant::now();
            let parsed = match *outcome {
                "response" => {
                    serde_json::from_slice(&body).map_err(|e| format!("bad JSON response: {e}"))
                }
                _ => Err(String::from_utf8_lossy(&body).into_owned()),
            };
            let _ = shared
                .answers
                .send(Answer {
                    request_id: id.to_string(),
                    body: parsed,
                    at,
                })
                .await;
            return Ok(reply(StatusCode::ACCEPTED, Bytes::from_static(b"{}")));
        }
        if path.ends_with("/init/error") {
            let body = request.into_body().collect().await?.to_bytes();
            let at = Instant::now();
            let error = format!("init error: {}", String::from_utf8_lossy(&body));
            let _ = shared
                .answers
                .send(Answer {
                    request_id: String::new(),
                    body: Err(error),
                    at,
                })
                .await;
            return Ok(reply(StatusCode::ACCEPTED, Bytes::from_static(b"{}")));
        }
    }
    Ok(reply(StatusCode::NOT_FOUND, Bytes::from_static(b"{}")))
}
