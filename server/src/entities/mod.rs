//! sea-orm entities for the tables the migrations create, one file per table.

pub mod audit_log;
