//! Password policy for provider accounts, after NIST SP 800-63B revision 4:
//! length limits, no composition rules, and rejection of common, personal
//! and easily guessed passwords.
//!
//! The module does no I/O. Its blocklists come from `resources/passwords/` and are
//! compiled into the binary (see `docs/passwords.md`). Callers hash the
//! [`normalize`]d password, at signup and at login alike, so that the same
//! passphrase typed on two keyboards produces the same hash.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

/// Minimum length in characters (Unicode scalar values after NFKC) while every
/// provider account has a mandatory second factor.
pub const MIN_CHARS: usize = 12;
/// Minimum length that NIST SP 800-63B revision 4 sets for a password that
/// logs in alone. Switch [`check`] to this constant if the second factor ever
/// becomes optional.
pub const MIN_CHARS_SINGLE_FACTOR: usize = 15;
/// Maximum length in characters after NFKC, which bounds the hashing and
/// checking work.
pub const MAX_CHARS: usize = 1024;

/// Lowest accepted zxcvbn score. Score 3 means an estimated 10^8 guesses or
/// more (zxcvbn 3.1 `calculate_score`).
const MIN_SCORE: u8 = 3;
/// Number of leading characters given to zxcvbn. Its matching time grows
/// quickly with length, and zxcvbn 3.1 itself ignores everything after the
/// 100th character, so a longer prefix would only cost an allocation.
const ZXCVBN_MAX_CHARS: usize = 100;
/// Name of the service, treated like a whole personal value of every provider.
const SERVICE_NAME: &str = "visite";
/// Words that every provider of this service might build a password from.
/// They count as personal tokens, and zxcvbn gets them as user inputs.
const SERVICE_WORDS: [&str; 3] = [SERVICE_NAME, "praxis", "video"];
/// Shortest personal token that counts when found inside a longer password.
/// Shorter parts such as "dr" or "org" would match by chance.
const MIN_TOKEN_CHARS: usize = 4;
/// Most letters a password may add to personal tokens and still count as
/// built from them ("ErikaMuster2024!" adds none).
const MAX_EXTRA_LETTERS: usize = 3;
/// Shortest stem looked up in the blocklist after digits and separators are
/// stripped. Shorter stems such as "de" in a long digit string would match
/// by chance.
const MIN_STEM_CHARS: usize = 4;

/// Lists of common passwords and words, one lowercased entry per line.
/// `resources/passwords/README.md` names the source of each file.
const BLOCKLIST_FILES: [&str; 6] = [
    include_str!("../../resources/passwords/passwords-de.txt"),
    include_str!("../../resources/passwords/practice-words.txt"),
    include_str!("../../resources/passwords/common-words-de.txt"),
    include_str!("../../resources/passwords/wikipedia-words-de.txt"),
    include_str!("../../resources/passwords/first-names-de.txt"),
    include_str!("../../resources/passwords/last-names-de.txt"),
];

static BLOCKLIST: LazyLock<Blocklist> = LazyLock::new(Blocklist::load);

/// Data of the provider who chooses the password. Empty fields are ignored.
#[derive(Clone, Copy, Default)]
pub struct PersonalData<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub practice_name: &'a str,
    pub slug: &'a str,
}

/// Reason a new password is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer than [`MIN_CHARS`] characters after NFKC.
    TooShort,
    /// More than [`MAX_CHARS`] characters after NFKC.
    TooLong,
    /// A blocklisted word or compound of two, possibly with digits,
    /// separators, symbol substitutions or a repetition.
    Common,
    /// Built from the provider's name, email, practice name or slug, or from
    /// the service words "visite", "praxis" and "video".
    Personal,
    /// zxcvbn estimates fewer than 10^8 guesses.
    Guessable,
}

impl PasswordProblem {
    /// Returns a stable kebab-case name, for JSON sent to the strength meter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TooShort => "too-short",
            Self::TooLong => "too-long",
            Self::Common => "common",
            Self::Personal => "personal",
            Self::Guessable => "guessable",
        }
    }
}

/// Strength of a password as the strength meter shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    /// zxcvbn score from 0 to 4, computed even when a rule rejects the password.
    pub score: u8,
    /// The verdict of [`check`], or `None` when the password is accepted.
    pub problem: Option<PasswordProblem>,
}

/// Normalizes a password to NFKC, so that fullwidth letters, ligatures and
/// composed or decomposed umlauts give the same string. Nothing is trimmed
/// or truncated.
pub fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

/// Checks a new password at signup, password change or reset. The length is
/// counted in characters after NFKC.
///
/// The first failed rule is returned, checked in this order: length, a listed
/// word ([`PasswordProblem::Common`]), personal data, two listed words joined
/// (also `Common`), and last the zxcvbn estimate, which runs only when all
/// other rules pass.
pub fn check(password: &str, personal: &PersonalData<'_>) -> Result<(), PasswordProblem> {
    let normalized = normalize(password);
    let tokens = PersonalTokens::new(personal);

    if let Some(problem) = rule_problem(&normalized, &tokens) {
        return Err(problem);
    }
    if estimate_score(&normalized, &tokens) < MIN_SCORE {
        return Err(PasswordProblem::Guessable);
    }
    Ok(())
}

/// Computes the zxcvbn score and the verdict of [`check`] for the strength meter.
pub fn assess(password: &str, personal: &PersonalData<'_>) -> Assessment {
    let normalized = normalize(password);
    let tokens = PersonalTokens::new(personal);

    let score = estimate_score(&normalized, &tokens);
    let problem = rule_problem(&normalized, &tokens)
        .or_else(|| (score < MIN_SCORE).then_some(PasswordProblem::Guessable));
    Assessment { score, problem }
}

/// Builds the blocklist, about 96,000 entries, now rather than in the
/// first [`check`] that gets past the length rules.
pub fn preload() {
    LazyLock::force(&BLOCKLIST);
}

/// Returns the first failed rule other than the zxcvbn estimate.
fn rule_problem(normalized: &str, tokens: &PersonalTokens) -> Option<PasswordProblem> {
    let length = normalized.chars().count();
    if length < MIN_CHARS {
        return Some(PasswordProblem::TooShort);
    }
    if length > MAX_CHARS {
        return Some(PasswordProblem::TooLong);
    }

    let folded = fold(normalized);
    let stems = stems(&folded);
    if is_listed(&folded, &stems) {
        return Some(PasswordProblem::Common);
    }
    if tokens.is_personal(&folded) {
        return Some(PasswordProblem::Personal);
    }
    // After the personal check, so that "ErikaMuster2024!" from two listed
    // names is reported as the provider's own name.
    if is_listed_compound(&stems) {
        return Some(PasswordProblem::Common);
    }
    None
}

// NOTE: zxcvbn 3.1 has no German dictionaries, so a phrase of three or more
// German words scores as if its letters were random. The blocklist catches
// only one entry or two joined entries.
fn estimate_score(normalized: &str, tokens: &PersonalTokens) -> u8 {
    let end = normalized
        .char_indices()
        .nth(ZXCVBN_MAX_CHARS)
        .map_or(normalized.len(), |(index, _)| index);
    let user_inputs: Vec<&str> = tokens.zxcvbn_inputs.iter().map(String::as_str).collect();
    u8::from(zxcvbn::zxcvbn(&normalized[..end], &user_inputs).score())
}

// Folding and spelling variants.

/// Lowercases a string and writes "ß" as "ss", so that "Fussball" matches
/// the entry "fußball".
fn fold(text: &str) -> String {
    text.to_lowercase().replace('ß', "ss")
}

/// Returns the German spellings of a folded word without umlauts: "ä" as
/// "ae" and as plain "a", and so on. Empty when the word has no umlaut.
fn umlaut_variants(word: &str) -> Vec<String> {
    if !word.contains(['ä', 'ö', 'ü']) {
        return Vec::new();
    }
    let transcribed = word
        .replace('ä', "ae")
        .replace('ö', "oe")
        .replace('ü', "ue");
    let stripped = word.replace('ä', "a").replace('ö', "o").replace('ü', "u");
    vec![transcribed, stripped]
}

/// Undoes common digit and symbol substitutions ("p@ssw0rt"). The digit "1"
/// stands for "i" or "l", so both readings are returned.
fn unleet_variants(text: &str) -> Vec<String> {
    const SUBSTITUTES: [char; 10] = ['4', '@', '3', '0', '5', '$', '7', '+', '1', '!'];
    if !text.contains(SUBSTITUTES) {
        return Vec::new();
    }
    let with_letter = |one: char| -> String {
        text.chars()
            .map(|c| match c {
                '4' | '@' => 'a',
                '3' => 'e',
                '0' => 'o',
                '5' | '$' => 's',
                '7' | '+' => 't',
                '1' => one,
                '!' => 'i',
                other => other,
            })
            .collect()
    };
    vec![with_letter('i'), with_letter('l')]
}

// The blocklist.

/// Blocklist entries after [`fold`], plus their spellings without umlauts.
struct Blocklist {
    entries: HashSet<Cow<'static, str>>,
    /// Length in bytes of the longest entry, which bounds the compound search.
    longest_entry: usize,
}

impl Blocklist {
    fn load() -> Self {
        let mut entries = HashSet::with_capacity(100_000);
        for file in BLOCKLIST_FILES {
            for line in file.lines() {
                let entry = line.trim();
                if entry.is_empty() {
                    continue;
                }

                // The files are lowercased already, so most entries are borrowed.
                let folded = fold(entry);
                for variant in umlaut_variants(&folded) {
                    entries.insert(Cow::Owned(variant));
                }
                if folded == entry {
                    entries.insert(Cow::Borrowed(entry));
                } else {
                    entries.insert(Cow::Owned(folded));
                }
            }
        }
        let longest_entry = entries.iter().map(|entry| entry.len()).max().unwrap_or(0);
        Self {
            entries,
            longest_entry,
        }
    }

    fn contains(&self, word: &str) -> bool {
        self.entries.contains(word)
    }

    /// Returns whether a stem is an entry or repeats one ("praxispraxis").
    /// Repeated parts shorter than [`MIN_STEM_CHARS`] are left to zxcvbn.
    fn matches_stem(&self, stem: &str) -> bool {
        self.contains(stem)
            || repeated_unit(stem).is_some_and(|unit| is_long_stem(unit) && self.contains(unit))
    }

    /// Returns whether a stem joins two entries as a German compound does:
    /// "katzenfutter", or "sicherheitsrisiko" with the linking "s". Parts
    /// shorter than [`MIN_STEM_CHARS`] are left to zxcvbn.
    fn is_compound(&self, stem: &str) -> bool {
        // Two entries and a linking "s" are at most this long, so longer
        // stems skip the search and keep the check fast for long passwords.
        if stem.len() > 2 * self.longest_entry + 1 {
            return false;
        }
        stem.char_indices().skip(1).any(|(split, _)| {
            let (head, tail) = stem.split_at(split);
            if !is_long_stem(head) || !self.contains(head) {
                return false;
            }
            let without_link = tail.strip_prefix('s').filter(|rest| is_long_stem(rest));
            (is_long_stem(tail) && self.contains(tail))
                || without_link.is_some_and(|rest| self.contains(rest))
        })
    }
}

fn is_long_stem(text: &str) -> bool {
    text.chars().count() >= MIN_STEM_CHARS
}

/// Returns the stems of a folded password that are looked up in the
/// blocklist: the password without digits, punctuation and spaces at its
/// ends ("passwort1234" gives "passwort"), its letters alone ("praxis2024praxis"
/// gives "praxispraxis"), and the first stem with symbol substitutions undone.
fn stems(folded: &str) -> Vec<String> {
    let trimmed = folded.trim_matches(|c: char| !c.is_alphabetic());
    let letters: String = folded.chars().filter(|c| c.is_alphabetic()).collect();

    let mut stems = vec![trimmed.to_owned(), letters];
    stems.extend(unleet_variants(trimmed));
    stems.retain(|stem| is_long_stem(stem));
    stems
}

/// Returns whether a folded password is a blocklisted word, alone or with
/// digits, separators, symbol substitutions or repetitions.
fn is_listed(folded: &str, stems: &[String]) -> bool {
    BLOCKLIST.contains(folded) || stems.iter().any(|stem| BLOCKLIST.matches_stem(stem))
}

/// Returns whether a stem of the password joins two blocklisted words.
fn is_listed_compound(stems: &[String]) -> bool {
    stems.iter().any(|stem| BLOCKLIST.is_compound(stem))
}

/// Returns the shortest string whose repetition gives `text` ("hallo" for
/// "hallohallo"), or `None` when `text` is no repetition.
fn repeated_unit(text: &str) -> Option<&str> {
    let length = text.len();
    (1..=length / 2)
        .filter(|&unit_length| {
            length.is_multiple_of(unit_length) && text.is_char_boundary(unit_length)
        })
        .map(|unit_length| &text[..unit_length])
        .find(|unit| {
            text.as_bytes()
                .chunks(unit.len())
                .all(|chunk| chunk == unit.as_bytes())
        })
}

// Personal data.

/// The provider's data prepared for comparison with a folded password.
struct PersonalTokens {
    /// Each whole value (name, email, practice name, slug, "visite") folded,
    /// with and without separators.
    whole: Vec<String>,
    /// Values, their parts and [`SERVICE_WORDS`], each of at least
    /// [`MIN_TOKEN_CHARS`], longest first.
    parts: Vec<String>,
    /// Values, their parts of any length, and [`SERVICE_WORDS`].
    zxcvbn_inputs: Vec<String>,
}

impl PersonalTokens {
    fn new(personal: &PersonalData<'_>) -> Self {
        let values = [
            personal.name,
            personal.email,
            personal.practice_name,
            personal.slug,
            SERVICE_NAME,
        ];
        let mut whole = Vec::new();
        let mut parts = Vec::new();

        for value in values {
            let folded = fold(&normalize(value.trim()));
            if folded.is_empty() {
                continue;
            }
            let alphanumeric: String = folded.chars().filter(|c| c.is_alphanumeric()).collect();

            // An email also yields its local part and domain, "erika.muster" and "example.org".
            if let Some((local, domain)) = folded.rsplit_once('@') {
                parts.push(local.to_owned());
                parts.push(domain.to_owned());
            }
            parts.extend(
                folded
                    .split(|c: char| !c.is_alphanumeric())
                    .map(str::to_owned),
            );
            parts.push(folded.clone());
            parts.push(alphanumeric.clone());
            whole.push(folded);
            whole.push(alphanumeric);
        }

        let spellings: Vec<String> = parts
            .iter()
            .flat_map(|part| umlaut_variants(part))
            .collect();
        parts.extend(spellings);
        parts.extend(SERVICE_WORDS.map(str::to_owned));
        parts.retain(|part| !part.is_empty());
        parts.sort_by(|a, b| {
            b.chars()
                .count()
                .cmp(&a.chars().count())
                .then_with(|| a.cmp(b))
        });
        parts.dedup();

        let zxcvbn_inputs = parts.clone();
        parts.retain(|part| part.chars().count() >= MIN_TOKEN_CHARS);
        whole.retain(|value| !value.is_empty());

        Self {
            whole,
            parts,
            zxcvbn_inputs,
        }
    }

    /// Returns whether a folded password equals a personal value, or consists
    /// of personal tokens plus digits, punctuation and at most
    /// [`MAX_EXTRA_LETTERS`] other letters.
    fn is_personal(&self, folded: &str) -> bool {
        let alphanumeric: String = folded.chars().filter(|c| c.is_alphanumeric()).collect();
        if self
            .whole
            .iter()
            .any(|value| *value == folded || *value == alphanumeric)
        {
            return true;
        }

        // Longest first, so that "praxis-muster" goes before "praxis" and "muster".
        let mut rest = folded.to_owned();
        let mut found = false;
        for part in &self.parts {
            if rest.contains(part.as_str()) {
                rest = rest.replace(part.as_str(), " ");
                found = true;
            }
        }
        found && rest.chars().filter(|c| c.is_alphabetic()).count() <= MAX_EXTRA_LETTERS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn erika() -> PersonalData<'static> {
        PersonalData {
            name: "Erika Muster",
            email: "erika.muster@example.org",
            practice_name: "Hausarztpraxis Dr. Muster",
            slug: "praxis-muster",
        }
    }

    /// Builds a password of `length` characters from a fixed pseudo-random
    /// sequence, so that it repeats between runs but has no pattern zxcvbn finds.
    fn random_password(length: usize) -> String {
        const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789-_.!?#%";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        (0..length)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ALPHABET[(state >> 33) as usize % ALPHABET.len()] as char
            })
            .collect()
    }

    #[test]
    fn rejected_passwords_table() {
        let cases: &[(&str, PasswordProblem)] = &[
            ("", PasswordProblem::TooShort),
            ("password", PasswordProblem::TooShort),
            ("123", PasswordProblem::TooShort),
            ("qwertzuiopü", PasswordProblem::TooShort),
            ("elf Zeichen", PasswordProblem::TooShort),
            ("Passwort123456", PasswordProblem::Common),
            ("passwort1234", PasswordProblem::Common),
            ("PASSWORT-2024!", PasswordProblem::Common),
            ("praxis2024praxis", PasswordProblem::Common),
            ("hallohallo12", PasswordProblem::Common),
            ("Sonnenschein2024", PasswordProblem::Common),
            ("Schmetterling1", PasswordProblem::Common),
            ("Fussball!2024", PasswordProblem::Common),
            ("Fußball-19-74", PasswordProblem::Common),
            ("P@ssw0rt2024!", PasswordProblem::Common),
            ("Wartezimmer2024", PasswordProblem::Common),
            ("Sprechstunde!!", PasswordProblem::Common),
            ("Bundesrepublik", PasswordProblem::Common),
            ("1234-Hausarzt-5678", PasswordProblem::Common),
            ("Katzenfutter2024", PasswordProblem::Common),
            ("Sonnenblume#1", PasswordProblem::Common),
            ("kaffeetasse12", PasswordProblem::Common),
            ("Sicherheits-Risiko 2024", PasswordProblem::Common),
            ("anna-lena-2024", PasswordProblem::Common),
            ("Mustermann2024", PasswordProblem::Common),
            ("erika.muster@example.org", PasswordProblem::Personal),
            ("ERIKA.MUSTER@EXAMPLE.ORG", PasswordProblem::Personal),
            ("ErikaMuster2024!", PasswordProblem::Personal),
            ("erika muster 1970", PasswordProblem::Personal),
            ("praxis-muster-1234", PasswordProblem::Personal),
            ("visite-visite-12", PasswordProblem::Personal),
            ("Example.org-2024", PasswordProblem::Personal),
            ("videopraxisvisite", PasswordProblem::Personal),
            ("Muster-Video-Praxis", PasswordProblem::Personal),
            ("qwertzuiopas", PasswordProblem::Guessable),
            ("aaaaaaaaaaaaaaaa", PasswordProblem::Guessable),
            ("1234567890123", PasswordProblem::Guessable),
        ];
        for &(password, expected) in cases {
            assert_eq!(
                check(password, &erika()),
                Err(expected),
                "password {password:?}"
            );
        }
    }

    #[test]
    fn accepted_passwords_table() {
        let cases = [
            "correct horse battery staple",
            "Zwetschgen-Baum wächst leise",
            "zwetschgenbaum wächst leise im garten",
            "тихая река под луной",
            "ήσυχο ποτάμι στο φεγγάρι",
            "🍎🍐🍒🍇🥝🍋🍊🍉🍓🫐🍍🥭",
            "Erika mag lange Spaziergänge am Meer",
            "Kq7#mVp2!xRw",
        ];
        for password in cases {
            assert_eq!(check(password, &erika()), Ok(()), "password {password:?}");
        }
    }

    #[test]
    fn random_password_lengths_accepted() {
        for length in [MIN_CHARS, 40, 128, MAX_CHARS] {
            let password = random_password(length);
            assert_eq!(password.chars().count(), length);
            assert_eq!(
                check(&password, &erika()),
                Ok(()),
                "random password of {length} chars"
            );
        }
    }

    #[test]
    fn length_over_max_rejected() {
        let password = random_password(MAX_CHARS + 1);
        assert_eq!(check(&password, &erika()), Err(PasswordProblem::TooLong));
    }

    #[test]
    fn length_counts_chars_not_bytes() {
        let password = "ÄöÜßéñçøåÆœЖ";
        assert_eq!(password.len(), 24, "bytes in UTF-8");
        assert_eq!(password.chars().count(), 12);
        assert_ne!(check(password, &erika()), Err(PasswordProblem::TooShort));
    }

    #[test]
    fn length_counted_after_nfkc() {
        // 11 characters as typed. NFKC turns the ligature "ﬀ" into "ff".
        let password = "Kq7#ﬀ9xPz!w";
        assert_eq!(password.chars().count(), 11);
        assert_eq!(
            check(password, &erika()),
            Ok(()),
            "12 characters after NFKC"
        );

        // 342 ligatures "ﬃ" are 1026 characters after NFKC.
        let long = "ﬃ".repeat(342);
        assert_eq!(check(&long, &erika()), Err(PasswordProblem::TooLong));
    }

    #[test]
    fn normalize_applies_nfkc() {
        assert_eq!(normalize("ｐａｓｓｗｏｒｔ１２３４"), "passwort1234");
        assert_eq!(
            normalize("\u{212B}"),
            "\u{00C5}",
            "Angstrom sign becomes A with ring"
        );
        assert_eq!(normalize("a\u{0308}"), "ä", "decomposed umlaut is composed");
        assert_eq!(
            normalize("  two  spaces "),
            "  two  spaces ",
            "whitespace is kept"
        );
    }

    #[test]
    fn fullwidth_password_checked_after_nfkc() {
        assert_eq!(
            check("ｐａｓｓｗｏｒｔ１２３４", &erika()),
            Err(PasswordProblem::Common)
        );
        assert_eq!(
            check("ＥｒｉｋａＭｕｓｔｅｒ２０２４！", &erika()),
            Err(PasswordProblem::Personal)
        );
    }

    #[test]
    fn umlaut_spellings_of_personal_data() {
        let personal = PersonalData {
            name: "Jürgen Müller",
            email: "jm@example.de",
            practice_name: "",
            slug: "",
        };
        for password in ["JürgenMüller!!!", "JuergenMueller!!", "JurgenMuller!!!"] {
            assert_eq!(
                check(password, &personal),
                Err(PasswordProblem::Personal),
                "password {password:?}"
            );
        }
    }

    #[test]
    fn umlaut_spellings_of_blocklist() {
        for password in [
            "Schmetterling2024",
            "Passwoerter2024",
            "Passworter2024",
            "Passwörter2024",
        ] {
            assert_eq!(
                check(password, &PersonalData::default()),
                Err(PasswordProblem::Common),
                "password {password:?}"
            );
        }
    }

    #[test]
    fn empty_personal_data_ignored() {
        let personal = PersonalData::default();
        assert_eq!(check("correct horse battery staple", &personal), Ok(()));
        assert_eq!(
            check("visite-visite-12", &personal),
            Err(PasswordProblem::Personal),
            "service name always counts"
        );
    }

    #[test]
    fn no_composition_rules() {
        let personal = PersonalData::default();
        assert_eq!(
            check("wolken über dem stillen see", &personal),
            Ok(()),
            "lowercase letters only"
        );
        assert_eq!(
            check("RUHIGER WALD IM NEBEL", &personal),
            Ok(()),
            "uppercase letters only"
        );
        assert_eq!(
            check("7302 9184 6651 0427", &personal),
            Ok(()),
            "digits only"
        );
    }

    #[test]
    fn repeated_unit_finds_shortest() {
        assert_eq!(repeated_unit("hallohallo"), Some("hallo"));
        assert_eq!(repeated_unit("abababab"), Some("ab"));
        assert_eq!(repeated_unit("äöäö"), Some("äö"));
        assert_eq!(repeated_unit("hallo"), None);
        assert_eq!(repeated_unit(""), None);
    }

    #[test]
    fn blocklist_loaded() {
        let count = BLOCKLIST.entries.len();
        assert!(
            (80_000..120_000).contains(&count),
            "blocklist has {count} entries"
        );
        assert_eq!(
            BLOCKLIST.longest_entry,
            "mannschaftseuropameisterschaften".len()
        );
        for word in [
            "passwort",
            "fussball",
            "praxis",
            "sprechstunde",
            "müller",
            "mueller",
            "schmidt",
            "anna",
        ] {
            assert!(BLOCKLIST.contains(word), "blocklist lacks {word:?}");
        }
        assert!(
            !BLOCKLIST.contains(""),
            "blocklist contains the empty string"
        );
    }

    #[test]
    fn assess_matches_check() {
        let cases = [
            "",
            "password",
            "Passwort123456",
            "ErikaMuster2024!",
            "qwertzuiopas",
            "correct horse battery staple",
        ];
        for password in cases {
            let assessment = assess(password, &erika());
            assert!(
                assessment.score <= 4,
                "score {} of {password:?}",
                assessment.score
            );
            assert_eq!(
                assessment.problem,
                check(password, &erika()).err(),
                "password {password:?}"
            );
        }
    }

    #[test]
    fn assess_scores() {
        assert_eq!(assess("", &erika()).score, 0, "empty password");
        assert!(
            assess("password", &erika()).score < MIN_SCORE,
            "short common password"
        );
        assert_eq!(assess("correct horse battery staple", &erika()).score, 4);
        assert_eq!(
            assess(&random_password(MAX_CHARS + 1), &erika()).score,
            4,
            "score of a too long password"
        );
    }

    #[test]
    fn problem_names() {
        assert_eq!(PasswordProblem::TooShort.as_str(), "too-short");
        assert_eq!(PasswordProblem::TooLong.as_str(), "too-long");
        assert_eq!(PasswordProblem::Common.as_str(), "common");
        assert_eq!(PasswordProblem::Personal.as_str(), "personal");
        assert_eq!(PasswordProblem::Guessable.as_str(), "guessable");
    }
}
