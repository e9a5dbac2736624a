//! `lambda-bench`: each trigger's bootstrap under a loopback Lambda Runtime API, against the local
//! AmplifyBackend (in this process), measured the way Lambda bills it. Every answer is checked: a
//! wrong one fails the run. `lambda-bench warm|cold|race --help` for the options.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use lambda_bench::functions::Function;
use lambda_bench::spawn::{targets, Target};
use lambda_bench::{cold, floor, race, warm};

/// Runs Lambda bootstraps (ours and the Node original) under a loopback Runtime API against the
/// local AmplifyBackend, and measures them. Every answer is checked: a wrong one fails the run.
#[derive(Parser, Debug)]
#[command(name = "lambda-bench", version)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand, Debug)]
enum Mode {
    /// One process per run: one cold invocation, then warm ones; medians over the runs.
    Warm {
        #[command(flatten)]
        functions: Functions,
        /// Warm invocations per run (after one cold invocation).
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
        events: u32,
        /// Runs per function; the medians are reported.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
        runs: u32,
        /// Also write the table to this file (Markdown).
        #[arg(long)]
        markdown: Option<PathBuf>,
    },
    /// Cold starts: a fresh process per trial, AmplifyBackend over TLS (a CA made for the run,
    /// trusted through STUDIO_LOGIN_TEST_CA_FILE by a `test-ca` build of verify, and
    /// NODE_EXTRA_CA_CERTS by Node).
    Cold {
        #[command(flatten)]
        functions: Functions,
        /// Fresh processes per function.
        #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..))]
        trials: u32,
        /// Run each process under the CPU share Lambda gives this memory size (MB), through a
        /// cgroup CPU quota (root; v1 cpu controller or v2 cpu.max).
        #[arg(long, value_name = "MB")]
        memory: Option<u32>,
        /// Also set SSL_CERT_FILE to the system bundle plus the run's CA, for builds that read
        /// the system store (earlier releases of these functions).
        #[arg(long)]
        system_trust: bool,
        /// A second build's directory (<function>/bootstrap): each of its functions is run
        /// alternately with this build's, trial by trial, and the CPU change reported.
        #[arg(long)]
        baseline_bin_dir: Option<PathBuf>,
        /// Target triple the floor reference is compiled for (by `rustc`, into
        /// build/floor-reference): the functions' own, so both start the same way.
        #[arg(long, default_value = "x86_64-unknown-linux-musl")]
        floor_target: String,
        /// Leave the floor reference out.
        #[arg(long)]
        no_floor: bool,
        /// The keys of the local AmplifyBackend's certificate chain: RSA-2048 with an
        /// intermediate, as AWS's endpoints serve, or the single ECDSA P-256 CA of earlier runs.
        #[arg(long, value_enum, default_value_t = cold::ServerKeys::Rsa2048)]
        server_keys: cold::ServerKeys,
        /// Also write the table to this file (Markdown).
        #[arg(long)]
        markdown: Option<PathBuf>,
    },
    /// Replay race: RACERS verify processes given one correct code at once, ROUNDS times;
    /// fails unless every round accepts exactly once.
    Race {
        /// Directory holding verify-auth-challenge/bootstrap.
        #[arg(long, default_value = "build/lambda/x86_64")]
        bin_dir: PathBuf,
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
        rounds: u32,
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
        racers: u32,
    },
}

/// Which bootstraps a warm or cold run measures.
#[derive(Args, Debug)]
struct Functions {
    /// Directory holding <function>/bootstrap (cargo lambda build --output-format binary).
    #[arg(long, default_value = "build/lambda/x86_64")]
    bin_dir: PathBuf,
    /// Directory of the Node original (`make node-original`): measured beside ours.
    #[arg(long)]
    node_dir: Option<PathBuf>,
    /// Only these functions (default: all four; the Node original with --node-dir unless
    /// verify-auth-challenge is left out).
    #[arg(long, value_delimiter = ',')]
    only: Vec<Function>,
}

impl Functions {
    fn targets(&self) -> Vec<Target> {
        targets(&self.bin_dir, self.node_dir.as_ref(), &self.only)
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    if let Err(error) = run(Cli::parse()).await {
        eprintln!("lambda-bench: {error:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.mode {
        Mode::Warm {
            functions,
            events,
            runs,
            markdown,
        } => {
            warm::run(
                &functions.targets(),
                events as usize,
                runs as usize,
                markdown.as_deref(),
            )
            .await
        }
        Mode::Cold {
            functions,
            trials,
            memory,
            system_trust,
            baseline_bin_dir,
            floor_target,
            no_floor,
            server_keys,
            markdown,
        } => {
            let floor = if no_floor {
                None
            } else {
                Some(floor::build(
                    Path::new("build/floor-reference"),
                    &floor_target,
                )?)
            };
            let options = cold::Options {
                trials: trials as usize,
                memory,
                system_trust,
                markdown: markdown.as_deref(),
                floor: floor.as_deref(),
                server_keys,
            };
            let mut targets = Vec::new();
            let baseline = baseline_bin_dir.map(|dir| Functions {
                bin_dir: dir,
                node_dir: None,
                only: functions.only.clone(),
            });
            // Each function of this build, then the same function of the baseline build.
            for target in functions.targets() {
                let twin = baseline
                    .as_ref()
                    .and_then(|b| b.targets().into_iter().find(|t| t.label == target.label));
                targets.push(target);
                if let Some(mut twin) = twin {
                    twin.label = cold::baseline_label(&twin.label);
                    targets.push(twin);
                }
            }
            cold::run(&targets, &options).await
        }
        Mode::Race {
            bin_dir,
            rounds,
            racers,
        } => race::run(&bin_dir, rounds as usize, racers as usize).await,
    }
}
