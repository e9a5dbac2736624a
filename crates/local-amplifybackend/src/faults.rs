//! Injected faults: what to answer instead of, or after, doing the work.

use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::reply::{body_text, error, Reply};
use crate::Operation;

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

/// What to do before the work, given the fault drawn for this call.
pub(crate) enum Before {
    /// Do the work (after any delay).
    Proceed,
    /// Answer this instead of doing the work.
    Answer(Reply),
    /// Close the connection without answering.
    Reset,
}

pub(crate) async fn before(fault: Option<&FaultKind>) -> Before {
    match fault {
        Some(FaultKind::Throttle) => Before::Answer(error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            "Rate exceeded",
        )),
        Some(FaultKind::GatewayTimeout) => Before::Answer(error(
            StatusCode::GATEWAY_TIMEOUT,
            "GatewayTimeoutException",
            "Gateway timed out",
        )),
        Some(FaultKind::Internal) => Before::Answer(internal_failure()),
        Some(FaultKind::Reset) => Before::Reset,
        Some(FaultKind::Delay { millis }) => {
            tokio::time::sleep(Duration::from_millis(*millis)).await;
            Before::Proceed
        }
        Some(
            FaultKind::FailAfterCommit
            | FaultKind::Garbled { .. }
            | FaultKind::UnknownErrorWithBody,
        )
        | None => Before::Proceed,
    }
}

/// The answer to send once the work is done, given the fault drawn for this call.
pub(crate) async fn after(fault: Option<&FaultKind>, answer: Reply) -> Reply {
    match fault {
        Some(FaultKind::Garbled { garble }) => garbled(answer, *garble).await,
        Some(FaultKind::UnknownErrorWithBody) => {
            let body = body_text(answer).await;
            error(StatusCode::BAD_REQUEST, "UnexpectedLeakException", &body)
        }
        // The work above happened anyway.
        Some(FaultKind::FailAfterCommit) => internal_failure(),
        _ => answer,
    }
}

fn internal_failure() -> Reply {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerException",
        "Internal failure",
    )
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
