//! `client_from_env` as the verify function builds it at init, through aws-config: the SDK's own
//! `AWS_ENDPOINT_URL_AMPLIFYBACKEND` wins over `AWS_ENDPOINT_URL`, both are ignored under
//! `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`, and the original's `ENDPOINT` wins over all of them.
//! Its own test binary because it sets process environment variables.

use std::sync::Arc;
use std::time::Duration;

use local_amplifybackend::Backend;
use studio_login::{client_from_env, AmplifyBackendStore, Fetched, TokenStore};

async fn local() -> (String, Arc<Backend>) {
    let (address, backend) = local_amplifybackend::start(0, Duration::from_secs(60))
        .await
        .expect("local AmplifyBackend");
    (format!("http://{address}"), backend)
}

/// Which of the backends the client built from the current environment reaches.
async fn reached(backends: &[&Arc<Backend>]) -> Vec<usize> {
    let store = AmplifyBackendStore::new(client_from_env().await);
    let mut hits = Vec::new();
    for (index, backend) in backends.iter().enumerate() {
        let (session, _code) = backend.create_token("app1");
        let before = backend.stats().get_token;
        let found = store.get_token("app1", &session).await;
        if backend.stats().get_token > before {
            assert!(matches!(found, Ok(Fetched::Token(_))), "{found:?}");
            hits.push(index);
        }
    }
    hits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_precedence_from_the_environment() {
    let (global_url, global) = local().await;
    let (service_url, service) = local().await;
    let (original_url, original) = local().await;
    let all = [&global, &service, &original];
    // What Lambda provides; no shared files, and instance metadata switched off.
    let home = std::env::temp_dir().join(format!("endpoint-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).expect("temp home");
    std::env::set_var("HOME", &home);
    std::env::set_var("AWS_REGION", "us-east-1");
    std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDLOCAL");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "local-secret");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::remove_var("ENDPOINT");

    std::env::set_var("AWS_ENDPOINT_URL", &global_url);
    assert_eq!(reached(&all).await, [0], "AWS_ENDPOINT_URL");

    std::env::set_var("AWS_ENDPOINT_URL_AMPLIFYBACKEND", &service_url);
    assert_eq!(reached(&all).await, [1], "the service's own variable wins");

    std::env::set_var("ENDPOINT", &original_url);
    assert_eq!(reached(&all).await, [2], "the original's ENDPOINT wins");

    std::env::set_var("ENDPOINT", "  ");
    assert_eq!(reached(&all).await, [1], "a blank ENDPOINT is unset");

    std::env::set_var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
    std::env::set_var("ENDPOINT", &original_url);
    assert_eq!(
        reached(&all).await,
        [2],
        "ENDPOINT is configuration in code, not an SDK variable: still honoured"
    );
}
