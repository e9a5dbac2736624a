//! A function process started as Lambda starts it.

use std::ffi::OsStr;
use std::process::Stdio;

/// The environment Lambda gives a function process, for a process under a loopback Runtime API
/// against a local AmplifyBackend. Fields are the settings that differ between callers; the rest
/// (memory size, version, region, Lambda's JSON log format) is fixed.
pub struct FunctionProcess<'a> {
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub function: &'a str,
    /// `AWS_LAMBDA_RUNTIME_API`: the loopback Runtime API's address.
    pub runtime_api: &'a str,
    /// `ENDPOINT`: the local AmplifyBackend.
    pub endpoint: &'a str,
    /// `AWS_LAMBDA_LOG_LEVEL`.
    pub log_level: &'a str,
    /// `AMPLIFY_APP_ID`, when set.
    pub app_id: Option<&'a str>,
    /// The role's keys, as Lambda puts them in the environment (`AWS_SESSION_TOKEN` when given):
    /// throwaway ones, the local backend checks only their shape.
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
}

impl FunctionProcess<'_> {
    /// `program args…` in a clean environment holding only Lambda's variables, stdin closed,
    /// killed when dropped. Stdout and stderr are the caller's choice.
    pub fn command(&self, program: impl AsRef<OsStr>, args: &[String]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", self.runtime_api)
            .env("AWS_LAMBDA_FUNCTION_NAME", self.function)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", self.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", self.secret_access_key)
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("AWS_LAMBDA_LOG_LEVEL", self.log_level)
            .env("ENDPOINT", self.endpoint)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        if let Some(token) = self.session_token {
            command.env("AWS_SESSION_TOKEN", token);
        }
        if let Some(app_id) = self.app_id {
            command.env("AMPLIFY_APP_ID", app_id);
        }
        command
    }
}
