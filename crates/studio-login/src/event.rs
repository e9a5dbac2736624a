//! Decoding Cognito trigger events and writing the answer back.
//!
//! Handlers take the raw JSON and decode the typed `aws_lambda_events` struct from it, so a
//! malformed event becomes a deliberate, logged error instead of a runtime-level decode failure,
//! and the reply is the event Cognito sent with only `response` replaced.

use aws_lambda_events::event::cognito::CognitoEventUserPoolsCallerContext;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// The event was not a Cognito event of the expected kind. Carries no event content (which
/// could hold an answer or a temporary password), only serde's description of where it broke;
/// even that goes to the log only: the error's text (which Cognito hands to the caller) names the
/// trigger and nothing else.
#[derive(Debug, thiserror::Error)]
#[error("malformed {trigger} event")]
pub struct BadEvent {
    pub trigger: &'static str,
    pub reason: String,
}

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

/// serde quotes the offending value ("invalid type: string \"123456\", expected …", "unknown
/// variant `123456`, expected …"); a value can be an answer or a password, so keep only the kind
/// of mistake and what was expected. Any other message is kept only up to its first quote.
fn without_values(message: &str) -> String {
    for kind in [
        "invalid type:",
        "invalid value:",
        "invalid length",
        "unknown variant",
        "unknown field",
    ] {
        if let Some(rest) = message.strip_prefix(kind) {
            let expected = rest.find(", expected").map_or("", |at| &rest[at..]);
            return format!("{kind} <redacted>{expected}");
        }
    }
    // Our own struct's field names: no event content.
    if message.starts_with("missing field") || message.starts_with("duplicate field") {
        return message.to_string();
    }
    match message.find(['`', '"', '\'']) {
        Some(at) => format!("{}<redacted>", &message[..at]),
        None => message.to_string(),
    }
}

/// The `callerContext.clientId` of the stack's scheduled heartbeat probes. Cognito app client
/// ids are `[\w+]+` (no hyphen), so Cognito never sends this value: nothing an attacker sends
/// through Cognito can make a real attempt look like a probe (and leave the login metrics).
pub const HEARTBEAT_CLIENT_ID: &str = "amplify-studio-login-heartbeat";

/// Whether the event is the heartbeat's probe, not a login. Handlers use it only to choose the
/// log line's field (`heartbeat` instead of the fields the login metrics count).
pub fn is_heartbeat(caller_context: &CognitoEventUserPoolsCallerContext) -> bool {
    caller_context.client_id.as_deref() == Some(HEARTBEAT_CLIENT_ID)
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

    #[test]
    fn only_the_heartbeat_client_id_is_a_probe() {
        let context = |client_id: Option<&str>| {
            let mut context = CognitoEventUserPoolsCallerContext::default();
            context.client_id = client_id.map(str::to_string);
            context
        };
        assert!(is_heartbeat(&context(Some(HEARTBEAT_CLIENT_ID))));
        for other in [
            None,
            Some(""),
            Some("3n4b5urk1ft4fl3mg5e62d9ado"),
            Some("amplify_studio_login_heartbeat"),
            Some("AMPLIFY-STUDIO-LOGIN-HEARTBEAT"),
            Some("amplify-studio-login-heartbeat "),
            Some("xamplify-studio-login-heartbeat"),
        ] {
            assert!(!is_heartbeat(&context(other)), "{other:?}");
        }
        // What Cognito can send: app client ids are [\w+]+, so never the probe's id.
        assert!(!HEARTBEAT_CLIENT_ID
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '+'));
    }

    #[test]
    fn a_cognito_shaped_event_with_a_real_client_id_is_not_a_probe() {
        use aws_lambda_events::event::cognito::CognitoEventUserPoolsVerifyAuthChallenge;
        let mut event = crate::test_support::Fixture::VerifyAnswer.event();
        let decoded: CognitoEventUserPoolsVerifyAuthChallenge = decode("verify", &event).unwrap();
        assert!(!is_heartbeat(
            &decoded.cognito_event_user_pools_header.caller_context
        ));
        event["callerContext"]["clientId"] = json!(HEARTBEAT_CLIENT_ID);
        let decoded: CognitoEventUserPoolsVerifyAuthChallenge = decode("verify", &event).unwrap();
        assert!(is_heartbeat(
            &decoded.cognito_event_user_pools_header.caller_context
        ));
    }

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
        assert!(!err.reason.contains("hunter2"), "{}", err.reason);
        assert!(err.reason.contains("expected a string"), "{}", err.reason);
        let err = decode::<Shape>("verify", &json!({})).unwrap_err();
        assert_eq!(err.reason, "missing field `request`");
    }

    #[test]
    fn every_kind_of_value_bearing_message_is_redacted() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        enum Kind {
            Known,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Typed {
            kind: Kind,
            pair: (u8, u8),
            small: u8,
        }
        let cases = [
            json!({"kind": "hunter2", "pair": [1, 2], "small": 1}), // unknown variant
            json!({"kind": "Known", "pair": [1], "small": 1}),      // invalid length
            json!({"kind": "Known", "pair": [1, 2], "small": 700}), // invalid value
        ];
        for (case, kind) in
            cases
                .into_iter()
                .zip(["unknown variant", "invalid length", "invalid value"])
        {
            let err = decode::<Typed>("verify", &case).unwrap_err();
            assert!(err.reason.starts_with(kind), "{}", err.reason);
            for value in ["hunter2", "700"] {
                assert!(!err.reason.contains(value), "{}", err.reason);
            }
        }
        assert_eq!(
            without_values("something new `hunter2`"),
            "something new <redacted>"
        );
    }

    #[test]
    fn the_error_text_names_only_the_trigger() {
        let err = decode::<Shape>("verify", &json!({"request": {"a": 1}})).unwrap_err();
        assert_eq!(err.to_string(), "malformed verify event");
        assert!(err.reason.contains("expected a string"), "{}", err.reason);
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
