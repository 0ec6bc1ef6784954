//! HTTP routes, one file per resource. Handlers stay thin: extract, call the domain, map.

pub mod health;
