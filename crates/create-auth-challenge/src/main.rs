use lambda_runtime::{run, service_fn, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    studio_login::logging::init();
    run(service_fn(create_auth_challenge::function_handler)).await
}
