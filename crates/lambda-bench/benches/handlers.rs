//! Micro-benchmarks of the pure logic: `cargo bench -p lambda-bench`.

use std::collections::HashMap;
use std::hint::black_box;

use aws_lambda_events::event::cognito::CognitoEventUserPoolsChallengeResult as ChallengeResult;
use criterion::{criterion_group, criterion_main, Criterion};
use studio_login::test_support::MemoryTokens;
use studio_login::{Attempt, ChallengeCode, PoolApp, Verifier};

fn token_comparison(c: &mut Criterion) {
    let code = ChallengeCode::new("kq3VhN0bXk2f9TzP4wLr8sYc1JmGa6Ue");
    // Same length, differing at the start, at the end, or not at all: constant time means the
    // three take the same time.
    for (name, answer) in [
        (
            "compare/first byte differs",
            "Xq3VhN0bXk2f9TzP4wLr8sYc1JmGa6Ue",
        ),
        (
            "compare/last byte differs",
            "kq3VhN0bXk2f9TzP4wLr8sYc1JmGa6UX",
        ),
        ("compare/equal", "kq3VhN0bXk2f9TzP4wLr8sYc1JmGa6Ue"),
    ] {
        let answer = answer.to_string();
        c.bench_function(name, |b| {
            b.iter(|| black_box(&code).matches(black_box(answer.as_str())))
        });
    }
}

fn verify_decision(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    const APP: &str = "d1a2b3c4d5e6f7";
    const SESSION: &str = "8d1f0d6f-3f4e-4a4b-9c55-5b7a1f0e2c11";
    const CODE: &str = "kq3VhN0bXk2f9TzP4wLr8sYc1JmGa6Ue";
    // Always holds the token and always reports it deleted: measures the decision logic alone.
    let store = MemoryTokens::holding(APP, SESSION, CODE).keeping_tokens();
    let verifier = Verifier::new(store, PoolApp::Only(APP.into()));
    let attempt = Attempt {
        app_id: Some(APP),
        session_id: Some(SESSION),
        answer: Some(CODE),
        user_not_found: false,
    };
    c.bench_function("verify/decision with an in-memory store", |b| {
        b.iter(|| runtime.block_on(verifier.verify(black_box(&attempt))))
    });
}

fn define_state_machine(c: &mut Criterion) {
    let mut wrong = ChallengeResult::default();
    wrong.challenge_name = Some("CUSTOM_CHALLENGE".into());
    let session = vec![Some(wrong.clone()), Some(wrong)];
    c.bench_function("define/decide (2 wrong answers)", |b| {
        b.iter(|| define_auth_challenge::decide(black_box(&session), false))
    });
}

fn invitation(c: &mut Criterion) {
    let metadata: HashMap<String, String> = [
        ("appId", "d1a2b3c4d5e6f7"),
        ("appName", "My <Shop> & App!"),
        ("region", "us-east-1"),
        ("environment", "staging"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    c.bench_function("custom-message/invitation email", |b| {
        b.iter(|| {
            custom_message::invite_email(&custom_message::Invite::from_metadata(black_box(
                &metadata,
            )))
        })
    });
}

criterion_group!(
    benches,
    token_comparison,
    verify_decision,
    define_state_machine,
    invitation
);
criterion_main!(benches);
