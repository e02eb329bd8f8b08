//! `server`: serve the dashboard, import filings, export data. See `server --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    server::cli::main()
}
