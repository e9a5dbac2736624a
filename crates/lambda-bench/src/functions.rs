//! The four triggers, the event each is given and the check its answer must pass.

use local_amplifybackend::Backend;
use serde_json::{json, Value};
use test_support::Fixture;

/// The local backend's app id, as the functions are configured (`AMPLIFY_APP_ID`).
pub const APP_ID: &str = "d1a2b3c4d5e6f7";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Function {
    #[value(name = "define-auth-challenge")]
    Define,
    #[value(name = "create-auth-challenge")]
    Create,
    #[value(name = "verify-auth-challenge")]
    Verify,
    #[value(name = "custom-message")]
    CustomMessage,
}

impl Function {
    pub const ALL: [Function; 4] = [
        Function::Define,
        Function::Create,
        Function::Verify,
        Function::CustomMessage,
    ];

    /// The function's name (its directory under `--bin-dir`).
    pub fn name(self) -> &'static str {
        match self {
            Function::Define => "define-auth-challenge",
            Function::Create => "create-auth-challenge",
            Function::Verify => "verify-auth-challenge",
            Function::CustomMessage => "custom-message",
        }
    }

    /// The `i`th event for this function, and the check its answer must pass.
    pub fn case(self, i: usize, backend: &Backend) -> Case {
        match self {
            Function::Define => {
                let (name, path, want) = [
                    (
                        Fixture::DefineFirstCall,
                        "/response/challengeName",
                        json!("CUSTOM_CHALLENGE"),
                    ),
                    (
                        Fixture::DefineCorrectAnswer,
                        "/response/issueTokens",
                        json!(true),
                    ),
                    (
                        Fixture::DefineThreeWrong,
                        "/response/failAuthentication",
                        json!(true),
                    ),
                ][i % 3]
                    .clone();
                Case {
                    event: name.event(),
                    check: expect(path, want),
                }
            }
            Function::Create => Case {
                event: Fixture::CreateFirstCall.event(),
                check: Box::new(|answer| {
                    let secret =
                        answer.pointer("/response/privateChallengeParameters/secretLoginCode");
                    match secret.and_then(Value::as_str) {
                        Some(s) if s.len() >= 16 => Ok(()),
                        _ => Err("no fresh secretLoginCode".into()),
                    }
                }),
            },
            Function::CustomMessage => Case {
                event: Fixture::CustomMessageInvite.event(),
                check: Box::new(|answer| {
                    let body = answer
                        .pointer("/response/emailMessage")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let subject = answer
                        .pointer("/response/emailSubject")
                        .and_then(Value::as_str);
                    if subject == Some("Welcome to Amplify Studio | Your temporary account details")
                        && body.contains("{username}")
                        && body.contains("{####}")
                    {
                        Ok(())
                    } else {
                        Err("not the Studio invitation".into())
                    }
                }),
            },
            Function::Verify => {
                // A live token each time; every 10th answer is wrong.
                let (session, code) = backend.create_token(APP_ID);
                let correct = i % 10 != 9;
                let answer = if correct { code } else { "wrong".to_string() };
                Case {
                    event: verify_event(&session, &answer),
                    check: expect("/response/answerCorrect", json!(correct)),
                }
            }
        }
    }
}

/// A verify event for this app's token `session`, answered with `answer`.
pub fn verify_event(session: &str, answer: &str) -> Value {
    test_support::events::verify_event(Fixture::VerifyMinistack, APP_ID, session, json!(answer))
}

/// Checks one answer; `Err` says what was wrong.
pub type Check = Box<dyn Fn(&Value) -> Result<(), String> + Send>;

/// One event and the check its answer must pass.
pub struct Case {
    pub event: Value,
    pub check: Check,
}

fn expect(path: &'static str, want: Value) -> Check {
    Box::new(move |answer: &Value| {
        let got = answer.pointer(path).cloned().unwrap_or(Value::Null);
        if got == want {
            Ok(())
        } else {
            Err(format!("{path}: expected {want}, got {got}"))
        }
    })
}
