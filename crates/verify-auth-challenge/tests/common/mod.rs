//! Helpers shared by this crate's integration tests.

use studio_login::BackendSettings;

/// Settings for a local AmplifyBackend on loopback, with throwaway credentials (it checks that
/// requests are SigV4-signed, not by whom).
pub fn local_settings(endpoint: &str) -> BackendSettings {
    BackendSettings {
        region: "us-east-1".into(),
        credentials: Some(aws_sdk_amplifybackend::config::Credentials::new(
            "AKIDLOCAL",
            "local-secret",
            None,
            None,
            "test",
        )),
        endpoint: Some(endpoint.to_string()),
    }
}
