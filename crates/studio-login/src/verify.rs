use std::time::Duration;

use crate::{Burned, Fetched, TokenStore, Unavailable};

/// The most one verify may take, retries included. Cognito gives a trigger 5 s; we answer
/// (fail closed) with room to spare so Cognito sees our answer rather than its own timeout.
pub const VERIFY_BUDGET: Duration = Duration::from_millis(4300);

/// One answer to check, as the verify trigger received it. Empty strings count as absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Attempt<'a> {
    pub app_id: Option<&'a str>,
    pub session_id: Option<&'a str>,
    /// The user's answer; `None` when absent, empty or not a string.
    pub answer: Option<&'a str>,
    /// Cognito's `userNotFound` (pools with `PreventUserExistenceErrors`): the sign-in names no
    /// user of this pool. Such an attempt is checked exactly like any other, so neither the answer
    /// nor the time it takes tells an unknown email from a team member, and is never accepted.
    pub user_not_found: bool,
}

/// The variable naming the Amplify app of this pool (set on all four functions by the template,
/// `make migrate` and `make deploy-cargo-lambda`).
pub const APP_ID_ENV: &str = "AMPLIFY_APP_ID";

/// Which app's login codes this pool accepts ([`APP_ID_ENV`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolApp {
    /// Only codes minted for this app: the pool `amplify_backend_manager_<appId>`'s own.
    Only(String),
    /// Codes minted for any app in the account (`*`): the original's behaviour, unsafe.
    Any,
    /// Not configured: every code is refused (fail closed) until the app id is set.
    Unset,
}

impl PoolApp {
    /// The setting's meaning: blank or absent → [`PoolApp::Unset`], `*` → [`PoolApp::Any`].
    pub fn from_setting(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            None | Some("") => PoolApp::Unset,
            Some("*") => PoolApp::Any,
            Some(app_id) => PoolApp::Only(app_id.to_string()),
        }
    }

    /// [`APP_ID_ENV`] as the environment sets it.
    pub fn from_env() -> Self {
        Self::from_setting(std::env::var(APP_ID_ENV).ok().as_deref())
    }

    /// A name for logs and metric dimensions: the app id, `any` or `unset`.
    pub fn label(&self) -> &str {
        match self {
            PoolApp::Only(app_id) => app_id,
            PoolApp::Any => "any",
            PoolApp::Unset => "unset",
        }
    }
}

/// Every way a verify can end. Only [`Outcome::Accepted`] lets the user in; only
/// [`Outcome::BackendUnavailable`] is a function error (fail closed, Cognito ends the sign-in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Code matched and this call burned the token.
    Accepted,
    /// Token fetched and burned, but the answer was wrong, empty, absent or not a string.
    WrongAnswer,
    /// `clientMetadata.appId` or `.sessionId` missing: nothing to look up, backend not called.
    MissingMetadata,
    /// The attempt names an app other than this pool's: backend not called.
    ForeignApp,
    /// No such token: never minted, already used (e.g. burned by an earlier wrong answer) or expired.
    NoSuchToken,
    /// GetToken answered with a token for another app or session: burned, never accepted.
    TokenMismatch,
    /// The code matched but DeleteToken deleted nothing for this call: a concurrent verify of
    /// the same code got there first. At most one caller can ever be accepted.
    Replayed,
    /// The pool's app is not configured ([`PoolApp::Unset`]): refused, backend not called.
    NotConfigured,
    /// `userNotFound`: checked like any attempt (same backend calls), then refused.
    UnknownUser,
    /// Throttling, timeouts, 5xx or connection failures persisted past the retries.
    BackendUnavailable(Unavailable),
}

impl Outcome {
    pub fn answer_correct(&self) -> bool {
        matches!(self, Outcome::Accepted)
    }

    /// A stable, secret-free name for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::WrongAnswer => "wrong_answer",
            Outcome::MissingMetadata => "missing_metadata",
            Outcome::ForeignApp => "foreign_app",
            Outcome::NoSuchToken => "no_such_token",
            Outcome::TokenMismatch => "token_mismatch",
            Outcome::Replayed => "replayed",
            Outcome::NotConfigured => "not_configured",
            Outcome::UnknownUser => "unknown_user",
            Outcome::BackendUnavailable(_) => "backend_unavailable",
        }
    }

    /// Whether AmplifyBackend was called before this outcome (the others are decided from the
    /// event and the configuration alone), so that the time it took is backend latency.
    pub fn called_backend(&self) -> bool {
        !matches!(
            self,
            Outcome::MissingMetadata | Outcome::ForeignApp | Outcome::NotConfigured
        )
    }
}

/// Checks answers against AmplifyBackend tokens for one user pool.
pub struct Verifier<S> {
    store: S,
    pool_app: PoolApp,
}

impl<S: TokenStore> Verifier<S> {
    pub fn new(store: S, pool_app: PoolApp) -> Self {
        Self { store, pool_app }
    }

    pub fn pool_app(&self) -> &PoolApp {
        &self.pool_app
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Fetch, compare, burn — bounded by [`VERIFY_BUDGET`].
    pub async fn verify(&self, attempt: &Attempt<'_>) -> Outcome {
        match tokio::time::timeout(VERIFY_BUDGET, self.verify_unbounded(attempt)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::BackendUnavailable(Unavailable {
                operation: "verify",
                reason: format!("no answer within {VERIFY_BUDGET:?}"),
            }),
        }
    }

    async fn verify_unbounded(&self, attempt: &Attempt<'_>) -> Outcome {
        let (Some(app_id), Some(session_id)) =
            (non_empty(attempt.app_id), non_empty(attempt.session_id))
        else {
            return Outcome::MissingMetadata;
        };
        match &self.pool_app {
            PoolApp::Unset => return Outcome::NotConfigured,
            PoolApp::Only(own) if own != app_id => return Outcome::ForeignApp,
            PoolApp::Only(_) | PoolApp::Any => {}
        }

        let token = match self.store.get_token(app_id, session_id).await {
            Ok(Fetched::Token(token)) => token,
            Ok(Fetched::Missing) => return Outcome::NoSuchToken,
            Err(unavailable) => return Outcome::BackendUnavailable(unavailable),
        };
        let token_is_for_this_request = token.app_id.as_deref() == Some(app_id)
            && token.session_id.as_deref() == Some(session_id);
        let code_matches = match (&token.challenge_code, non_empty(attempt.answer)) {
            (Some(code), Some(answer)) => code.matches(answer),
            _ => false,
        };

        // Burn the token whatever the answer: one code, one try. Only a delete that removed
        // the token for *this* call may turn a matching code into an accept.
        match self.store.delete_token(app_id, session_id).await {
            Err(unavailable) => Outcome::BackendUnavailable(unavailable),
            Ok(_) if attempt.user_not_found => Outcome::UnknownUser,
            Ok(_) if !token_is_for_this_request => Outcome::TokenMismatch,
            Ok(_) if !code_matches => Outcome::WrongAnswer,
            Ok(Burned::NothingDeleted) => Outcome::Replayed,
            Ok(Burned::Deleted) => Outcome::Accepted,
        }
    }
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{token, MemoryTokens};
    use crate::Token;

    fn attempt<'a>(app: &'a str, session: &'a str, answer: &'a str) -> Attempt<'a> {
        Attempt {
            app_id: Some(app),
            session_id: Some(session),
            answer: Some(answer),
            user_not_found: false,
        }
    }

    #[tokio::test]
    async fn right_code_is_accepted_once_and_burned() {
        let verifier = Verifier::new(MemoryTokens::holding("app1", "s1", "424242"), PoolApp::Any);
        assert_eq!(
            verifier.verify(&attempt("app1", "s1", "424242")).await,
            Outcome::Accepted
        );
        assert_eq!(
            (verifier.store().gets(), verifier.store().deletes()),
            (1, 1)
        );
        assert!(!verifier.store().holds("app1", "s1"));
        // The same code again: the token is gone.
        assert_eq!(
            verifier.verify(&attempt("app1", "s1", "424242")).await,
            Outcome::NoSuchToken
        );
    }

    #[tokio::test]
    async fn wrong_code_is_rejected_and_still_burns_the_token() {
        let verifier = Verifier::new(MemoryTokens::holding("app1", "s1", "424242"), PoolApp::Any);
        assert_eq!(
            verifier.verify(&attempt("app1", "s1", "000000")).await,
            Outcome::WrongAnswer
        );
        assert_eq!(
            (verifier.store().gets(), verifier.store().deletes()),
            (1, 1)
        );
        assert!(!verifier.store().holds("app1", "s1"));
        // The right code after a wrong one is a clean "no such token", not an error.
        let retry = verifier.verify(&attempt("app1", "s1", "424242")).await;
        assert_eq!(retry, Outcome::NoSuchToken);
        assert!(!retry.answer_correct());
    }

    #[tokio::test]
    async fn absent_or_empty_answer_is_a_wrong_answer() {
        for answer in [None, Some("")] {
            let verifier =
                Verifier::new(MemoryTokens::holding("app1", "s1", "424242"), PoolApp::Any);
            let attempt = Attempt {
                answer,
                ..attempt("app1", "s1", "")
            };
            assert_eq!(verifier.verify(&attempt).await, Outcome::WrongAnswer);
            assert!(!verifier.store().holds("app1", "s1"), "token burned");
        }
    }

    #[tokio::test]
    async fn token_without_a_code_accepts_nothing() {
        let store = MemoryTokens::default();
        store.insert(
            "app1",
            "s1",
            Token {
                challenge_code: None,
                ..token("app1", "s1", "")
            },
        );
        let verifier = Verifier::new(store, PoolApp::Any);
        assert_eq!(
            verifier.verify(&attempt("app1", "s1", "")).await,
            Outcome::WrongAnswer
        );
        let store = MemoryTokens::default();
        store.insert("app1", "s1", token("app1", "s1", ""));
        let verifier = Verifier::new(store, PoolApp::Any);
        assert_eq!(
            verifier.verify(&attempt("app1", "s1", "x")).await,
            Outcome::WrongAnswer
        );
    }

    #[tokio::test]
    async fn called_backend_is_true_exactly_when_the_store_was_called() {
        // (store, pool app, attempt): one case per way an outcome is reached.
        let cases = [
            (
                MemoryTokens::holding("app1", "s1", "424242"),
                PoolApp::Any,
                attempt("app1", "s1", "424242"),
            ),
            (
                MemoryTokens::holding("app1", "s1", "424242"),
                PoolApp::Any,
                attempt("app1", "s1", "000000"),
            ),
            (
                MemoryTokens::default(),
                PoolApp::Any,
                attempt("app1", "s1", "424242"),
            ),
            (
                MemoryTokens::default(),
                PoolApp::Any,
                attempt("", "s1", "424242"),
            ),
            (
                MemoryTokens::default(),
                PoolApp::Only("app2".into()),
                attempt("app1", "s1", "424242"),
            ),
            (
                MemoryTokens::default(),
                PoolApp::Unset,
                attempt("app1", "s1", "424242"),
            ),
            (
                MemoryTokens::default().down(),
                PoolApp::Any,
                attempt("app1", "s1", "424242"),
            ),
        ];
        for (store, pool_app, case) in cases {
            let verifier = Verifier::new(store, pool_app);
            let outcome = verifier.verify(&case).await;
            let calls = verifier.store().calls();
            assert_eq!(
                outcome.called_backend(),
                calls != 0,
                "{outcome:?}: {calls:?}"
            );
        }
    }

    #[tokio::test]
    async fn missing_metadata_never_calls_the_backend() {
        let cases = [
            Attempt {
                app_id: None,
                ..attempt("", "s1", "424242")
            },
            Attempt {
                session_id: None,
                ..attempt("app1", "", "424242")
            },
            attempt("", "s1", "424242"),
            attempt("app1", "", "424242"),
        ];
        for case in cases {
            let verifier =
                Verifier::new(MemoryTokens::holding("app1", "s1", "424242"), PoolApp::Any);
            assert_eq!(verifier.verify(&case).await, Outcome::MissingMetadata);
            assert!(verifier.store().calls() == 0);
        }
    }

    #[tokio::test]
    async fn another_apps_code_is_refused_without_touching_its_token() {
        let verifier = Verifier::new(
            MemoryTokens::holding("appB", "s1", "424242"),
            PoolApp::Only("appA".into()),
        );
        assert_eq!(
            verifier.verify(&attempt("appB", "s1", "424242")).await,
            Outcome::ForeignApp
        );
        assert!(verifier.store().calls() == 0);
        assert!(verifier.store().holds("appB", "s1"));
    }

    #[tokio::test]
    async fn own_app_is_accepted_when_pool_app_is_configured() {
        let verifier = Verifier::new(
            MemoryTokens::holding("appA", "s1", "424242"),
            PoolApp::Only("appA".into()),
        );
        assert_eq!(
            verifier.verify(&attempt("appA", "s1", "424242")).await,
            Outcome::Accepted
        );
    }

    #[test]
    fn the_pool_app_setting_is_read_deliberately() {
        assert_eq!(PoolApp::from_setting(None), PoolApp::Unset);
        assert_eq!(PoolApp::from_setting(Some("  ")), PoolApp::Unset);
        assert_eq!(PoolApp::from_setting(Some("*")), PoolApp::Any);
        assert_eq!(
            PoolApp::from_setting(Some(" appA ")),
            PoolApp::Only("appA".into())
        );
    }

    #[tokio::test]
    async fn an_unconfigured_pool_refuses_every_code_without_calling_the_backend() {
        let verifier = Verifier::new(
            MemoryTokens::holding("app1", "s1", "424242"),
            PoolApp::Unset,
        );
        assert_eq!(
            verifier.verify(&attempt("app1", "s1", "424242")).await,
            Outcome::NotConfigured
        );
        assert!(verifier.store().calls() == 0);
        assert!(verifier.store().holds("app1", "s1"));
    }

    #[tokio::test]
    async fn an_unknown_user_is_checked_like_a_known_one_and_never_accepted() {
        let unknown = |answer| Attempt {
            user_not_found: true,
            ..attempt("app1", "s1", answer)
        };
        // The right code: the same two calls as for a team member, then refused.
        let verifier = Verifier::new(MemoryTokens::holding("app1", "s1", "424242"), PoolApp::Any);
        assert_eq!(
            verifier.verify(&unknown("424242")).await,
            Outcome::UnknownUser
        );
        assert_eq!(
            (verifier.store().gets(), verifier.store().deletes()),
            (1, 1)
        );
        // A wrong code: the same calls as a known user's wrong code.
        let verifier = Verifier::new(MemoryTokens::holding("app1", "s1", "424242"), PoolApp::Any);
        assert_eq!(
            verifier.verify(&unknown("000000")).await,
            Outcome::UnknownUser
        );
        assert_eq!(
            (verifier.store().gets(), verifier.store().deletes()),
            (1, 1)
        );
        // No token: exactly as for a known user.
        let verifier = Verifier::new(MemoryTokens::default(), PoolApp::Any);
        assert_eq!(verifier.verify(&unknown("1")).await, Outcome::NoSuchToken);
        assert_eq!(
            (verifier.store().gets(), verifier.store().deletes()),
            (1, 0)
        );
    }

    #[tokio::test]
    async fn token_for_another_app_or_session_is_never_accepted() {
        for stored in [token("appX", "s1", "424242"), token("app1", "sX", "424242")] {
            let store = MemoryTokens::default();
            store.insert("app1", "s1", stored);
            let verifier = Verifier::new(store, PoolApp::Any);
            let outcome = verifier.verify(&attempt("app1", "s1", "424242")).await;
            assert_eq!(outcome, Outcome::TokenMismatch);
            assert_eq!(
                (verifier.store().gets(), verifier.store().deletes()),
                (1, 1),
                "still burned"
            );
        }
    }

    #[tokio::test]
    async fn matching_code_whose_delete_found_nothing_is_a_replay() {
        let store = MemoryTokens::default().delete_finds_nothing();
        store.insert("app1", "s1", token("app1", "s1", "424242"));
        let verifier = Verifier::new(store, PoolApp::Any);
        assert_eq!(
            verifier.verify(&attempt("app1", "s1", "424242")).await,
            Outcome::Replayed
        );
    }

    #[tokio::test]
    async fn backend_faults_fail_closed() {
        let get_down = MemoryTokens::holding("a", "s", "1").down();
        let outcome = Verifier::new(get_down, PoolApp::Any)
            .verify(&attempt("a", "s", "1"))
            .await;
        assert!(matches!(outcome, Outcome::BackendUnavailable(ref u) if u.operation == "GetToken"));
        assert!(!outcome.answer_correct());

        let delete_down = MemoryTokens::holding("a", "s", "1").delete_down();
        let verifier = Verifier::new(delete_down, PoolApp::Any);
        let outcome = verifier.verify(&attempt("a", "s", "1")).await;
        assert!(
            matches!(outcome, Outcome::BackendUnavailable(ref u) if u.operation == "DeleteToken")
        );
        assert_eq!(
            (verifier.store().gets(), verifier.store().deletes()),
            (1, 1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_hanging_backend_is_cut_off_within_the_budget() {
        let slow = MemoryTokens::holding("a", "s", "1").get_delayed(Duration::from_secs(60));
        let started = tokio::time::Instant::now();
        let outcome = Verifier::new(slow, PoolApp::Any)
            .verify(&attempt("a", "s", "1"))
            .await;
        assert!(matches!(outcome, Outcome::BackendUnavailable(_)));
        assert_eq!(started.elapsed(), VERIFY_BUDGET);
        assert!(VERIFY_BUDGET < Duration::from_millis(4500));
    }
}
