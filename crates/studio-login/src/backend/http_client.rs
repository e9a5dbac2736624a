//! The SDK's HTTPS client, with its TLS set-up done once, on first use.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::config_bag::ConfigBag;

/// `inner` (aws-smithy-http-client's hyper client), minus its client-construction check.
///
/// That check builds a whole connector and drops it, so that a system trust store is read at
/// construction rather than on the first request. These functions trust a built-in PEM text, so
/// the only effect was building the rustls configuration twice on every cold start: decoding
/// and parsing the roots again (~0.23 M instructions, ~5 % of a cold verify; BENCHMARKS.md).
/// Everything else — the cached connector per settings, its timeouts, the connector metadata
/// in the user agent, the final-config check — is `inner`'s.
#[derive(Debug)]
pub(super) struct ConnectorOnFirstUse(pub(super) SharedHttpClient);

impl HttpClient for ConnectorOnFirstUse {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn validate_base_client_config(
        &self,
        _: &RuntimeComponentsBuilder,
        _: &ConfigBag,
    ) -> Result<(), BoxError> {
        Ok(())
    }

    fn validate_final_config(
        &self,
        components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.validate_final_config(components, cfg)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

/// `client` wrapped: see [`ConnectorOnFirstUse`].
pub(super) fn connector_on_first_use(client: SharedHttpClient) -> SharedHttpClient {
    SharedHttpClient::new(ConnectorOnFirstUse(client))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    /// Counts its construction checks; names itself in the connector metadata.
    #[derive(Debug)]
    struct Counting(Arc<AtomicUsize>);

    impl HttpClient for Counting {
        fn http_connector(
            &self,
            _: &HttpConnectorSettings,
            _: &RuntimeComponents,
        ) -> SharedHttpConnector {
            unimplemented!("not called by these tests")
        }

        fn validate_base_client_config(
            &self,
            _: &RuntimeComponentsBuilder,
            _: &ConfigBag,
        ) -> Result<(), BoxError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }

        fn connector_metadata(&self) -> Option<ConnectorMetadata> {
            Some(ConnectorMetadata::new("counting", Some("1".into())))
        }
    }

    #[test]
    fn the_construction_check_is_not_passed_on_and_the_metadata_is() {
        let checks = Arc::new(AtomicUsize::new(0));
        let inner = SharedHttpClient::new(Counting(checks.clone()));
        let components = RuntimeComponentsBuilder::new("test");
        let cfg = ConfigBag::base();
        inner
            .validate_base_client_config(&components, &cfg)
            .expect("inner check");
        assert_eq!(checks.load(Ordering::SeqCst), 1, "the counter counts");

        let wrapped = connector_on_first_use(inner);
        wrapped
            .validate_base_client_config(&components, &cfg)
            .expect("no check");
        assert_eq!(checks.load(Ordering::SeqCst), 1, "not passed on");
        assert_eq!(
            wrapped.connector_metadata().map(|m| m.to_string()),
            Some("http#counting-1".to_string())
        );
    }
}
