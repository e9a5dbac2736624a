//! Everything that talks to AmplifyBackend, one concern per module: the SDK configuration
//! ([`config`]) and its HTTPS client ([`http_client`]), the TLS trust store ([`trust`]) and the
//! names of TLS failures ([`tls_error`]), the [`TokenStore`](crate::TokenStore) over the SDK
//! ([`store`]), and what is kept of a failed call ([`redact`]).

mod config;
mod http_client;
mod redact;
// Used by build.rs (which writes the trust store's PEM) and by the trust store's test.
#[cfg(test)]
mod root_names;
mod store;
mod tls_error;
mod trust;

pub use config::{
    client, client_from_env, config_loader, retry_config, timeout_config, ATTEMPT_TIMEOUT,
    ENDPOINT_ENV, MAX_ATTEMPTS, OPERATION_TIMEOUT,
};
pub use store::AmplifyBackendStore;
pub use trust::EXTRA_CA_CERTS_ENV;
