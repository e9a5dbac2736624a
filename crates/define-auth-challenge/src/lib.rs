//! define-auth-challenge: the 3-attempt state machine of the Studio login.

use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsChallengeResult as ChallengeResult,
    CognitoEventUserPoolsDefineAuthChallenge as DefineEvent,
    CognitoEventUserPoolsDefineAuthChallengeResponse as DefineResponse,
};
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;
use studio_login::event::{decode, is_heartbeat, respond};

pub const CUSTOM_CHALLENGE: &str = "CUSTOM_CHALLENGE";
/// A sign-in fails after this many wrong answers.
pub const MAX_ATTEMPTS: usize = 3;

/// What Cognito should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    IssueTokens,
    AskForCode,
    Fail(FailReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailReason {
    /// `userNotFound` with a successful answer in the history: cannot happen (verify never
    /// accepts for an unknown user), so never tokens for a user that does not exist.
    UserNotFound,
    /// A `null` entry in `session`: a history we cannot read is not trusted.
    UnreadableSession,
    /// Some entry is not our CUSTOM_CHALLENGE (e.g. SRP/password): this pool is code-only.
    OtherChallenge,
    /// The third wrong answer.
    TooManyAttempts,
}

/// The original's rules, in its order, plus deliberate answers for inputs it threw on.
///
/// `user_not_found` (pools with `PreventUserExistenceErrors`) changes nothing but the last step:
/// an unknown email is asked for a code and refused exactly like a team member with a wrong
/// one, so the answers never tell who is a Studio user; only tokens are never issued to it.
pub fn decide(session: &[Option<ChallengeResult>], user_not_found: bool) -> Decision {
    let Some(session) = session
        .iter()
        .map(Option::as_ref)
        .collect::<Option<Vec<_>>>()
    else {
        return Decision::Fail(FailReason::UnreadableSession);
    };
    if session
        .iter()
        .any(|entry| entry.challenge_name.as_deref() != Some(CUSTOM_CHALLENGE))
    {
        return Decision::Fail(FailReason::OtherChallenge);
    }
    match session.last() {
        Some(last) if session.len() >= MAX_ATTEMPTS && !last.challenge_result => {
            Decision::Fail(FailReason::TooManyAttempts)
        }
        Some(last) if last.challenge_result && user_not_found => {
            Decision::Fail(FailReason::UserNotFound)
        }
        Some(last) if last.challenge_result => Decision::IssueTokens,
        _ => Decision::AskForCode,
    }
}

impl Decision {
    /// A stable name for the log line (the `DefineDecision` metric's `Decision` dimension).
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::IssueTokens => "issue_tokens",
            Decision::AskForCode => "ask_for_code",
            Decision::Fail(FailReason::UserNotFound) => "fail_user_not_found",
            Decision::Fail(FailReason::UnreadableSession) => "fail_unreadable_session",
            Decision::Fail(FailReason::OtherChallenge) => "fail_other_challenge",
            Decision::Fail(FailReason::TooManyAttempts) => "fail_too_many_attempts",
        }
    }
}

fn response_for(decision: Decision) -> DefineResponse {
    let mut response = DefineResponse::default();
    match decision {
        Decision::IssueTokens => response.issue_tokens = true,
        Decision::Fail(_) => response.fail_authentication = true,
        Decision::AskForCode => response.challenge_name = Some(CUSTOM_CHALLENGE.to_string()),
    }
    response
}

/// Cognito omits `session` on some first calls and sends `null` on others; both mean "no
/// attempts yet". The typed event requires the field, so supply the empty history.
fn with_session_defaulted(mut payload: Value) -> Value {
    if let Some(request) = payload.get_mut("request").and_then(Value::as_object_mut) {
        let session = request.entry("session").or_insert(Value::Null);
        if session.is_null() {
            *session = Value::Array(Vec::new());
        }
    }
    payload
}

pub async fn function_handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let payload = with_session_defaulted(event.payload);
    let define: DefineEvent = decode("define-auth-challenge", &payload)?;
    let decision = decide(&define.request.session, define.request.user_not_found);
    let app_id = studio_login::logging::app_id();
    if is_heartbeat(&define.cognito_event_user_pools_header.caller_context) {
        // The stack's scheduled probe: `heartbeat`, never `decision`, so DefineDecision never
        // counts it; `ask_for_code` (a first call) is the healthy answer.
        tracing::info!(
            heartbeat = decision.as_str(),
            trigger = "define-auth-challenge",
            app_id,
            "heartbeat probe"
        );
    } else {
        tracing::info!(
            decision = decision.as_str(),
            attempts = define.request.session.len(),
            app_id,
            "defined next step"
        );
    }
    Ok(respond(payload, &response_for(decision))?)
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use studio_login::test_support::Fixture;

    #[test]
    fn every_decision_has_its_own_metric_name() {
        let all = [
            Decision::IssueTokens,
            Decision::AskForCode,
            Decision::Fail(FailReason::UserNotFound),
            Decision::Fail(FailReason::UnreadableSession),
            Decision::Fail(FailReason::OtherChallenge),
            Decision::Fail(FailReason::TooManyAttempts),
        ];
        let names: std::collections::HashSet<_> = all.iter().map(Decision::as_str).collect();
        assert_eq!(names.len(), all.len(), "{names:?}");
        // A CloudWatch dimension value the dashboard and alarms can name: snake_case only.
        assert!(names
            .iter()
            .all(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    }

    fn entry(name: &str, result: bool) -> Option<ChallengeResult> {
        let mut entry = ChallengeResult::default();
        entry.challenge_name = (!name.is_empty()).then(|| name.to_string());
        entry.challenge_result = result;
        Some(entry)
    }

    fn custom(results: &[bool]) -> Vec<Option<ChallengeResult>> {
        results
            .iter()
            .map(|&r| entry(CUSTOM_CHALLENGE, r))
            .collect()
    }

    #[test]
    fn first_call_asks_for_the_code() {
        assert_eq!(decide(&[], false), Decision::AskForCode);
    }

    #[test]
    fn a_right_answer_issues_tokens() {
        assert_eq!(decide(&custom(&[true]), false), Decision::IssueTokens);
        assert_eq!(
            decide(&custom(&[false, true]), false),
            Decision::IssueTokens
        );
        assert_eq!(
            decide(&custom(&[false, false, true]), false),
            Decision::IssueTokens
        );
    }

    #[test]
    fn wrong_answers_get_new_challenges_until_the_third() {
        assert_eq!(decide(&custom(&[false]), false), Decision::AskForCode);
        assert_eq!(
            decide(&custom(&[false, false]), false),
            Decision::AskForCode
        );
        assert_eq!(
            decide(&custom(&[false, false, false]), false),
            Decision::Fail(FailReason::TooManyAttempts)
        );
        assert_eq!(
            decide(&custom(&[false, false, false, false]), false),
            Decision::Fail(FailReason::TooManyAttempts)
        );
    }

    #[test]
    fn any_other_challenge_fails() {
        let session = vec![entry("SRP_A", true), entry(CUSTOM_CHALLENGE, true)];
        assert_eq!(
            decide(&session, false),
            Decision::Fail(FailReason::OtherChallenge)
        );
        let mut unnamed = ChallengeResult::default();
        unnamed.challenge_result = true;
        assert_eq!(
            decide(&[Some(unnamed)], false),
            Decision::Fail(FailReason::OtherChallenge)
        );
    }

    #[test]
    fn null_entries_fail_instead_of_throwing() {
        let session = vec![entry(CUSTOM_CHALLENGE, false), None];
        assert_eq!(
            decide(&session, false),
            Decision::Fail(FailReason::UnreadableSession)
        );
    }

    #[test]
    fn unknown_users_are_asked_and_refused_like_team_members() {
        assert_eq!(decide(&[], true), Decision::AskForCode);
        assert_eq!(decide(&custom(&[false]), true), Decision::AskForCode);
        assert_eq!(
            decide(&custom(&[false, false, false]), true),
            Decision::Fail(FailReason::TooManyAttempts)
        );
        assert_eq!(
            decide(&custom(&[true]), true),
            Decision::Fail(FailReason::UserNotFound)
        );
    }

    #[test]
    fn responses_set_exactly_the_right_flags() {
        let tokens = response_for(Decision::IssueTokens);
        assert!(tokens.issue_tokens && !tokens.fail_authentication);
        let fail = response_for(Decision::Fail(FailReason::TooManyAttempts));
        assert!(!fail.issue_tokens && fail.fail_authentication);
        let ask = response_for(Decision::AskForCode);
        assert!(!ask.issue_tokens && !ask.fail_authentication);
        assert_eq!(ask.challenge_name.as_deref(), Some(CUSTOM_CHALLENGE));
    }

    /// Every history up to 5 entries over every kind of entry Cognito (or a broken caller) can
    /// send: 6^0 + … + 6^5 = 9,331 histories, each with and without `userNotFound`, checked
    /// against the rules restated independently.
    #[test]
    fn every_history_up_to_length_five_follows_the_rules() {
        let kinds: [Option<(&str, bool)>; 6] = [
            None,
            Some((CUSTOM_CHALLENGE, true)),
            Some((CUSTOM_CHALLENGE, false)),
            Some(("SRP_A", true)),
            Some(("PASSWORD_VERIFIER", false)),
            Some(("", true)),
        ];
        let mut histories: Vec<Vec<usize>> = vec![vec![]];
        let mut frontier = histories.clone();
        for _ in 0..5 {
            frontier = frontier
                .iter()
                .flat_map(|h| (0..kinds.len()).map(move |k| [h.clone(), vec![k]].concat()))
                .collect();
            histories.extend(frontier.iter().cloned());
        }
        assert_eq!(histories.len(), 9331);
        for history in &histories {
            let session: Vec<Option<ChallengeResult>> = history
                .iter()
                .map(|&k| kinds[k].and_then(|(name, ok)| entry(name, ok)))
                .collect();
            let all_custom = history
                .iter()
                .all(|&k| matches!(kinds[k], Some((CUSTOM_CHALLENGE, _))));
            let last_ok = history
                .last()
                .is_some_and(|&k| kinds[k].is_some_and(|(_, ok)| ok));
            let expected = if history.iter().any(|&k| kinds[k].is_none()) {
                Decision::Fail(FailReason::UnreadableSession)
            } else if !all_custom {
                Decision::Fail(FailReason::OtherChallenge)
            } else if history.len() >= 3 && !last_ok {
                Decision::Fail(FailReason::TooManyAttempts)
            } else if last_ok {
                Decision::IssueTokens
            } else {
                Decision::AskForCode
            };
            assert_eq!(decide(&session, false), expected, "{history:?}");
            // An unknown user gets the same answer, except that tokens become a failure.
            let expected_unknown = match expected {
                Decision::IssueTokens => Decision::Fail(FailReason::UserNotFound),
                other => other,
            };
            assert_eq!(decide(&session, true), expected_unknown, "{history:?}");
            // The security property: tokens only right after a correct code, never past 3 wrong.
            if decide(&session, false) == Decision::IssueTokens {
                assert!(last_ok && all_custom);
                assert!(
                    history
                        .iter()
                        .filter(|&&k| kinds[k] == Some((CUSTOM_CHALLENGE, false)))
                        .count()
                        < history.len()
                );
            }
        }
    }

    async fn run(payload: Value) -> Result<Value, Error> {
        function_handler(LambdaEvent::new(payload, Default::default())).await
    }

    #[tokio::test]
    async fn fixtures_get_the_documented_answers() {
        let cases = [
            (
                Fixture::DefineFirstCall,
                json!({"challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false}),
            ),
            (
                Fixture::DefineSessionAbsent,
                json!({"challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false}),
            ),
            (
                Fixture::DefineSessionNull,
                json!({"challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false}),
            ),
            (
                Fixture::DefineCorrectAnswer,
                json!({"challengeName": null, "issueTokens": true, "failAuthentication": false}),
            ),
            (
                Fixture::DefineOneWrong,
                json!({"challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false}),
            ),
            (
                Fixture::DefineThreeWrong,
                json!({"challengeName": null, "issueTokens": false, "failAuthentication": true}),
            ),
            (
                Fixture::DefineNullEntry,
                json!({"challengeName": null, "issueTokens": false, "failAuthentication": true}),
            ),
            (
                Fixture::DefinePasswordVerifier,
                json!({"challengeName": null, "issueTokens": false, "failAuthentication": true}),
            ),
            (
                Fixture::DefineUserNotFound,
                json!({"challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false}),
            ),
        ];
        for (name, expected) in cases {
            let input = name.event();
            let output = run(input.clone())
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(output["response"], expected, "{name}");
            assert_eq!(output["userName"], input["userName"], "{name}: event kept");
        }
    }

    #[tokio::test]
    async fn a_malformed_event_is_a_clean_error() {
        for bad in [
            json!("nope"),
            json!({}),
            json!({"request": {"session": "x"}}),
        ] {
            let err = run(bad).await.expect_err("malformed");
            assert!(
                err.to_string()
                    .contains("malformed define-auth-challenge event"),
                "{err}"
            );
        }
    }
}
