use lambda_runtime::{run, service_fn, Error};
use studio_login::{client_from_env, AmplifyBackendStore, Verifier};
use verify_auth_challenge::{function_handler, pool_app_from_env};

// See the workspace Cargo.toml: less CPU per invocation than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    studio_login::logging::init();
    studio_login::logging::cold_start(env!("CARGO_PKG_NAME"));
    // Built once: every warm invocation reuses the client and its connection pool.
    let verifier = Verifier::new(
        AmplifyBackendStore::new(client_from_env().await),
        pool_app_from_env(),
    );
    run(service_fn(|event| function_handler(&verifier, event))).await
}
