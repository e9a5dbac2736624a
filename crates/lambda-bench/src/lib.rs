//! Shared by the `lambda-bench` and `tls-probe` binaries.

pub mod cold;
pub mod proc_stats;
pub mod runtime_api;
