//! `client_from_env` as the verify function builds it at init: the SDK's own
//! `AWS_ENDPOINT_URL_AMPLIFYBACKEND` works, and the original's `ENDPOINT` wins over it.
//! Its own test binary because it sets process environment variables.

use std::time::Duration;

use studio_login::{client_from_env, AmplifyBackendStore, Fetched, TokenStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_overrides_from_the_environment() {
    let (sdk_address, sdk_backend) = local_amplifybackend::start(0, Duration::from_secs(60))
        .await
        .unwrap();
    let (original_address, original_backend) =
        local_amplifybackend::start(0, Duration::from_secs(60))
            .await
            .unwrap();
    // What Lambda provides; no profile file or IMDS is consulted.
    std::env::set_var("AWS_REGION", "us-east-1");
    std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDLOCAL");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "local-secret");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::set_var(
        "AWS_ENDPOINT_URL_AMPLIFYBACKEND",
        format!("http://{sdk_address}"),
    );
    std::env::remove_var("ENDPOINT");

    let (session, _code) = sdk_backend.create_token("app1");
    let store = AmplifyBackendStore::new(client_from_env());
    assert!(matches!(
        store.get_token("app1", &session).await,
        Ok(Fetched::Token(_))
    ));
    assert_eq!(sdk_backend.stats()["getToken"], 1);

    std::env::set_var("ENDPOINT", format!("http://{original_address}"));
    let (session, _code) = original_backend.create_token("app1");
    let store = AmplifyBackendStore::new(client_from_env());
    assert!(matches!(
        store.get_token("app1", &session).await,
        Ok(Fetched::Token(_))
    ));
    assert_eq!(original_backend.stats()["getToken"], 1, "ENDPOINT wins");
    assert_eq!(sdk_backend.stats()["getToken"], 1);
}
