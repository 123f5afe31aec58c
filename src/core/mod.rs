//! The waiting room and call logic, with no HTTP, sockets, clock or randomness.

pub mod protocol;
pub mod room;
pub mod validate;

#[cfg(test)]
mod room_tests;
