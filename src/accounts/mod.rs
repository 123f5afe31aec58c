//! Provider account rules with no HTTP: password policy, second factors,
//! throttling.

pub mod password_policy;
pub mod recovery;
pub mod throttle;
pub mod totp;
