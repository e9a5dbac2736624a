//! The AWS SDK configuration: endpoint, bounded retries and timeouts, and the client built once
//! at init (with a start-up hint when no credentials are configured locally).

use std::time::Duration;

use aws_config::environment::{
    EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider,
};
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_sdk_amplifybackend::config::retry::RetryConfig;
use aws_sdk_amplifybackend::config::timeout::TimeoutConfig;
use aws_sdk_amplifybackend::config::StalledStreamProtectionConfig;
use aws_sdk_amplifybackend::Client;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

use super::http_client::connector_on_first_use;
use super::trust::tls_context;

/// The original function's endpoint override. It wins over the AWS SDKs' own
/// `AWS_ENDPOINT_URL_AMPLIFYBACKEND` and `AWS_ENDPOINT_URL` (which aws-config reads, and ignores
/// when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`); then the regional endpoint.
pub const ENDPOINT_ENV: &str = "ENDPOINT";

/// Attempts per call (first try + 2 retries) for throttling, 5xx, timeouts and dropped connections.
pub const MAX_ATTEMPTS: u32 = 3;
/// One HTTP attempt, connect included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(1500);
/// One call, retries and backoff included. Two calls (Get + Delete) fit in [`crate::VERIFY_BUDGET`].
pub const OPERATION_TIMEOUT: Duration = Duration::from_millis(2000);

/// Bounded retries with short backoff: a login waits on these.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(40))
        .with_max_backoff(Duration::from_millis(300))
}

pub fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(500))
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// aws-config's loader with this crate's choices: HTTPS through rustls with the `ring` provider,
/// bounded retries and timeouts, no stalled-stream detection (our timeouts bound every call and
/// the bodies are small), and `ENDPOINT` when set. Region, credentials and the SDK's endpoint
/// variables come from aws-config's standard chains: the environment first (what Lambda
/// provides), then the shared config/credentials files and profiles, web identity, the
/// container endpoint and instance metadata. When the environment holds the credentials (or the
/// region), aws-config's environment provider alone answers for them: it is the chains' first
/// link, so the answer is the same, without building the rest of the chain. Loading reads the
/// environment and the profile files; credentials are resolved on first use, so nothing goes
/// over the network at init.
pub fn config_loader() -> ConfigLoader {
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(tls_context())
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(connector_on_first_use(https))
        .retry_config(retry_config())
        .timeout_config(timeout_config())
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled());
    // On Lambda the environment always holds both; the full chains (profile files, web
    // identity's STS client, container, IMDS) are cold-start work a Lambda never uses.
    if env_set("AWS_ACCESS_KEY_ID") && env_set("AWS_SECRET_ACCESS_KEY") {
        loader = loader.credentials_provider(EnvironmentVariableCredentialsProvider::new());
    }
    if env_set("AWS_REGION") || env_set("AWS_DEFAULT_REGION") {
        loader = loader.region(EnvironmentVariableRegionProvider::new());
    }
    match std::env::var(ENDPOINT_ENV) {
        Ok(endpoint) if !endpoint.trim().is_empty() => loader.endpoint_url(endpoint.trim()),
        _ => loader,
    }
}

/// The AmplifyBackend client for `config`, built once at init; its HTTPS connection is opened on
/// first use and then reused across invocations.
pub fn client(config: &SdkConfig) -> Client {
    Client::new(config)
}

/// `name` is set to something other than blanks.
fn env_set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.trim().is_empty())
}

/// Where credentials could come from without asking the network: aws-config tries these before
/// the container and instance-metadata endpoints. Only for the start-up hint below.
fn credentials_configured_locally() -> bool {
    let set = env_set;
    let home_file = |name: &str| {
        std::env::var_os("HOME")
            .map(|home| std::path::Path::new(&home).join(".aws").join(name))
            .is_some_and(|path| path.is_file())
    };
    set("AWS_ACCESS_KEY_ID")
        || set("AWS_PROFILE")
        || set("AWS_WEB_IDENTITY_TOKEN_FILE")
        || set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        || set("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        || set("AWS_SHARED_CREDENTIALS_FILE")
        || set("AWS_CONFIG_FILE")
        || home_file("credentials")
        || home_file("config")
}

/// [`client`] for [`config_loader`], logging what it found (never a key). What the verify
/// function builds once at init.
pub async fn client_from_env() -> Client {
    let config = config_loader().load().await;
    if !credentials_configured_locally() {
        tracing::warn!(
            "no AWS credentials in the environment or the shared files: only the instance \
             metadata service is left to ask, and without credentials every verify fails closed"
        );
    }
    tracing::info!(
        region = config.region().map(|r| r.as_ref()),
        endpoint = config.endpoint_url(),
        "AmplifyBackend client ready"
    );
    client(&config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_calls_fit_in_the_verify_budget() {
        assert!(OPERATION_TIMEOUT * 2 < crate::VERIFY_BUDGET);
        assert!(ATTEMPT_TIMEOUT <= OPERATION_TIMEOUT);
    }
}
