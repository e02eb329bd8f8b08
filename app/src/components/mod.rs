//! Small building blocks shared by the pages.

mod chart_view;
mod figure;
mod scorecard;
mod value;

pub use chart_view::{default_title, ChartView};
pub use figure::{ComputedCell, FigureCell};
pub use scorecard::ScorecardView;
pub use value::format_value;
