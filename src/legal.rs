//! The terms of use and the privacy notice that replace the built-in texts.
//!
//! An operator puts plain-text files into the folder set as `legal_dir`:
//! `terms.de.txt`, `terms.en.txt`, `privacy.de.txt` and `privacy.en.txt`.
//! Blank lines separate paragraphs. The page escapes the text like every
//! other value, so a file cannot add markup or scripts. A missing file keeps
//! the built-in text for that document and language.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};

use crate::i18n::Lang;

/// The two documents, by the name their files and page paths use.
pub const DOCUMENTS: [&str; 2] = ["terms", "privacy"];

/// Largest accepted file, in bytes; a legal text is far smaller.
const MAX_FILE_BYTES: u64 = 256 * 1024;

/// The operator's texts, read once at startup, as paragraphs per document and language.
#[derive(Debug, Default, Clone)]
pub struct LegalTexts {
    paragraphs: HashMap<(&'static str, Lang), Vec<String>>,
}

impl LegalTexts {
    /// Reads the files in `dir`. `None` keeps every built-in text. A folder
    /// that does not exist, or a file that cannot be read, is not UTF-8 or
    /// has no text, is an error, so that a mistake shows at startup rather
    /// than as a silently kept default.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let mut texts = Self::default();
        let Some(dir) = dir else {
            return Ok(texts);
        };
        if !dir.is_dir() {
            bail!("legal_dir {} is not a folder", dir.display());
        }
        for document in DOCUMENTS {
            for lang in Lang::ALL {
                let path = dir.join(file_name(document, lang));
                if !path.exists() {
                    continue;
                }
                let paragraphs = read_paragraphs(&path)?;
                tracing::info!(file = %path.display(), "legal text replaces the built-in one");
                texts.paragraphs.insert((document, lang), paragraphs);
            }
        }
        Ok(texts)
    }

    /// Returns the operator's paragraphs for `document` in `lang`, if a file gave them.
    pub fn paragraphs(&self, document: &str, lang: Lang) -> Option<&[String]> {
        let key = DOCUMENTS.into_iter().find(|name| *name == document)?;
        self.paragraphs.get(&(key, lang)).map(Vec::as_slice)
    }
}

/// Returns the file name of a document in a language, such as `terms.de.txt`.
pub fn file_name(document: &str, lang: Lang) -> String {
    format!("{document}.{}.txt", lang.code())
}

fn read_paragraphs(path: &Path) -> anyhow::Result<Vec<String>> {
    let metadata = std::fs::metadata(path).with_context(|| format!("cannot read legal text {}", path.display()))?;
    // A device or a pipe would report no size and never end.
    if !metadata.is_file() {
        bail!("legal text {} is not a regular file", path.display());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_FILE_BYTES + 1), &mut bytes))
        .with_context(|| format!("cannot read legal text {}", path.display()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        bail!("legal text {} has more than the {MAX_FILE_BYTES} bytes accepted", path.display());
    }
    let text = String::from_utf8(bytes)
        .with_context(|| format!("cannot read legal text {} (it must be UTF-8 plain text)", path.display()))?;
    // Editors on Windows may start a UTF-8 file with a byte order mark.
    let paragraphs = split_paragraphs(text.strip_prefix('\u{feff}').unwrap_or(&text));
    if paragraphs.is_empty() {
        bail!("legal text {} is empty: add the text or delete the file to keep the built-in one", path.display());
    }
    Ok(paragraphs)
}

/// Splits plain text at blank lines and joins the lines of each paragraph
/// with a space, because the browser reflows them anyway.
fn split_paragraphs(text: &str) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(current.join(" "));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current.join(" "));
    }
    paragraphs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("terms.de.txt");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let error = format!("{:#}", read_paragraphs(&link).unwrap_err());
        assert!(error.contains("not a regular file"), "{error}");
    }

    #[test]
    fn paragraphs_split_at_blank_lines() {
        let text = "First line\nstill first\n\n\n  Second  \r\n\r\nThird\n";
        assert_eq!(split_paragraphs(text), ["First line still first", "Second", "Third"]);
        assert!(split_paragraphs("\n \n").is_empty());
    }

    #[test]
    fn missing_files_keep_the_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("terms.de.txt"), "Nutzungsbedingungen der Praxis\n").unwrap();
        let texts = LegalTexts::load(Some(dir.path())).unwrap();
        assert_eq!(texts.paragraphs("terms", Lang::De), Some(&["Nutzungsbedingungen der Praxis".to_owned()][..]));
        assert_eq!(texts.paragraphs("terms", Lang::En), None);
        assert_eq!(texts.paragraphs("privacy", Lang::De), None);
        assert_eq!(LegalTexts::load(None).unwrap().paragraphs("terms", Lang::De), None);
    }

    #[test]
    fn bad_folder_or_file_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let missing = LegalTexts::load(Some(&dir.path().join("nope"))).unwrap_err();
        assert!(format!("{missing:#}").contains("is not a folder"), "{missing:#}");

        std::fs::write(dir.path().join("privacy.en.txt"), "\n\n").unwrap();
        let empty = LegalTexts::load(Some(dir.path())).unwrap_err();
        assert!(format!("{empty:#}").contains("is empty"), "{empty:#}");

        std::fs::write(dir.path().join("privacy.en.txt"), [0xff, 0xfe, 0x41]).unwrap();
        let binary = LegalTexts::load(Some(dir.path())).unwrap_err();
        assert!(format!("{binary:#}").contains("UTF-8"), "{binary:#}");
    }
}
