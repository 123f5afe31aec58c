//! Integration tests: a real server on loopback, driven over HTTP and WebSocket.

mod abuse;
mod account_changes;
mod accounts;
mod admin;
mod backup;
mod bus;
mod durability;
mod helpers;
mod limits;
mod observability;
mod pages;
mod passkeys;
mod postgres;
mod privacy;
mod process;
mod resume;
mod retention;
mod robustness;
mod servers;
mod signaling_rules;
mod smtp;
mod tls;
mod turn;
mod visit;
