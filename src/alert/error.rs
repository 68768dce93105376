//! Why an alert could not be sent. Messages name the alert and what went
//! wrong, never a webhook's address or a password.

/// Why an alert could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// `url_env` or `password_env` names a variable that is not set.
    #[error("alert {alert:?}: environment variable {variable} is not set")]
    MissingEnv {
        /// The alert.
        alert: String,
        /// The variable's name (not its value).
        variable: String,
    },
    /// The variable's value is not an http(s) URL.
    #[error("alert {alert:?}: environment variable {variable} does not hold an http(s) URL")]
    BadEnvUrl {
        /// The alert.
        alert: String,
        /// The variable's name.
        variable: String,
    },
    /// The receiver answered with an error status.
    #[error("alert {alert:?}: the webhook answered HTTP {status}")]
    Status {
        /// The alert.
        alert: String,
        /// The status code.
        status: u16,
    },
    /// No answer: connection refused, timeout…
    #[error("alert {alert:?}: the webhook could not be reached: {reason}")]
    Unreachable {
        /// The alert.
        alert: String,
        /// What failed, without the address.
        reason: String,
    },
    /// The e-mail could not be built (an address the server would refuse).
    #[error("alert {alert:?}: cannot build the e-mail: {reason}")]
    Mail {
        /// The alert.
        alert: String,
        /// Why.
        reason: String,
    },
    /// The SMTP server refused the message or could not be reached.
    #[error("alert {alert:?}: SMTP: {reason}")]
    Smtp {
        /// The alert.
        alert: String,
        /// What the server or the connection said.
        reason: String,
    },
}
