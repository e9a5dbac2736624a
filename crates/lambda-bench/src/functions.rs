//! The four triggers, the event each is given and the check its answer must pass.

use local_amplifybackend::Backend;
use serde_json::{json, Value};

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
    let mut event = Fixture::VerifyMinistack.event();
    event["request"]["clientMetadata"] = json!({"appId": APP_ID, "sessionId": session});
    event["request"]["challengeAnswer"] = json!(answer);
    event
}

/// The fixtures under `tests/fixtures/` the bench sends.
#[derive(Clone, Copy, Debug)]
enum Fixture {
    DefineFirstCall,
    DefineCorrectAnswer,
    DefineThreeWrong,
    CreateFirstCall,
    VerifyMinistack,
    CustomMessageInvite,
}

impl Fixture {
    fn event(self) -> Value {
        let text = match self {
            Fixture::DefineFirstCall => {
                include_str!("../../../tests/fixtures/define-first-call.json")
            }
            Fixture::DefineCorrectAnswer => {
                include_str!("../../../tests/fixtures/define-correct-answer.json")
            }
            Fixture::DefineThreeWrong => {
                include_str!("../../../tests/fixtures/define-three-wrong.json")
            }
            Fixture::CreateFirstCall => {
                include_str!("../../../tests/fixtures/create-first-call.json")
            }
            Fixture::VerifyMinistack => {
                include_str!("../../../tests/fixtures/verify-ministack.json")
            }
            Fixture::CustomMessageInvite => {
                include_str!("../../../tests/fixtures/custom-message-invite.json")
            }
        };
        // The fixtures are JSON (the fixture tests parse each one); `Null` would fail the check.
        serde_json::from_str(text).unwrap_or(Value::Null)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixture_parses() {
        for fixture in [
            Fixture::DefineFirstCall,
            Fixture::DefineCorrectAnswer,
            Fixture::DefineThreeWrong,
            Fixture::CreateFirstCall,
            Fixture::VerifyMinistack,
            Fixture::CustomMessageInvite,
        ] {
            assert!(fixture.event().is_object(), "{fixture:?}");
        }
    }
}
