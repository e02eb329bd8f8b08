//! Capex Lens domain: the types every layer shares and the pure analytics.
//!
//! Nothing in this crate performs I/O or knows about a web framework or a
//! database: plain data in, results out. It compiles for the server and for
//! WebAssembly, so the browser can rerun the same computations.

pub mod account;
pub mod analytics;
pub mod chart_query;
pub mod entry;
pub mod format;
pub mod ids;
pub mod metric;
pub mod period;
pub mod provenance;
pub mod sync;

pub use ids::{AccessionNumber, Cik, ParseIdError, Ticker};
pub use metric::{Metric, MetricKind, ParseMetricError};
pub use period::{CalendarQuarter, FiscalPeriod, ParsePeriodError};
pub use provenance::{Provenance, SourceKind};
