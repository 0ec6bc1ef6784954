//! The `server` binary, built inside the test package so that end-to-end tests can run it
//! as a process (`CARGO_BIN_EXE_inclusio-server`): the same entry point as
//! `server/src/main.rs`, nothing else.

fn main() -> std::process::ExitCode {
    server::cli::main()
}
