//! Picks the language of a request built from arbitrary `?lang=` query,
//! language cookie and `Accept-Language` header. Besides not panicking, an
//! explicit `?lang=de` or `?lang=en` must win over the headers.

#![no_main]

use arbitrary::Arbitrary;
use axum::http::{HeaderValue, Request, header};
use libfuzzer_sys::fuzz_target;
use visite::http::locale::{LANG_COOKIE, Locale};
use visite::i18n::{Lang, negotiate};

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    query: Option<&'a str>,
    cookie: Option<&'a [u8]>,
    accept_language: Option<&'a [u8]>,
}

fuzz_target!(|input: Input<'_>| {
    if let Some(value) = input.accept_language.and_then(|bytes| std::str::from_utf8(bytes).ok()) {
        negotiate(value);
    }

    let mut builder = Request::builder();
    if let Some(value) = input.accept_language.and_then(|bytes| HeaderValue::from_bytes(bytes).ok()) {
        builder = builder.header(header::ACCEPT_LANGUAGE, value);
    }
    if let Some(cookie) = input.cookie {
        let mut value = format!("{LANG_COOKIE}=").into_bytes();
        value.extend_from_slice(cookie);
        if let Ok(value) = HeaderValue::from_bytes(&value) {
            builder = builder.header(header::COOKIE, value);
        }
    }
    let uri = match input.query {
        Some(query) => format!("/r/praxis?{query}"),
        None => "/r/praxis".to_owned(),
    };
    let Ok(request) = builder.uri(uri.as_str()).body(()) else {
        return;
    };
    let (parts, ()) = request.into_parts();
    let Locale(lang) = Locale::from_parts(&parts);

    // Only the first `lang=` pair counts, and only with a code of at most 8 bytes.
    let query = parts.uri.query().unwrap_or("");
    let first_choice = query.split('&').find_map(|pair| pair.strip_prefix("lang="));
    if let Some(choice) = first_choice.filter(|code| code.len() <= 8).and_then(Lang::from_code) {
        assert_eq!(lang, choice, "an explicit ?lang= choice lost to the headers");
    }
});
