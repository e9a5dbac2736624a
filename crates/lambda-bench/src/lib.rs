//! `lambda-bench`'s modes (`warm`, `cold`, `race`), what they share (the functions and their
//! events, process spawning, statistics, the loopback Runtime API), and `tls-probe`'s helpers.

pub mod cold;
pub mod floor;
pub mod functions;
pub mod proc_stats;
pub mod race;
pub mod spawn;
pub mod stats;
pub mod warm;

// The loopback Runtime API lives in the dev-only test-support crate, shared with the tests.
pub use test_support::runtime_api;
