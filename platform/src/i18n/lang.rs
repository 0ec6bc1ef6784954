//! The reader's language: `?lang=` first, then the `inclusio_lang` cookie (set by
//! `GET /lang/{code}`), then `Accept-Language`, then French (the service's home market).

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use std::future::{Ready, ready};

/// The cookie that remembers a reader's choice.
pub const COOKIE: &str = "inclusio_lang";

/// A language the pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// French (the default).
    #[default]
    Fr,
    /// English.
    En,
}

impl Lang {
    /// Every language.
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    /// `fr` or `en`.
    pub fn code(self) -> &'static str {
        self.locale().code()
    }

    /// Parses a language tag (`fr`, `en`, `fr-FR`, `en_GB`, any case) with the one parser,
    /// [`trials::Locale::parse`].
    pub fn parse(s: &str) -> Option<Lang> {
        trials::Locale::parse(s).map(Lang::from)
    }

    /// The first supported language of an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Lang::parse) else {
                continue;
            };
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }

    /// The locale of the matching engine's explanations.
    pub fn locale(self) -> trials::Locale {
        match self {
            Lang::Fr => trials::Locale::Fr,
            Lang::En => trials::Locale::En,
        }
    }

    /// The reader's language for a request.
    pub fn of(req: &HttpRequest) -> Lang {
        let query = req
            .query_string()
            .split('&')
            .find_map(|kv| kv.strip_prefix("lang=").and_then(Lang::parse));
        query
            .or_else(|| req.cookie(COOKIE).and_then(|c| Lang::parse(c.value())))
            .or_else(|| {
                req.headers()
                    .get(actix_web::http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or_default()
    }
}

impl From<trials::Locale> for Lang {
    fn from(l: trials::Locale) -> Lang {
        match l {
            trials::Locale::Fr => Lang::Fr,
            trials::Locale::En => Lang::En,
        }
    }
}

impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Lang, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Lang::of(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_by_quality() {
        let cases = [
            ("fr-FR,fr;q=0.9,en;q=0.8", Some(Lang::Fr)),
            ("en-GB,en;q=0.9", Some(Lang::En)),
            ("de-DE,en;q=0.5,fr;q=0.7", Some(Lang::Fr)),
            ("de, it", None),
            ("", None),
            ("en;q=abc", Some(Lang::En)),
        ];
        for (header, want) in cases {
            assert_eq!(Lang::from_accept_language(header), want, "{header}");
        }
    }

    #[test]
    fn codes_round_trip() {
        for l in [Lang::Fr, Lang::En] {
            assert_eq!(Lang::parse(l.code()), Some(l));
        }
        assert_eq!(Lang::parse("EN_us"), Some(Lang::En));
        assert_eq!(Lang::parse("es"), None);
    }
}
