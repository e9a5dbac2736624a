//! Shared crate of the Studio login triggers, and the only code that talks to AmplifyBackend.
//!
//! A Studio login code is an AmplifyBackend *challenge token*: the console mints it with
//! `CreateToken`, and the verify trigger must fetch it (`GetToken`), compare it with the user's
//! answer in constant time, and burn it (`DeleteToken`). [`Verifier::verify`] does exactly that and
//! reports one [`Outcome`]; the network sits behind the [`TokenStore`] trait so handlers can be
//! tested without it, and [`AmplifyBackendStore`] is the real implementation.

mod backend;
pub mod event;
pub mod logging;
mod secret;
mod verify;

#[cfg(any(test, feature = "test-support"))]
pub mod test_support;

pub use backend::{
    client, client_from_env, config_loader, retry_config, timeout_config, AmplifyBackendStore,
    ATTEMPT_TIMEOUT, ENDPOINT_ENV, EXTRA_CA_CERTS_ENV, MAX_ATTEMPTS, OPERATION_TIMEOUT,
};
pub use secret::ChallengeCode;
pub use verify::{Attempt, Outcome, PoolApp, Verifier, APP_ID_ENV, VERIFY_BUDGET};

use std::future::Future;

/// A token as GetToken returned it. Members are optional because the wire format makes them so.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Token {
    pub app_id: Option<String>,
    pub session_id: Option<String>,
    pub challenge_code: Option<ChallengeCode>,
}

/// What GetToken found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    Token(Token),
    /// No such token: never minted, already used, or expired (`NotFoundException`), or the
    /// request named no valid token at all (`BadRequestException`).
    Missing,
}

/// What DeleteToken did for *this* call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Burned {
    Deleted,
    /// `isSuccess: false` or `NotFoundException`: someone else burned it first (a replay).
    NothingDeleted,
}

/// The backend could not answer (throttling, timeouts, 5xx, connection failures), after retries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("AmplifyBackend {operation} unavailable: {reason}")]
pub struct Unavailable {
    pub operation: &'static str,
    pub reason: String,
}

/// Where challenge tokens live. [`AmplifyBackendStore`] is the real one.
pub trait TokenStore: Send + Sync {
    fn get_token(
        &self,
        app_id: &str,
        session_id: &str,
    ) -> impl Future<Output = Result<Fetched, Unavailable>> + Send;

    fn delete_token(
        &self,
        app_id: &str,
        session_id: &str,
    ) -> impl Future<Output = Result<Burned, Unavailable>> + Send;
}
