#![no_main]
use libfuzzer_sys::fuzz_target;
use studio_login::test_support::Fixture;
use studio_login_fuzz::{block_on, event_from, lambda};

fuzz_target!(|data: &[u8]| {
    let Some(event) = event_from(data, Fixture::DefineOneWrong.text()) else {
        return;
    };
    let user_not_found = event["request"]["userNotFound"] == true;
    if let Ok(out) = block_on(define_auth_challenge::function_handler(lambda(event))) {
        let response = &out["response"];
        assert!(
            !(user_not_found && response["issueTokens"] == true),
            "never tokens for an unknown user: {response}"
        );
        let decisions = [
            response["issueTokens"] == true,
            response["failAuthentication"] == true,
            response["challengeName"] == "CUSTOM_CHALLENGE",
        ];
        assert_eq!(
            decisions.iter().filter(|d| **d).count(),
            1,
            "exactly one decision: {response}"
        );
    }
});
