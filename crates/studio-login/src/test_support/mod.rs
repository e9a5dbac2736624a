//! Helpers for this crate's tests, the trigger crates' tests, the benches and the fuzz targets
//! (feature `test-support`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::{Burned, ChallengeCode, Fetched, Token, TokenStore, Unavailable};

mod fixtures;
pub use fixtures::Fixture;

/// A token as GetToken answers it: for `app` and `session`, holding `code`.
pub fn token(app: &str, session: &str, code: &str) -> Token {
    Token {
        app_id: Some(app.into()),
        session_id: Some(session.into()),
        challenge_code: Some(ChallengeCode::new(code)),
    }
}

/// The one in-memory [`TokenStore`] of every test, bench and fuzz target: tokens keyed by
/// (appId, sessionId), deleted at most once, like AmplifyBackend's. The builder methods turn on
/// the faults a test needs; each call is counted.
#[derive(Default)]
pub struct MemoryTokens {
    /// (appId, sessionId, token). A list, not a map: a lookup by `&str` allocates no key, so the
    /// bench measures the decision rather than the fake.
    live: Mutex<Vec<(String, String, Token)>>,
    gets: AtomicUsize,
    deletes: AtomicUsize,
    get_fails: bool,
    delete_fails: bool,
    delete_finds_nothing: bool,
    keeps_tokens: bool,
    get_delay: Option<Duration>,
}

impl MemoryTokens {
    /// A store holding one token.
    pub fn holding(app: &str, session: &str, code: &str) -> Self {
        let tokens = Self::default();
        tokens.insert(app, session, token(app, session, code));
        tokens
    }

    /// Stores `token` under (app, session): GetToken answers it as it is, even when its own ids
    /// or code differ from the key.
    pub fn insert(&self, app: &str, session: &str, token: Token) {
        let mut live = self.live_tokens();
        live.retain(|(a, s, _)| (a.as_str(), s.as_str()) != (app, session));
        live.push((app.to_string(), session.to_string(), token));
    }

    /// Whether a token is still stored under (app, session).
    pub fn holds(&self, app: &str, session: &str) -> bool {
        self.position(app, session).is_some()
    }

    /// An outage: every GetToken fails.
    pub fn down(mut self) -> Self {
        self.get_fails = true;
        self
    }

    /// Every DeleteToken fails (GetToken still answers).
    pub fn delete_down(mut self) -> Self {
        self.delete_fails = true;
        self
    }

    /// DeleteToken removes the token but reports that it found nothing: someone burned it first.
    pub fn delete_finds_nothing(mut self) -> Self {
        self.delete_finds_nothing = true;
        self
    }

    /// DeleteToken reports a burn but keeps the token, so a benchmark can verify the same answer
    /// again and again.
    pub fn keeping_tokens(mut self) -> Self {
        self.keeps_tokens = true;
        self
    }

    /// GetToken answers only after `delay` (a hanging backend).
    pub fn get_delayed(mut self, delay: Duration) -> Self {
        self.get_delay = Some(delay);
        self
    }

    /// GetToken and DeleteToken calls made so far.
    pub fn calls(&self) -> usize {
        self.gets() + self.deletes()
    }

    /// GetToken calls made so far.
    pub fn gets(&self) -> usize {
        self.gets.load(Ordering::Relaxed)
    }

    /// DeleteToken calls made so far.
    pub fn deletes(&self) -> usize {
        self.deletes.load(Ordering::Relaxed)
    }

    fn position(&self, app: &str, session: &str) -> Option<usize> {
        self.live_tokens()
            .iter()
            .position(|(a, s, _)| a == app && s == session)
    }

    fn live_tokens(&self) -> MutexGuard<'_, Vec<(String, String, Token)>> {
        // A panicking test thread cannot leave the map half-written: keep using it.
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn outage(operation: &'static str) -> Unavailable {
    Unavailable {
        operation,
        reason: "503".into(),
    }
}

impl TokenStore for MemoryTokens {
    async fn get_token(&self, app: &str, session: &str) -> Result<Fetched, Unavailable> {
        self.gets.fetch_add(1, Ordering::Relaxed);
        if let Some(delay) = self.get_delay {
            tokio::time::sleep(delay).await;
        }
        if self.get_fails {
            return Err(outage("GetToken"));
        }
        let live = self.live_tokens();
        Ok(
            match live.iter().find(|(a, s, _)| a == app && s == session) {
                Some((_, _, token)) => Fetched::Token(token.clone()),
                None => Fetched::Missing,
            },
        )
    }

    async fn delete_token(&self, app: &str, session: &str) -> Result<Burned, Unavailable> {
        self.deletes.fetch_add(1, Ordering::Relaxed);
        if self.delete_fails {
            return Err(outage("DeleteToken"));
        }
        // One lock for the lookup and the removal: concurrent deletes burn a token once.
        let mut live = self.live_tokens();
        let found = live.iter().position(|(a, s, _)| a == app && s == session);
        let removed = match found {
            Some(index) if !self.keeps_tokens => {
                live.remove(index);
                true
            }
            found => found.is_some(),
        };
        drop(live);
        Ok(if removed && !self.delete_finds_nothing {
            Burned::Deleted
        } else {
            Burned::NothingDeleted
        })
    }
}
