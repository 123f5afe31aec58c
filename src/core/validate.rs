//! Validation of the few values that people type: display names and room slugs.

use std::fmt;

/// Maximum length of a display name in Unicode scalar values, after trimming.
pub const NAME_MAX_CHARS: usize = 64;
/// Combining marks allowed in a row; more stack up and draw over other lines.
pub const MAX_MARKS_IN_A_ROW: usize = 3;
pub const SLUG_MIN_CHARS: usize = 3;
pub const SLUG_MAX_CHARS: usize = 40;

/// Slugs that would collide with routes or mislead patients.
pub const RESERVED_SLUGS: &[&str] = &[
    "about", "account", "admin", "api", "assets", "dashboard", "help", "healthz", "login",
    "logout", "metrics", "privacy", "r", "root", "security", "settings", "signup", "static",
    "support", "terms", "visite", "well-known", "ws", "www",
];

/// A patient's self-declared display name: trimmed, inner whitespace collapsed,
/// 1 to 64 characters, letters of any script with a few name punctuation marks.
///
/// `Debug` and `Display` redact the value so that a name cannot reach a log line
/// by accident; use [`DisplayName::expose`] where the name is meant to go out.
#[derive(Clone, PartialEq, Eq)]
pub struct DisplayName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    Empty,
    TooLong,
    /// A control, format or bidirectional-override character.
    ForbiddenCharacter,
    /// A digit, symbol or other character that does not belong in a name.
    NotALetter,
}

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let mut name = String::with_capacity(input.len());
        for word in input.split_whitespace() {
            if !name.is_empty() {
                name.push(' ');
            }
            name.push_str(word);
        }

        if name.is_empty() {
            return Err(NameError::Empty);
        }
        // Control characters are checked on the raw input: split_whitespace
        // would otherwise silently drop a tab or newline.
        if input.chars().any(is_forbidden) {
            return Err(NameError::ForbiddenCharacter);
        }
        if name.chars().count() > NAME_MAX_CHARS {
            return Err(NameError::TooLong);
        }
        if !name.chars().all(is_name_char) {
            return Err(NameError::NotALetter);
        }
        if longest_mark_run(&name) > MAX_MARKS_IN_A_ROW {
            return Err(NameError::ForbiddenCharacter);
        }
        if !name.chars().any(char::is_alphabetic) {
            return Err(NameError::NotALetter);
        }
        Ok(Self(name))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DisplayName(<redacted>)")
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Whether a character is a control, bidirectional, invisible or filler
/// character that has no place in text a person types for others to read.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() && c != ' '
        || matches!(c,
            // Bidirectional embeddings, overrides, isolates and marks.
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            // Zero-width and invisible formatting characters.
            | '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
            // Characters that draw nothing: the combining grapheme joiner,
            // Hangul and Khmer fillers, variation selectors.
            | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
            | '\u{3164}' | '\u{FFA0}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}'
            // Deprecated format characters, tag characters, the blank Braille pattern.
            | '\u{206A}'..='\u{206F}' | '\u{E0000}'..='\u{E007F}' | '\u{2800}'
            // Other invisible format characters: Arabic and Syriac number and
            // end marks, Kaithi number signs, Egyptian hieroglyph, shorthand
            // and musical format controls.
            | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{070F}' | '\u{0890}' | '\u{0891}' | '\u{08E2}'
            | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            // Line and paragraph separators, private use, specials.
            | '\u{2028}' | '\u{2029}' | '\u{E000}'..='\u{F8FF}' | '\u{FFF0}'..='\u{FFFF}')
}

fn is_name_char(c: char) -> bool {
    c.is_alphabetic() || is_combining_mark(c) || matches!(c, ' ' | '-' | '\'' | '’' | '.' | ',')
}

fn longest_mark_run(name: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in name.chars() {
        let mark = is_combining_mark(c) || unicode_normalization::char::is_combining_mark(c);
        run = if mark { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// Combining marks that some scripts need and `char::is_alphabetic` does not cover.
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{0591}'..='\u{05BD}'
        | '\u{064B}'..='\u{065F}' | '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{094F}'
        | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}'
        | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}'
        | '\u{3099}' | '\u{309A}' | '\u{FE20}'..='\u{FE2F}')
}

/// Maximum length of a provider's note to a waiting patient, in characters.
pub const NOTE_MAX_CHARS: usize = 200;

/// A provider's short note to one waiting patient, such as "about 5 minutes":
/// 1 to 200 characters of readable text on one line, with runs of white
/// space collapsed. It lives in memory only, like the patient's name.
#[derive(Clone, PartialEq, Eq)]
pub struct WaitingNote(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteError {
    Empty,
    TooLong,
    ForbiddenCharacter,
}

impl WaitingNote {
    pub fn parse(input: &str) -> Result<Self, NoteError> {
        if input.chars().any(is_forbidden) {
            return Err(NoteError::ForbiddenCharacter);
        }
        let note = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if note.is_empty() {
            return Err(NoteError::Empty);
        }
        if note.chars().count() > NOTE_MAX_CHARS {
            return Err(NoteError::TooLong);
        }
        if longest_mark_run(&note) > MAX_MARKS_IN_A_ROW {
            return Err(NoteError::ForbiddenCharacter);
        }
        Ok(Self(note))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for WaitingNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WaitingNote(<redacted>)")
    }
}

/// A room slug: the last part of a room link `/r/<slug>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlugError {
    TooShort,
    TooLong,
    /// Only `a-z`, `0-9` and single inner hyphens are allowed.
    InvalidCharacter,
    Reserved,
}

impl Slug {
    pub fn parse(input: &str) -> Result<Self, SlugError> {
        let slug = input.trim();
        let length = slug.chars().count();

        if length < SLUG_MIN_CHARS {
            return Err(SlugError::TooShort);
        }
        if length > SLUG_MAX_CHARS {
            return Err(SlugError::TooLong);
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if !slug.chars().all(allowed)
            || slug.starts_with('-')
            || slug.ends_with('-')
            || slug.contains("--")
        {
            return Err(SlugError::InvalidCharacter);
        }
        if RESERVED_SLUGS.contains(&slug) {
            return Err(SlugError::Reserved);
        }
        Ok(Self(slug.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_accepts_any_script() {
        for name in ["Ada Lovelace", "Jürgen Groß-Müller", "O’Brien", "Dr. Ana María Núñez",
            "李小龍", "Παναγιώτης", "Алёна", "محمد", "नमस्ते", "José", "Jose\u{0301}"] {
            assert!(DisplayName::parse(name).is_ok(), "{name} was rejected");
        }
    }

    #[test]
    fn name_is_trimmed_and_collapsed() {
        let name = DisplayName::parse("  Ada   Lovelace ").unwrap();
        assert_eq!(name.expose(), "Ada Lovelace");
    }

    #[test]
    fn name_length_limits() {
        assert_eq!(DisplayName::parse("   "), Err(NameError::Empty));
        assert_eq!(DisplayName::parse(""), Err(NameError::Empty));
        assert!(DisplayName::parse(&"a".repeat(64)).is_ok());
        assert_eq!(DisplayName::parse(&"a".repeat(65)), Err(NameError::TooLong));
        assert!(DisplayName::parse(&"ü".repeat(64)).is_ok());
    }

    #[test]
    fn name_rejects_control_and_bidi() {
        for name in ["Ada\u{0000}", "Ada\nLovelace", "Ada\tL", "\u{202E}adA", "Ada\u{2066}x",
            "A\u{200B}da", "Ada\u{FEFF}", "Ada\u{200F}", "\u{1b}[31mAda"] {
            assert_eq!(DisplayName::parse(name), Err(NameError::ForbiddenCharacter), "{name:?}");
        }
    }

    #[test]
    fn name_rejects_invisible_fillers_and_mark_stacks() {
        for name in ["\u{3164}", "\u{115F}\u{1160}", "A\u{034F}da", "Ada\u{FE0F}", "\u{FFA0}\u{FFA0}",
            "Ada\u{206A}", "Ada\u{E0041}", "\u{2800}Ada", "Ada\u{E0100}", "A\u{1BCA0}da", "Ada\u{1D173}",
            "Ada\u{13430}"] {
            assert!(DisplayName::parse(name).is_err(), "{name:?} was accepted");
        }
        for stacked in [format!("\u{0F40}{}", "\u{0F72}".repeat(40)), format!("\u{0628}{}", "\u{0670}".repeat(40))] {
            assert!(DisplayName::parse(&stacked).is_err(), "a stack of letter-like marks was accepted");
        }
        let stacked = format!("A{}", "\u{0301}".repeat(63));
        assert_eq!(DisplayName::parse(&stacked), Err(NameError::ForbiddenCharacter));
        assert!(DisplayName::parse("Ngu\u{0323}\u{0302}n").is_ok(), "two marks in a row are normal in Vietnamese");
    }

    #[test]
    fn name_rejects_symbols() {
        for name in ["<script>", "Ada 123", "a@b.c", "😀", "...", "--"] {
            assert!(DisplayName::parse(name).is_err(), "{name:?} was accepted");
        }
    }

    #[test]
    fn name_is_redacted_in_debug() {
        let name = DisplayName::parse("Ada").unwrap();
        assert!(!format!("{name:?} {name}").contains("Ada"));
    }

    #[test]
    fn slug_rules() {
        assert!(Slug::parse("praxis-mueller").is_ok());
        assert!(Slug::parse("dr-2").is_ok());
        assert_eq!(Slug::parse("ab"), Err(SlugError::TooShort));
        assert_eq!(Slug::parse(&"a".repeat(41)), Err(SlugError::TooLong));
        for bad in ["Praxis", "praxis_x", "-abc", "abc-", "a--b", "müller", "a b c", "abc/d"] {
            assert_eq!(Slug::parse(bad), Err(SlugError::InvalidCharacter), "{bad}");
        }
        for reserved in ["signup", "login", "admin", "api"] {
            assert_eq!(Slug::parse(reserved), Err(SlugError::Reserved));
        }
    }

    #[test]
    fn waiting_note_rules() {
        assert_eq!(WaitingNote::parse("  about   5 minutes ").unwrap().as_str(), "about 5 minutes");
        assert_eq!(WaitingNote::parse("Noch etwa 10 Minuten, bitte.").unwrap().as_str(), "Noch etwa 10 Minuten, bitte.");
        assert_eq!(WaitingNote::parse("   "), Err(NoteError::Empty));
        assert_eq!(WaitingNote::parse(&"x".repeat(NOTE_MAX_CHARS + 1)), Err(NoteError::TooLong));
        assert!(WaitingNote::parse(&"x".repeat(NOTE_MAX_CHARS)).is_ok());
        assert_eq!(WaitingNote::parse("line\nbreak"), Err(NoteError::ForbiddenCharacter));
        assert_eq!(WaitingNote::parse("\u{202E}evil"), Err(NoteError::ForbiddenCharacter));
    }
}
