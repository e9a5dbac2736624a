//! The functions trust Amazon Trust Services' roots only: a server whose certificate chains to
//! any other CA is refused, even when SSL_CERT_FILE (which the system-store loader honoured)
//! names that CA. The `test-ca` build that the cold benchmark uses is the only way in, and no
//! crate of this workspace enables it, so here it is off.
//! Its own test binary because it sets process environment variables.

use std::path::Path;

use lambda_bench::cold;
use studio_login::{AmplifyBackendStore, TokenStore};
use test_support::backend::local_client;

#[cfg(not(feature = "test-ca"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_outside_amazons_roots_is_refused() {
    // Both chains the cold bench can serve: RSA with an intermediate, and a P-256 CA alone.
    for keys in [cold::ServerKeys::Rsa2048, cold::ServerKeys::EcdsaP256] {
        refused_with(keys).await;
    }
}

async fn refused_with(keys: cold::ServerKeys) {
    let dir = std::env::temp_dir().join(format!("trust-test-{}-{keys:?}", std::process::id()));
    let ca = cold::test_ca(Path::new(&dir), keys).expect("test CA");
    let (endpoint, backend) = cold::tls_backend(&ca).await.expect("TLS backend");
    std::env::set_var("SSL_CERT_FILE", &ca.ssl_cert_file);
    std::env::set_var("STUDIO_LOGIN_TEST_CA_FILE", &ca.node_extra_ca_certs);
    let store = AmplifyBackendStore::new(local_client(&endpoint).await);
    let (session, _code) = backend.create_token("app1");
    let refused = store
        .get_token("app1", &session)
        .await
        .expect_err("an unknown CA is refused");
    // The outcome line says what failed: a certificate that does not chain to a trusted root.
    assert!(
        refused
            .to_string()
            .contains("class=tls tls_error=UnknownIssuer"),
        "{keys:?}: {refused}"
    );
    assert_eq!(
        backend.stats().get_token,
        0,
        "{keys:?}: no request reached the impostor"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
