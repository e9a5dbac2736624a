//! verify-auth-challenge: checks the user's answer against the AmplifyBackend token.
//!
//! All decisions live in [`studio_login::Verifier`]; this handler only reads the event, maps the
//! [`Outcome`] onto `answerCorrect`, and logs it (never the code or the answer).

use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsVerifyAuthChallenge as VerifyEvent,
    CognitoEventUserPoolsVerifyAuthChallengeResponse as VerifyResponse,
};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;
use std::time::Instant;
use studio_login::event::{decode, is_heartbeat, respond};
use studio_login::logging;
use studio_login::{Attempt, Outcome, PoolApp, TokenStore, Verifier};

/// The Amplify app this pool belongs to (Studio's pool is `amplify_backend_manager_<appId>`).
/// Unset: every code is refused. `*`: any app's codes (the original's behaviour; unsafe).
pub use studio_login::APP_ID_ENV;

/// The only error text verify ever returns. Cognito hands a trigger's error to the
/// `RespondToAuthChallenge` caller, so it names nothing: the details go to the log.
pub const VERIFY_FAILED: &str = "the login code could not be checked";

/// The function errors verify reports to Lambda. Each has a stable `errorType` (what Cognito's
/// caller and the function's error logs show), instead of the Rust type name lambda_runtime
/// would derive for a boxed error:
///
/// | `errorType`        | `errorMessage`                           | when |
/// |--------------------|------------------------------------------|------|
/// | `LoginCheckFailed` | [`VERIFY_FAILED`]                        | AmplifyBackend could not be asked or answered unreadably: the code was neither accepted nor refused (fails closed; the log says why) |
/// | `MalformedEvent`   | `malformed verify-auth-challenge event`  | the event is not a verify event |
/// | `ResponseEncoding` | serde's message                          | the answer could not be written (not expected) |
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{}", VERIFY_FAILED)]
    LoginCheckFailed,
    #[error(transparent)]
    MalformedEvent(#[from] studio_login::event::BadEvent),
    #[error("the answer could not be encoded")]
    ResponseEncoding(#[from] serde_json::Error),
}

impl VerifyError {
    /// The `errorType` Lambda reports for this error.
    pub fn error_type(&self) -> &'static str {
        match self {
            VerifyError::LoginCheckFailed => "LoginCheckFailed",
            VerifyError::MalformedEvent(_) => "MalformedEvent",
            VerifyError::ResponseEncoding(_) => "ResponseEncoding",
        }
    }
}

impl From<VerifyError> for Diagnostic {
    fn from(error: VerifyError) -> Self {
        Diagnostic {
            error_type: error.error_type().into(),
            error_message: error.to_string(),
        }
    }
}

/// [`APP_ID_ENV`] as read from the environment, with the start-up log line that says what it means.
pub fn pool_app_from_env() -> PoolApp {
    let pool_app = PoolApp::from_env();
    match &pool_app {
        PoolApp::Only(app_id) => tracing::info!(app_id, "accepting only this app's login codes"),
        PoolApp::Any => tracing::warn!(
            "{APP_ID_ENV}=*: accepting login codes minted for any Amplify app in this account \
             (the original behaviour, unsafe); set it to this pool's app id"
        ),
        PoolApp::Unset => tracing::error!(
            "{APP_ID_ENV} is not set: every login code will be refused; set it to the app id of \
             this pool (amplify_backend_manager_<appId>)"
        ),
    }
    pool_app
}

/// The attempt as the event states it: `clientMetadata.{appId, sessionId}`, a string answer,
/// and whether Cognito found the user.
pub fn attempt_from(event: &VerifyEvent) -> Attempt<'_> {
    let metadata = &event.request.client_metadata;
    Attempt {
        app_id: metadata.get("appId").map(String::as_str),
        session_id: metadata.get("sessionId").map(String::as_str),
        answer: event
            .request
            .challenge_answer
            .as_ref()
            .and_then(Value::as_str),
        user_not_found: event.request.user_not_found,
    }
}

pub async fn function_handler<S: TokenStore>(
    verifier: &Verifier<S>,
    event: LambdaEvent<Value>,
) -> Result<Value, VerifyError> {
    let verify: VerifyEvent = decode("verify-auth-challenge", &event.payload)?;
    let attempt = attempt_from(&verify);
    let started = Instant::now();
    let outcome = verifier.verify(&attempt).await;
    // The outcome line is what the template's metric filters count (outcome, app_id) and time
    // (backend_ms: GetToken + DeleteToken, retries included), so every branch logs all three.
    let backend_ms = outcome
        .called_backend()
        .then(|| (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0);
    let answer_correct = outcome.answer_correct();
    let name = outcome.as_str();
    let app_id = logging::app_id();
    if is_heartbeat(&verify.cognito_event_user_pools_header.caller_context) {
        // The stack's scheduled probe (a session that never exists): `heartbeat`, never
        // `outcome`, so no login metric or alarm counts it; `no_such_token` is the healthy answer.
        let probe_backend_ms = backend_ms;
        match &outcome {
            Outcome::BackendUnavailable(unavailable) => {
                tracing::error!(heartbeat = name, trigger = "verify-auth-challenge", app_id, probe_backend_ms, %unavailable, "heartbeat probe failed");
                return Err(VerifyError::LoginCheckFailed);
            }
            Outcome::NoSuchToken => {
                tracing::info!(
                    heartbeat = name,
                    trigger = "verify-auth-challenge",
                    app_id,
                    probe_backend_ms,
                    "heartbeat probe"
                )
            }
            _ => tracing::error!(
                heartbeat = name,
                trigger = "verify-auth-challenge",
                app_id,
                probe_backend_ms,
                "heartbeat probe failed"
            ),
        }
    } else {
        log_outcome(&outcome, &attempt, app_id, backend_ms);
        if let Outcome::BackendUnavailable(_) = outcome {
            return Err(VerifyError::LoginCheckFailed);
        }
    }
    let mut response = VerifyResponse::default();
    response.answer_correct = answer_correct;
    Ok(respond(event.payload, &response)?)
}

/// A login's outcome line: what the template's login metric filters count.
fn log_outcome(outcome: &Outcome, attempt: &Attempt<'_>, app_id: &str, backend_ms: Option<f64>) {
    let answer_correct = outcome.answer_correct();
    let name = outcome.as_str();
    match outcome {
        Outcome::BackendUnavailable(unavailable) => {
            tracing::error!(outcome = name, answer_correct, app_id, backend_ms, %unavailable, "verify failed closed");
        }
        Outcome::NotConfigured => tracing::error!(
            outcome = name,
            answer_correct,
            app_id,
            "refused: {APP_ID_ENV} is not set on this function"
        ),
        // The signals of someone replaying codes or trying another app's: WARN, never the code.
        Outcome::ForeignApp => tracing::warn!(
            outcome = name,
            answer_correct,
            app_id,
            code_app_id = attempt.app_id,
            "refused a code minted for another app"
        ),
        Outcome::Replayed => tracing::warn!(
            outcome = name,
            answer_correct,
            app_id,
            backend_ms,
            "refused a code another verify had just used"
        ),
        Outcome::TokenMismatch => tracing::warn!(
            outcome = name,
            answer_correct,
            app_id,
            backend_ms,
            "refused: AmplifyBackend answered with a token for another app or session"
        ),
        _ => tracing::info!(
            outcome = name,
            answer_correct,
            app_id,
            backend_ms,
            "verified challenge answer"
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use studio_login::test_support::{Fixture, MemoryTokens};

    const APP: &str = "d1a2b3c4d5e6f7";
    const SESSION: &str = "8d1f0d6f-3f4e-4a4b-9c55-5b7a1f0e2c11";
    const CODE: &str = "739105";

    async fn run(verifier: &Verifier<MemoryTokens>, payload: Value) -> Result<Value, VerifyError> {
        function_handler(verifier, LambdaEvent::new(payload, Default::default())).await
    }

    fn answer_correct(out: &Value) -> bool {
        out["response"]["answerCorrect"]
            .as_bool()
            .expect("answerCorrect is a bool")
    }

    #[tokio::test]
    async fn right_code_once_then_never_again() {
        let verifier = Verifier::new(
            MemoryTokens::holding(APP, SESSION, CODE),
            PoolApp::Only(APP.into()),
        );
        assert!(answer_correct(
            &run(&verifier, Fixture::VerifyAnswer.event()).await.unwrap()
        ));
        assert!(!answer_correct(
            &run(&verifier, Fixture::VerifyAnswer.event()).await.unwrap()
        ));
    }

    #[tokio::test]
    async fn ministack_shaped_event_with_session_is_understood() {
        let verifier = Verifier::new(MemoryTokens::holding(APP, SESSION, CODE), PoolApp::Any);
        assert!(answer_correct(
            &run(&verifier, Fixture::VerifyMinistack.event())
                .await
                .unwrap()
        ));
    }

    #[tokio::test]
    async fn wrong_code_is_a_clean_false_and_burns_the_token() {
        let verifier = Verifier::new(MemoryTokens::holding(APP, SESSION, CODE), PoolApp::Any);
        let mut wrong = Fixture::VerifyAnswer.event();
        wrong["request"]["challengeAnswer"] = json!("000000");
        assert!(!answer_correct(&run(&verifier, wrong).await.unwrap()));
        // Attempt 2 with the right code: a clean false (the original threw NotFound here).
        assert!(!answer_correct(
            &run(&verifier, Fixture::VerifyAnswer.event()).await.unwrap()
        ));
    }

    #[tokio::test]
    async fn odd_inputs_are_clean_falses() {
        for (name, backend_calls) in [
            (Fixture::VerifyNoClientMetadata, 0),
            (Fixture::VerifyPartialMetadata, 0),
            (Fixture::VerifyNonStringAnswer, 2),
            (Fixture::VerifyNullAnswer, 2),
        ] {
            let verifier = Verifier::new(MemoryTokens::holding(APP, SESSION, CODE), PoolApp::Any);
            let out = run(&verifier, name.event())
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!answer_correct(&out), "{name}");
            assert_eq!(verifier.store().calls(), backend_calls, "{name}");
        }
    }

    #[tokio::test]
    async fn another_apps_code_is_refused() {
        let verifier = Verifier::new(
            MemoryTokens::holding(APP, SESSION, CODE),
            PoolApp::Only("dOTHERAPP".into()),
        );
        assert!(!answer_correct(
            &run(&verifier, Fixture::VerifyAnswer.event()).await.unwrap()
        ));
    }

    #[tokio::test]
    async fn star_keeps_the_original_any_app_behaviour_and_unset_refuses_all() {
        let verifier = Verifier::new(MemoryTokens::holding(APP, SESSION, CODE), PoolApp::Any);
        assert!(answer_correct(
            &run(&verifier, Fixture::VerifyAnswer.event()).await.unwrap()
        ));
        let verifier = Verifier::new(MemoryTokens::holding(APP, SESSION, CODE), PoolApp::Unset);
        assert!(!answer_correct(
            &run(&verifier, Fixture::VerifyAnswer.event()).await.unwrap()
        ));
        assert_eq!(verifier.store().calls(), 0);
    }

    #[tokio::test]
    async fn an_unknown_user_with_the_right_code_is_refused_after_the_same_calls() {
        let verifier = Verifier::new(MemoryTokens::holding(APP, SESSION, CODE), PoolApp::Any);
        let mut unknown = Fixture::VerifyAnswer.event();
        unknown["request"]["userNotFound"] = json!(true);
        assert!(!answer_correct(&run(&verifier, unknown).await.unwrap()));
        assert_eq!(
            verifier.store().calls(),
            2,
            "GetToken and DeleteToken, as for a member"
        );
    }

    #[tokio::test]
    async fn the_heartbeat_probe_really_asks_the_backend_and_is_refused() {
        let verifier = Verifier::new(
            MemoryTokens::holding(APP, SESSION, CODE),
            PoolApp::Only(APP.into()),
        );
        let mut probe = Fixture::VerifyAnswer.event();
        probe["callerContext"]["clientId"] = json!(studio_login::event::HEARTBEAT_CLIENT_ID);
        probe["request"]["clientMetadata"]["sessionId"] = json!("no-such-session");
        assert!(!answer_correct(
            &run(&verifier, probe.clone()).await.unwrap()
        ));
        assert_eq!(verifier.store().calls(), 1, "GetToken answered NotFound");
        let down = Verifier::new(MemoryTokens::default().down(), PoolApp::Only(APP.into()));
        assert!(
            run(&down, probe).await.is_err(),
            "an outage fails the probe"
        );
    }

    #[tokio::test]
    async fn outage_is_a_function_error() {
        let verifier = Verifier::new(
            MemoryTokens::holding(APP, SESSION, CODE).down(),
            PoolApp::Any,
        );
        let err = run(&verifier, Fixture::VerifyAnswer.event())
            .await
            .expect_err("fails closed");
        assert_eq!(err.to_string(), VERIFY_FAILED);
        let reported = Diagnostic::from(err);
        assert_eq!(
            (
                reported.error_type.as_str(),
                reported.error_message.as_str()
            ),
            ("LoginCheckFailed", VERIFY_FAILED)
        );
    }

    #[tokio::test]
    async fn a_malformed_event_is_a_clean_error() {
        let verifier = Verifier::new(MemoryTokens::default(), PoolApp::Any);
        let err = run(&verifier, json!([1, 2])).await.expect_err("malformed");
        assert!(
            err.to_string()
                .contains("malformed verify-auth-challenge event"),
            "{err}"
        );
        assert_eq!(Diagnostic::from(err).error_type, "MalformedEvent");
    }
}
