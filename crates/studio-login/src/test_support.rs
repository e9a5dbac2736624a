//! Helpers for the trigger crates' tests (feature `test-support`).

use serde_json::Value;

/// A Cognito event fixture from `tests/fixtures/`. Panics with the path when missing: a test
/// without its fixture cannot mean anything.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}
