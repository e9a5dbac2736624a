//! The operator setting STUDIO_LOGIN_EXTRA_CA_CERTS: a server whose chain only the named file's
//! CA trusts is reached, in a release build (no `test-ca` feature), without a rebuild.
//! Its own test binary because it sets process environment variables.

use std::path::Path;

use lambda_bench::cold;
use studio_login::{AmplifyBackendStore, Fetched, TokenStore};
use test_support::backend::local_client;

#[cfg(not(feature = "test-ca"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_root_named_by_the_operator_setting_is_trusted() {
    let dir = std::env::temp_dir().join(format!("extra-roots-test-{}", std::process::id()));
    let ca = cold::test_ca(Path::new(&dir), cold::ServerKeys::Rsa2048).expect("test CA");
    let (endpoint, backend) = cold::tls_backend(&ca).await.expect("TLS backend");
    std::env::set_var(studio_login::EXTRA_CA_CERTS_ENV, &ca.node_extra_ca_certs);
    let store = AmplifyBackendStore::new(local_client(&endpoint).await);
    let (session, _code) = backend.create_token("app1");
    let fetched = store.get_token("app1", &session).await;
    assert!(matches!(fetched, Ok(Fetched::Token(_))), "{fetched:?}");
    assert_eq!(backend.stats().get_token, 1);
    let _ = std::fs::remove_dir_all(&dir);
}
