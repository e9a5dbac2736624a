//! Dev-only helpers (never a dependency of a function): what the bootstrap, secrets and fault
//! tests and `lambda-bench` share, written once.
//!
//! - [`runtime_api`]: a loopback Lambda Runtime API that hands a process its events.
//! - [`process::FunctionProcess`]: a function process started as Lambda starts it.
//! - [`backend`]: the local AmplifyBackend, and the production SDK client pointed at it.
//! - [`Fixture`] and [`events`]: the events under `tests/fixtures/`, by name checked at
//!   compile time, and the verify event built from them.

pub mod backend;
pub mod events;
pub mod process;
pub mod runtime_api;

/// The one fixture loader (it lives beside the in-memory store, in `studio-login`'s
/// `test-support` feature, so the trigger crates' unit tests and the fuzz targets use it too).
pub use studio_login::test_support::Fixture;
