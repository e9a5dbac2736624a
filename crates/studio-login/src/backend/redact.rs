//! What is kept of a failed AmplifyBackend call: an allow-list of facts, never the SDK's text.

use aws_sdk_amplifybackend::config::http::HttpResponse;
use aws_sdk_amplifybackend::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_amplifybackend::operation::RequestId;

use crate::Unavailable;

/// Describes a failed call from an allow-list of facts: the operation, the error class, the
/// HTTP status, the service's error code and the request id. Never the SDK error's `Debug` or
/// `DisplayErrorContext`: for a response the SDK could not parse, those carry the raw response
/// body, and a GetToken body carries the challenge code.
pub(super) fn unavailable<E>(
    operation: &'static str,
    err: &SdkError<E, HttpResponse>,
) -> Unavailable
where
    E: ProvideErrorMetadata,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let tls = match err {
        SdkError::DispatchFailure(failure) => failure
            .as_connector_error()
            .and_then(|connector| super::tls_error::tls_error_kind(connector)),
        _ => None,
    };
    let class = match err {
        SdkError::ConstructionFailure(_) => "construction",
        SdkError::TimeoutError(_) => "timeout",
        SdkError::DispatchFailure(_) if tls.is_some() => "tls",
        SdkError::DispatchFailure(failure) if failure.is_timeout() => "connect_timeout",
        SdkError::DispatchFailure(failure) if failure.is_io() => "io",
        SdkError::DispatchFailure(_) => "dispatch",
        SdkError::ResponseError(_) => "unreadable_response",
        // A 2xx the SDK failed to deserialize surfaces as an unhandled service error.
        SdkError::ServiceError(_) if status.is_some_and(|s| (200..300).contains(&s)) => {
            "unreadable_response"
        }
        SdkError::ServiceError(_) => "service",
        _ => "other",
    };
    let mut reason = format!("class={class}");
    if let Some(tls) = tls {
        reason.push_str(&format!(" tls_error={tls}"));
    }
    if let Some(status) = status {
        reason.push_str(&format!(" status={status}"));
    }
    if let Some(code) = err.code().map(identifier) {
        reason.push_str(&format!(" code={code}"));
    }
    if let Some(request_id) = err.request_id().map(identifier) {
        reason.push_str(&format!(" request_id={request_id}"));
    }
    Unavailable { operation, reason }
}

/// A header-borne identifier (error code, request id), kept only as far as it looks like one:
/// the service controls these bytes, so nothing else may pass into a log line.
fn identifier(raw: &str) -> String {
    raw.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '#'))
        .take(64)
        .collect()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_from_headers_keep_only_identifier_characters() {
        assert_eq!(identifier("abc-123_X.y:z#w"), "abc-123_X.y:z#w");
        assert_eq!(identifier("Err\" body=secret"), "Err");
        assert_eq!(identifier(&"a".repeat(100)).len(), 64);
    }
}
