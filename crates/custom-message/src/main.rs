use lambda_runtime::{run, service_fn, Error};

// See the workspace Cargo.toml: less CPU per invocation than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    studio_login::logging::init();
    studio_login::logging::cold_start(env!("CARGO_PKG_NAME"));
    run(service_fn(custom_message::function_handler)).await
}
