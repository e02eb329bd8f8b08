//! Small building blocks shared by the pages.

mod figure;
mod scorecard;
mod value;

pub use figure::{ComputedCell, FigureCell};
pub use scorecard::ScorecardView;
pub use value::format_value;
