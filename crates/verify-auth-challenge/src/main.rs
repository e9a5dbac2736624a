use lambda_runtime::{run, service_fn, Error};
use studio_login::{client_from_env, AmplifyBackendStore, Verifier};
use verify_auth_challenge::{function_handler, APP_ID_ENV};

// See the workspace Cargo.toml: less CPU per invocation than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    studio_login::logging::init();
    let pool_app_id = std::env::var(APP_ID_ENV)
        .ok()
        .filter(|id| !id.trim().is_empty());
    match &pool_app_id {
        Some(app_id) => tracing::info!(app_id, "accepting only this app's login codes"),
        None => tracing::warn!(
            "{APP_ID_ENV} is not set: accepting login codes minted for any Amplify app in this \
             account (the original behaviour); set it to this pool's app id"
        ),
    }
    // Built once: every warm invocation reuses the client and its connection pool.
    let verifier = Verifier::new(AmplifyBackendStore::new(client_from_env()), pool_app_id);
    run(service_fn(|event| function_handler(&verifier, event))).await
}
