//! visite: self-hosted video consultation for medical and therapy practices.
//!
//! - [`core`]: the waiting room and call logic, with no I/O.
//! - [`hub`]: live rooms and connections around the core.
//! - [`http`]: pages, forms and WebSocket endpoints.
//! - [`store`]: provider accounts, sessions and call records.

#![forbid(unsafe_code)]

pub mod accounts;
pub mod admin;
pub mod backup;
pub mod bus;
pub mod config;
pub mod core;
pub mod http;
pub mod hub;
pub mod i18n;
pub mod mail;
pub mod legal;
pub mod metrics;
pub mod password;
pub mod redact;
pub mod retention;
pub mod server;
pub mod store;
pub mod tickets;
pub mod turn;
