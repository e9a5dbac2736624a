//! The trust store: Amazon Trust Services' roots, plus an operator's extra roots when set.

use aws_smithy_http_client::tls::{TlsContext, TrustStore};

/// The roots AmplifyBackend's certificates chain to, in every region: Amazon Trust Services'
/// four roots, and the Starfield root that cross-signs them for older clients.
pub const AMAZON_TRUST_SERVICES_ROOTS: [&str; 5] = [
    "Amazon Root CA 1",
    "Amazon Root CA 2",
    "Amazon Root CA 3",
    "Amazon Root CA 4",
    "Starfield Services Root Certificate Authority - G2",
];

/// An operator setting, off by default: a PEM file of further roots to trust beside Amazon's
/// (a TLS-inspecting proxy's CA, say), read at start-up without a rebuild, like Node's
/// `NODE_EXTRA_CA_CERTS`. Logged at start-up when set; an unreadable file or one without a
/// certificate is logged as an error and Amazon's roots alone are trusted.
pub const EXTRA_CA_CERTS_ENV: &str = "STUDIO_LOGIN_EXTRA_CA_CERTS";

/// With the `test-ca` feature only (never in a release artifact): a PEM file whose certificates
/// are trusted as well, so benchmarks can serve AmplifyBackend over TLS with a CA of their own.
#[cfg(feature = "test-ca")]
pub const TEST_CA_FILE_ENV: &str = "STUDIO_LOGIN_TEST_CA_FILE";

/// Amazon Trust Services' roots ([`AMAZON_TRUST_SERVICES_ROOTS`]), as Mozilla's store ships them
/// in the `webpki-root-certs` crate (so a dependency update brings root changes), instead of the
/// system store: parsing the ~145 certificates of a system bundle was ~70 % of a cold verify's
/// CPU (BENCHMARKS.md). Trusting only the roots AmplifyBackend uses also narrows who could
/// impersonate it. Leaf and intermediate certificates are not pinned.
pub fn amazon_roots_pem() -> Vec<String> {
    use base64::Engine as _;
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .filter(|cert| {
            AMAZON_TRUST_SERVICES_ROOTS
                .iter()
                .any(|name| contains(cert.as_ref(), name.as_bytes()))
        })
        .map(|cert| {
            let body = base64::engine::general_purpose::STANDARD.encode(cert.as_ref());
            let lines: Vec<&str> = body
                .as_bytes()
                .chunks(64)
                .filter_map(|line| std::str::from_utf8(line).ok())
                .collect();
            format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                lines.join("\n")
            )
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    // SIMD substring search: a byte-by-byte scan of Mozilla's ~150 roots was half of the
    // client set-up's CPU (callgrind, BENCHMARKS.md).
    memchr::memmem::find(haystack, needle).is_some()
}

pub(super) fn tls_context() -> TlsContext {
    let mut trust = TrustStore::empty().with_native_roots(false);
    for pem in amazon_roots_pem() {
        trust.add_pem_certificate(pem);
    }
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
    use super::*;

    #[test]
    fn the_trust_store_is_exactly_amazon_trust_services_roots() {
        let roots = amazon_roots_pem();
        assert_eq!(roots.len(), AMAZON_TRUST_SERVICES_ROOTS.len());
        for pem in &roots {
            use rustls_pki_types::pem::PemObject;
            let ders: Vec<_> = rustls_pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
                .collect::<Result<_, _>>()
                .expect("valid PEM");
            assert_eq!(ders.len(), 1);
            let anchor = webpki::anchor_from_trusted_cert(&ders[0]).expect("a usable trust anchor");
            let subject = String::from_utf8_lossy(anchor.subject.as_ref()).into_owned();
            assert!(
                subject.contains("Amazon") || subject.contains("Starfield Technologies"),
                "{subject}"
            );
        }
        // Every named root was found (none silently missing from a future crate version).
        for name in AMAZON_TRUST_SERVICES_ROOTS {
            assert!(
                webpki_root_certs::TLS_SERVER_ROOT_CERTS
                    .iter()
                    .filter(|c| contains(c.as_ref(), name.as_bytes()))
                    .count()
                    == 1,
                "{name}"
            );
        }
        assert!(TlsContext::builder()
            .with_trust_store(TrustStore::empty())
            .build()
            .is_ok());
    }
}
