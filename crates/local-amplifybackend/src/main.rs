//! `local-amplifybackend [--port N] [--ttl SECONDS] [--port-file PATH]`
//!
//! Serves on 127.0.0.1 only. Prints `listening on http://127.0.0.1:PORT` once ready (and writes
//! the port to `--port-file`), then runs until SIGINT/SIGTERM.

use std::time::Duration;

use local_amplifybackend::{start, DEFAULT_TTL};

fn usage() -> ! {
    eprintln!("usage: local-amplifybackend [--port N] [--ttl SECONDS] [--port-file PATH]");
    std::process::exit(2)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::io::Result<()> {
    let (mut port, mut ttl, mut port_file) = (0u16, DEFAULT_TTL, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--port" => port = value.parse().unwrap_or_else(|_| usage()),
            "--ttl" => ttl = Duration::from_secs_f64(value.parse().unwrap_or_else(|_| usage())),
            "--port-file" => port_file = Some(value),
            _ => usage(),
        }
    }
    let (address, _backend) = start(port, ttl).await?;
    if let Some(path) = port_file {
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
