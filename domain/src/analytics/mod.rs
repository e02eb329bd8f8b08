//! The pure analytics layer (methodology sections 2–6, `docs/analytics.md`).
//!
//! Input: a company's stored facts ([`CompanyFacts`]). Output: chart series,
//! derived metrics, the four-question scorecard, the depreciation wave and
//! scenarios. Money stays an exact [`rust_decimal::Decimal`] through every sum;
//! ratios may be turned into `f64` at the end, and no NaN or infinity ever
//! leaves this module: a zero or missing denominator gives "not available"
//! (`None`) together with what is missing ([`Missing`]). Every derived value
//! carries the facts it came from ([`InputRef`], with provenance).

pub mod applicability;
mod book;
pub mod cohort;
pub mod coverage;
pub mod guidance;
pub mod input;
pub mod measure;
pub mod scenario;
pub mod scorecard;
pub mod series;
pub mod value;
pub mod wave;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

pub use input::{CompanyFacts, FactPoint, KnownFact};
pub use measure::{DerivedMetric, Measure, ParseMeasureError};
pub use scenario::{scenario, Scenario, ScenarioParams, ScenarioQuarter};
pub use scorecard::{
    answer_changes, headline, scorecard, Answer, AnswerChange, Figure, HeadlineFigure, NewerGap,
    Question, QuestionHistory, Scorecard, Signal, Step, Thresholds, Trend, HISTORY_QUARTERS,
};
pub use series::{
    growth_at, growth_series, point_at, series, ttm_values, Alignment, Basis, Change, Series,
    SeriesPoint, TtmValues,
};
pub use value::{Amount, Derived, InputRef, Missing, Unit};
pub use wave::{depreciation_wave, CapexPath, DepreciationWave, WaveFit, WaveParams, WavePoint};
