//! No code: the dependencies in Cargo.toml align the server's build with the test build's.
