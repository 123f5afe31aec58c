//! Translations: the language of each request and the lookup of its strings.
//!
//! Strings live in Fluent files under `locales/<lang>/main.ftl`. The language
//! is chosen per request: an explicit `?lang=` choice, then the language
//! cookie, then the browser's `Accept-Language`, then English.

use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use unic_langid::LanguageIdentifier;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Pages are HTML: Unicode isolation marks around arguments would show up
        // in form values and copy-pasted links.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

const DE_SOURCE: &str = include_str!("../locales/de/main.ftl");
const EN_SOURCE: &str = include_str!("../locales/en/main.ftl");

/// The languages visite speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    De,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::De, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        let primary = code.split(['-', '_']).next()?.trim();
        if primary.eq_ignore_ascii_case("de") {
            Some(Lang::De)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    fn identifier(self) -> &'static LanguageIdentifier {
        static DE: LazyLock<LanguageIdentifier> = LazyLock::new(|| "de".parse().expect("valid tag"));
        static EN: LazyLock<LanguageIdentifier> = LazyLock::new(|| "en".parse().expect("valid tag"));
        match self {
            Lang::De => &DE,
            Lang::En => &EN,
        }
    }

    fn source(self) -> &'static str {
        match self {
            Lang::De => DE_SOURCE,
            Lang::En => EN_SOURCE,
        }
    }
}

/// Pick the best supported language from an `Accept-Language` header value,
/// honouring q-values; ties keep the header's order.
pub fn negotiate(accept_language: &str) -> Option<Lang> {
    let mut best: Option<(Lang, f32)> = None;
    for item in accept_language.split(',').take(32) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let quality = parts
            .find_map(|param| param.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .filter(|q| q.is_finite() && (0.0..=1.0).contains(q))
            .unwrap_or(1.0);
        if quality <= 0.0 {
            continue;
        }
        if let Some(lang) = Lang::from_code(tag) {
            if best.is_none_or(|(_, q)| quality > q) {
                best = Some((lang, quality));
            }
        }
    }
    best.map(|(lang, _)| lang)
}

/// The translator for one request, handed to every template as `tr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr {
    pub lang: Lang,
}

impl Default for Tr {
    fn default() -> Self {
        Self::new(Lang::En)
    }
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// The string for `key`. A missing key shows as the key itself, which the
    /// locale tests catch before a release.
    pub fn t(&self, key: &str) -> String {
        LOCALES.try_lookup(self.lang.identifier(), key).unwrap_or_else(|| key.to_owned())
    }

    /// Look up the string for `key` with one named argument.
    pub fn t1(&self, key: &str, name: &'static str, value: impl Into<FluentValue<'static>>) -> String {
        let args = HashMap::from([(std::borrow::Cow::Borrowed(name), value.into())]);
        LOCALES
            .try_lookup_with_args(self.lang.identifier(), key, &args)
            .unwrap_or_else(|| key.to_owned())
    }

    /// Look up the string for `key` with named arguments.
    pub fn with_args(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let args: HashMap<_, _> = args
            .iter()
            .map(|(name, value)| (std::borrow::Cow::Borrowed(*name), FluentValue::from(value.clone())))
            .collect();
        LOCALES
            .try_lookup_with_args(self.lang.identifier(), key, &args)
            .unwrap_or_else(|| key.to_owned())
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// Every string whose key starts with `js-`, for the browser scripts; the
    /// page hands them over as `data-` attributes without the prefix.
    pub fn js_strings(&self) -> Vec<(&'static str, String)> {
        message_ids(self.lang.source())
            .filter_map(|id| id.strip_prefix("js-").map(|short| (short, self.t(id))))
            .collect()
    }
}

/// The strings `<prefix>-1`, `<prefix>-2`, … up to the first missing number.
pub fn numbered(tr: Tr, prefix: &str) -> Vec<String> {
    (1..)
        .map_while(|n| LOCALES.try_lookup(tr.lang.identifier(), &format!("{prefix}-{n}")))
        .collect()
}

/// The message identifiers defined in a Fluent source, in file order.
pub fn message_ids(source: &'static str) -> impl Iterator<Item = &'static str> {
    source.lines().filter_map(|line| {
        let (id, _) = line.split_once('=')?;
        let id = id.trim_end();
        let valid = id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        valid.then_some(id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiate_accept_language() {
        assert_eq!(negotiate("de-DE,de;q=0.9,en;q=0.8"), Some(Lang::De));
        assert_eq!(negotiate("en-US,en;q=0.9,de;q=0.8"), Some(Lang::En));
        assert_eq!(negotiate("fr-FR,de;q=0.5,en;q=0.7"), Some(Lang::En));
        assert_eq!(negotiate("fr, it"), None);
        assert_eq!(negotiate("de;q=0, en;q=0.1"), Some(Lang::En));
        assert_eq!(negotiate("de;q=NaN, en;q=2"), Some(Lang::De));
        assert_eq!(negotiate(""), None);
    }

    #[test]
    fn locales_define_the_same_keys() {
        let de: Vec<_> = message_ids(DE_SOURCE).collect();
        let en: Vec<_> = message_ids(EN_SOURCE).collect();
        for id in &en {
            assert!(de.contains(id), "German locale lacks {id}");
        }
        for id in &de {
            assert!(en.contains(id), "English locale lacks {id}");
        }
    }

    #[test]
    fn every_key_resolves() {
        // Every argument name the files use, so messages with arguments resolve too.
        let args: Vec<(&'static str, String)> = ["link", "seconds", "minutes", "count", "practice", "time", "device", "name", "room", "days"]
            .into_iter()
            .map(|name| (name, "x".to_owned()))
            .collect();
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for id in message_ids(lang.source()) {
                let text = tr.with_args(id, &args);
                assert_ne!(text, id, "{id} is missing in {}", lang.code());
                assert!(!text.trim().is_empty(), "{id} is empty in {}", lang.code());
            }
        }
    }

    #[test]
    fn german_uses_formal_address() {
        for id in message_ids(DE_SOURCE) {
            let text = Tr::new(Lang::De).t(id).to_lowercase();
            for informal in [" du ", " dich ", " dein ", " deine ", " dir "] {
                assert!(!format!(" {text} ").contains(informal), "{id} addresses the reader informally");
            }
        }
    }
}
