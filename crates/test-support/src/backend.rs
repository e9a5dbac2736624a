//! The local AmplifyBackend on loopback, and the production client pointed at it.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_amplifybackend::config::{Credentials, Region};
use aws_sdk_amplifybackend::Client;
use local_amplifybackend::Backend;

/// A local AmplifyBackend on a free loopback port (tokens live 60 s), and its `http://` endpoint.
/// Panics when it cannot listen: a test without its backend cannot mean anything.
pub async fn start_local_backend() -> (String, Arc<Backend>) {
    let (address, backend) = local_amplifybackend::start(0, Duration::from_secs(60))
        .await
        .unwrap_or_else(|err| panic!("local AmplifyBackend: {err}"));
    (format!("http://{address}"), backend)
}

/// The production configuration (aws-config's loader with our HTTP client, retries and timeouts)
/// pointed at a local AmplifyBackend on loopback, with throwaway credentials (it checks that
/// requests are SigV4-signed, not by whom).
pub async fn local_client(endpoint: &str) -> Client {
    let config = studio_login::config_loader()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDLOCAL",
            "local-secret",
            None,
            None,
            "test",
        ))
        .endpoint_url(endpoint)
        .load()
        .await;
    studio_login::client(&config)
}
