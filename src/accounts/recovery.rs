//! Single-use recovery codes for when the authenticator is lost.

use rand::Rng;
use sha2::{Digest, Sha256};

pub const CODE_COUNT: usize = 10;
/// Letters and digits without look-alikes (no 0/O, 1/I/L).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Ten characters from 31 symbols: about 49 bits each.
const CODE_CHARS: usize = 10;

/// Draw a fresh set of codes, formatted `XXXXX-XXXXX`.
pub fn generate() -> Vec<String> {
    let mut rng = rand::rng();
    (0..CODE_COUNT)
        .map(|_| {
            let chars: String = (0..CODE_CHARS).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// Hash a code as typed: case, spaces and hyphens do not matter.
pub fn hash(code: &str) -> Vec<u8> {
    let normalized: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    Sha256::digest(normalized.as_bytes()).to_vec()
}

/// Whether the input looks like a recovery code rather than a TOTP code.
pub fn looks_like_code(input: &str) -> bool {
    input.chars().filter(|c| c.is_ascii_alphanumeric()).count() == CODE_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_well_formed() {
        let codes = generate();
        assert_eq!(codes.len(), CODE_COUNT);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), CODE_COUNT);
        for code in &codes {
            assert_eq!(code.len(), 11);
            assert!(looks_like_code(code));
        }
    }

    #[test]
    fn hash_ignores_case_and_separators() {
        assert_eq!(hash("ABCDE-FGHJK"), hash("abcde fghjk"));
        assert_ne!(hash("ABCDE-FGHJK"), hash("ABCDE-FGHJM"));
    }
}
