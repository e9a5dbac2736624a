//! The cold bench's floor: `floor-reference` (`src/bin/floor-reference.rs`: start, one Runtime API
//! round trip, exit; std only, no async runtime, no logging, no JSON) compiled by the bench itself
//! with `rustc` for the functions' own target triple, and measured exactly as a function's cold
//! trial is — a fresh process, the event queued before it starts, the same CPU quota, on-CPU time
//! of all threads from exec to the answer — so every cold run states define's distance to it.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{bail, Context};
use serde_json::json;

use crate::cold::{self, CpuQuota, Trial};
use crate::runtime_api;

/// The reference's source, embedded so the bench needs nothing but `rustc` to build it.
const SOURCE: &str = include_str!("bin/floor-reference.rs");

/// The label of the reference's row in the cold table.
pub const LABEL: &str = "floor reference (start, GET next, POST response, exit)";

/// Compile the reference into `dir` for `triple` (optimised, stripped, panic=abort, and not
/// position-independent: on a musl triple a static non-PIE executable, as cargo-lambda links the
/// functions), as small and as directly started as a process can be; returns the binary.
pub fn build(dir: &Path, triple: &str) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    let source = dir.join("floor-reference.rs");
    std::fs::write(&source, SOURCE).with_context(|| source.display().to_string())?;
    let binary = dir.join("floor-reference");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let status = std::process::Command::new(&rustc)
        .args([
            "--edition",
            "2021",
            "--crate-name",
            "floor_reference",
            "--target",
            triple,
        ])
        .args([
            "-C",
            "opt-level=3",
            "-C",
            "panic=abort",
            "-C",
            "strip=symbols",
        ])
        .arg("-o")
        .arg(&binary)
        .arg(&source)
        .status()
        .with_context(|| format!("{rustc} (building the floor reference)"))?;
    if !status.success() {
        bail!("{rustc} --target {triple} failed building the floor reference ({status}); `rustup target add {triple}`");
    }
    Ok(binary)
}

/// One cold trial of the reference, under `quota` when given.
pub async fn trial(
    reference: &Path,
    number: usize,
    quota: Option<&CpuQuota>,
) -> anyhow::Result<Trial> {
    let mut api = runtime_api::start().await?;
    let mut command = tokio::process::Command::new(reference);
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", api.address.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let request_id = format!("floor-{number}");
    let expected = request_id.clone();
    let label = reference.display().to_string();
    let event = json!({"floor": number});
    cold::run_trial(
        &mut api,
        command,
        quota,
        &label,
        request_id,
        event,
        |answer| {
            if answer.request_id != expected || answer.body != Ok(json!({})) {
                bail!("wrong answer");
            }
            Ok(())
        },
    )
    .await
}
