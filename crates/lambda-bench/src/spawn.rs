//! Starting a function process as Lambda would, and choosing which ones a run measures.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use test_support::process::FunctionProcess;

use crate::functions::{Function, APP_ID};

/// One bootstrap to measure: ours, or the Node original (which answers as verify).
pub struct Target {
    pub label: String,
    pub function: Function,
    pub command: Vec<String>,
}

impl Target {
    /// The process, its stdio closed, under `runtime_api` against `endpoint`.
    pub fn command(
        &self,
        runtime_api: &str,
        endpoint: &str,
        log_level: &str,
    ) -> tokio::process::Command {
        function_process(
            &self.command[0],
            &self.command[1..],
            self.function.name(),
            runtime_api,
            endpoint,
            log_level,
        )
    }
}

/// The bootstraps to run: ours from `bin_dir` (all four, or those in `only`), and the Node
/// original from `node_dir` when given (unless `only` leaves verify out).
pub fn targets(bin_dir: &Path, node_dir: Option<&PathBuf>, only: &[Function]) -> Vec<Target> {
    let wanted = |function: &Function| only.is_empty() || only.contains(function);
    let mut targets: Vec<Target> = Function::ALL
        .iter()
        .filter(|function| wanted(function))
        .map(|&function| Target {
            label: format!("{} (Rust)", function.name()),
            function,
            command: vec![bootstrap(bin_dir, function).display().to_string()],
        })
        .collect();
    if let Some(node_dir) = node_dir.filter(|_| wanted(&Function::Verify)) {
        targets.push(Target {
            label: "verify-auth-challenge (Node original)".into(),
            function: Function::Verify,
            command: vec![
                "node".into(),
                node_dir.join("bootstrap.js").display().to_string(),
            ],
        });
    }
    targets
}

/// `<bin_dir>/<function>/bootstrap`.
pub fn bootstrap(bin_dir: &Path, function: Function) -> PathBuf {
    bin_dir.join(function.name()).join("bootstrap")
}

/// A function process as Lambda would start it: a clean environment with the Runtime API address,
/// the function's settings and fake credentials (the local backend checks only their shape), its
/// output discarded.
pub fn function_process(
    program: impl AsRef<std::ffi::OsStr>,
    args: &[String],
    function: &str,
    runtime_api: &str,
    endpoint: &str,
    log_level: &str,
) -> tokio::process::Command {
    let mut command = FunctionProcess {
        function,
        runtime_api,
        endpoint,
        log_level,
        app_id: Some(APP_ID),
        access_key_id: "AKIDBENCH",
        secret_access_key: "bench-secret",
        session_token: Some("bench-session"),
    }
    .command(program, args);
    command
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Also write the table to `path` (Markdown), when given.
pub fn write_markdown(path: Option<&Path>, out: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    if let Some(path) = path {
        std::fs::write(path, out).with_context(|| path.display().to_string())?;
    }
    Ok(())
}
