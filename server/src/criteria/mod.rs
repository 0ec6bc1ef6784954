//! The criteria builder's server side: previews, code search and trying criteria on an
//! example patient ([`builder`]), and the example patients it offers ([`example_patients`]).

pub mod builder;
pub mod example_patients;
