//! `lambda-bench`: each trigger's bootstrap under a loopback Lambda Runtime API, against the local
//! AmplifyBackend (in this process), measured the way Lambda bills it. Every answer is checked.
//! Warm invocations by default, cold starts with `--cold`, the replay race with `--race`;
//! `lambda-bench --help` for the options.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use lambda_bench::cold;
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
    Ok(Measure {
        init_ms: init.as_secs_f64() * 1e3,
        first_ms: first.as_secs_f64() * 1e3,
        cpu_us: (cpu_after - cpu_before) as f64 / events as f64 / 1e3,
        p50_us: pct(0.50),
        p90_us: pct(0.90),
        p99_us: pct(0.99),
        rss_mib: rss as f64 / 1024.0,
        calls_per_invocation: stats_after.calls().saturating_sub(stats_before.calls()) as f64
            / events as f64,
        connections_per_1000: stats_after
            .connections
            .saturating_sub(stats_before.connections) as f64
            * 1000.0
            / events as f64,
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

/// Runs Lambda bootstraps (ours and the Node original) under a loopback Runtime API against the
/// local AmplifyBackend, and measures them. Every answer is checked: a wrong one fails the run.
#[derive(Parser, Debug)]
#[command(name = "lambda-bench", version)]
struct Options {
    /// Directory holding <function>/bootstrap (cargo lambda build --output-format binary).
    #[arg(long, default_value = "build/lambda/x86_64")]
    bin_dir: PathBuf,
    /// Directory of the Node original (`make node-original`): measured beside ours.
    #[arg(long)]
    node_dir: Option<PathBuf>,
    /// Warm invocations per run (after one cold invocation).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    events: u32,
    /// Runs per function; the medians are reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Also write the table to this file (Markdown).
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Replay race instead: ROUNDSxRACERS verify processes given one correct code at once.
    #[arg(long, value_name = "ROUNDSxRACERS", value_parser = parse_race)]
    race: Option<(usize, usize)>,
    /// Cold starts instead: a fresh process per trial, AmplifyBackend over TLS (a CA made for
    /// the run, trusted through STUDIO_LOGIN_TEST_CA_FILE by a `test-ca` build of verify, and
    /// NODE_EXTRA_CA_CERTS by Node).
    #[arg(long, conflicts_with = "race")]
    cold: bool,
    /// With --cold: fresh processes per function.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..))]
    trials: u32,
    /// With --cold: run each process under the CPU share Lambda gives this memory size (MB),
    /// through a cgroup CPU quota (root; v1 cpu controller or v2 cpu.max).
    #[arg(long, value_name = "MB", requires = "cold")]
    memory: Option<u32>,
    /// With --cold: also set SSL_CERT_FILE to the system bundle plus the run's CA, for builds that
    /// read the system store (earlier releases of these functions).
    #[arg(long, requires = "cold")]
    system_trust: bool,
    /// Only these functions (default: all four, and the Node original when --node-dir is given).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

fn parse_race(spec: &str) -> Result<(usize, usize), String> {
    let (rounds, racers) = spec.split_once('x').ok_or("ROUNDSxRACERS, e.g. 1000x2")?;
    let parse = |v: &str| v.parse::<usize>().map_err(|e| e.to_string());
    match (parse(rounds)?, parse(racers)?) {
        (0, _) | (_, 0) => Err("rounds and racers must be at least 1".into()),
        pair => Ok(pair),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("lambda-bench: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let options = Options::parse();
    if options.cold {
        return run_cold(&options).await;
    }
    let events = options.events as usize;
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
    let targets = targets(&options);
    let mut results = Vec::new();
    for target in &targets {
        let mut runs = Vec::new();
        for run in 0..options.runs {
            eprintln!(
                "{} run {}/{} ({} events)",
                target.label,
                run + 1,
                options.runs,
                events
            );
            runs.push(measure(target, events, &backend, &endpoint).await?);
        }
        results.push((target.label.clone(), median(runs)));
    }
    report(&options, &results)
}

/// The bootstraps to run: ours from --bin-dir, and the Node original from --node-dir.
fn targets(options: &Options) -> Vec<Target> {
    let wanted =
        |function: &str| options.only.is_empty() || options.only.iter().any(|o| o == function);
    let mut targets: Vec<Target> = FUNCTIONS
        .iter()
        .filter(|function| wanted(function))
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
    if let Some(node_dir) = options.node_dir.as_ref().filter(|_| wanted("node")) {
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
    targets
}

fn report(options: &Options, results: &[(String, Measure)]) -> Result<(), String> {
    let mut out = String::new();
    out.push_str(&format!(
        "Medians of {} runs, {} warm invocations each (after one cold invocation), 127.0.0.1, {} CPUs.\n\n",
        options.runs,
        options.events,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    ));
    out.push_str("| function | init (ms) | first invocation (ms) | CPU per warm invocation (µs) | p50 (µs) | p90 (µs) | p99 (µs) | peak RSS (MiB) | backend calls / invocation | connections / 1000 invocations |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    for (label, m) in results {
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
    write_markdown(options, &out)
}

fn write_markdown(options: &Options, out: &str) -> Result<(), String> {
    if let Some(path) = &options.markdown {
        std::fs::write(path, out).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// `--cold`: per function, `--trials` fresh processes, each given one event (queued before it
/// starts, as Lambda does for a cold invoke) against AmplifyBackend over TLS.
async fn run_cold(options: &Options) -> Result<(), String> {
    let ca = cold::test_ca(Path::new("build/cold-tls"))?;
    let (endpoint, backend) = cold::tls_backend(&ca).await?;
    let quota = match options.memory {
        Some(mb) => match cold::CpuQuota::for_memory(mb) {
            Ok(quota) => Some((mb, quota)),
            Err(why) => {
                eprintln!("lambda-bench: no CPU quota ({why}): reporting CPU time, and wall time at full speed");
                None
            }
        },
        None => None,
    };
    let mut results = Vec::new();
    for target in targets(options) {
        let mut trials = Vec::new();
        for trial in 0..options.trials as usize {
            if quota.is_some() {
                // Each Lambda sandbox has its own quota: let the group's refill (one period)
                // before the next process, so no trial inherits the last one's throttling.
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            trials.push(
                cold_trial(
                    &target,
                    trial,
                    &backend,
                    &endpoint,
                    &ca,
                    quota.as_ref().map(|(_, q)| q),
                    options.system_trust,
                )
                .await
                .map_err(|e| format!("{} trial {trial}: {e}", target.label))?,
            );
        }
        results.push((target.label.clone(), cold::summarize(&trials)));
    }
    let share = match &quota {
        Some((mb, q)) => format!(
            "under a CPU quota of {} µs per {} ms (the share of a {mb} MB function)",
            q.quota_us, 100
        ),
        None => "at full CPU speed (no quota)".to_string(),
    };
    let mut out = format!(
        "Cold starts: {} fresh processes per function, AmplifyBackend over TLS on 127.0.0.1 (test CA), {share}.\n\n",
        options.trials
    );
    out.push_str("| function | init (ms) | first invocation (ms) | cold wall median (ms) | cold wall p90 (ms) | cold-path CPU (ms) | threads |\n|---|---|---|---|---|---|---|\n");
    for (label, s) in &results {
        out.push_str(&format!(
            "| {label} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {} |\n",
            s.init_ms, s.first_ms, s.wall_ms, s.wall_p90_ms, s.cpu_ms, s.max_threads
        ));
    }
    let cpu = |name: &str| {
        results
            .iter()
            .find(|(l, _)| l == name)
            .map(|(_, s)| s.cpu_ms)
    };
    if let (Some(verify), Some(define)) = (
        cpu("verify-auth-challenge (Rust)"),
        cpu("define-auth-challenge (Rust)"),
    ) {
        out.push_str(&format!(
            "\nverify's cold-path CPU is {:.2}× define's (no network: the floor).\n",
            verify / define
        ));
    }
    println!("{out}");
    write_markdown(options, &out)
}

async fn cold_trial(
    target: &Target,
    trial: usize,
    backend: &Arc<Backend>,
    endpoint: &str,
    ca: &cold::TestCa,
    quota: Option<&cold::CpuQuota>,
    system_trust: bool,
) -> Result<cold::Trial, String> {
    let mut api = runtime_api::start().await.map_err(|e| e.to_string())?;
    let mut command = function_process(
        &target.command[0],
        &target.command[1..],
        target.function,
        &api.address.to_string(),
        endpoint,
        "INFO",
    );
    // Ours trust Amazon's roots only, plus this file in a `test-ca` build; Node adds it to its own.
    command
        .env("STUDIO_LOGIN_TEST_CA_FILE", &ca.node_extra_ca_certs)
        .env("NODE_EXTRA_CA_CERTS", &ca.node_extra_ca_certs);
    if system_trust {
        command.env("SSL_CERT_FILE", &ca.ssl_cert_file);
    }
    if let Some(quota) = quota {
        quota.confine(&mut command)?;
    }
    let case = case_for(target.function, trial, backend);
    // Queued before the process exists: a cold invoke is waiting when init ends.
    api.events
        .send(runtime_api::Invocation {
            request_id: format!("cold-{trial}"),
            event: case.event,
        })
        .await
        .map_err(|_| "runtime API closed")?;
    let spawned = Instant::now();
    let child = command
        .spawn()
        .map_err(|e| format!("{}: {e}", target.command[0]))?;
    let pid = child.id().ok_or("no pid")?;
    let answer = tokio::time::timeout(Duration::from_secs(30), api.answers.recv())
        .await
        .map_err(|_| "no answer within 30 s")?
        .ok_or("runtime API closed")?;
    let cpu = cold::cpu_of(pid);
    let threads = cold::threads_of(pid);
    drop(child);
    let body = answer.body.map_err(|e| format!("function error: {e}"))?;
    (case.check)(&body).map_err(|e| format!("wrong answer: {e}"))?;
    let first_next = (*api.first_next.lock().await).ok_or("answered without asking for work")?;
    Ok(cold::Trial {
        init: first_next - spawned,
        first: answer.at - first_next,
        wall: answer.at - spawned,
        cpu,
        threads,
    })
}
