//! Decoding Cognito trigger events and writing the answer back.
//!
//! Handlers take the raw JSON and decode the typed `aws_lambda_events` struct from it, so a
//! malformed event becomes a deliberate, logged error instead of a runtime-level decode failure,
//! and the reply is the event Cognito sent with only `response` replaced.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// The event was not a Cognito event of the expected kind. Carries no event content (which
/// could hold an answer or a temporary password), only serde's description of where it broke.
#[derive(Debug)]
pub struct BadEvent {
    pub trigger: &'static str,
    pub reason: String,
}

impl std::fmt::Display for BadEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "malformed {} event: {}", self.trigger, self.reason)
    }
}

impl std::error::Error for BadEvent {}

/// Decode a typed event from the raw payload, logging (without content) when it fails.
pub fn decode<T: DeserializeOwned>(trigger: &'static str, payload: &Value) -> Result<T, BadEvent> {
    T::deserialize(payload).map_err(|err| {
        let bad = BadEvent {
            trigger,
            reason: without_values(&err.to_string()),
        };
        tracing::error!(trigger, reason = %bad.reason, "rejecting malformed event");
        bad
    })
}

/// serde quotes the offending value ("invalid type: string \"123456\", expected …"); a value
/// can be an answer or a password, so keep only the kind of mistake and what was expected.
fn without_values(message: &str) -> String {
    for kind in ["invalid type:", "invalid value:", "invalid length"] {
        if let Some(rest) = message.strip_prefix(kind) {
            let expected = rest.find(", expected").map_or("", |at| &rest[at..]);
            return format!("{kind} <redacted>{expected}");
        }
    }
    message.to_string()
}

/// The event as received, with `response` replaced by ours.
pub fn respond<R: Serialize>(mut payload: Value, response: &R) -> Result<Value, serde_json::Error> {
    let response = serde_json::to_value(response)?;
    if let Some(event) = payload.as_object_mut() {
        event.insert("response".to_string(), response);
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Shape {
        request: std::collections::HashMap<String, String>,
    }

    #[test]
    fn decode_error_names_the_trigger_but_not_the_value() {
        let err = decode::<Shape>("define", &json!({"request": {"a": 123456}})).unwrap_err();
        assert_eq!(err.trigger, "define");
        assert!(!err.to_string().contains("123456"), "{err}");
    }

    #[test]
    fn string_values_are_redacted_too() {
        let err = decode::<Shape>("verify", &json!({"request": {"a": ["hunter2"]}})).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(err.to_string().contains("expected a string"), "{err}");
        let err = decode::<Shape>("verify", &json!({})).unwrap_err();
        assert!(err.to_string().contains("missing field `request`"), "{err}");
    }

    #[test]
    fn respond_replaces_only_the_response() {
        let out = respond(
            json!({"a": 1, "response": {"old": true}}),
            &json!({"new": true}),
        )
        .unwrap();
        assert_eq!(out, json!({"a": 1, "response": {"new": true}}));
    }
}
