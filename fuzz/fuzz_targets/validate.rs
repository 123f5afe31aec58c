//! Parses arbitrary text as a display name, a waiting-room note and a room
//! slug. Each parser must not panic, must be idempotent (a parsed value
//! parses to itself) and must never accept what its rules forbid.

#![no_main]

use libfuzzer_sys::fuzz_target;
use visite::core::validate::{
    DisplayName, NAME_MAX_CHARS, NOTE_MAX_CHARS, RESERVED_SLUGS, SLUG_MAX_CHARS, SLUG_MIN_CHARS, Slug,
    WaitingNote, is_forbidden,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check_name(text);
    check_note(text);
    check_slug(text);
});

fn check_name(text: &str) {
    let Ok(name) = DisplayName::parse(text) else {
        return;
    };
    let value = name.expose();
    assert_eq!(DisplayName::parse(value).as_ref(), Ok(&name), "a parsed name did not parse to itself");
    assert!(!value.is_empty(), "an empty name was accepted");
    assert!(value.chars().count() <= NAME_MAX_CHARS, "a name over the maximum length was accepted");
    assert!(!value.chars().any(is_forbidden), "a name kept a forbidden character");
    assert_eq!(value, value.trim(), "a name kept leading or trailing white space");
    assert!(!value.contains("  "), "a name kept a run of spaces");
    assert!(value.chars().any(char::is_alphabetic), "a name without a letter was accepted");
}

fn check_note(text: &str) {
    let Ok(note) = WaitingNote::parse(text) else {
        return;
    };
    let value = note.as_str();
    assert_eq!(WaitingNote::parse(value).as_ref(), Ok(&note), "a parsed note did not parse to itself");
    assert!(!value.is_empty(), "an empty note was accepted");
    assert!(value.chars().count() <= NOTE_MAX_CHARS, "a note over the maximum length was accepted");
    assert!(!value.chars().any(is_forbidden), "a note kept a forbidden character");
    assert!(!value.chars().any(|c| c.is_whitespace() && c != ' '), "a note kept a line break or tab");
}

fn check_slug(text: &str) {
    let Ok(slug) = Slug::parse(text) else {
        return;
    };
    let value = slug.as_str();
    assert_eq!(Slug::parse(value).as_ref(), Ok(&slug), "a parsed slug did not parse to itself");
    assert!((SLUG_MIN_CHARS..=SLUG_MAX_CHARS).contains(&value.len()), "a slug of invalid length was accepted");
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
    assert!(value.bytes().all(allowed), "a slug with an invalid character was accepted");
    assert!(!RESERVED_SLUGS.contains(&value), "a reserved slug was accepted");
}
