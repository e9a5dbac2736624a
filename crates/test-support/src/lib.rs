//! Dev-only helpers (never a dependency of a function): what the bootstrap, secrets and fault
//! tests and `lambda-bench` share, written once.
//!
//! - [`runtime_api`]: a loopback Lambda Runtime API that hands a process its events.
//! - [`process::FunctionProcess`]: a function process started as Lambda starts it.
//! - [`backend`]: the local AmplifyBackend, and the production SDK client pointed at it.
//! - [`fixtures::Fixture`] and [`events`]: the events under `tests/fixtures/`, by name checked at
//!   compile time, and the verify event built from them.

pub mod backend;
pub mod events;
pub mod fixtures;
pub mod process;
pub mod runtime_api;

pub use fixtures::Fixture;
