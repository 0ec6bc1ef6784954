//! What an email is: a kind, and a rendering to subject, text and HTML in a locale.

use serde::{Deserialize, Serialize};

/// The language of an email: the pages' language type.
pub use crate::i18n::lang::Lang as Locale;

/// An email rendered in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    /// One line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

/// An email: one struct holding what its templates show.
pub trait Email {
    /// The kind stored in the outbox and shown to admins (`trial_approved`…).
    const KIND: &'static str;

    /// Renders subject, text and HTML in `locale`.
    fn render(&self, locale: Locale) -> Result<Rendered, askama::Error>;
}

/// Implements [`Email`] for a struct from its six templates (under `templates/`):
/// `email_templates!(Type, "kind", fr: ["subject", "text", "html"], en: [...]);`.
/// Templates see the struct's fields by name. The crate that invokes it depends on `askama`.
#[macro_export]
macro_rules! email_templates {
    ($email:ty, $kind:tt,
     fr: [$fs:tt, $ft:tt, $fh:tt],
     en: [$es:tt, $et:tt, $eh:tt]) => {
        const _: () = {
            use askama::Template;
            use $crate::email::message::{Email, Locale, Rendered};

    $crate::email_templates!(@part FrSubject, $email, $fs);
    $crate::email_templates!(@part FrText, $email, $ft);
    $crate::email_templates!(@part FrHtml, $email, $fh);
    $crate::email_templates!(@part EnSubject, $email, $es);
    $crate::email_templates!(@part EnText, $email, $et);
    $crate::email_templates!(@part EnHtml, $email, $eh);

            impl Email for $email {
                const KIND: &'static str = $kind;

                fn render(&self, locale: Locale) -> Result<Rendered, askama::Error> {
                    let (subject, text, html) = match locale {
                        Locale::Fr => (
                            FrSubject(self).render()?,
                            FrText(self).render()?,
                            FrHtml(self).render()?,
                        ),
                        Locale::En => (
                            EnSubject(self).render()?,
                            EnText(self).render()?,
                            EnHtml(self).render()?,
                        ),
                    };
                    Ok(Rendered {
                        subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
                        text,
                        html,
                    })
                }
            }
        };
    };
    (@part $name:ident, $email:ty, $path:tt) => {
        #[derive(Template)]
        #[template(path = $path)]
        struct $name<'a>(&'a $email);

        impl std::ops::Deref for $name<'_> {
            type Target = $email;
            fn deref(&self) -> &$email {
                self.0
            }
        }
    };
}
