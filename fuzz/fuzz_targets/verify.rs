#![no_main]
//! verify with an in-memory store holding one token: whatever the event, the answer is accepted
//! only for exactly that app, session and code, and only once.
use libfuzzer_sys::fuzz_target;
use studio_login::test_support::{Fixture, MemoryTokens};
use studio_login::{PoolApp, Verifier};
use studio_login_fuzz::{block_on, event_from, lambda};

const APP: &str = "d1a2b3c4d5e6f7";
const SESSION: &str = "8d1f0d6f-3f4e-4a4b-9c55-5b7a1f0e2c11";
const CODE: &str = "739105";

fuzz_target!(|data: &[u8]| {
    let Some(event) = event_from(data, Fixture::VerifyAnswer.text()) else {
        return;
    };
    let verifier = Verifier::new(
        MemoryTokens::holding(APP, SESSION, CODE),
        PoolApp::Only(APP.to_string()),
    );
    let first = block_on(verify_auth_challenge::function_handler(
        &verifier,
        lambda(event.clone()),
    ));
    if let Ok(out) = first {
        if out["response"]["answerCorrect"] == true {
            let request = &event["request"];
            assert_eq!(request["challengeAnswer"], CODE);
            assert_eq!(request["clientMetadata"]["appId"], APP);
            assert_eq!(request["clientMetadata"]["sessionId"], SESSION);
            assert_ne!(request["userNotFound"], true, "never for an unknown user");
            let again = block_on(verify_auth_challenge::function_handler(
                &verifier,
                lambda(event),
            ));
            assert_eq!(
                again.map(|o| o["response"]["answerCorrect"].clone()).ok(),
                Some(false.into()),
                "once only"
            );
        }
    }
});
