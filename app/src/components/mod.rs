//! Small building blocks shared by the pages.

mod chart_figure;
mod chart_view;
mod company_charts;
mod figure;
mod guidance;
mod hydrated;
pub mod provenance;
mod scorecard;
mod sparkline;
mod value;

#[cfg(feature = "ssr")]
pub use chart_figure::StaticChartFigure;
pub use chart_figure::{ChartFigure, HEIGHT, WIDTH};
pub use chart_view::{default_title, ChartView};
pub use company_charts::{ttm_through, HistoryCharts, Waterfall, WaveAndScenario};
pub use figure::{ComputedCell, FigureCell};
pub use guidance::{GuidancePreviewView, GuidanceTable, GuidanceView};
pub use hydrated::MarkHydrated;
pub use scorecard::{source_anchor, ScorecardView};
pub use sparkline::Sparkline;
pub use value::format_value;
