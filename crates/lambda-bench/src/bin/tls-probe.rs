//! `tls-probe https://127.0.0.1:PORT`: what the first AmplifyBackend call of a cold verify costs
//! over TLS (CA store load + handshake) versus a call on the reused connection, in CPU time of
//! this process and wall time. Point it at any TLS server on loopback (e.g. `openssl s_server`)
//! whose certificate is trusted through SSL_CERT_FILE; the answers need not be AmplifyBackend's.

use std::time::{Duration, Instant};

use aws_sdk_amplifybackend::config::{Credentials, Region};
use lambda_bench::proc_stats::cpu_ns;
use studio_login::{client, config_loader};

fn schedstat() -> Duration {
    Duration::from_nanos(cpu_ns("self"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let Some(endpoint) = std::env::args().nth(1) else {
        eprintln!("usage: tls-probe https://127.0.0.1:PORT");
        std::process::exit(2);
    };
    let (cpu0, wall0) = (schedstat(), Instant::now());
    let config = config_loader()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKID", "secret", None, None, "probe"))
        .endpoint_url(endpoint)
        .load()
        .await;
    let backend = client(&config);
    let (cpu1, wall1) = (schedstat(), Instant::now());
    println!(
        "client construction: cpu {:?}, wall {:?}",
        cpu1 - cpu0,
        wall1 - wall0
    );
    for call in [
        "first call (CA store + TLS handshake)",
        "second call (reused connection)",
        "third call (reused connection)",
    ] {
        let (cpu_before, started) = (schedstat(), Instant::now());
        let result = backend
            .get_token()
            .app_id("d1a2b3c4d5e6f7")
            .session_id("probe")
            .send()
            .await;
        let (cpu, wall) = (schedstat() - cpu_before, started.elapsed());
        let outcome = match result {
            Ok(_) => "ok".to_string(),
            Err(e) => format!(
                "{:?}",
                aws_sdk_amplifybackend::error::DisplayErrorContext(&e)
            )
            .chars()
            .take(80)
            .collect(),
        };
        println!("{call}: cpu {cpu:?}, wall {wall:?} ({outcome})");
    }
}
