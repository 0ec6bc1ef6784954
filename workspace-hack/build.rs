//! Empty: it exists so that the build dependencies count (see Cargo.toml).

fn main() {}
