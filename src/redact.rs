//! A wrapper that keeps personal data and secrets out of log lines.

use std::fmt;

/// Text that `Debug` and `Display` print in place of a redacted value.
pub const PLACEHOLDER: &str = "<redacted>";

/// A patient name, email address, token or other value that must never reach
/// a log line. `Debug` and `Display` print [`PLACEHOLDER`], so a `{:?}` of a
/// struct that contains one, or a `%value` field in a log call, stays clean.
/// [`Redacted::expose`] gives the value to code that sends or stores it.
///
/// The type implements no `Serialize`, so it cannot slip into a JSON log
/// field either: serialise the exposed value where it is meant to go out.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Redacted<T>(pub T);

impl<T> Redacted<T> {
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PLACEHOLDER)
    }
}

impl<T> fmt::Display for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PLACEHOLDER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_prints_placeholder() {
        let email = Redacted("erika@praxis.example".to_owned());
        assert_eq!(format!("{email}"), PLACEHOLDER);
        assert_eq!(format!("{email:?}"), PLACEHOLDER);
        assert_eq!(format!("{email:#?}"), PLACEHOLDER);
        assert_eq!(email.expose(), "erika@praxis.example");
    }

    #[test]
    fn containing_struct_debug_is_redacted() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Login {
            email: Redacted<String>,
            attempts: u32,
        }
        let login = Login { email: Redacted("erika@praxis.example".to_owned()), attempts: 2 };
        let text = format!("{login:?}");
        assert!(!text.contains("erika"), "{text}");
        assert!(text.contains("attempts: 2"), "{text}");
    }
}
