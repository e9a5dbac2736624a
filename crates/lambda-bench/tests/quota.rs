//! The cold bench's CPU quota: a process started through it runs in the quota's group from its
//! first instruction, and the bench itself stays outside (its backend must not be throttled).
//! Needs root and a writable cgroup hierarchy (CI's machine has both); without them it says so
//! and checks nothing.

use lambda_bench::cold::CpuQuota;

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_process_starts_inside_the_quota_group_and_the_bench_stays_out() {
    // A size no bench run uses, so a concurrent bench keeps its own group.
    let quota = match CpuQuota::for_memory(131) {
        Ok(quota) => quota,
        Err(why) => {
            eprintln!("skipped: no CPU quota here ({why})");
            return;
        }
    };
    let mut command = tokio::process::Command::new("cat");
    command
        .arg("/proc/self/cgroup")
        .stdout(std::process::Stdio::piped());
    let child = quota.spawn(command).await.expect("spawned");
    let output = child.wait_with_output().await.expect("ran");
    let child_groups = String::from_utf8_lossy(&output.stdout);
    assert!(
        child_groups.contains("/lambda-bench-131mb"),
        "{child_groups}"
    );
    let own = std::fs::read_to_string("/proc/self/cgroup").expect("own cgroups");
    assert!(!own.contains("lambda-bench-131mb"), "{own}");
    // The group's quota is a 131 MB function's share of one CPU.
    assert_eq!(quota.quota_us, 7405);
}
