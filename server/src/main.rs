//! The `server` binary: everything is in [`server::cli`].

fn main() -> std::process::ExitCode {
    server::cli::main()
}
