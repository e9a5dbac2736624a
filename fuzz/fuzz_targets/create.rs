#![no_main]
use libfuzzer_sys::fuzz_target;
use studio_login::test_support::Fixture;
use studio_login_fuzz::{block_on, event_from, lambda};

fuzz_target!(|data: &[u8]| {
    let Some(event) = event_from(data, Fixture::CreateSecondCall.text()) else {
        return;
    };
    if let Ok(out) = block_on(create_auth_challenge::function_handler(lambda(event))) {
        let secret = &out["response"]["privateChallengeParameters"]["secretLoginCode"];
        assert_eq!(secret.as_str().map(str::len), Some(32), "32 alphanumerics");
    }
});
