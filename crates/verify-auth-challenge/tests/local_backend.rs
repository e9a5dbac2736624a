//! The verify handler with the real `aws-sdk-amplifybackend` client, talking HTTP to the local
//! AmplifyBackend on loopback: the happy path, replays, endpoint overrides, and injected faults.

use std::sync::Arc;
use std::time::Instant;

use lambda_runtime::LambdaEvent;
use local_amplifybackend::{Backend, Fault, FaultKind, Garble, Operation};
use serde_json::{json, Value};
use studio_login::{AmplifyBackendStore, PoolApp, Verifier, MAX_ATTEMPTS};

use test_support::backend::{local_client, start_local_backend as backend};
use test_support::{events, Fixture};
use verify_auth_challenge::function_handler;

const APP: &str = "d1a2b3c4d5e6f7";

async fn verifier(endpoint: &str) -> Verifier<AmplifyBackendStore> {
    let client = local_client(endpoint).await;
    Verifier::new(
        AmplifyBackendStore::new(client),
        PoolApp::Only(APP.to_string()),
    )
}

fn event(session_id: &str, answer: &str) -> Value {
    events::verify_event(Fixture::VerifyAnswer, APP, session_id, json!(answer))
}

async fn verify(
    v: &Verifier<AmplifyBackendStore>,
    session: &str,
    answer: &str,
) -> Result<bool, String> {
    function_handler(
        v,
        LambdaEvent::new(event(session, answer), Default::default()),
    )
    .await
    .map(|out| out["response"]["answerCorrect"].as_bool().unwrap_or(false))
    .map_err(|e| e.to_string())
}

fn calls(backend: &Backend) -> (u64, u64) {
    let stats = backend.stats();
    (stats.get_token, stats.delete_token)
}

#[tokio::test]
async fn right_code_logs_in_once_over_http_with_two_calls_and_one_connection() {
    let (endpoint, backend) = backend().await;
    let v = verifier(&endpoint).await;
    let (session, code) = backend.create_token(APP);
    assert_eq!(verify(&v, &session, &code).await, Ok(true));
    assert_eq!(calls(&backend), (1, 1));
    assert_eq!(
        verify(&v, &session, &code).await,
        Ok(false),
        "a used code is refused"
    );
    for _ in 0..20 {
        let (session, code) = backend.create_token(APP);
        assert_eq!(verify(&v, &session, &code).await, Ok(true));
    }
    assert_eq!(
        backend.stats().connections,
        1,
        "one keep-alive connection for all calls"
    );
}

#[tokio::test]
async fn wrong_code_burns_the_token_and_the_retry_is_a_clean_false() {
    let (endpoint, backend) = backend().await;
    let v = verifier(&endpoint).await;
    let (session, code) = backend.create_token(APP);
    assert_eq!(verify(&v, &session, "not-the-code").await, Ok(false));
    assert_eq!(verify(&v, &session, &code).await, Ok(false));
    assert_eq!(backend.stats().live_tokens, 0);
}

#[tokio::test]
async fn unsigned_requests_are_refused_by_the_local_backend() {
    let (endpoint, _backend) = backend().await;
    let response = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let host = endpoint.trim_start_matches("http://").to_string();
        let mut stream = std::net::TcpStream::connect(&host).unwrap();
        write!(
            stream,
            "GET /backend/{APP}/challenge/s HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        text
    })
    .await
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 403"), "{response}");
    assert!(response
        .to_ascii_lowercase()
        .contains("x-amzn-errortype: missingauthenticationtokenexception"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_replays_of_one_code_accept_exactly_once() {
    let (endpoint, backend) = backend().await;
    let v = Arc::new(verifier(&endpoint).await);
    for racers in [2usize, 10] {
        for _ in 0..50 {
            let (session, code) = backend.create_token(APP);
            let tasks: Vec<_> = (0..racers)
                .map(|_| {
                    let (v, session, code) = (v.clone(), session.clone(), code.clone());
                    tokio::spawn(async move { verify(&v, &session, &code).await })
                })
                .collect();
            let mut accepted = 0;
            for task in tasks {
                if task.await.unwrap() == Ok(true) {
                    accepted += 1;
                }
            }
            assert_eq!(accepted, 1, "{racers} concurrent verifies of one code");
        }
    }
}

/// A fault, and what one verify of a correct code must do under it: (accepted, function error),
/// (GetToken, DeleteToken) calls.
type FaultCase = (&'static str, Vec<Fault>, (bool, bool), (u64, u64));

/// One row of the fault table: what the fault did to one verify of a correct code.
struct Row {
    fault: &'static str,
    accepted: bool,
    error: bool,
    millis: u128,
    calls: (u64, u64),
}

async fn run_fault(fault: &'static str, faults: Vec<Fault>) -> Row {
    let (endpoint, backend) = backend().await;
    let v = verifier(&endpoint).await;
    let (session, code) = backend.create_token(APP);
    for f in faults {
        backend.inject(f);
    }
    let started = Instant::now();
    let result = verify(&v, &session, &code).await;
    Row {
        fault,
        accepted: result == Ok(true),
        error: result.is_err(),
        millis: started.elapsed().as_millis(),
        calls: calls(&backend),
    }
}

fn on(operation: Option<Operation>, kind: FaultKind, count: u32) -> Fault {
    Fault {
        operation,
        kind,
        count,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_never_accept_wrongly_and_stay_inside_the_budget() {
    use FaultKind::*;
    use Operation::*;
    let get = Some(GetToken);
    let del = Some(DeleteToken);
    // Transient faults heal within the retries; persistent faults fail closed (function error);
    // a delete whose answer was lost is retried, finds nothing, and is refused as a replay.
    const ACCEPT: (bool, bool) = (true, false);
    const FAIL_CLOSED: (bool, bool) = (false, true);
    const REFUSE: (bool, bool) = (false, false);
    // Expected (GetToken, DeleteToken) calls pin the retry policy: MAX_ATTEMPTS attempts per
    // call, and ATTEMPT_TIMEOUT (1.5 s) fitting twice, not three times, in OPERATION_TIMEOUT (2 s).
    let n = u64::from(MAX_ATTEMPTS);
    assert_eq!(n, 3, "the table below is written for 3 attempts per call");
    #[rustfmt::skip]
    let cases: Vec<FaultCase> = vec![
        ("429 once on GetToken", vec![on(get, Throttle, 1)], ACCEPT, (2, 1)),
        ("429 always", vec![on(None, Throttle, 0)], FAIL_CLOSED, (n, 0)),
        ("504 once on GetToken", vec![on(get, GatewayTimeout, 1)], ACCEPT, (2, 1)),
        ("504 always", vec![on(None, GatewayTimeout, 0)], FAIL_CLOSED, (n, 0)),
        ("500 once on DeleteToken", vec![on(del, Internal, 1)], ACCEPT, (1, 2)),
        ("500 always", vec![on(None, Internal, 0)], FAIL_CLOSED, (n, 0)),
        ("connection reset once", vec![on(get, Reset, 1)], ACCEPT, (2, 1)),
        ("connection reset always", vec![on(None, Reset, 0)], FAIL_CLOSED, (n, 0)),
        ("slow 1 s (both calls)", vec![on(None, Delay { millis: 1000 }, 2)], ACCEPT, (1, 1)),
        ("slow 3 s (GetToken)", vec![on(get, Delay { millis: 3000 }, 0)], FAIL_CLOSED, (2, 0)),
        ("slow 6 s (GetToken)", vec![on(get, Delay { millis: 6000 }, 0)], FAIL_CLOSED, (2, 0)),
        ("DeleteToken fails after deleting", vec![on(del, FailAfterCommit, 1)], REFUSE, (1, 2)),
        ("GetToken body unreadable", vec![on(get, Garbled { garble: Garble::Truncated }, 0)], FAIL_CLOSED, (1, 0)),
    ];
    println!(
        "| fault | outcome | function error | time (ms) | GetToken calls | DeleteToken calls |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, faults, (expect_accept, expect_error), expect_calls) in cases {
        let row = run_fault(name, faults).await;
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            row.fault,
            if row.accepted { "accepted" } else { "refused" },
            if row.error { "yes" } else { "no" },
            row.millis,
            row.calls.0,
            row.calls.1
        );
        assert_eq!(row.accepted, expect_accept, "{name}");
        assert_eq!(row.error, expect_error, "{name}: function error");
        assert!(row.millis < 4500, "{name}: took {} ms", row.millis);
        assert_eq!(
            row.calls, expect_calls,
            "{name}: (GetToken, DeleteToken) calls"
        );
    }
}
