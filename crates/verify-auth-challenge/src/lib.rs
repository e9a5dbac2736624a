//! verify-auth-challenge: checks the user's answer against the AmplifyBackend token.
//!
//! All decisions live in [`studio_login::Verifier`]; this handler only reads the event, maps the
//! [`Outcome`] onto `answerCorrect`, and logs it (never the code or the answer).

use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsVerifyAuthChallenge as VerifyEvent,
    CognitoEventUserPoolsVerifyAuthChallengeResponse as VerifyResponse,
};
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;
use studio_login::event::{decode, respond};
use studio_login::{Attempt, Outcome, TokenStore, Verifier};

/// The Amplify app this pool belongs to (Studio's pool is `amplify_backend_manager_<appId>`).
pub const APP_ID_ENV: &str = "AMPLIFY_APP_ID";

/// The attempt as the event states it: `clientMetadata.{appId, sessionId}` and a string answer.
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
    }
}

pub async fn function_handler<S: TokenStore>(
    verifier: &Verifier<S>,
    event: LambdaEvent<Value>,
) -> Result<Value, Error> {
    let verify: VerifyEvent = decode("verify-auth-challenge", &event.payload)?;
    let attempt = attempt_from(&verify);
    let outcome = verifier.verify(&attempt).await;
    let answer_correct = outcome.answer_correct();
    match &outcome {
        Outcome::BackendUnavailable(unavailable) => {
            tracing::error!(outcome = outcome.as_str(), answer_correct, %unavailable, "verify failed closed");
            return Err(unavailable.clone().into());
        }
        Outcome::ForeignApp => tracing::warn!(
            outcome = outcome.as_str(),
            answer_correct,
            app_id = attempt.app_id,
            pool_app_id = verifier.pool_app_id(),
            "refused a code minted for another app"
        ),
        _ => tracing::info!(
            outcome = outcome.as_str(),
            answer_correct,
            "verified challenge answer"
        ),
    }
    let mut response = VerifyResponse::default();
    response.answer_correct = answer_correct;
    Ok(respond(event.payload, &response)?)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use studio_login::test_support::{fixture, MemoryTokens};

    const APP: &str = "d1a2b3c4d5e6f7";
    const SESSION: &str = "8d1f0d6f-3f4e-4a4b-9c55-5b7a1f0e2c11";
    const CODE: &str = "739105";

    async fn run(verifier: &Verifier<MemoryTokens>, payload: Value) -> Result<Value, Error> {
        function_handler(verifier, LambdaEvent::new(payload, Default::default())).await
    }

    fn answer_correct(out: &Value) -> bool {
        out["response"]["answerCorrect"]
            .as_bool()
            .expect("answerCorrect is a bool")
    }

    #[tokio::test]
    async fn right_code_once_then_never_again() {
        let verifier = Verifier::new(MemoryTokens::holding(APP, SESSION, CODE), Some(APP.into()));
        assert!(answer_correct(
            &run(&verifier, fixture("verify-answer.json")).await.unwrap()
        ));
        assert!(!answer_correct(
            &run(&verifier, fixture("verify-answer.json")).await.unwrap()
        ));
    }

    #[tokio::test]
    async fn ministack_shaped_event_with_session_is_understood() {
        let verifier = Verifier::new(MemoryTokens::holding(APP, SESSION, CODE), None);
        assert!(answer_correct(
            &run(&verifier, fixture("verify-ministack.json"))
                .await
                .unwrap()
        ));
    }

    #[tokio::test]
    async fn wrong_code_is_a_clean_false_and_burns_the_token() {
        let verifier = Verifier::new(MemoryTokens::holding(APP, SESSION, CODE), None);
        let mut wrong = fixture("verify-answer.json");
        wrong["request"]["challengeAnswer"] = json!("000000");
        assert!(!answer_correct(&run(&verifier, wrong).await.unwrap()));
        // Attempt 2 with the right code: a clean false (the original threw NotFound here).
        assert!(!answer_correct(
            &run(&verifier, fixture("verify-answer.json")).await.unwrap()
        ));
    }

    #[tokio::test]
    async fn odd_inputs_are_clean_falses() {
        for (name, backend_calls) in [
            ("verify-no-client-metadata.json", 0),
            ("verify-partial-metadata.json", 0),
            ("verify-non-string-answer.json", 2),
            ("verify-null-answer.json", 2),
        ] {
            let verifier = Verifier::new(MemoryTokens::holding(APP, SESSION, CODE), None);
            let out = run(&verifier, fixture(name))
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
            Some("dOTHERAPP".into()),
        );
        assert!(!answer_correct(
            &run(&verifier, fixture("verify-answer.json")).await.unwrap()
        ));
    }

    #[tokio::test]
    async fn unset_pool_app_keeps_the_original_behaviour() {
        let verifier = Verifier::new(MemoryTokens::holding(APP, SESSION, CODE), None);
        assert!(answer_correct(
            &run(&verifier, fixture("verify-answer.json")).await.unwrap()
        ));
    }

    #[tokio::test]
    async fn outage_is_a_function_error() {
        let verifier = Verifier::new(MemoryTokens::holding(APP, SESSION, CODE).down(), None);
        let err = run(&verifier, fixture("verify-answer.json"))
            .await
            .expect_err("fails closed");
        assert!(err.to_string().contains("GetToken unavailable"), "{err}");
    }

    #[tokio::test]
    async fn a_malformed_event_is_a_clean_error() {
        let verifier = Verifier::new(MemoryTokens::default(), None);
        let err = run(&verifier, json!([1, 2])).await.expect_err("malformed");
        assert!(
            err.to_string()
                .contains("malformed verify-auth-challenge event"),
            "{err}"
        );
    }
}
