//! `lambda-bench`: each trigger's bootstrap under a loopback Lambda Runtime API, against the local
//! AmplifyBackend (in this process), measured the way Lambda bills it. Every answer is checked.
//!
//! lambda-bench [--bin-dir DIR (holding <function>/bootstrap)] [--node-dir DIR] [--events N] [--runs R] [--markdown FILE]
//! lambda-bench --race ROUNDSxRACERS   (replay race through the real verify binary)

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lambda_bench::proc_stats::{cpu_ns, peak_rss_kib};
use lambda_bench::runtime_api;
use local_amplifybackend::Backend;
use serde_json::{json, Value};

const APP_ID: &str = "d1a2b3c4d5e6f7";
const FUNCTIONS: [&str; 4] = [
    "define-auth-challenge",
    "create-auth-challenge",
    "verify-auth-challenge",
    "custom-message",
];

fn fixture(name: &str) -> Value {
    let text = match name {
        "define-first-call.json" => include_str!("../../../tests/fixtures/define-first-call.json"),
        "define-correct-answer.json" => {
            include_str!("../../../tests/fixtures/define-correct-answer.json")
        }
        "define-three-wrong.json" => {
            include_str!("../../../tests/fixtures/define-three-wrong.json")
        }
        "create-first-call.json" => include_str!("../../../tests/fixtures/create-first-call.json"),
        "verify-ministack.json" => include_str!("../../../tests/fixtures/verify-ministack.json"),
        "custom-message-invite.json" => {
            include_str!("../../../tests/fixtures/custom-message-invite.json")
        }
        _ => "null",
    };
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// Checks one answer; `Err` says what was wrong.
type Check = Box<dyn Fn(&Value) -> Result<(), String> + Send>;

/// One event and the check its answer must pass.
struct Case {
    event: Value,
    check: Check,
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

fn case_for(function: &str, i: usize, backend: &Backend) -> Case {
    match function {
        "define-auth-challenge" => {
            let (name, path, want) = [
                (
                    "define-first-call.json",
                    "/response/challengeName",
                    json!("CUSTOM_CHALLENGE"),
                ),
                (
                    "define-correct-answer.json",
                    "/response/issueTokens",
                    json!(true),
                ),
                (
                    "define-three-wrong.json",
                    "/response/failAuthentication",
                    json!(true),
                ),
            ][i % 3]
                .clone();
            Case {
                event: fixture(name),
                check: expect(path, want),
            }
        }
        "create-auth-challenge" => Case {
            event: fixture("create-first-call.json"),
            check: Box::new(|answer| {
                let secret = answer.pointer("/response/privateChallengeParameters/secretLoginCode");
                match secret.and_then(Value::as_str) {
                    Some(s) if s.len() >= 16 => Ok(()),
                    _ => Err("no fresh secretLoginCode".into()),
                }
            }),
        },
        "custom-message" => Case {
            event: fixture("custom-message-invite.json"),
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
        _ => {
            // verify: a live token each time; every 10th answer is wrong.
            let (session, code) = backend.create_token(APP_ID);
            let correct = i % 10 != 9;
            let mut event = fixture("verify-ministack.json");
            event["request"]["clientMetadata"] = json!({"appId": APP_ID, "sessionId": session});
            event["request"]["challengeAnswer"] =
                json!(if correct { code } else { "wrong".to_string() });
            Case {
                event,
                check: expect("/response/answerCorrect", json!(correct)),
            }
        }
    }
}

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

struct Target {
    label: String,
    function: &'static str,
    command: Vec<String>,
}

/// A function process as Lambda would start it: a clean environment with the Runtime API address,
/// the function's settings and fake credentials (the local backend checks only their shape).
fn function_process(
    program: impl AsRef<std::ffi::OsStr>,
    args: &[String],
    function: &str,
    runtime_api: &str,
    endpoint: &str,
    log_level: &str,
) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", function)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDBENCH")
        .env("AWS_SECRET_ACCESS_KEY", "bench-secret")
        .env("AWS_SESSION_TOKEN", "bench-session")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_LAMBDA_LOG_LEVEL", log_level)
        .env("ENDPOINT", endpoint)
        .env("AMPLIFY_APP_ID", APP_ID)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    command
}

async fn measure(
    target: &Target,
    events: usize,
    backend: &Arc<Backend>,
    endpoint: &str,
) -> Result<Measure, String> {
    let mut api = runtime_api::start().await.map_err(|e| e.to_string())?;
    let mut command = function_process(
        &target.command[0],
        &target.command[1..],
        target.function,
        &api.address.to_string(),
        endpoint,
        "INFO",
    );
    let spawned = Instant::now();
    let child = command
        .spawn()
        .map_err(|e| format!("{}: {e}", target.command[0]))?;
    let pid = child.id().ok_or("no pid")?;
    let init = loop {
        if let Some(at) = *api.first_next.lock().await {
            break at - spawned;
        }
        if spawned.elapsed() > Duration::from_secs(20) {
            return Err("no request for work within 20 s".into());
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    };

    let run_one = async |i: usize, api: &mut runtime_api::RuntimeApi| -> Result<Duration, String> {
        let case = case_for(target.function, i, backend);
        let request_id = format!("bench-{i}");
        let sent = Instant::now();
        api.events
            .send(runtime_api::Invocation {
                request_id: request_id.clone(),
                event: case.event,
            })
            .await
            .map_err(|_| "runtime API closed")?;
        let answer = tokio::time::timeout(Duration::from_secs(10), api.answers.recv())
            .await
            .map_err(|_| format!("invocation {i}: no answer in 10 s"))?
            .ok_or("runtime API closed")?;
        if answer.request_id != request_id {
            return Err(format!(
                "answer for {} while waiting for {request_id}",
                answer.request_id
            ));
        }
        let body = answer
            .body
            .map_err(|e| format!("invocation {i} failed: {e}"))?;
        (case.check)(&body).map_err(|e| format!("invocation {i}: wrong answer: {e}"))?;
        Ok(answer.at - sent)
    };

    let first = run_one(0, &mut api).await?;
    let (cpu_before, stats_before) = (cpu_ns(pid), backend.stats());
    let mut latencies = Vec::with_capacity(events);
    for i in 1..=events {
        latencies.push(run_one(i, &mut api).await?);
    }
    let (cpu_after, stats_after) = (cpu_ns(pid), backend.stats());
    let rss = peak_rss_kib(pid);
    drop(child);

    latencies.sort();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e6
    };
    let delta = |key: &str| {
        stats_after[key]
            .as_u64()
            .unwrap_or(0)
            .saturating_sub(stats_before[key].as_u64().unwrap_or(0)) as f64
    };
    Ok(Measure {
        init_ms: init.as_secs_f64() * 1e3,
        first_ms: first.as_secs_f64() * 1e3,
        cpu_us: (cpu_after - cpu_before) as f64 / events as f64 / 1e3,
        p50_us: pct(0.50),
        p90_us: pct(0.90),
        p99_us: pct(0.99),
        rss_mib: rss as f64 / 1024.0,
        calls_per_invocation: (delta("getToken") + delta("deleteToken") + delta("createToken"))
            / events as f64,
        connections_per_1000: delta("connections") * 1000.0 / events as f64,
    })
}

fn median(mut runs: Vec<Measure>) -> Measure {
    let mid = runs.len() / 2;
    let pick = |runs: &mut Vec<Measure>, f: fn(&Measure) -> f64| {
        runs.sort_by(|a, b| f(a).total_cmp(&f(b)));
        f(&runs[mid])
    };
    Measure {
        init_ms: pick(&mut runs, |m| m.init_ms),
        first_ms: pick(&mut runs, |m| m.first_ms),
        cpu_us: pick(&mut runs, |m| m.cpu_us),
        p50_us: pick(&mut runs, |m| m.p50_us),
        p90_us: pick(&mut runs, |m| m.p90_us),
        p99_us: pick(&mut runs, |m| m.p99_us),
        rss_mib: pick(&mut runs, |m| m.rss_mib),
        calls_per_invocation: pick(&mut runs, |m| m.calls_per_invocation),
        connections_per_1000: pick(&mut runs, |m| m.connections_per_1000),
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

/// Replay race: `racers` verify processes get the same correct code at the same moment, for
/// `rounds` rounds. Exactly one may accept per round. Returns a histogram of accepts per round.
async fn race(
    bin_dir: &Path,
    rounds: usize,
    racers: usize,
    backend: &Arc<Backend>,
    endpoint: &str,
) -> Result<Vec<usize>, String> {
    let mut apis = Vec::new();
    let mut children = Vec::new();
    for _ in 0..racers {
        let api = runtime_api::start().await.map_err(|e| e.to_string())?;
        let verify = bin_dir.join("verify-auth-challenge").join("bootstrap");
        let child = function_process(
            verify.as_os_str(),
            &[],
            "verify-auth-challenge",
            &api.address.to_string(),
            endpoint,
            "WARN",
        )
        .spawn()
        .map_err(|e| e.to_string())?;
        children.push(child);
        apis.push(api);
    }
    let mut histogram = vec![0usize; racers + 1];
    for round in 0..rounds {
        let (session, code) = backend.create_token(APP_ID);
        let mut event = fixture("verify-ministack.json");
        event["request"]["clientMetadata"] = json!({"appId": APP_ID, "sessionId": session});
        event["request"]["challengeAnswer"] = json!(code);
        for (i, api) in apis.iter().enumerate() {
            let invocation = runtime_api::Invocation {
                request_id: format!("race-{round}-{i}"),
                event: event.clone(),
            };
            api.events
                .send(invocation)
                .await
                .map_err(|_| "runtime API closed")?;
        }
        let mut accepted = 0;
        for api in apis.iter_mut() {
            let answer = tokio::time::timeout(Duration::from_secs(10), api.answers.recv())
                .await
                .map_err(|_| format!("round {round}: no answer in 10 s"))?
                .ok_or("runtime API closed")?;
            let body = answer
                .body
                .map_err(|e| format!("round {round}: function error {e}"))?;
            if body.pointer("/response/answerCorrect") == Some(&json!(true)) {
                accepted += 1;
            }
        }
        histogram[accepted] += 1;
    }
    drop(children);
    Ok(histogram)
}

struct Options {
    race: Option<(usize, usize)>,
    bin_dir: PathBuf,
    node_dir: Option<PathBuf>,
    events: usize,
    runs: usize,
    markdown: Option<PathBuf>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        race: None,
        // cargo lambda build --release --x86-64 --output-format binary --lambda-dir build/lambda/x86_64
        bin_dir: PathBuf::from("build/lambda/x86_64"),
        node_dir: None,
        events: 1000,
        runs: 3,
        markdown: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--bin-dir" => options.bin_dir = value()?.into(),
            "--node-dir" => options.node_dir = Some(value()?.into()),
            "--events" => {
                options.events = value()?.parse().map_err(|e| format!("--events: {e}"))?
            }
            "--runs" => options.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--markdown" => options.markdown = Some(value()?.into()),
            "--race" => {
                let spec = value()?;
                let (rounds, racers) = spec
                    .split_once('x')
                    .ok_or("--race ROUNDSxRACERS, e.g. 1000x2")?;
                let parse = |v: &str| v.parse::<usize>().map_err(|e| format!("--race: {e}"));
                options.race = Some((parse(rounds)?, parse(racers)?));
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if options.events == 0 || options.runs == 0 {
        return Err("--events and --runs must be at least 1".into());
    }
    Ok(options)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("lambda-bench: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let options = options()?;
    let (address, backend) = local_amplifybackend::start(0, Duration::from_secs(600))
        .await
        .map_err(|e| e.to_string())?;
    let endpoint = format!("http://{address}");
    if let Some((rounds, racers)) = options.race {
        let started = Instant::now();
        let histogram = race(&options.bin_dir, rounds, racers, &backend, &endpoint).await?;
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
            return Err("some round did not accept exactly once".into());
        }
        return Ok(());
    }
    let mut targets: Vec<Target> = FUNCTIONS
        .iter()
        .map(|&function| Target {
            label: format!("{function} (Rust)"),
            function,
            command: vec![options
                .bin_dir
                .join(function)
                .join("bootstrap")
                .display()
                .to_string()],
        })
        .collect();
    if let Some(node_dir) = &options.node_dir {
        targets.push(Target {
            label: "verify-auth-challenge (Node original)".into(),
            function: "verify-auth-challenge",
            command: vec![
                "node".into(),
                Path::new(node_dir)
                    .join("bootstrap.js")
                    .display()
                    .to_string(),
            ],
        });
    }
    let mut results = Vec::new();
    for target in &targets {
        let mut runs = Vec::new();
        for run in 0..options.runs {
            eprintln!(
                "{} run {}/{} ({} events)",
                target.label,
                run + 1,
                options.runs,
                options.events
            );
            runs.push(measure(target, options.events, &backend, &endpoint).await?);
        }
        results.push((target.label.clone(), median(runs)));
    }

    let mut out = String::new();
    out.push_str(&format!(
        "Medians of {} runs, {} warm invocations each (after one cold invocation), 127.0.0.1, {} CPUs.\n\n",
        options.runs,
        options.events,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    ));
    out.push_str("| function | init (ms) | first invocation (ms) | CPU per warm invocation (µs) | p50 (µs) | p90 (µs) | p99 (µs) | peak RSS (MiB) | backend calls / invocation | connections / 1000 invocations |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    for (label, m) in &results {
        out.push_str(&row(label, m));
        out.push('\n');
    }
    let rust = results
        .iter()
        .find(|(l, _)| l == "verify-auth-challenge (Rust)")
        .map(|(_, m)| m.clone());
    let node = results
        .iter()
        .find(|(l, _)| l.contains("Node"))
        .map(|(_, m)| m.clone());
    if let (Some(r), Some(n)) = (rust, node) {
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
    println!("{out}");
    if let Some(path) = options.markdown {
        std::fs::write(&path, &out).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
