//! The `fonds` command: a thin shell over [`fonds::cli`]; it only turns the
//! outcome of a run into an exit code.

fn main() -> std::process::ExitCode {
    fonds::cli::main()
}
