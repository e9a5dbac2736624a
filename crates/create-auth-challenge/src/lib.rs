//! create-auth-challenge: marks the challenge as the Studio login code.
//!
//! The real secret is the AmplifyBackend token the console minted; the value written to
//! `privateChallengeParameters` is never read by verify. It is still a fresh random value per
//! call (never a fixed placeholder, never logged), so nothing predictable sits in the session.

use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsCreateAuthChallenge as CreateEvent,
    CognitoEventUserPoolsCreateAuthChallengeResponse as CreateResponse,
};
use lambda_runtime::{Error, LambdaEvent};
use rand::distr::Alphanumeric;
use rand::RngExt;
use serde_json::Value;
use studio_login::event::{decode, is_heartbeat, respond};

pub const SECRET_KEY: &str = "secretLoginCode";
/// Names this challenge in the session history define-auth-challenge receives next.
pub const CHALLENGE_METADATA: &str = "STUDIO_LOGIN_CODE";
/// 32 alphanumerics ≈ 190 bits.
pub const SECRET_LEN: usize = 32;

/// The probe line's `heartbeat` value when a challenge was built.
pub const HEARTBEAT_HEALTHY: &str = "challenge_created";

pub fn fresh_secret() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(SECRET_LEN)
        .map(char::from)
        .collect()
}

/// The challenge: public parameters as Cognito sent them (Studio shows nothing from them),
/// a fresh private secret, and our metadata.
pub fn create_challenge(mut response: CreateResponse, secret: String) -> CreateResponse {
    response
        .private_challenge_parameters
        .insert(SECRET_KEY.to_string(), secret);
    response.challenge_metadata = Some(CHALLENGE_METADATA.to_string());
    response
}

pub async fn function_handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let create: CreateEvent = decode("create-auth-challenge", &event.payload)?;
    let attempt = create.request.session.len() + 1;
    let response = create_challenge(create.response, fresh_secret());
    if is_heartbeat(&create.cognito_event_user_pools_header.caller_context) {
        // The stack's scheduled probe: the `Heartbeat` metric counts this line.
        let app_id = studio_login::logging::app_id();
        tracing::info!(
            heartbeat = HEARTBEAT_HEALTHY,
            trigger = "create-auth-challenge",
            app_id,
            "heartbeat probe"
        );
    } else {
        tracing::info!(attempt, "created login code challenge");
    }
    Ok(respond(event.payload, &response)?)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use studio_login::test_support::Fixture;

    async fn run(payload: Value) -> Result<Value, Error> {
        function_handler(LambdaEvent::new(payload, Default::default())).await
    }

    #[test]
    fn secrets_are_fresh_and_well_formed() {
        let (a, b) = (fresh_secret(), fresh_secret());
        assert_ne!(a, b);
        // 32 alphanumerics ≈ 190 bits: the literal, so a shorter constant cannot pass.
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[tokio::test]
    async fn first_call_sets_secret_and_metadata() {
        let out = run(Fixture::CreateFirstCall.event()).await.unwrap();
        let response = &out["response"];
        assert_eq!(response["challengeMetadata"], CHALLENGE_METADATA);
        assert_eq!(response["publicChallengeParameters"], json!({}));
        let secret = response["privateChallengeParameters"][SECRET_KEY]
            .as_str()
            .unwrap();
        assert_eq!(secret.len(), 32);
    }

    #[tokio::test]
    async fn each_call_gets_a_new_secret_and_keeps_public_parameters() {
        let first = run(Fixture::CreateSecondCall.event()).await.unwrap();
        let second = run(Fixture::CreateSecondCall.event()).await.unwrap();
        let secret =
            |out: &Value| out["response"]["privateChallengeParameters"][SECRET_KEY].clone();
        assert_ne!(secret(&first), secret(&second));
        assert_eq!(
            first["response"]["publicChallengeParameters"],
            json!({"hint": "check the Amplify console"})
        );
    }

    #[tokio::test]
    async fn a_malformed_event_is_a_clean_error() {
        let err = run(json!({"request": {}})).await.expect_err("malformed");
        assert!(
            err.to_string()
                .contains("malformed create-auth-challenge event"),
            "{err}"
        );
    }
}
