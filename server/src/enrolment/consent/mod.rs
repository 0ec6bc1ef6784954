//! Electronic informed consent: the flow opened from an accepted alert's link (`flow`), the
//! posted form (`form`), the sealed identity (`identity`), the signature's binding
//! (`signature`), the PDF copy (`pdf_copy`), signing (`sign`), the patient's receipt link
//! (`receipt`) and withdrawal (`withdraw`). The comprehension questions are the sponsor's,
//! in `crate::registry::questions`.

pub mod flow;
pub mod form;
pub mod identity;
pub mod pdf_copy;
pub mod receipt;
pub mod sign;
pub mod signature;
pub mod withdraw;
