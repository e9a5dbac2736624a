//! Events built from the fixtures.

use serde_json::{json, Value};

use crate::Fixture;

/// A verify event (from `fixture`) for `app`'s token `session`, answered with `answer` (any JSON:
/// tests also send non-strings).
pub fn verify_event(fixture: Fixture, app: &str, session: &str, answer: Value) -> Value {
    let mut event = fixture.event();
    event["request"]["clientMetadata"] = json!({"appId": app, "sessionId": session});
    event["request"]["challengeAnswer"] = answer;
    event
}
