//! The verify `bootstrap` itself (this crate's binary), under a loopback Lambda Runtime API and
//! against the local AmplifyBackend: what `main` wires up (`AMPLIFY_APP_ID`, the logging caps of
//! `lambda_runtime` and the SDK) and what leaves the process (stdout, the error posted to Lambda,
//! which Cognito hands to the caller).

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use local_amplifybackend::{Backend, Fault, FaultKind, Operation};
use serde_json::{json, Value};
use test_support::backend::start_local_backend as backend;
use test_support::process::FunctionProcess;
use test_support::runtime_api::{self, Invocation, RuntimeApi};
use test_support::{events, Fixture};
use tokio::io::AsyncReadExt;
use verify_auth_challenge::VERIFY_FAILED;

const APP: &str = "d1a2b3c4d5e6f7";
const LEVELS: [&str; 5] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

/// One running bootstrap with its stdout collected.
struct Function {
    api: RuntimeApi,
    stdout: Arc<Mutex<Vec<u8>>>,
    child: tokio::process::Child,
    invocations: u32,
}

impl Function {
    /// The bootstrap as Lambda starts it: region and the role's keys in the environment, an empty
    /// home (no shared AWS files) and instance metadata pointing nowhere.
    async fn start(endpoint: &str, app_id: Option<&str>, level: &str) -> Self {
        Self::start_with(endpoint, app_id, level, &[]).await
    }

    /// [`Function::start`] with environment changes: `(name, Some(value))` sets, `(name, None)`
    /// removes.
    async fn start_with(
        endpoint: &str,
        app_id: Option<&str>,
        level: &str,
        changes: &[(&str, Option<&str>)],
    ) -> Self {
        let api = runtime_api::start().await.expect("runtime API");
        let home = std::env::temp_dir().join(format!(
            "verify-bootstrap-home-{}-{}",
            std::process::id(),
            api.address.port()
        ));
        let _ = std::fs::create_dir_all(&home);
        let runtime_api = api.address.to_string();
        let mut command = FunctionProcess {
            function: "verify-auth-challenge",
            runtime_api: &runtime_api,
            endpoint,
            log_level: level,
            app_id,
            access_key_id: "AKIDBOOTSTRAPTEST",
            secret_access_key: "bootstrap-test-secret",
            session_token: None,
        }
        .command(env!("CARGO_BIN_EXE_verify-auth-challenge"), &[]);
        command
            .env("HOME", &home)
            // Nothing listens there: a connection attempt fails fast instead of waiting.
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in changes {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        let mut child = command.spawn().expect("spawn the verify bootstrap");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        for mut pipe in [
            Box::new(child.stdout.take().expect("stdout"))
                as Box<dyn tokio::io::AsyncRead + Send + Unpin>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let sink = stdout.clone();
            tokio::spawn(async move {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut chunk).await {
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&chunk[..n]);
                }
            });
        }
        Self {
            api,
            stdout,
            child,
            invocations: 0,
        }
    }

    /// One invocation: the answer, or the error text posted to `/invocation/{id}/error`.
    async fn invoke(&mut self, event: Value) -> Result<Value, String> {
        self.invocations += 1;
        let request_id = format!("req-{}", self.invocations);
        self.api
            .events
            .send(Invocation {
                request_id: request_id.clone(),
                event,
            })
            .await
            .expect("function waiting");
        let answer = tokio::time::timeout(Duration::from_secs(10), self.api.answers.recv())
            .await
            .expect("answered within 10 s")
            .expect("an answer");
        assert_eq!(answer.request_id, request_id, "{:?}", answer.body);
        answer.body
    }

    async fn logs(mut self) -> String {
        let _ = self.child.kill().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let text = String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned();
        text
    }
}

fn event(app: &str, session: &str, answer: Value) -> Value {
    events::verify_event(Fixture::VerifyAnswer, app, session, answer)
}

fn answer_correct(answer: &Result<Value, String>) -> Option<bool> {
    answer
        .as_ref()
        .ok()
        .and_then(|out| out["response"]["answerCorrect"].as_bool())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amplify_app_id_decides_whose_codes_the_bootstrap_accepts() {
    let (endpoint, backend) = backend().await;

    // Set: only this app's codes; another app's code is refused and its token left alone.
    let mut function = Function::start(&endpoint, Some(APP), "INFO").await;
    let (session, code) = backend.create_token("dOTHERAPP");
    let refused = function
        .invoke(event("dOTHERAPP", &session, json!(code)))
        .await;
    assert_eq!(answer_correct(&refused), Some(false), "{refused:?}");
    assert_eq!(backend.stats().get_token, 0, "foreign app: no backend call");
    let (session, code) = backend.create_token(APP);
    let accepted = function.invoke(event(APP, &session, json!(code))).await;
    assert_eq!(answer_correct(&accepted), Some(true), "{accepted:?}");
    let logs = function.logs().await;
    assert!(
        logs.contains("accepting only this app's login codes"),
        "{logs}"
    );
    assert!(logs.contains(r#""outcome":"foreign_app""#), "{logs}");
    assert!(
        logs.contains(r#""level":"WARN""#),
        "foreign_app is a warning: {logs}"
    );

    // Unset: fail closed, even for the pool's own app, and say why at start-up.
    let mut function = Function::start(&endpoint, None, "INFO").await;
    let (session, code) = backend.create_token(APP);
    let refused = function.invoke(event(APP, &session, json!(code))).await;
    assert_eq!(answer_correct(&refused), Some(false), "{refused:?}");
    let logs = function.logs().await;
    assert!(logs.contains("AMPLIFY_APP_ID is not set"), "{logs}");
    assert!(logs.contains(r#""outcome":"not_configured""#), "{logs}");

    // `*`: the original's any-app behaviour, only when asked for explicitly.
    let mut function = Function::start(&endpoint, Some("*"), "INFO").await;
    let (session, code) = backend.create_token("dOTHERAPP");
    let accepted = function
        .invoke(event("dOTHERAPP", &session, json!(code)))
        .await;
    assert_eq!(answer_correct(&accepted), Some(true), "{accepted:?}");
    let logs = function.logs().await;
    assert!(logs.contains("unsafe"), "{logs}");
}

/// Every fault that could carry a body to us, on each operation.
fn body_faults() -> Vec<(String, Fault)> {
    let mut faults = Vec::new();
    for operation in [Operation::GetToken, Operation::DeleteToken] {
        let kinds = FaultKind::carrying_bodies()
            .into_iter()
            .chain([FaultKind::Internal]);
        for kind in kinds {
            faults.push((
                format!("{operation:?} {kind:?}"),
                Fault {
                    operation: Some(operation),
                    kind,
                    count: 0,
                },
            ));
        }
    }
    faults
}

/// At every level: no code or answer in any line the process writes, nor in any error it posts to
/// Lambda (Cognito hands that to the caller). At TRACE this also covers `lambda_runtime`'s
/// raw-event line and the SDK's wire logs, which only the logging caps keep out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_leaves_the_bootstrap_at_any_level() {
    let (endpoint, backend) = backend().await;
    for level in LEVELS {
        let mut function = Function::start(&endpoint, Some(APP), level).await;
        let mut secrets = Vec::new();
        let mut errors = Vec::new();

        let (session, code) = backend.create_token(APP);
        let out = function.invoke(event(APP, &session, json!(code))).await;
        assert_eq!(answer_correct(&out), Some(true), "{level}: {out:?}");
        secrets.push(code);

        let (session, code) = backend.create_token(APP);
        let wrong = format!("wrong-{}", code.to_lowercase());
        let out = function.invoke(event(APP, &session, json!(wrong))).await;
        assert_eq!(answer_correct(&out), Some(false), "{level}: {out:?}");
        secrets.extend([code, wrong]);

        for (name, fault) in body_faults() {
            let (session, code) = backend.create_token(APP);
            backend.inject(fault);
            let out = function.invoke(event(APP, &session, json!(code))).await;
            backend.clear_faults();
            match &out {
                Err(text) => errors.push(text.clone()),
                Ok(_) => panic!("{level} {name}: a fault must fail closed, got {out:?}"),
            }
            secrets.push(code);
        }

        let malformed = json!({"request": {"challengeAnswer": "malformed-answer-4471", "clientMetadata": ["x"]}});
        secrets.push("malformed-answer-4471".into());
        errors.push(
            function
                .invoke(malformed)
                .await
                .expect_err("malformed event"),
        );

        let logs = function.logs().await;
        for error in &errors {
            let message: Value = serde_json::from_str(error).unwrap_or(json!({}));
            let text = message["errorMessage"].as_str().unwrap_or(error);
            assert!(
                text == VERIFY_FAILED || text == "malformed verify-auth-challenge event",
                "{level}: the error handed to Cognito is generic, got {error}"
            );
            let stable = match text {
                VERIFY_FAILED => "LoginCheckFailed",
                _ => "MalformedEvent",
            };
            assert_eq!(
                message["errorType"], stable,
                "{level}: a stable errorType, got {error}"
            );
        }
        for secret in &secrets {
            assert!(
                !logs.contains(secret.as_str()),
                "{level}: a secret reached the logs:\n{logs}"
            );
            for error in &errors {
                assert!(
                    !error.contains(secret.as_str()),
                    "{level}: in an error: {error}"
                );
            }
        }
        if level != "ERROR" && level != "WARN" {
            assert!(logs.contains(r#""outcome":"accepted""#), "{level}: {logs}");
        }
        assert!(
            logs.contains("class=unreadable_response") && logs.contains("UnexpectedLeakException"),
            "{level}: failures are described from the allow-list:\n{logs}"
        );
        if level == "TRACE" {
            assert!(
                logs.contains(r#""level":"TRACE""#),
                "TRACE really is on:\n{logs}"
            );
        }
    }
}

/// A stand-in for the instance metadata service that counts connections and answers none.
async fn metadata_listener() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(stream);
        }
    });
    (format!("http://{address}"), connections)
}

/// Environment changes that take the role's keys away, then `more`.
fn without_environment_keys<'a>(
    more: &[(&'a str, Option<&'a str>)],
) -> Vec<(&'a str, Option<&'a str>)> {
    let mut changes = vec![("AWS_ACCESS_KEY_ID", None), ("AWS_SECRET_ACCESS_KEY", None)];
    changes.extend_from_slice(more);
    changes
}

fn signed_by(backend: &Backend) -> Vec<(String, u64)> {
    backend.stats().signed_by.into_iter().collect()
}

/// aws-config's chain, environment first: Lambda's keys sign the calls, and neither init nor the
/// warm path asks the instance metadata service anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_credentials_sign_and_nothing_asks_instance_metadata() {
    let (endpoint, backend) = backend().await;
    let (imds, imds_connections) = metadata_listener().await;
    let mut function = Function::start_with(
        &endpoint,
        Some(APP),
        "INFO",
        &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", Some(&imds))],
    )
    .await;
    for _ in 0..3 {
        let (session, code) = backend.create_token(APP);
        let out = function.invoke(event(APP, &session, json!(code))).await;
        assert_eq!(answer_correct(&out), Some(true), "{out:?}");
    }
    let logs = function.logs().await;
    assert_eq!(
        signed_by(&backend),
        vec![("AKIDBOOTSTRAPTEST/us-east-1".to_string(), 6)]
    );
    assert_eq!(
        imds_connections.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no instance metadata request: {logs}"
    );
    assert!(!logs.contains("no AWS credentials"), "{logs}");
}

/// A named profile in the shared files, no keys in the environment and no AWS_REGION: the
/// profile's key signs, in the profile's region; instance metadata is never asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_profile_gives_credentials_and_region() {
    let (endpoint, backend) = backend().await;
    let (imds, imds_connections) = metadata_listener().await;
    let dir = std::env::temp_dir().join(format!("verify-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let credentials = dir.join("credentials");
    let config = dir.join("config");
    std::fs::write(
        &credentials,
        "[default]\naws_access_key_id = AKIDDEFAULTNOTUSED\naws_secret_access_key = x\n\n\
         [studio-admin]\naws_access_key_id = AKIDPROFILETEST\naws_secret_access_key = profile-secret\n",
    )
    .expect("credentials file");
    std::fs::write(&config, "[profile studio-admin]\nregion = eu-west-2\n").expect("config file");
    let (credentials, config) = (
        credentials.display().to_string(),
        config.display().to_string(),
    );
    let mut function = Function::start_with(
        &endpoint,
        Some(APP),
        "INFO",
        &without_environment_keys(&[
            ("AWS_REGION", None),
            ("AWS_PROFILE", Some("studio-admin")),
            ("AWS_SHARED_CREDENTIALS_FILE", Some(&credentials)),
            ("AWS_CONFIG_FILE", Some(&config)),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", Some(&imds)),
        ]),
    )
    .await;
    let (session, code) = backend.create_token(APP);
    let out = function.invoke(event(APP, &session, json!(code))).await;
    let logs = function.logs().await;
    assert_eq!(answer_correct(&out), Some(true), "{out:?}\n{logs}");
    assert_eq!(
        signed_by(&backend),
        vec![("AKIDPROFILETEST/eu-west-2".to_string(), 2)]
    );
    assert!(logs.contains(r#""region":"eu-west-2""#), "{logs}");
    assert_eq!(
        imds_connections.load(std::sync::atomic::Ordering::SeqCst),
        0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// No credentials anywhere (and instance metadata switched off): a warning at start-up, and
/// every verify fails closed with the generic error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_credentials_every_verify_fails_closed() {
    let (endpoint, backend) = backend().await;
    let mut function = Function::start_with(
        &endpoint,
        Some(APP),
        "INFO",
        &without_environment_keys(&[("AWS_EC2_METADATA_DISABLED", Some("true"))]),
    )
    .await;
    let (session, code) = backend.create_token(APP);
    let out = function.invoke(event(APP, &session, json!(code))).await;
    let logs = function.logs().await;
    let error = out.expect_err("fails closed");
    assert!(error.contains(VERIFY_FAILED), "{error}");
    assert!(logs.contains("no AWS credentials"), "{logs}");
    assert_eq!(backend.stats().get_token, 0, "nothing unsigned was sent");
}
