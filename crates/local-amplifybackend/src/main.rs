//! `local-amplifybackend`: AmplifyBackend's challenge-token API on 127.0.0.1, for the demo, the
//! tests, benchmarks and local development. `--help` for the options.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use local_amplifybackend::{start, DEFAULT_TTL};

/// A local stand-in for AWS AmplifyBackend's CreateToken / GetToken / DeleteToken, speaking its
/// REST-JSON wire protocol on 127.0.0.1 only, with test hooks under /_local/ (faults, stats,
/// unsigned token minting). Prints `listening on http://127.0.0.1:PORT` once ready, then serves
/// until SIGINT or SIGTERM.
#[derive(Parser)]
#[command(name = "local-amplifybackend", version)]
struct Options {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Lifetime of a minted token, in seconds.
    #[arg(long, default_value_t = DEFAULT_TTL.as_secs_f64(), value_parser = parse_ttl)]
    ttl: f64,
    /// Write the port here once listening (for scripts that started it with --port 0).
    #[arg(long)]
    port_file: Option<PathBuf>,
}

fn parse_ttl(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(seconds),
        _ => Err("a number of seconds, 0 or more".into()),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::io::Result<()> {
    let options = Options::parse();
    let (address, _backend) = start(options.port, Duration::from_secs_f64(options.ttl)).await?;
    if let Some(path) = options.port_file {
        std::fs::write(path, address.port().to_string())?;
    }
    println!("listening on http://{address}");
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    Ok(())
}
