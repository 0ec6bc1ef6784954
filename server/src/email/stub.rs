//! TEMPORARY stand-ins until the pdfmail branch is merged.
#![allow(missing_docs)]
use super::{Email, Locale, Outbox, Rendered};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}
macro_rules! stub { ($t:ident, $k:literal { $($f:ident : $ty:ty),* }) => {
    #[derive(Debug, Clone)] pub struct $t { $(pub $f: $ty),* }
    impl Email for $t { const KIND: &'static str = $k;
        fn render(&self, _l: Locale) -> Result<Rendered, askama::Error> {
            Ok(Rendered { subject: $k.into(), text: format!("{:?}", self), html: format!("<p>{:?}</p>", self) }) } }
}; }
stub!(NewReferral, "new_referral" { trial_title: String, trial_acronym: Option<String>, site_name: String, referral_url: String });
stub!(ConsentCopy, "consent_copy" { trial_title: String, signed_at: String, document_version: i32, receipt_url: String });
stub!(ReferralOutcome, "referral_outcome" { trial_title: String, status: String, reason: Option<String>, detail: Option<String>, referred_on: String, site_name: String });
stub!(ConsentWithdrawn, "consent_withdrawn" { trial_title: String, site_name: String, referral_url: String, withdrawn_at: String });
impl Outbox {
    pub async fn enqueue_with<C: ConnectionTrait, E: Email>(
        &self,
        txn: &C,
        to: &str,
        locale: Locale,
        email: &E,
        _a: Vec<Attachment>,
    ) -> Result<Uuid, super::outbox::OutboxError> {
        self.enqueue(txn, to, locale, email).await
    }
}
