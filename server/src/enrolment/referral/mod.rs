//! Referrals: the status machine (`status`), storage and access (`store`), who is
//! emailed at a site (`recipients`), what the coordinators' API shows (`view`) and the
//! outcomes fed back to practices (`outcomes`).

pub mod digest;
pub mod export;
pub mod fhir;
pub mod notes;
pub mod outcomes;
pub mod recipients;
pub mod status;
pub mod store;
pub mod view;
pub mod worklist;
