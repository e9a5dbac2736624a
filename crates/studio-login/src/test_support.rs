//! Helpers for the trigger crates' tests and fuzz targets (feature `test-support`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde_json::Value;

use crate::{Burned, ChallengeCode, Fetched, Token, TokenStore, Unavailable};

/// A Cognito event fixture from `tests/fixtures/`. Panics with the path when missing: a test
/// without its fixture cannot mean anything.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// In-memory tokens keyed by (appId, sessionId), deleted at most once, like AmplifyBackend's.
#[derive(Default)]
pub struct MemoryTokens {
    live: Mutex<HashMap<(String, String), String>>,
    down: bool,
    calls: AtomicUsize,
}

impl MemoryTokens {
    pub fn holding(app: &str, session: &str, code: &str) -> Self {
        let tokens = Self::default();
        tokens
            .live_tokens()
            .insert((app.into(), session.into()), code.into());
        tokens
    }

    /// The same store during an outage: every GetToken fails.
    pub fn down(mut self) -> Self {
        self.down = true;
        self
    }

    /// GetToken and DeleteToken calls made so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }

    fn live_tokens(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), String>> {
        // A panicking test thread cannot leave the map half-written: keep using it.
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl TokenStore for MemoryTokens {
    async fn get_token(&self, app: &str, session: &str) -> Result<Fetched, Unavailable> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if self.down {
            return Err(Unavailable {
                operation: "GetToken",
                reason: "503".into(),
            });
        }
        let key = (app.to_string(), session.to_string());
        Ok(match self.live_tokens().get(&key) {
            Some(code) => Fetched::Token(Token {
                app_id: Some(app.into()),
                session_id: Some(session.into()),
                challenge_code: Some(ChallengeCode::new(code.clone())),
            }),
            None => Fetched::Missing,
        })
    }

    async fn delete_token(&self, app: &str, session: &str) -> Result<Burned, Unavailable> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let key = (app.to_string(), session.to_string());
        Ok(match self.live_tokens().remove(&key) {
            Some(_) => Burned::Deleted,
            None => Burned::NothingDeleted,
        })
    }
}
