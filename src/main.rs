//! The `fonds` command: a thin shell over [`fonds::cli`]; it installs the
//! log (standard error, see [`install_log`]) and turns the outcome of a run
//! into an exit code. Standard output is the command's own.

use std::process::ExitCode;

/// The environment variable that sets what is logged.
const LOG_ENV: &str = "FONDS_LOG";
/// The environment variable that sets how it is written: `text` or `json`.
const LOG_FORMAT_ENV: &str = "FONDS_LOG_FORMAT";

fn main() -> ExitCode {
    if let Err(e) = install_log() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    fonds::cli::main()
}

/// Sends `tracing` events (and the `log` records of dependencies) to
/// standard error. `FONDS_LOG` is a level (`debug`: fonds's own lines at
/// that level, dependencies' at `warn` or quieter) or `tracing-subscriber`
/// directives (`fonds=debug,sqlx=info`); unset, `info` for fonds and `warn`
/// for the rest. `FONDS_LOG_FORMAT=json` writes one JSON object per line.
/// A value that is neither is refused, naming the variable.
fn install_log() -> Result<(), String> {
    use tracing_subscriber::EnvFilter;
    let directives = match std::env::var(LOG_ENV) {
        Ok(value) if !value.trim().is_empty() => directives(value.trim()),
        Ok(_) | Err(std::env::VarError::NotPresent) => directives("info"),
        Err(std::env::VarError::NotUnicode(_)) => return Err(format!("{LOG_ENV} is not UTF-8")),
    };
    let filter = EnvFilter::builder()
        .parse(&directives)
        .map_err(|e| format!("{LOG_ENV}={directives:?}: {e}"))?;
    let json = match std::env::var(LOG_FORMAT_ENV).as_deref() {
        Err(std::env::VarError::NotPresent) | Ok("" | "text") => false,
        Ok("json") => true,
        Ok(other) => {
            return Err(format!(
                "{LOG_FORMAT_ENV}={other:?}: the log format is text or json"
            ));
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(format!("{LOG_FORMAT_ENV} is not UTF-8"));
        }
    };
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = if json {
        tracing_subscriber::util::SubscriberInitExt::try_init(log.json().finish())
    } else {
        tracing_subscriber::util::SubscriberInitExt::try_init(log.finish())
    };
    installed.map_err(|e| format!("installing the log: {e}"))
}

/// `FONDS_LOG`'s value as filter directives: a bare level is fonds's own,
/// with the dependencies at `warn` unless that is louder; anything else is
/// taken as it is.
fn directives(value: &str) -> String {
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    let level = value.to_ascii_lowercase();
    if !LEVELS.contains(&level.as_str()) {
        return value.to_string();
    }
    let others = if matches!(level.as_str(), "off" | "error") {
        level.as_str()
    } else {
        "warn"
    };
    format!("{others},fonds={level}")
}
