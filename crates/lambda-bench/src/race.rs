//! `race`: `racers` verify processes get the same correct code at the same moment, for `rounds`
//! rounds. Exactly one may accept per round.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use local_amplifybackend::Backend;
use serde_json::json;

use crate::functions::{verify_event, Function, APP_ID};
use crate::runtime_api;
use crate::spawn::{bootstrap, function_process};

/// Run the race and print the histogram; an error unless every round accepted exactly once.
pub async fn run(bin_dir: &Path, rounds: usize, racers: usize) -> anyhow::Result<()> {
    let (address, backend) = local_amplifybackend::start(0, Duration::from_secs(600)).await?;
    let endpoint = format!("http://{address}");
    let started = Instant::now();
    let histogram = race(bin_dir, rounds, racers, &backend, &endpoint).await?;
    let summary: Vec<String> = histogram
        .iter()
        .enumerate()
        .map(|(n, c)| format!("{n} accepts: {c} rounds"))
        .collect();
    println!(
        "replay race, {racers} concurrent verifies of one correct code, {rounds} rounds ({:.1} s): {}",
        started.elapsed().as_secs_f64(),
        summary.join(", ")
    );
    if histogram[1] != rounds {
        bail!("some round did not accept exactly once");
    }
    Ok(())
}

/// A histogram of accepts per round.
async fn race(
    bin_dir: &Path,
    rounds: usize,
    racers: usize,
    backend: &Arc<Backend>,
    endpoint: &str,
) -> anyhow::Result<Vec<usize>> {
    let mut apis = Vec::new();
    let mut children = Vec::new();
    let verify = bootstrap(bin_dir, Function::Verify);
    for _ in 0..racers {
        let api = runtime_api::start().await?;
        let child = function_process(
            verify.as_os_str(),
            &[],
            Function::Verify.name(),
            &api.address.to_string(),
            endpoint,
            "WARN",
        )
        .spawn()
        .with_context(|| verify.display().to_string())?;
        children.push(child);
        apis.push(api);
    }
    let mut histogram = vec![0usize; racers + 1];
    for round in 0..rounds {
        let (session, code) = backend.create_token(APP_ID);
        let event = verify_event(&session, &code);
        for (i, api) in apis.iter().enumerate() {
            let invocation = runtime_api::Invocation {
                request_id: format!("race-{round}-{i}"),
                event: event.clone(),
            };
            api.events
                .send(invocation)
                .await
                .map_err(|_| anyhow!("runtime API closed"))?;
        }
        let mut accepted = 0;
        for api in apis.iter_mut() {
            let answer = tokio::time::timeout(Duration::from_secs(10), api.answers.recv())
                .await
                .map_err(|_| anyhow!("round {round}: no answer in 10 s"))?
                .context("runtime API closed")?;
            let body = answer
                .body
                .map_err(|e| anyhow!("round {round}: function error {e}"))?;
            if body.pointer("/response/answerCorrect") == Some(&json!(true)) {
                accepted += 1;
            }
        }
        histogram[accepted] += 1;
    }
    drop(children);
    Ok(histogram)
}
