use std::time::Duration;

use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_sdk_amplifybackend::config::http::HttpResponse;
use aws_sdk_amplifybackend::config::retry::RetryConfig;
use aws_sdk_amplifybackend::config::timeout::TimeoutConfig;
use aws_sdk_amplifybackend::config::StalledStreamProtectionConfig;
use aws_sdk_amplifybackend::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_amplifybackend::operation::delete_token::DeleteTokenError;
use aws_sdk_amplifybackend::operation::get_token::GetTokenError;
use aws_sdk_amplifybackend::operation::RequestId;
use aws_sdk_amplifybackend::Client;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider, TlsContext, TrustStore};

use crate::{Burned, ChallengeCode, Fetched, Token, TokenStore, Unavailable};

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
/// container endpoint and instance metadata. Loading reads the environment and the profile
/// files; credentials are resolved on first use, so nothing goes over the network at init.
pub fn config_loader() -> ConfigLoader {
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(tls_context())
        .build_https();
    let loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https)
        .retry_config(retry_config())
        .timeout_config(timeout_config())
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled());
    match std::env::var(ENDPOINT_ENV) {
        Ok(endpoint) if !endpoint.trim().is_empty() => loader.endpoint_url(endpoint.trim()),
        _ => loader,
    }
}

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

fn tls_context() -> TlsContext {
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

/// The client for a loaded configuration. Building it does no I/O: the connection (and the CA
/// store) is set up on first use and then reused across invocations.
pub fn client(config: &SdkConfig) -> Client {
    Client::new(config)
}

/// Where credentials could come from without asking the network: aws-config tries these before
/// the container and instance-metadata endpoints. Only for the start-up hint below.
fn credentials_configured_locally() -> bool {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
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

/// The real [`TokenStore`]: AmplifyBackend GetToken / DeleteToken through the AWS SDK.
#[derive(Clone, Debug)]
pub struct AmplifyBackendStore {
    client: Client,
}

impl AmplifyBackendStore {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

impl TokenStore for AmplifyBackendStore {
    async fn get_token(&self, app_id: &str, session_id: &str) -> Result<Fetched, Unavailable> {
        let sent = self
            .client
            .get_token()
            .app_id(app_id)
            .session_id(session_id)
            .send()
            .await;
        match sent {
            Ok(out) => Ok(Fetched::Token(Token {
                app_id: out.app_id,
                session_id: out.session_id,
                challenge_code: out.challenge_code.map(ChallengeCode::new),
            })),
            Err(err) => match err.as_service_error() {
                // The user's own input named no live token: a clean "no", not an outage.
                Some(
                    GetTokenError::NotFoundException(_) | GetTokenError::BadRequestException(_),
                ) => Ok(Fetched::Missing),
                _ => Err(unavailable("GetToken", &err)),
            },
        }
    }

    async fn delete_token(&self, app_id: &str, session_id: &str) -> Result<Burned, Unavailable> {
        let sent = self
            .client
            .delete_token()
            .app_id(app_id)
            .session_id(session_id)
            .send()
            .await;
        match sent {
            Ok(out) if out.is_success == Some(true) => Ok(Burned::Deleted),
            Ok(_) => Ok(Burned::NothingDeleted),
            Err(err) => match err.as_service_error() {
                Some(DeleteTokenError::NotFoundException(_)) => Ok(Burned::NothingDeleted),
                _ => Err(unavailable("DeleteToken", &err)),
            },
        }
    }
}

/// Describes a failed call from an allow-list of facts: the operation, the error class, the
/// HTTP status, the service's error code and the request id. Never the SDK error's `Debug` or
/// `DisplayErrorContext`: for a response the SDK could not parse, those carry the raw response
/// body, and a GetToken body carries the challenge code.
fn unavailable<E>(operation: &'static str, err: &SdkError<E, HttpResponse>) -> Unavailable
where
    E: ProvideErrorMetadata,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let tls = match err {
        SdkError::DispatchFailure(failure) => failure
            .as_connector_error()
            .and_then(|connector| crate::tls_error::tls_error_kind(connector)),
        _ => None,
    };
    let class = match err {
        SdkError::ConstructionFailure(_) => "construction",
        SdkError::TimeoutError(_) => "timeout",
        SdkError::DispatchFailure(_) if tls.is_some() => "tls",
        SdkError::DispatchFailure(failure) if failure.is_timeout() => "connect_timeout",
        SdkError::DispatchFailure(failure) if failure.is_io() => "io",
        SdkError::DispatchFailure(_) => "dispatch",
        SdkError::ResponseError(_) => "unreadable_response",
        // A 2xx the SDK failed to deserialize surfaces as an unhandled service error.
        SdkError::ServiceError(_) if status.is_some_and(|s| (200..300).contains(&s)) => {
            "unreadable_response"
        }
        SdkError::ServiceError(_) => "service",
        _ => "other",
    };
    let mut reason = format!("class={class}");
    if let Some(tls) = tls {
        reason.push_str(&format!(" tls_error={tls}"));
    }
    if let Some(status) = status {
        reason.push_str(&format!(" status={status}"));
    }
    if let Some(code) = err.code().map(identifier) {
        reason.push_str(&format!(" code={code}"));
    }
    if let Some(request_id) = err.request_id().map(identifier) {
        reason.push_str(&format!(" request_id={request_id}"));
    }
    Unavailable { operation, reason }
}

/// A header-borne identifier (error code, request id), kept only as far as it looks like one:
/// the service controls these bytes, so nothing else may pass into a log line.
fn identifier(raw: &str) -> String {
    raw.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '#'))
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use aws_sdk_amplifybackend::operation::delete_token::DeleteTokenOutput;
    use aws_sdk_amplifybackend::operation::get_token::GetTokenOutput;
    use aws_sdk_amplifybackend::types::error::{BadRequestException, NotFoundException};
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_runtime_api::http::{Response as HttpResponse, StatusCode};
    use aws_smithy_types::body::SdkBody;

    use super::*;
    use crate::{Outcome, Verifier};

    fn get_ok(app: &'static str, session: &'static str, code: &'static str) -> GetTokenOutput {
        GetTokenOutput::builder()
            .app_id(app)
            .session_id(session)
            .challenge_code(code)
            .ttl("120")
            .build()
    }

    /// An error exactly as AmplifyBackend sends it, so the SDK's own deserializer and retry
    /// classifier decide what it is.
    fn wire_error(status: u16, error_type: &'static str) -> HttpResponse {
        let body = format!(r#"{{"message":"{error_type} from the test"}}"#);
        let status = StatusCode::try_from(status).expect("valid status");
        let mut response = HttpResponse::new(status, SdkBody::from(body));
        response
            .headers_mut()
            .insert("x-amzn-errortype", error_type);
        response
            .headers_mut()
            .insert("content-type", "application/json");
        response
    }

    fn deleted() -> DeleteTokenOutput {
        DeleteTokenOutput::builder().is_success(true).build()
    }

    macro_rules! client {
        ($($rule:expr),+) => {
            mock_client!(aws_sdk_amplifybackend, RuleMode::Sequential, [$($rule),+], |c| c
                .retry_config(retry_config())
                .timeout_config(timeout_config()))
        };
    }

    #[tokio::test]
    async fn sends_the_request_members_and_reads_the_token() {
        let get = mock!(Client::get_token)
            .match_requests(|r| r.app_id() == Some("d1abc") && r.session_id() == Some("sess-1"))
            .then_output(|| get_ok("d1abc", "sess-1", "123456"));
        let del = mock!(Client::delete_token)
            .match_requests(|r| r.app_id() == Some("d1abc") && r.session_id() == Some("sess-1"))
            .then_output(deleted);
        let store = AmplifyBackendStore::new(client!(&get, &del));
        let verifier = Verifier::new(store, crate::PoolApp::Only("d1abc".into()));
        let attempt = crate::Attempt {
            app_id: Some("d1abc"),
            session_id: Some("sess-1"),
            answer: Some("123456"),
            user_not_found: false,
        };
        assert_eq!(verifier.verify(&attempt).await, Outcome::Accepted);
        assert_eq!((get.num_calls(), del.num_calls()), (1, 1));
    }

    /// The store reports the ids GetToken *answered with*, not the ones it asked for: a token
    /// for another app or session is never accepted.
    #[tokio::test]
    async fn a_token_answered_for_another_app_or_session_is_a_mismatch() {
        for (app, session) in [("dOTHER", "sess-1"), ("d1abc", "sess-OTHER")] {
            let get = mock!(Client::get_token).then_output(move || get_ok(app, session, "123456"));
            let del = mock!(Client::delete_token).then_output(deleted);
            let store = AmplifyBackendStore::new(client!(&get, &del));
            let verifier = Verifier::new(store, crate::PoolApp::Only("d1abc".into()));
            let attempt = crate::Attempt {
                app_id: Some("d1abc"),
                session_id: Some("sess-1"),
                answer: Some("123456"),
                user_not_found: false,
            };
            assert_eq!(verifier.verify(&attempt).await, Outcome::TokenMismatch);
            assert_eq!(del.num_calls(), 1, "still burned");
        }
    }

    #[tokio::test]
    async fn not_found_and_bad_request_mean_no_such_token_without_retry() {
        let not_found = mock!(Client::get_token)
            .then_error(|| GetTokenError::NotFoundException(NotFoundException::builder().build()));
        let store = AmplifyBackendStore::new(client!(&not_found));
        assert_eq!(store.get_token("a", "s").await, Ok(Fetched::Missing));
        assert_eq!(not_found.num_calls(), 1);

        let bad = mock!(Client::get_token).then_error(|| {
            GetTokenError::BadRequestException(BadRequestException::builder().build())
        });
        let store = AmplifyBackendStore::new(client!(&bad));
        assert_eq!(store.get_token("a", "s").await, Ok(Fetched::Missing));
    }

    #[tokio::test]
    async fn not_found_on_the_wire_is_classified_by_the_sdk() {
        let not_found =
            mock!(Client::get_token).then_http_response(|| wire_error(404, "NotFoundException"));
        let store = AmplifyBackendStore::new(client!(&not_found));
        assert_eq!(store.get_token("a", "s").await, Ok(Fetched::Missing));
        let gone =
            mock!(Client::delete_token).then_http_response(|| wire_error(404, "NotFoundException"));
        let store = AmplifyBackendStore::new(client!(&gone));
        assert_eq!(
            store.delete_token("a", "s").await,
            Ok(Burned::NothingDeleted)
        );
    }

    #[tokio::test]
    async fn delete_that_finds_nothing_is_not_a_burn() {
        let not_found = mock!(Client::delete_token).then_error(|| {
            DeleteTokenError::NotFoundException(NotFoundException::builder().build())
        });
        let store = AmplifyBackendStore::new(client!(&not_found));
        assert_eq!(
            store.delete_token("a", "s").await,
            Ok(Burned::NothingDeleted)
        );

        let refused = mock!(Client::delete_token)
            .then_output(|| DeleteTokenOutput::builder().is_success(false).build());
        let store = AmplifyBackendStore::new(client!(&refused));
        assert_eq!(
            store.delete_token("a", "s").await,
            Ok(Burned::NothingDeleted)
        );

        let silent =
            mock!(Client::delete_token).then_output(|| DeleteTokenOutput::builder().build());
        let store = AmplifyBackendStore::new(client!(&silent));
        assert_eq!(
            store.delete_token("a", "s").await,
            Ok(Burned::NothingDeleted)
        );
    }

    #[tokio::test]
    async fn throttling_and_5xx_are_retried_then_succeed() {
        let flaky = mock!(Client::get_token)
            .sequence()
            .http_response(|| wire_error(429, "TooManyRequestsException"))
            .http_status(503, None)
            .output(|| get_ok("a", "s", "1"))
            .build();
        let store = AmplifyBackendStore::new(client!(&flaky));
        assert!(matches!(
            store.get_token("a", "s").await,
            Ok(Fetched::Token(_))
        ));
        assert_eq!(flaky.num_calls(), 3);
    }

    #[tokio::test]
    async fn persistent_faults_stop_after_max_attempts_and_fail_closed() {
        let down = mock!(Client::get_token)
            .sequence()
            .http_response(|| wire_error(504, "GatewayTimeoutException"))
            .times(MAX_ATTEMPTS as usize + 2)
            .build();
        let store = AmplifyBackendStore::new(client!(&down));
        let err = store.get_token("a", "s").await.expect_err("fails closed");
        assert_eq!(err.operation, "GetToken");
        assert_eq!(down.num_calls(), MAX_ATTEMPTS as usize);

        let del_down = mock!(Client::delete_token)
            .sequence()
            .http_status(500, None)
            .times(MAX_ATTEMPTS as usize)
            .build();
        let store = AmplifyBackendStore::new(client!(&del_down));
        let err = store
            .delete_token("a", "s")
            .await
            .expect_err("fails closed");
        assert_eq!(err.operation, "DeleteToken");
    }

    fn ok_body(body: &'static str) -> HttpResponse {
        let mut response =
            HttpResponse::new(StatusCode::try_from(200).unwrap(), SdkBody::from(body));
        response
            .headers_mut()
            .insert("content-type", "application/json");
        response
    }

    /// A response the SDK cannot read carries the raw body in the error's `Debug`; what we keep
    /// of a failure must never include it (a GetToken body holds the challenge code).
    #[tokio::test]
    async fn unreadable_responses_are_described_without_their_body() {
        const CODE: &str = "Zq81CodeThatMustNeverLeak";
        let bodies = [
            r#"{"appId":"a","challengeCode":"Zq81CodeThatMustNeverLeak","sessionId":"s","ttl":120}"#,
            r#"{"appId":"a","challengeCode":"Zq81CodeThatMustNeverLeak","sessionId":"s","ttl":"1"} }x"#,
            r#"{"appId":"a","challengeCode":"Zq81CodeThatMustNeverLeak","sessi"#,
        ];
        for body in bodies {
            let garbled = mock!(Client::get_token)
                .sequence()
                .http_response(move || ok_body(body))
                .times(MAX_ATTEMPTS as usize)
                .build();
            let store = AmplifyBackendStore::new(client!(&garbled));
            let err = store.get_token("a", "s").await.expect_err("unreadable");
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(CODE), "{shown}");
            assert!(
                shown.contains("class=unreadable_response status=200"),
                "{shown}"
            );
        }
        let unknown = mock!(Client::delete_token).then_http_response(|| {
            let mut response = wire_error(400, "UnexpectedLeakException");
            *response.body_mut() = SdkBody::from(format!(r#"{{"message":"{CODE}"}}"#));
            response
        });
        let store = AmplifyBackendStore::new(client!(&unknown));
        let err = store
            .delete_token("a", "s")
            .await
            .expect_err("unknown error");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(CODE), "{shown}");
        assert!(
            shown.contains("class=service status=400 code=UnexpectedLeakException"),
            "{shown}"
        );
    }

    #[test]
    fn identifiers_from_headers_keep_only_identifier_characters() {
        assert_eq!(identifier("abc-123_X.y:z#w"), "abc-123_X.y:z#w");
        assert_eq!(identifier("Err\" body=secret"), "Err");
        assert_eq!(identifier(&"a".repeat(100)).len(), 64);
    }

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

    #[test]
    fn two_calls_fit_in_the_verify_budget() {
        assert!(OPERATION_TIMEOUT * 2 < crate::VERIFY_BUDGET);
        assert!(ATTEMPT_TIMEOUT <= OPERATION_TIMEOUT);
    }
}
