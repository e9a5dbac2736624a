//! The real [`TokenStore`]: AmplifyBackend GetToken / DeleteToken through the AWS SDK.

use aws_sdk_amplifybackend::operation::delete_token::DeleteTokenError;
use aws_sdk_amplifybackend::operation::get_token::GetTokenError;
use aws_sdk_amplifybackend::Client;

use super::redact::unavailable;
use crate::{Burned, ChallengeCode, Fetched, Token, TokenStore, Unavailable};

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

#[cfg(test)]
mod tests {
    use aws_sdk_amplifybackend::operation::delete_token::DeleteTokenOutput;
    use aws_sdk_amplifybackend::operation::get_token::GetTokenOutput;
    use aws_sdk_amplifybackend::types::error::{BadRequestException, NotFoundException};
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_runtime_api::http::{Response as HttpResponse, StatusCode};
    use aws_smithy_types::body::SdkBody;

    use super::*;
    use crate::backend::config::{retry_config, timeout_config, MAX_ATTEMPTS};
    use crate::{Outcome, Verifier};

    /// App d1abc's session sess-1, answered with its code 123456.
    const RIGHT_ANSWER: crate::Attempt<'static> = crate::Attempt {
        app_id: Some("d1abc"),
        session_id: Some("sess-1"),
        answer: Some("123456"),
        user_not_found: false,
    };

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
        assert_eq!(verifier.verify(&RIGHT_ANSWER).await, Outcome::Accepted);
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
            assert_eq!(verifier.verify(&RIGHT_ANSWER).await, Outcome::TokenMismatch);
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
}
