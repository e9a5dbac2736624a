//! Helpers shared by this crate's integration tests.

use aws_sdk_amplifybackend::config::{Credentials, Region};
use aws_sdk_amplifybackend::Client;

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
