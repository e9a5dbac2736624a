//! The trust store: Amazon Trust Services' roots, plus an operator's extra roots when set.

use aws_smithy_http_client::tls::{TlsContext, TrustStore};

/// An operator setting, off by default: a PEM file of further roots to trust beside Amazon's
/// (a TLS-inspecting proxy's CA, say), read at start-up without a rebuild, like Node's
/// `NODE_EXTRA_CA_CERTS`. Logged at start-up when set; an unreadable file or one without a
/// certificate is logged as an error and Amazon's roots alone are trusted.
pub const EXTRA_CA_CERTS_ENV: &str = "STUDIO_LOGIN_EXTRA_CA_CERTS";

/// With the `test-ca` feature only (never in a release artifact): a PEM file whose certificates
/// are trusted as well, so benchmarks can serve AmplifyBackend over TLS with a CA of their own.
#[cfg(feature = "test-ca")]
pub const TEST_CA_FILE_ENV: &str = "STUDIO_LOGIN_TEST_CA_FILE";

/// Amazon Trust Services' roots (named in `root_names.rs`) as one PEM text, taken by
/// build.rs from Mozilla's store as the `webpki-root-certs` crate ships it (so a dependency update
/// brings root changes), instead of the system store: parsing the ~145 certificates of a system
/// bundle was ~70 % of a cold verify's CPU, and selecting and encoding these five at start-up
/// another ~15 % of its instructions (BENCHMARKS.md). Trusting only the roots AmplifyBackend uses
/// also narrows who could impersonate it. Leaf and intermediate certificates are not pinned.
pub const AMAZON_ROOTS_PEM: &str = include_str!(concat!(env!("OUT_DIR"), "/amazon_roots.pem"));

pub(super) fn tls_context() -> TlsContext {
    let mut trust = TrustStore::empty().with_native_roots(false);
    trust.add_pem_certificate(AMAZON_ROOTS_PEM);
    if let Some(pem) = extra_roots_pem() {
        trust.add_pem_certificate(pem);
    }
    #[cfg(feature = "test-ca")]
    if let Ok(pem) = std::env::var(TEST_CA_FILE_ENV)
        .and_then(|path| std::fs::read_to_string(path).map_err(|_| std::env::VarError::NotPresent))
    {
        trust.add_pem_certificate(pem);
    }
    // Only fails for additional server names, which this context has none of.
    TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .unwrap_or_default()
}

/// The PEM text of [`EXTRA_CA_CERTS_ENV`]'s file, when it is set and holds a certificate.
fn extra_roots_pem() -> Option<String> {
    let path = std::env::var(EXTRA_CA_CERTS_ENV)
        .ok()
        .filter(|p| !p.trim().is_empty())?;
    let path = path.trim();
    match std::fs::read_to_string(path) {
        Ok(pem) => {
            let certificates = pem.matches("-----BEGIN CERTIFICATE-----").count();
            if certificates == 0 {
                tracing::error!(
                    path,
                    "{EXTRA_CA_CERTS_ENV} holds no PEM certificate: trusting Amazon's roots only"
                );
                return None;
            }
            tracing::info!(
                path,
                certificates,
                "{EXTRA_CA_CERTS_ENV}: trusting these roots as well as Amazon's"
            );
            Some(pem)
        }
        Err(err) => {
            tracing::error!(path, error = %err.kind(), "{EXTRA_CA_CERTS_ENV} is unreadable: trusting Amazon's roots only");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::root_names::{names, AMAZON_TRUST_SERVICES_ROOTS};
    use super::*;

    #[test]
    fn the_trust_store_is_exactly_amazon_trust_services_roots() {
        use rustls_pki_types::pem::PemObject;
        let ders: Vec<_> =
            rustls_pki_types::CertificateDer::pem_slice_iter(AMAZON_ROOTS_PEM.as_bytes())
                .collect::<Result<_, _>>()
                .expect("valid PEM");
        assert_eq!(ders.len(), AMAZON_TRUST_SERVICES_ROOTS.len());
        for (der, name) in ders.iter().zip(AMAZON_TRUST_SERVICES_ROOTS) {
            // Byte for byte Mozilla's certificate of that name, in the order of the names.
            let mozilla: Vec<_> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .filter(|c| names(c.as_ref(), name))
                .collect();
            assert_eq!(mozilla.len(), 1, "{name}");
            assert_eq!(der.as_ref(), mozilla[0].as_ref(), "{name}");
            let anchor = webpki::anchor_from_trusted_cert(der).expect("a usable trust anchor");
            let subject = String::from_utf8_lossy(anchor.subject.as_ref()).into_owned();
            assert!(
                subject.contains("Amazon") || subject.contains("Starfield Technologies"),
                "{subject}"
            );
        }
        assert!(TlsContext::builder()
            .with_trust_store(TrustStore::empty())
            .build()
            .is_ok());
    }
}
