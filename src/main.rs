//! The `veille` binary: all logic lives in the library; this maps the
//! outcome to an exit code.

fn main() -> std::process::ExitCode {
    veille::cli::main()
}
