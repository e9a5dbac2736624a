//! Every trigger, every path (errors included), logging at TRACE in Lambda's JSON format through
//! the production logging set-up: no challenge code, answer, private secret or temporary password
//! may appear in any log line. Its own test binary, because it installs the global subscriber.

use std::io::Write;
use std::sync::{Arc, Mutex};

use lambda_runtime::LambdaEvent;
use local_amplifybackend::{Fault, FaultKind, Operation};
use serde_json::{json, Value};
use studio_login::{AmplifyBackendStore, PoolApp, Verifier};
use verify_auth_challenge::VERIFY_FAILED;

use test_support::backend::{local_client, start_local_backend};
use test_support::{events, Fixture};

const APP: &str = "d1a2b3c4d5e6f7";
const TEMP_PASSWORD: &str = "Tmp#Pa55-wOrd!x9";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn lambda(payload: Value) -> LambdaEvent<Value> {
    LambdaEvent::new(payload, Default::default())
}

fn verify_event(session: &str, answer: Value) -> Value {
    events::verify_event(Fixture::VerifyAnswer, APP, session, answer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_any_log_line_at_trace() {
    // Only test in this binary, so setting the environment before init races with nothing.
    std::env::set_var("AWS_LAMBDA_LOG_LEVEL", "TRACE");
    std::env::set_var("AWS_LAMBDA_LOG_FORMAT", "JSON");
    let logs = Captured::default();
    let writer = logs.clone();
    studio_login::logging::init_with_writer(move || writer.clone());

    let mut secrets: Vec<String> = vec![TEMP_PASSWORD.to_string()];
    // Every error a handler returned: Cognito hands these to the caller.
    let mut errors: Vec<String> = Vec::new();

    // create: the private secret it generates.
    for _ in 0..3 {
        let out = create_auth_challenge::function_handler(lambda(Fixture::CreateFirstCall.event()))
            .await
            .unwrap();
        secrets.push(
            out["response"]["privateChallengeParameters"]["secretLoginCode"]
                .as_str()
                .unwrap()
                .into(),
        );
    }
    let malformed =
        create_auth_challenge::function_handler(lambda(json!({"request": TEMP_PASSWORD}))).await;
    errors.push(malformed.expect_err("malformed create event").to_string());

    // define: every fixture, and malformed input.
    for fixture in [
        Fixture::DefineFirstCall,
        Fixture::DefineThreeWrong,
        Fixture::DefineNullEntry,
        Fixture::DefineUserNotFound,
    ] {
        define_auth_challenge::function_handler(lambda(fixture.event()))
            .await
            .unwrap();
    }
    let malformed = define_auth_challenge::function_handler(lambda(
        json!({"request": {"session": TEMP_PASSWORD}}),
    ))
    .await;
    errors.push(malformed.expect_err("malformed define event").to_string());

    // custom-message: the invite, pass-through, malformed; a password where a placeholder goes.
    let mut invite = Fixture::CustomMessageInvite.event();
    invite["request"]["codeParameter"] = json!(TEMP_PASSWORD);
    custom_message::function_handler(lambda(invite))
        .await
        .unwrap();
    let mut signup = Fixture::CustomMessageSignup.event();
    signup["request"]["codeParameter"] = json!(TEMP_PASSWORD);
    custom_message::function_handler(lambda(signup))
        .await
        .unwrap();
    let mut broken = Fixture::CustomMessageInvite.event();
    broken["request"]["clientMetadata"] = json!({"appId": [TEMP_PASSWORD]});
    let malformed = custom_message::function_handler(lambda(broken)).await;
    errors.push(
        malformed
            .expect_err("malformed custom-message event")
            .to_string(),
    );

    // verify: through the real SDK and HTTP, on every path including faults.
    let (endpoint, backend) = start_local_backend().await;
    let client = local_client(&endpoint).await;
    let verifier = Verifier::new(AmplifyBackendStore::new(client), PoolApp::Only(APP.into()));
    let verify = |event: Value| verify_auth_challenge::function_handler(&verifier, lambda(event));

    let (session, code) = backend.create_token(APP);
    secrets.push(code.clone());
    verify(verify_event(&session, json!(code))).await.unwrap(); // accepted
    verify(verify_event(&session, json!(code))).await.unwrap(); // used
    let (session, code) = backend.create_token(APP);
    secrets.push(code);
    let wrong = "wrong-answer-5150";
    secrets.push(wrong.into());
    verify(verify_event(&session, json!(wrong))).await.unwrap(); // wrong answer
    let faults: Vec<FaultKind> = [
        FaultKind::Throttle,
        FaultKind::Reset,
        FaultKind::Internal,
        FaultKind::FailAfterCommit,
    ]
    .into_iter()
    .chain(FaultKind::carrying_bodies())
    .collect();
    for operation in [Operation::GetToken, Operation::DeleteToken] {
        for fault in faults.clone() {
            let (session, code) = backend.create_token(APP);
            secrets.push(code.clone());
            backend.inject(Fault {
                operation: Some(operation),
                kind: fault.clone(),
                count: 0,
            });
            let outcome = verify(verify_event(&session, json!(code))).await;
            backend.clear_faults();
            let error = outcome.expect_err("every fault fails closed");
            assert_eq!(error.to_string(), VERIFY_FAILED, "{operation:?} {fault:?}");
            errors.push(error.to_string());
        }
    }
    let mut foreign = verify_event("s", json!("foreign-answer-777"));
    foreign["request"]["clientMetadata"]["appId"] = json!("dOTHERAPP");
    secrets.push("foreign-answer-777".into());
    verify(foreign).await.unwrap();
    let mut bad = verify_event("s", json!("x"));
    bad["request"]["clientMetadata"] = json!({"appId": APP, "sessionId": [TEMP_PASSWORD]});
    errors.push(verify(bad).await.expect_err("malformed").to_string());

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.len() >= 15,
        "expected logs from every path, got {}:\n{text}",
        lines.len()
    );
    for line in &lines {
        let parsed: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(parsed["level"].is_string(), "{line}");
    }
    assert!(
        text.contains("\"outcome\":\"accepted\"") && text.contains("\"outcome\":\"wrong_answer\"")
    );
    assert!(text.contains("malformed"), "malformed events are logged");
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a secret reached the logs:\n{text}"
        );
        for error in &errors {
            assert!(!error.contains(secret.as_str()), "in an error: {error}");
        }
    }
    assert_eq!(errors.len(), 4 + 2 * faults.len());
}
