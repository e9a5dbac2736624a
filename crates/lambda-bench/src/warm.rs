//! `warm`: per function, one cold invocation then `events` warm ones in one process, `runs`
//! times; the medians are reported.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use local_amplifybackend::Backend;

use crate::proc_stats::{cpu_ns, peak_rss_kib};
use crate::runtime_api::{self, RuntimeApi};
use crate::spawn::{write_markdown, Target};
use crate::stats::{median, percentile};

#[derive(Clone, Debug, Default)]
struct Measure {
    init_ms: f64,
    first_ms: f64,
    cpu_us: f64,
    p50_us: f64,
    p90_us: f64,
    p99_us: f64,
    rss_mib: f64,
    calls_per_invocation: f64,
    connections_per_1000: f64,
}

/// Measure each target `runs` times, print the table and write it to `markdown` when given.
pub async fn run(
    targets: &[Target],
    events: usize,
    runs: usize,
    markdown: Option<&Path>,
) -> anyhow::Result<()> {
    let (address, backend) = local_amplifybackend::start(0, Duration::from_secs(600)).await?;
    let endpoint = format!("http://{address}");
    let mut results = Vec::new();
    for target in targets {
        let mut measures = Vec::new();
        for run in 0..runs {
            eprintln!(
                "{} run {}/{} ({} events)",
                target.label,
                run + 1,
                runs,
                events
            );
            measures.push(measure(target, events, &backend, &endpoint).await?);
        }
        results.push((target.label.clone(), medians(&measures)));
    }
    let out = report(runs, events, &results);
    println!("{out}");
    write_markdown(markdown, &out)
}

async fn measure(
    target: &Target,
    events: usize,
    backend: &Arc<Backend>,
    endpoint: &str,
) -> anyhow::Result<Measure> {
    let mut api = runtime_api::start().await?;
    let mut command = target.command(&api.address.to_string(), endpoint, "INFO");
    let spawned = Instant::now();
    let child = command.spawn().context(target.command[0].clone())?;
    let pid = child.id().context("no pid")?;
    let init = loop {
        if let Some(at) = *api.first_next.lock().await {
            break at - spawned;
        }
        if spawned.elapsed() > Duration::from_secs(20) {
            bail!("no request for work within 20 s");
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    };

    let run_one = async |i: usize, api: &mut RuntimeApi| -> anyhow::Result<Duration> {
        let case = target.function.case(i, backend);
        let request_id = format!("bench-{i}");
        let sent = Instant::now();
        api.events
            .send(runtime_api::Invocation {
                request_id: request_id.clone(),
                event: case.event,
            })
            .await
            .map_err(|_| anyhow!("runtime API closed"))?;
        let answer = tokio::time::timeout(Duration::from_secs(10), api.answers.recv())
            .await
            .map_err(|_| anyhow!("invocation {i}: no answer in 10 s"))?
            .context("runtime API closed")?;
        if answer.request_id != request_id {
            bail!(
                "answer for {} while waiting for {request_id}",
                answer.request_id
            );
        }
        let body = answer
            .body
            .map_err(|e| anyhow!("invocation {i} failed: {e}"))?;
        (case.check)(&body).map_err(|e| anyhow!("invocation {i}: wrong answer: {e}"))?;
        Ok(answer.at - sent)
    };

    let first = run_one(0, &mut api).await?;
    let (cpu_before, stats_before) = (cpu_ns(pid), backend.stats());
    let mut latencies_us = Vec::with_capacity(events);
    for i in 1..=events {
        latencies_us.push(run_one(i, &mut api).await?.as_secs_f64() * 1e6);
    }
    let (cpu_after, stats_after) = (cpu_ns(pid), backend.stats());
    let rss = peak_rss_kib(pid);
    drop(child);

    let per_event = |before: u64, after: u64| after.saturating_sub(before) as f64 / events as f64;
    Ok(Measure {
        init_ms: init.as_secs_f64() * 1e3,
        first_ms: first.as_secs_f64() * 1e3,
        cpu_us: (cpu_after - cpu_before) as f64 / events as f64 / 1e3,
        p50_us: percentile(&latencies_us, 0.50),
        p90_us: percentile(&latencies_us, 0.90),
        p99_us: percentile(&latencies_us, 0.99),
        rss_mib: rss as f64 / 1024.0,
        calls_per_invocation: per_event(stats_before.calls(), stats_after.calls()),
        connections_per_1000: per_event(stats_before.connections, stats_after.connections) * 1000.0,
    })
}

/// Each metric's median over the runs.
fn medians(runs: &[Measure]) -> Measure {
    let pick = |f: fn(&Measure) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    Measure {
        init_ms: pick(|m| m.init_ms),
        first_ms: pick(|m| m.first_ms),
        cpu_us: pick(|m| m.cpu_us),
        p50_us: pick(|m| m.p50_us),
        p90_us: pick(|m| m.p90_us),
        p99_us: pick(|m| m.p99_us),
        rss_mib: pick(|m| m.rss_mib),
        calls_per_invocation: pick(|m| m.calls_per_invocation),
        connections_per_1000: pick(|m| m.connections_per_1000),
    }
}

fn row(label: &str, m: &Measure) -> String {
    format!(
        "| {label} | {:.1} | {:.2} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} | {:.2} | {:.1} |",
        m.init_ms,
        m.first_ms,
        m.cpu_us,
        m.p50_us,
        m.p90_us,
        m.p99_us,
        m.rss_mib,
        m.calls_per_invocation,
        m.connections_per_1000
    )
}

fn report(runs: usize, events: usize, results: &[(String, Measure)]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Medians of {runs} runs, {events} warm invocations each (after one cold invocation), 127.0.0.1, {} CPUs.\n\n",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    ));
    out.push_str("| function | init (ms) | first invocation (ms) | CPU per warm invocation (µs) | p50 (µs) | p90 (µs) | p99 (µs) | peak RSS (MiB) | backend calls / invocation | connections / 1000 invocations |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    for (label, m) in results {
        out.push_str(&row(label, m));
        out.push('\n');
    }
    let find = |wanted: fn(&str) -> bool| results.iter().find(|(l, _)| wanted(l)).map(|(_, m)| m);
    if let (Some(r), Some(n)) = (
        find(|l| l == "verify-auth-challenge (Rust)"),
        find(|l| l.contains("Node")),
    ) {
        out.push_str("\nverify-auth-challenge, Rust / Node (lower is better):\n\n");
        out.push_str("| metric | Rust | Node | Rust/Node | 1 / ratio |\n|---|---|---|---|---|\n");
        for (name, a, b) in [
            ("init (ms)", r.init_ms, n.init_ms),
            ("first invocation (ms)", r.first_ms, n.first_ms),
            ("CPU per warm invocation (µs)", r.cpu_us, n.cpu_us),
            ("p50 latency (µs)", r.p50_us, n.p50_us),
            ("p99 latency (µs)", r.p99_us, n.p99_us),
            ("peak RSS (MiB)", r.rss_mib, n.rss_mib),
        ] {
            out.push_str(&format!(
                "| {name} | {a:.2} | {b:.2} | {:.3} | {:.1}× |\n",
                a / b,
                b / a
            ));
        }
    }
    out
}
