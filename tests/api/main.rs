//! Integration tests: a real server on loopback, driven over HTTP and WebSocket.

mod abuse;
mod account_changes;
mod accounts;
mod backup;
mod helpers;
mod limits;
mod pages;
mod passkeys;
mod privacy;
mod resume;
mod robustness;
mod signaling_rules;
mod smtp;
mod turn;
mod visit;
