//! Structured logs with tracing. Field names are dotted and queryable:
//! `http.method`, `http.path`, `http.status`, `request.id`, `duration_ms`,
//! `company.ticker`.

use crate::configuration::LogFormat;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    /// Serving: the logs are the process's output.
    Stdout,
    /// Commands whose output is data (imports, exports): logs stay out of it.
    Stderr,
}

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init(format: LogFormat, stream: LogStream) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let writer = match stream {
        LogStream::Stdout => BoxMakeWriter::new(std::io::stdout),
        LogStream::Stderr => BoxMakeWriter::new(std::io::stderr),
    };
    let _ = match format {
        LogFormat::Json => registry
            .with(fmt::layer().json().flatten_event(true).with_writer(writer))
            .try_init(),
        LogFormat::Text => registry
            .with(fmt::layer().with_target(false).with_writer(writer))
            .try_init(),
    };
}
