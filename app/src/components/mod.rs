//! Small building blocks shared by the pages.

mod figure;

pub use figure::{ComputedCell, FigureCell};
