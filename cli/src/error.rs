//! What the command line fails with, and the exit status each kind gives scripts.

use std::fmt;

/// An error of a command, with the exit status it gives.
#[derive(Debug)]
pub enum CliError {
    /// The command line or its input is wrong (unknown path, bad parameter, bad config file):
    /// nothing was sent. Exit status 2, as clap's own usage errors.
    Usage(String),
    /// The API answered with an error status. Exit status 1.
    Api(ovhcloud_runtime::Error),
    /// Configuration or credentials (missing keys, refused credentials). Exit status 3.
    Config(String),
    /// The request could not be sent or answered in time, or the answer could not be read.
    /// Exit status 4.
    Transport(ovhcloud_runtime::Error),
    /// Writing the output failed (a database, a file). Exit status 5.
    Output(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Api(_) => 1,
            CliError::Usage(_) => 2,
            CliError::Config(_) => 3,
            CliError::Transport(_) => 4,
            CliError::Output(_) => 5,
        }
    }

    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::Usage(message.into())
    }

    pub fn output(message: impl fmt::Display) -> CliError {
        CliError::Output(message.to_string())
    }
}

impl From<ovhcloud_runtime::Error> for CliError {
    fn from(e: ovhcloud_runtime::Error) -> Self {
        use ovhcloud_runtime::Error as E;
        match e {
            E::Api { .. } | E::Deviations { .. } | E::TaskFailed { .. } => CliError::Api(e),
            E::Config(_) | E::Configuration(_) | E::Auth(_) => CliError::Config(e.to_string()),
            E::Encode { .. } => CliError::Usage(e.to_string()),
            _ => CliError::Transport(e),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Config(m) | CliError::Output(m) => f.write_str(m),
            // The runtime's message names the operation, the status, OVH's error code and the
            // query id to quote to support.
            CliError::Api(e) | CliError::Transport(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for CliError {}

pub type Result<T, E = CliError> = std::result::Result<T, E>;
