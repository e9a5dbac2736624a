//! `tls-probe`: where a cold verify's CPU goes, step by step, in one fresh process — the same
//! steps the verify bootstrap takes, each timed on this thread only (CLOCK_THREAD_CPUTIME_ID), with
//! AmplifyBackend served over TLS on another thread (a CA made for the run). Build it with
//! `--features test-ca` so the client trusts that CA, as the cold bench's verify does:
//! `cargo run --release -p lambda-bench --features test-ca --bin tls-probe -- --from-env`.
//! Run it several times: every run is a cold start.

use std::time::{Duration, Instant};

use aws_sdk_amplifybackend::config::{Credentials, Region};
use clap::Parser;
use lambda_bench::cold;
use studio_login::{client, config_loader, AmplifyBackendStore, TokenStore};

/// Step-by-step CPU of a cold verify's set-up and first calls, over TLS on loopback.
#[derive(Parser)]
#[command(name = "tls-probe", version)]
struct Options {
    /// Take credentials and region from the environment through aws-config, as the bootstrap
    /// does (default: given in code, so only the loader's own work is timed).
    #[arg(long)]
    from_env: bool,
    /// Also point SSL_CERT_FILE at the system bundle plus the test CA (what the system-store
    /// loader would parse; the functions no longer read it).
    #[arg(long)]
    ssl_cert_file: bool,
    /// The keys of the local AmplifyBackend's certificate chain (as `lambda-bench cold`).
    #[arg(long, value_enum, default_value_t = cold::ServerKeys::Rsa2048)]
    server_keys: cold::ServerKeys,
}

/// CPU time of this thread so far (schedstat lags for the running thread; this does not).
fn thread_cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid pointer to a timespec; the call only writes it.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

struct Step {
    cpu: Duration,
    wall: Instant,
}

impl Step {
    fn start() -> Self {
        Self {
            cpu: thread_cpu(),
            wall: Instant::now(),
        }
    }
    fn report(&mut self, what: &str) {
        let (cpu, wall) = (thread_cpu(), Instant::now());
        println!(
            "{what:44} cpu {:>7.3} ms   wall {:>7.3} ms",
            (cpu - self.cpu).as_secs_f64() * 1e3,
            (wall - self.wall).as_secs_f64() * 1e3
        );
        *self = Self { cpu, wall };
    }
}

fn main() -> Result<(), String> {
    let options = Options::parse();
    let process_start = thread_cpu();
    let server_keys = options.server_keys;
    // The backend runs on its own threads, so its work never counts against this one.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("backend runtime");
        runtime.block_on(async move {
            let started = async {
                let ca = cold::test_ca(std::path::Path::new("build/cold-tls"), server_keys)?;
                let (endpoint, backend) = cold::tls_backend(&ca).await?;
                Ok::<_, String>((endpoint, backend, ca))
            }
            .await;
            let keep = started.as_ref().ok().map(|(_, backend, _)| backend.clone());
            let _ = tx.send(started.map(|(endpoint, backend, ca)| {
                let (session, _) = backend.create_token("app1");
                let (second, _) = backend.create_token("app1");
                (
                    endpoint,
                    ca.ssl_cert_file,
                    ca.node_extra_ca_certs,
                    session,
                    second,
                )
            }));
            drop(keep);
            std::future::pending::<()>().await;
        });
    });
    let (endpoint, bundle, test_ca, session, second) = rx.recv().map_err(|e| e.to_string())??;
    std::env::set_var("STUDIO_LOGIN_TEST_CA_FILE", &test_ca);
    if options.ssl_cert_file {
        std::env::set_var("SSL_CERT_FILE", &bundle);
    }
    std::env::set_var("ENDPOINT", &endpoint);
    if options.from_env {
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDPROBE");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "probe-secret");
    }
    println!(
        "process start to main (this thread)           cpu {:>7.3} ms",
        process_start.as_secs_f64() * 1e3
    );

    let mut step = Step::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    step.report("tokio current-thread runtime");
    studio_login::logging::init_with_writer(std::io::sink);
    step.report("logging set-up");
    runtime.block_on(async {
        let loader = config_loader();
        step.report("config_loader (HTTPS client, TLS config)");
        let loader = if options.from_env {
            loader
        } else {
            loader
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("AKID", "secret", None, None, "probe"))
        };
        let config = loader.load().await;
        step.report("aws-config load");
        let store = AmplifyBackendStore::new(client(&config));
        step.report("SDK client");
        let first = store.get_token("app1", &session).await;
        step.report("first GetToken (connect, TLS handshake)");
        let again = store.get_token("app1", &second).await;
        step.report("second GetToken (connection reused)");
        let third = store.delete_token("app1", &second).await;
        step.report("DeleteToken (connection reused)");
        for outcome in [
            format!("{first:?}"),
            format!("{again:?}"),
            format!("{third:?}"),
        ] {
            if outcome.contains("Unavailable") {
                return Err(format!("a call failed: {outcome}"));
            }
        }
        Ok(())
    })?;
    println!(
        "total on this thread                          cpu {:>7.3} ms",
        thread_cpu().as_secs_f64() * 1e3
    );
    Ok(())
}
