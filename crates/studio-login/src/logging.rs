//! Logging set-up shared by the four triggers.
//!
//! Follows Lambda's advanced logging controls like `lambda_runtime::tracing::init_default_subscriber`
//! (`AWS_LAMBDA_LOG_FORMAT=JSON`, `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else INFO), with one
//! difference: crates that print payloads are capped whatever the level. At DEBUG/TRACE the SDK
//! and HTTP stack print whole responses (a GetToken response carries the challenge code), and
//! `lambda_runtime` prints the raw event at TRACE (it carries the user's answer).

use std::sync::OnceLock;

use crate::PoolApp;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Crates whose verbose output can contain a challenge code, an answer or a body, with the most
/// verbose level that is still safe for each.
const CAPPED_CRATES: &[(&str, LevelFilter)] = &[
    ("aws_smithy_runtime", LevelFilter::INFO),
    ("aws_smithy_runtime_api", LevelFilter::INFO),
    ("aws_smithy_http", LevelFilter::INFO),
    ("aws_smithy_http_client", LevelFilter::INFO),
    ("aws_smithy_types", LevelFilter::INFO),
    ("aws_sdk_amplifybackend", LevelFilter::INFO),
    ("aws_config", LevelFilter::INFO),
    ("hyper", LevelFilter::INFO),
    ("hyper_util", LevelFilter::INFO),
    ("h2", LevelFilter::INFO),
    ("rustls", LevelFilter::INFO),
    // "raw JSON event received from Lambda" is logged at TRACE.
    ("lambda_runtime", LevelFilter::DEBUG),
    ("lambda_runtime_api_client", LevelFilter::DEBUG),
];

/// The filter for a given level string (`AWS_LAMBDA_LOG_LEVEL` values: TRACE … FATAL). The
/// setting is one level, never a directive list, so a static per-target filter (`Targets`:
/// longest target prefix wins, as in `EnvFilter`) says everything: no `EnvFilter`, whose
/// per-callsite machinery and regex engine are cold-start work and binary size for nothing.
pub fn filter(level: Option<&str>) -> Targets {
    let level = match level.map(|l| l.trim().to_ascii_uppercase()) {
        // Lambda's FATAL has no tracing equivalent; ERROR is the closest.
        Some(l) if l == "FATAL" => LevelFilter::ERROR,
        Some(l) => l.parse().unwrap_or(LevelFilter::INFO),
        None => LevelFilter::INFO,
    };
    Targets::new().with_default(level).with_targets(
        CAPPED_CRATES
            .iter()
            .map(|(krate, safe)| (*krate, level.min(*safe))),
    )
}

/// Install the process-wide subscriber, writing to stdout (Lambda ships it to CloudWatch).
pub fn init() {
    init_with_writer(std::io::stdout);
}

pub fn init_with_writer<W>(writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok();
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let filter = filter(level.as_deref());
    // The formatter lets everything through (its own default cap is INFO); `filter` decides.
    let builder = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_max_level(LevelFilter::TRACE)
        .with_writer(writer);
    // try_init: a second call (tests) keeps the first subscriber instead of panicking.
    let _ = if json {
        builder.json().finish().with(filter).try_init()
    } else {
        builder.finish().with(filter).try_init()
    };
}

/// The `app_id` field of the lines that CloudWatch metric filters count (template.yaml,
/// docs/operating.md): the metrics' `AppId` dimension. [`crate::APP_ID_ENV`] read once, as
/// [`PoolApp::label`] names it, so the dimension always has a value.
pub fn app_id() -> &'static str {
    static POOL_APP: OnceLock<PoolApp> = OnceLock::new();
    POOL_APP.get_or_init(PoolApp::from_env).label()
}

/// The line a function writes once per process, before its first event: the `ColdStarts` metric.
pub fn cold_start(trigger: &'static str) {
    tracing::info!(trigger, app_id = app_id(), "cold start");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_id_dimension_always_has_a_value() {
        let label = |setting| PoolApp::from_setting(setting).label().to_string();
        assert_eq!(label(None), "unset");
        assert_eq!(label(Some(" ")), "unset");
        assert_eq!(label(Some("*")), "any");
        assert_eq!(label(Some(" d1a2b3 ")), "d1a2b3");
    }

    #[test]
    fn sdk_crates_are_capped_even_at_trace() {
        let rendered = filter(Some("trace")).to_string();
        assert!(rendered.contains("aws_smithy_runtime=info"), "{rendered}");
        assert!(rendered.contains("lambda_runtime=debug"), "{rendered}");
        assert!(rendered.contains("trace"), "{rendered}");
    }

    #[test]
    fn lambda_levels_are_understood() {
        assert!(filter(Some("FATAL")).to_string().contains("error"));
        // An unknown level means INFO, exactly: the same filter, never a more verbose one.
        assert_eq!(
            filter(Some("nonsense")).to_string(),
            filter(Some("INFO")).to_string()
        );
        assert_eq!(filter(None).to_string(), filter(Some("INFO")).to_string());
        assert!(!filter(Some("nonsense")).to_string().contains("trace"));
        assert!(filter(Some("WARN"))
            .to_string()
            .contains("aws_smithy_runtime=warn"));
    }
}
