//! Cold starts: a fresh process per trial, as a Studio login almost always meets the verify
//! function. AmplifyBackend is served over TLS with a CA made for this run, so the first call pays
//! the handshake as it does on AWS; the process can run under the CPU share Lambda gives a
//! memory size (a cgroup CPU quota), because at 128 MB that share, not the code alone, decides
//! what a person waits for.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use local_amplifybackend::Backend;

use crate::proc_stats::cpu_ns;
use crate::runtime_api;
use crate::spawn::{write_markdown, Target};
use crate::stats::{median, percentile};

/// How a cold run is set up.
pub struct Options<'a> {
    /// Fresh processes per function.
    pub trials: usize,
    /// Run each process under the CPU share Lambda gives this memory size (MB).
    pub memory: Option<u32>,
    /// Also set SSL_CERT_FILE to the system bundle plus the run's CA.
    pub system_trust: bool,
    pub markdown: Option<&'a Path>,
    /// The floor reference (`crate::floor::build`), measured beside the functions.
    pub floor: Option<&'a Path>,
    /// The keys of the local AmplifyBackend's certificate chain.
    pub server_keys: ServerKeys,
}

/// The label a target from `--baseline-bin-dir` gets: the same function, the other build.
pub fn baseline_label(label: &str) -> String {
    format!("{label} [baseline]")
}

/// Per target, `trials` fresh processes, each given one event (queued before it starts, as Lambda
/// does for a cold invoke) against AmplifyBackend over TLS; prints the table.
pub async fn run(targets: &[Target], options: &Options<'_>) -> anyhow::Result<()> {
    let ca =
        test_ca(Path::new("build/cold-tls"), options.server_keys).map_err(anyhow::Error::msg)?;
    let (endpoint, backend) = tls_backend(&ca).await.map_err(anyhow::Error::msg)?;
    let quota = match options.memory {
        Some(mb) => match CpuQuota::for_memory(mb) {
            Ok(quota) => Some((mb, quota)),
            Err(why) => {
                eprintln!("lambda-bench: no CPU quota ({why}): reporting CPU time, and wall time at full speed");
                None
            }
        },
        None => None,
    };
    // Round robin: trial n of every target (and of the floor) before trial n+1 of any, so a
    // baseline build and this one, or define and the floor, meet the same machine state: the
    // comparison is paired, not two runs minutes apart.
    let mut trials: Vec<Vec<Trial>> = targets.iter().map(|_| Vec::new()).collect();
    let mut floor_trials = Vec::new();
    let confined = quota.as_ref().map(|(_, q)| q);
    for number in 0..options.trials {
        for (target, done) in targets.iter().zip(trials.iter_mut()) {
            refill(confined).await;
            let result = trial(target, number, &backend, &endpoint, &ca, confined, options).await;
            done.push(result.with_context(|| format!("{} trial {number}", target.label))?);
        }
        if let Some(reference) = options.floor {
            refill(confined).await;
            let result = crate::floor::trial(reference, number, confined).await;
            floor_trials.push(result.with_context(|| format!("floor reference trial {number}"))?);
        }
    }
    let mut results: Vec<(String, Summary)> = targets
        .iter()
        .zip(&trials)
        .map(|(target, done)| (target.label.clone(), summarize(done)))
        .collect();
    if !floor_trials.is_empty() {
        results.push((crate::floor::LABEL.to_string(), summarize(&floor_trials)));
    }
    let share = match &quota {
        Some((mb, q)) => format!(
            "under a CPU quota of {} µs per {} ms (the share of a {mb} MB function)",
            q.quota_us, 100
        ),
        None => "at full CPU speed (no quota)".to_string(),
    };
    let out = report(options.trials, &share, &results);
    println!("{out}");
    write_markdown(options.markdown, &out)
}

/// How long a cold trial may take to answer. Generous on purpose: the bench measures and fails
/// on a wrong answer, not on time, and on a slow host at the 128 MB share the Node original's
/// ~2 s of cold CPU has taken 28 s of wall time (2026-12-02), close to the 30 s this once was.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(180);

fn report(trials: usize, share: &str, results: &[(String, Summary)]) -> String {
    let mut out = format!(
        "Cold starts: {trials} fresh processes per function, AmplifyBackend over TLS on 127.0.0.1 (test CA), {share}.\n\n",
    );
    out.push_str("| function | init (ms) | first invocation (ms) | cold wall median (ms) | cold wall p90 (ms) | cold-path CPU (ms) | threads |\n|---|---|---|---|---|---|---|\n");
    for (label, s) in results {
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
    let define = "define-auth-challenge (Rust)";
    if let (Some(verify), Some(define)) = (cpu("verify-auth-challenge (Rust)"), cpu(define)) {
        out.push_str(&format!(
            "\nverify's cold-path CPU is {:.2}× define's (no network: the floor).\n",
            verify / define
        ));
    }
    if let (Some(define), Some(floor)) = (cpu(define), cpu(crate::floor::LABEL)) {
        out.push_str(&format!(
            "\ndefine's cold-path CPU is {:.2}× the floor reference's ({define:.2} ms vs {floor:.2} ms).\n",
            define / floor
        ));
    }
    let paired: Vec<_> = results
        .iter()
        .filter_map(|(label, s)| Some((label, cpu(&baseline_label(label))?, s.cpu_ms)))
        .collect();
    if !paired.is_empty() {
        out.push_str("\nPaired with the baseline build (`--baseline-bin-dir`, alternating trials):\n\n| function | baseline cold-path CPU (ms) | this build (ms) | change |\n|---|---|---|---|\n");
        for (label, before, after) in paired {
            out.push_str(&format!(
                "| {label} | {before:.2} | {after:.2} | {:+.0} % |\n",
                (after / before - 1.0) * 100.0
            ));
        }
    }
    out
}

/// Under a quota, each Lambda sandbox has its own: let the group's refill (one period) before
/// the next process, so no trial inherits the last one's throttling.
async fn refill(quota: Option<&CpuQuota>) {
    if quota.is_some() {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// One fresh process, one event.
async fn trial(
    target: &Target,
    number: usize,
    backend: &Arc<Backend>,
    endpoint: &str,
    ca: &TestCa,
    quota: Option<&CpuQuota>,
    options: &Options<'_>,
) -> anyhow::Result<Trial> {
    let mut api = runtime_api::start().await?;
    let mut command = target.command(&api.address.to_string(), endpoint, "INFO");
    // Ours trust Amazon's roots only, plus this file in a `test-ca` build; Node adds it to its own.
    command
        .env("STUDIO_LOGIN_TEST_CA_FILE", &ca.node_extra_ca_certs)
        .env("NODE_EXTRA_CA_CERTS", &ca.node_extra_ca_certs);
    if options.system_trust {
        command.env("SSL_CERT_FILE", &ca.ssl_cert_file);
    }
    let case = target.function.case(number, backend);
    let label = target.command[0].clone();
    let request_id = format!("cold-{number}");
    run_trial(
        &mut api,
        command,
        quota,
        &label,
        request_id,
        case.event,
        |answer| {
            let body = answer
                .body
                .as_ref()
                .map_err(|e| anyhow!("function error: {e}"))?;
            (case.check)(body).map_err(|e| anyhow!("wrong answer: {e}"))
        },
    )
    .await
}

/// The measured part of a cold trial: `event` is queued before the process exists (a cold invoke
/// is waiting when init ends), `command` is spawned (inside `quota`'s group when given), and its
/// answer is awaited, judged by `check` and timed (init = spawn to first `/next`, CPU and threads
/// of the process at its answer).
pub async fn run_trial(
    api: &mut runtime_api::RuntimeApi,
    mut command: tokio::process::Command,
    quota: Option<&CpuQuota>,
    label: &str,
    request_id: String,
    event: serde_json::Value,
    check: impl FnOnce(&runtime_api::Answer) -> anyhow::Result<()>,
) -> anyhow::Result<Trial> {
    api.events
        .send(runtime_api::Invocation { request_id, event })
        .await
        .map_err(|_| anyhow!("runtime API closed"))?;
    let spawned = Instant::now();
    let child = match quota {
        Some(quota) => quota.spawn(command).await,
        None => command.spawn().map_err(anyhow::Error::from),
    }
    .context(label.to_owned())?;
    let pid = child.id().context("no pid")?;
    let answer = tokio::time::timeout(ANSWER_TIMEOUT, api.answers.recv())
        .await
        .map_err(|_| anyhow!("no answer within {} s", ANSWER_TIMEOUT.as_secs()))?
        .context("runtime API closed")?;
    let cpu = cpu_of(pid);
    let threads = threads_of(pid);
    drop(child);
    check(&answer)?;
    let first_next = (*api.first_next.lock().await).context("answered without asking for work")?;
    Ok(Trial {
        init: first_next - spawned,
        first: answer.at - first_next,
        wall: answer.at - spawned,
        cpu,
        threads,
    })
}

/// What Lambda gives per MB: a full vCPU at 1,769 MB.
const MB_PER_VCPU: f64 = 1769.0;
/// CFS period used for the quota (the kernel default).
const PERIOD_US: u64 = 100_000;

/// The keys of the local AmplifyBackend's certificate chain in a cold run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ServerKeys {
    /// As AmplifyBackend serves it: an RSA-2048 leaf and intermediate (sent by the server) under
    /// an RSA-2048 root (the trusted file), like `Amazon RSA 2048 M0x` under `Amazon Root CA 1`,
    /// so the client verifies three RSA signatures, as it does on AWS. The keys are test-only
    /// fixtures (`tests/fixtures/tls/`: RSA keys cannot be generated with ring); the
    /// certificates are made per run.
    #[default]
    Rsa2048,
    /// One ECDSA P-256 test CA signing an ECDSA P-256 leaf, both generated per run: what this
    /// bench served before it served RSA (its figures up to 2026-12-02); two P-256
    /// verifications, dearer than AWS's RSA chain.
    EcdsaP256,
}

/// Test-only RSA-2048 keys (PKCS#8), trusted by nothing but a run's own `test-ca` builds.
const RSA_ROOT_KEY: &str = include_str!("../../../tests/fixtures/tls/bench-root-rsa2048.key.pem");
const RSA_INTERMEDIATE_KEY: &str =
    include_str!("../../../tests/fixtures/tls/bench-intermediate-rsa2048.key.pem");
const RSA_LEAF_KEY: &str = include_str!("../../../tests/fixtures/tls/bench-leaf-rsa2048.key.pem");

/// A CA made for this run, the local AmplifyBackend's certificate chain under it, and trust
/// files: the CA alone (`NODE_EXTRA_CA_CERTS` for Node; `STUDIO_LOGIN_TEST_CA_FILE` for a
/// `test-ca` build of verify), and the system bundle plus the CA (`SSL_CERT_FILE`, for clients
/// that read the system store).
pub struct TestCa {
    pub server: Arc<tokio_rustls::rustls::ServerConfig>,
    pub ssl_cert_file: PathBuf,
    pub node_extra_ca_certs: PathBuf,
}

const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
];

pub fn test_ca(dir: &Path, keys: ServerKeys) -> Result<TestCa, String> {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, KeyUsagePurpose, SanType};
    let err = |e: rcgen::Error| e.to_string();
    let key = |pem: &str| match keys {
        ServerKeys::Rsa2048 => {
            KeyPair::from_pkcs8_pem_and_sign_algo(pem, &rcgen::PKCS_RSA_SHA256).map_err(err)
        }
        ServerKeys::EcdsaP256 => KeyPair::generate().map_err(err),
    };
    let ca_params = |name: &str, constraints| -> Result<CertificateParams, String> {
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        params.is_ca = IsCa::Ca(constraints);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        Ok(params)
    };
    let root_params = ca_params("lambda-bench test CA", BasicConstraints::Unconstrained)?;
    let root_key = key(RSA_ROOT_KEY)?;
    let root = root_params.self_signed(&root_key).map_err(err)?;
    let root_issuer = rcgen::Issuer::new(root_params, root_key);

    // RSA: the server sends an intermediate, as AWS's endpoints do; ECDSA: the root signs the leaf.
    let (intermediate, leaf_issuer) = match keys {
        ServerKeys::Rsa2048 => {
            let params = ca_params(
                "lambda-bench test intermediate",
                BasicConstraints::Constrained(0),
            )?;
            let intermediate_key = key(RSA_INTERMEDIATE_KEY)?;
            let cert = params
                .signed_by(&intermediate_key, &root_issuer)
                .map_err(err)?;
            (Some(cert), rcgen::Issuer::new(params, intermediate_key))
        }
        ServerKeys::EcdsaP256 => (None, root_issuer),
    };

    let leaf_key = key(RSA_LEAF_KEY)?;
    let mut leaf_params = CertificateParams::new(vec!["localhost".to_string()]).map_err(err)?;
    leaf_params
        .subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    let leaf = leaf_params
        .signed_by(&leaf_key, &leaf_issuer)
        .map_err(err)?;
    let mut chain = vec![leaf.der().clone()];
    chain.extend(intermediate.map(|cert| cert.der().clone()));

    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let ca_pem = root.pem();
    let system = SYSTEM_BUNDLES
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_default();
    let ssl_cert_file = dir.join("bundle-with-test-ca.pem");
    std::fs::write(&ssl_cert_file, format!("{system}\n{ca_pem}")).map_err(|e| e.to_string())?;
    let node_extra_ca_certs = dir.join("test-ca.pem");
    std::fs::write(&node_extra_ca_certs, &ca_pem).map_err(|e| e.to_string())?;

    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let server = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(
            chain,
            rustls_pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .map_err(|e| e.to_string())?;
    Ok(TestCa {
        server: Arc::new(server),
        ssl_cert_file,
        node_extra_ca_certs,
    })
}

/// A cgroup whose CPU quota is the share Lambda gives `memory_mb`: cgroup v1's `cpu` controller
/// (`cpu.cfs_quota_us`) or v2's `cpu.max`. Processes start in it ([`CpuQuota::spawn`]).
pub struct CpuQuota {
    dir: PathBuf,
    procs: PathBuf,
    /// cgroup v1: the thread that lives in the group and starts its processes.
    spawner: Option<Spawner>,
    pub quota_us: u64,
}

/// A command to start, and where its child goes.
type SpawnRequest = (
    tokio::process::Command,
    tokio::sync::oneshot::Sender<std::io::Result<tokio::process::Child>>,
);

struct Spawner {
    requests: Option<std::sync::mpsc::Sender<SpawnRequest>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Spawner {
    /// A thread that joins the v1 group (`tasks`: v1 groups threads) and then only starts
    /// processes, in the runtime of the caller (which reaps them).
    fn start(tasks: PathBuf) -> Result<Self, String> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|e| e.to_string())?;
        let (requests, incoming) = std::sync::mpsc::channel::<SpawnRequest>();
        let (joined, has_joined) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("cgroup-spawner".into())
            .spawn(move || {
                // SAFETY: gettid(2) has no preconditions.
                let me = unsafe { libc::gettid() }.to_string();
                let result =
                    std::fs::write(&tasks, me).map_err(|e| format!("{}: {e}", tasks.display()));
                let failed = result.is_err();
                let _ = joined.send(result);
                if failed {
                    return;
                }
                let _entered = runtime.enter();
                for (mut command, reply) in incoming {
                    let _ = reply.send(command.spawn());
                }
            })
            .map_err(|e| e.to_string())?;
        has_joined.recv().map_err(|e| e.to_string())??;
        Ok(Self {
            requests: Some(requests),
            thread: Some(thread),
        })
    }
}

impl Drop for Spawner {
    fn drop(&mut self) {
        // The thread ends when the requests do; the group can only be removed once it has.
        self.requests.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl CpuQuota {
    pub fn for_memory(memory_mb: u32) -> Result<Self, String> {
        let quota_us = ((f64::from(memory_mb) / MB_PER_VCPU) * PERIOD_US as f64).round() as u64;
        let name = format!("lambda-bench-{memory_mb}mb");
        let v1 = Path::new("/sys/fs/cgroup/cpu");
        let (dir, writes) = if v1.join("cpu.cfs_quota_us").exists() {
            let dir = v1.join(&name);
            let writes = vec![
                (dir.join("cpu.cfs_period_us"), PERIOD_US.to_string()),
                (dir.join("cpu.cfs_quota_us"), quota_us.to_string()),
            ];
            (dir, writes)
        } else {
            let dir = Path::new("/sys/fs/cgroup").join(&name);
            let writes = vec![(dir.join("cpu.max"), format!("{quota_us} {PERIOD_US}"))];
            (dir, writes)
        };
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create the cgroup {}: {e}", dir.display()))?;
        for (path, value) in writes {
            std::fs::write(&path, value).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        let spawner = if dir.starts_with(v1) {
            Some(Spawner::start(dir.join("tasks"))?)
        } else {
            None
        };
        Ok(Self {
            procs: dir.join("cgroup.procs"),
            dir,
            spawner,
            quota_us,
        })
    }

    /// Starts `command` inside the group, so its whole start-up runs under the quota.
    ///
    /// cgroup v1: by the group's own spawner thread (a child starts in its parent thread's
    /// group), so std starts it with `posix_spawn` (vfork), as at full speed, and no process
    /// moves between groups. Moving one (writing `cgroup.procs`, the v2 path, between fork and
    /// exec: a v2 thread cannot leave its process's group) waits ~10 ms for the kernel's
    /// group-change lock, inside the measured start, and the `pre_exec` hook it needs makes std
    /// `fork()` this multi-threaded bench, whose copy the child then tears down at exec: CPU that
    /// no Lambda start has, counted as the function's.
    pub async fn spawn(
        &self,
        mut command: tokio::process::Command,
    ) -> anyhow::Result<tokio::process::Child> {
        let Some(requests) = self.spawner.as_ref().and_then(|s| s.requests.as_ref()) else {
            let procs = File::options()
                .write(true)
                .open(&self.procs)
                .with_context(|| self.procs.display().to_string())?;
            // SAFETY: between fork and exec only a write(2) on an already-open descriptor runs:
            // no allocation, no lock. "0" means the writing process itself.
            unsafe {
                command.pre_exec(move || (&procs).write_all(b"0"));
            }
            return Ok(command.spawn()?);
        };
        let (reply, child) = tokio::sync::oneshot::channel();
        requests
            .send((command, reply))
            .map_err(|_| anyhow!("the cgroup's spawner thread has ended"))?;
        Ok(child
            .await
            .map_err(|_| anyhow!("the cgroup's spawner thread has ended"))??)
    }
}

impl Drop for CpuQuota {
    fn drop(&mut self) {
        // The spawner first: a group with a thread in it cannot be removed.
        self.spawner.take();
        // Empty once its processes are gone; a failure leaves an empty group behind, harmless.
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// One cold trial, as the Runtime API saw it.
#[derive(Clone, Copy, Debug)]
pub struct Trial {
    /// exec → the first request for work.
    pub init: Duration,
    /// The first request for work → the answer.
    pub first: Duration,
    /// exec → the answer: what the caller waits for, besides Lambda's own sandbox start.
    pub wall: Duration,
    /// On-CPU time of every thread of the process from exec to the answer.
    pub cpu: Duration,
    /// Threads the process had when it answered: under a CPU quota, a second thread running on
    /// another CPU takes its own slice of the quota, and the process is throttled sooner.
    pub threads: usize,
}

/// Medians and p90 over trials, in ms.
pub struct Summary {
    pub trials: usize,
    pub init_ms: f64,
    pub first_ms: f64,
    pub wall_ms: f64,
    pub wall_p90_ms: f64,
    pub cpu_ms: f64,
    pub max_threads: usize,
}

pub fn summarize(trials: &[Trial]) -> Summary {
    let ms = |f: fn(&Trial) -> Duration| -> Vec<f64> {
        trials.iter().map(|t| f(t).as_secs_f64() * 1e3).collect()
    };
    Summary {
        trials: trials.len(),
        init_ms: median(&ms(|t| t.init)),
        first_ms: median(&ms(|t| t.first)),
        wall_ms: median(&ms(|t| t.wall)),
        wall_p90_ms: percentile(&ms(|t| t.wall), 0.9),
        cpu_ms: median(&ms(|t| t.cpu)),
        max_threads: trials.iter().map(|t| t.threads).max().unwrap_or(0),
    }
}

/// Threads of `pid` now.
pub fn threads_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |tasks| tasks.count())
}

/// The CPU time of `pid` now.
pub fn cpu_of(pid: u32) -> Duration {
    Duration::from_nanos(cpu_ns(pid))
}

/// The backend, over TLS with the test CA.
pub async fn tls_backend(ca: &TestCa) -> Result<(String, Arc<Backend>), String> {
    let (address, backend) =
        local_amplifybackend::start_tls(0, Duration::from_secs(600), ca.server.clone())
            .await
            .map_err(|e| e.to_string())?;
    Ok((format!("https://127.0.0.1:{}", address.port()), backend))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(cpu_ms: f64) -> Summary {
        Summary {
            trials: 1,
            init_ms: 1.0,
            first_ms: 1.0,
            wall_ms: 2.0,
            wall_p90_ms: 2.0,
            cpu_ms,
            max_threads: 1,
        }
    }

    #[test]
    fn the_report_states_the_floor_ratio_and_the_paired_change() {
        let define = "define-auth-challenge (Rust)".to_string();
        let results = vec![
            (define.clone(), summary(0.6)),
            (baseline_label(&define), summary(1.2)),
            (crate::floor::LABEL.to_string(), summary(0.3)),
        ];
        let out = report(1, "at full CPU speed (no quota)", &results);
        assert!(
            out.contains("define's cold-path CPU is 2.00× the floor reference's"),
            "{out}"
        );
        assert!(
            out.contains("| define-auth-challenge (Rust) | 1.20 | 0.60 | -50 % |"),
            "{out}"
        );
    }

    #[test]
    fn no_floor_and_no_baseline_means_no_ratio_lines() {
        let results = vec![("define-auth-challenge (Rust)".to_string(), summary(0.6))];
        let out = report(1, "at full CPU speed (no quota)", &results);
        assert!(!out.contains("floor reference's"), "{out}");
        assert!(!out.contains("Paired with the baseline"), "{out}");
    }
}
