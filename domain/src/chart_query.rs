//! The state of a chart as it travels in a link: companies, metrics, basis,
//! alignment, scale, range, hidden series and a schema version, all in the URL
//! query (`/compare?tickers=GOOGL,NVDA&metrics=capex,fcf&basis=quarterly&v=1`).
//!
//! The query is untrusted input. [`ChartQuery::parse`] never panics: every
//! unknown or malformed parameter becomes a [`QueryProblem`] that names the
//! parameter and says what is allowed. [`ChartQuery::to_query_string`] is
//! canonical (defaults left out, parameters in a fixed order, the schema
//! version always last), so two identical charts always give the same string;
//! short links use it as their key.
//!
//! # Parameters
//!
//! | parameter | value | default |
//! | --- | --- | --- |
//! | `tickers` | 1 to [`MAX_TICKERS`] tickers, comma-separated, order kept (it sets the legend and colours) | required |
//! | `metrics` | 1 to [`MAX_MEASURES`] metric keys ([`Measure::key`]), comma-separated, order kept | required |
//! | `basis` | `quarterly`, `ttm`, `annual` | `ttm` |
//! | `align` | `fiscal`, `calendar` | `calendar` when more than one company is shown, else `fiscal` ([`ChartQuery::default_alignment`]) |
//! | `scale` | `linear`, `log` | `linear` |
//! | `from`, `to` | a quarter such as `2023Q1`, read on the chart's alignment (a calendar quarter when calendar-aligned, the company's fiscal quarter otherwise); inclusive | the whole history |
//! | `hide` | series hidden from the chart (still listed in the legend), as `TICKER:metric` pairs, comma-separated | none |
//! | `v` | the schema version, [`SCHEMA_VERSION`] | the current version when absent (hand-typed links); always written |
//!
//! Tracking parameters that chat tools and newsletters append (`utm_*`,
//! `fbclid`, `gclid`, `mc_cid`, `mc_eid`) are ignored so that a shared link
//! keeps working; any other unknown parameter is a problem.

use crate::analytics::{Alignment, Basis, Measure, SeriesPoint};
use crate::Ticker;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The schema version this code reads and writes.
pub const SCHEMA_VERSION: u32 = 1;
/// The most companies one chart compares.
pub const MAX_TICKERS: usize = 8;
/// The most metrics one chart shows.
pub const MAX_MEASURES: usize = 4;
/// Longer query strings are refused outright (a real chart link is far shorter).
pub const MAX_QUERY_LEN: usize = 2048;
/// At most this many problems are reported for one query.
const MAX_PROBLEMS: usize = 12;

/// The parameters a chart link understands, in canonical order.
pub const PARAMETERS: &[&str] = &[
    "tickers", "metrics", "basis", "align", "scale", "from", "to", "hide", "v",
];

/// How the value axis is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Equal steps for equal differences.
    #[default]
    Linear,
    /// Equal steps for equal ratios; zero and negative values cannot be shown.
    Log,
}

impl Scale {
    /// The URL value: `linear` or `log`.
    pub fn key(self) -> &'static str {
        match self {
            Scale::Linear => "linear",
            Scale::Log => "log",
        }
    }
}

/// The URL value of a basis: `quarterly`, `ttm` or `annual`.
pub fn basis_key(basis: Basis) -> &'static str {
    match basis {
        Basis::Quarterly => "quarterly",
        Basis::Ttm => "ttm",
        Basis::Annual => "annual",
    }
}

/// The URL value of an alignment: `fiscal` or `calendar`.
pub fn alignment_key(alignment: Alignment) -> &'static str {
    match alignment {
        Alignment::Fiscal => "fiscal",
        Alignment::Calendar => "calendar",
    }
}

/// One end of a chart's range: a year and quarter, written `2023Q1`.
///
/// It is read on the chart's alignment: a calendar quarter when the chart is
/// calendar-aligned, the company's fiscal quarter when it is fiscal-aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RangeQuarter {
    /// Four-digit year, 1990 to 2100.
    pub year: i32,
    /// 1 to 4.
    pub quarter: u8,
}

impl RangeQuarter {
    /// A quarter, if `year` is within 1990..=2100 and `quarter` within 1..=4.
    pub fn new(year: i32, quarter: u8) -> Option<Self> {
        ((1990..=2100).contains(&year) && (1..=4).contains(&quarter))
            .then_some(Self { year, quarter })
    }

    /// Parses `2023Q1` (also `2023q1`, `2023-Q1`, `2023 Q1`).
    pub fn parse(raw: &str) -> Option<Self> {
        let s: String = raw
            .trim()
            .to_ascii_uppercase()
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .collect();
        let (year, quarter) = s.split_once('Q')?;
        if year.len() != 4 || quarter.len() != 1 || !year.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Self::new(year.parse().ok()?, quarter.parse().ok()?)
    }

    /// A running quarter count, comparable with [`crate::CalendarQuarter::index`]
    /// and [`crate::FiscalPeriod::index`].
    pub fn index(self) -> i32 {
        self.year * 4 + i32::from(self.quarter) - 1
    }

    /// The quarter of a running count ([`Self::index`]), if within range.
    pub fn from_index(index: i32) -> Option<Self> {
        let quarter = u8::try_from(index.rem_euclid(4) + 1).ok()?;
        Self::new(index.div_euclid(4), quarter)
    }

    /// How the quarter reads on a chart of `alignment`: `CY24 Q1` or `FY24 Q1`.
    pub fn label(self, alignment: Alignment) -> String {
        let prefix = match alignment {
            Alignment::Calendar => "CY",
            Alignment::Fiscal => "FY",
        };
        format!("{prefix}{:02} Q{}", self.year.rem_euclid(100), self.quarter)
    }
}

impl fmt::Display for RangeQuarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.quarter)
    }
}

/// One line of a chart: a company and a metric.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeriesKey {
    pub ticker: Ticker,
    pub measure: Measure,
}

impl SeriesKey {
    /// True if `series` is this company's series of this measure.
    pub fn matches(&self, series: &crate::analytics::Series) -> bool {
        series.measure == self.measure && series.ticker.eq_ignore_ascii_case(self.ticker.as_str())
    }
}

impl fmt::Display for SeriesKey {
    /// `NVDA:capex`, as in the `hide` parameter.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.ticker, self.measure.key())
    }
}

/// Something wrong with one parameter of a chart link, said so a person can fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryProblem {
    /// The parameter at fault (`tickers`, `basis`, …), or `query` for the whole string.
    pub parameter: String,
    /// What is wrong and what is allowed, e.g.
    /// `basis "weekly" is not valid: use quarterly, ttm or annual`.
    pub message: String,
}

impl QueryProblem {
    fn new(parameter: &str, message: impl Into<String>) -> Self {
        Self {
            parameter: parameter.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for QueryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueryProblem {}

/// All the state of a chart that a link carries.
///
/// Build one with [`ChartQuery::parse`] or [`ChartQuery::new`]; after changing
/// fields directly, [`ChartQuery::validate`] checks the same rules `parse` does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChartQuery {
    /// 1 to [`MAX_TICKERS`] distinct companies, in legend order.
    pub tickers: Vec<Ticker>,
    /// 1 to [`MAX_MEASURES`] distinct measures, in legend order.
    pub measures: Vec<Measure>,
    /// Quarterly, TTM (default) or annual.
    pub basis: Basis,
    /// Fiscal or calendar quarters (default: [`ChartQuery::default_alignment`]).
    pub alignment: Alignment,
    /// Linear (default) or log.
    pub scale: Scale,
    /// First quarter shown (inclusive), on the chart's alignment.
    pub from: Option<RangeQuarter>,
    /// Last quarter shown (inclusive), on the chart's alignment.
    pub to: Option<RangeQuarter>,
    /// Series drawn hidden (legend entries stay, so they can be shown again).
    pub hidden: BTreeSet<SeriesKey>,
}

impl ChartQuery {
    /// A chart of `measures` for `tickers` with every other setting at its default.
    pub fn new(tickers: Vec<Ticker>, measures: Vec<Measure>) -> Result<Self, Vec<QueryProblem>> {
        let q = Self {
            alignment: Self::default_alignment(tickers.len()),
            tickers,
            measures,
            basis: Basis::Ttm,
            scale: Scale::Linear,
            from: None,
            to: None,
            hidden: BTreeSet::new(),
        };
        q.validate()?;
        Ok(q)
    }

    /// The alignment used when a link does not say: calendar quarters when
    /// companies are compared (methodology section 2), the company's own
    /// fiscal quarters for a single company.
    pub fn default_alignment(ticker_count: usize) -> Alignment {
        if ticker_count > 1 {
            Alignment::Calendar
        } else {
            Alignment::Fiscal
        }
    }

    /// Every series of the chart, ticker-major, in legend order.
    pub fn series_keys(&self) -> Vec<SeriesKey> {
        self.tickers
            .iter()
            .flat_map(|t| {
                self.measures.iter().map(|m| SeriesKey {
                    ticker: t.clone(),
                    measure: *m,
                })
            })
            .collect()
    }

    /// True if the series is hidden.
    pub fn is_hidden(&self, key: &SeriesKey) -> bool {
        self.hidden.contains(key)
    }

    /// Hides a shown series or shows a hidden one.
    pub fn toggle_hidden(&mut self, key: SeriesKey) {
        if !self.hidden.remove(&key) {
            self.hidden.insert(key);
        }
    }

    /// The point's running quarter count on the chart's alignment.
    pub fn quarter_index(&self, point: &SeriesPoint) -> i32 {
        match self.alignment {
            Alignment::Calendar => point.calendar_quarter.index(),
            Alignment::Fiscal => point.fiscal_period.index(),
        }
    }

    /// True if `point` falls inside the chart's range (`from`/`to`, inclusive),
    /// read on the chart's alignment.
    pub fn in_range(&self, point: &SeriesPoint) -> bool {
        let i = self.quarter_index(point);
        self.from.is_none_or(|f| i >= f.index()) && self.to.is_none_or(|t| i <= t.index())
    }

    /// Checks the rules [`ChartQuery::parse`] enforces: counts, no duplicates,
    /// `from` not after `to`, hidden series on the chart.
    pub fn validate(&self) -> Result<(), Vec<QueryProblem>> {
        let mut problems = Vec::new();
        check_tickers(&self.tickers, &mut problems);
        check_measures(&self.measures, &mut problems);
        check_range(self.from, self.to, &mut problems);
        for key in &self.hidden {
            check_hidden_key(self, key, &mut problems);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The canonical query string (without `?`): parameters in the order of
    /// [`PARAMETERS`], defaults left out, `v` always last. Identical charts give
    /// identical strings, and [`ChartQuery::parse`] reads it back to `self`.
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<String> = Vec::with_capacity(PARAMETERS.len());
        let tickers: Vec<&str> = self.tickers.iter().map(Ticker::as_str).collect();
        parts.push(format!("tickers={}", tickers.join(",")));
        let measures: Vec<&str> = self.measures.iter().map(|m| m.key()).collect();
        parts.push(format!("metrics={}", measures.join(",")));
        if self.basis != Basis::Ttm {
            parts.push(format!("basis={}", basis_key(self.basis)));
        }
        if self.alignment != Self::default_alignment(self.tickers.len()) {
            parts.push(format!("align={}", alignment_key(self.alignment)));
        }
        if self.scale != Scale::Linear {
            parts.push(format!("scale={}", self.scale.key()));
        }
        if let Some(from) = self.from {
            parts.push(format!("from={from}"));
        }
        if let Some(to) = self.to {
            parts.push(format!("to={to}"));
        }
        if !self.hidden.is_empty() {
            let hidden: Vec<String> = self.hidden.iter().map(ToString::to_string).collect();
            parts.push(format!("hide={}", hidden.join(",")));
        }
        parts.push(format!("v={SCHEMA_VERSION}"));
        parts.join("&")
    }

    /// Parses an untrusted query string (with or without the leading `?`).
    ///
    /// Returns every problem found (up to a dozen), each naming its parameter
    /// and the values allowed. Never panics.
    pub fn parse(query_string: &str) -> Result<ChartQuery, Vec<QueryProblem>> {
        if query_string.len() > MAX_QUERY_LEN {
            return Err(vec![QueryProblem::new(
                "query",
                format!(
                    "the chart link's query is {} characters long; a chart link has at most {MAX_QUERY_LEN}",
                    query_string.len()
                ),
            )]);
        }
        let mut problems = Vec::new();
        let params = split_params(query_string, &mut problems);

        // The version decides how everything else reads: with an unknown
        // version, nothing else is judged.
        if let Some(v) = params.get("v") {
            let problem = match v.trim().parse::<u32>() {
                Ok(SCHEMA_VERSION) => None,
                Ok(other) => Some(format!(
                    "v={other} is not a chart-link version this site reads: links use v={SCHEMA_VERSION}"
                )),
                Err(_) => Some(format!(
                    "v {v:?} is not valid: the schema version is a number (currently v={SCHEMA_VERSION})"
                )),
            };
            if let Some(message) = problem {
                return Err(vec![QueryProblem::new("v", message)]);
            }
        }

        let tickers = match params.get("tickers") {
            None => {
                problems.push(QueryProblem::new(
                    "tickers",
                    format!(
                        "tickers is required: name 1 to {MAX_TICKERS} companies, for example tickers=GOOGL,NVDA"
                    ),
                ));
                Vec::new()
            }
            Some(raw) => parse_tickers(raw, &mut problems),
        };
        let measures = match params.get("metrics") {
            None => {
                problems.push(QueryProblem::new(
                    "metrics",
                    format!(
                        "metrics is required: name 1 to {MAX_MEASURES} metrics, for example metrics=capex,fcf; known metrics are: {}",
                        known_metrics()
                    ),
                ));
                Vec::new()
            }
            Some(raw) => parse_measures(raw, &mut problems),
        };
        let basis = match params.get("basis") {
            None => Basis::Ttm,
            Some(raw) => match raw.trim().to_ascii_lowercase().as_str() {
                "quarterly" => Basis::Quarterly,
                "ttm" => Basis::Ttm,
                "annual" => Basis::Annual,
                _ => {
                    problems.push(QueryProblem::new(
                        "basis",
                        format!("basis {raw:?} is not valid: use quarterly, ttm (the default) or annual"),
                    ));
                    Basis::Ttm
                }
            },
        };
        let alignment = match params.get("align") {
            None => ChartQuery::default_alignment(tickers.len()),
            Some(raw) => match raw.trim().to_ascii_lowercase().as_str() {
                "fiscal" => Alignment::Fiscal,
                "calendar" => Alignment::Calendar,
                _ => {
                    problems.push(QueryProblem::new(
                        "align",
                        format!(
                            "align {raw:?} is not valid: use fiscal (each company's own quarters) or calendar (calendar quarters; the default when companies are compared)"
                        ),
                    ));
                    ChartQuery::default_alignment(tickers.len())
                }
            },
        };
        let scale = match params.get("scale") {
            None => Scale::Linear,
            Some(raw) => match raw.trim().to_ascii_lowercase().as_str() {
                "linear" => Scale::Linear,
                "log" => Scale::Log,
                _ => {
                    problems.push(QueryProblem::new(
                        "scale",
                        format!("scale {raw:?} is not valid: use linear (the default) or log"),
                    ));
                    Scale::Linear
                }
            },
        };
        let from = parse_bound("from", params.get("from"), &mut problems);
        let to = parse_bound("to", params.get("to"), &mut problems);
        check_range(from, to, &mut problems);

        let mut query = ChartQuery {
            tickers,
            measures,
            basis,
            alignment,
            scale,
            from,
            to,
            hidden: BTreeSet::new(),
        };
        if let Some(raw) = params.get("hide") {
            query.hidden = parse_hidden(raw, &query, &mut problems);
        }
        if problems.is_empty() {
            Ok(query)
        } else {
            Err(truncate(problems))
        }
    }
}

impl fmt::Display for ChartQuery {
    /// The canonical query string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_query_string())
    }
}

fn truncate(mut problems: Vec<QueryProblem>) -> Vec<QueryProblem> {
    problems.truncate(MAX_PROBLEMS);
    problems
}

fn known_metrics() -> String {
    Measure::all()
        .into_iter()
        .map(Measure::key)
        .collect::<Vec<_>>()
        .join(", ")
}

/// True for parameters that link-rewriting tools add and the chart ignores.
fn is_tracking(key: &str) -> bool {
    key.starts_with("utm_") || matches!(key, "fbclid" | "gclid" | "mc_cid" | "mc_eid")
}

/// Splits `a=b&c=d` into decoded pairs, reporting bad encodings, unknown and
/// repeated parameters.
fn split_params(query: &str, problems: &mut Vec<QueryProblem>) -> BTreeMap<&'static str, String> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut params: BTreeMap<&'static str, String> = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = match percent_decode(raw_key) {
            Ok(k) => k,
            Err(e) => {
                problems.push(QueryProblem::new(
                    "query",
                    format!("a parameter name is not valid: {e}"),
                ));
                continue;
            }
        };
        let Some(known) = PARAMETERS.iter().copied().find(|p| *p == key) else {
            if !is_tracking(&key) {
                problems.push(unknown_parameter(&key));
            }
            continue;
        };
        let value = match percent_decode(raw_value) {
            Ok(v) => v,
            Err(e) => {
                problems.push(QueryProblem::new(known, format!("{known}: {e}")));
                continue;
            }
        };
        if params.insert(known, value).is_some() && !problems.iter().any(|p| p.parameter == known) {
            problems.push(QueryProblem::new(
                known,
                format!(
                    "{known} is given more than once: give it once, with a comma-separated list if several values are meant"
                ),
            ));
        }
    }
    params
}

fn unknown_parameter(key: &str) -> QueryProblem {
    let shown: String = key.chars().take(40).collect();
    let lower = key.to_ascii_lowercase();
    let aliases: &[(&str, &str)] = &[
        ("ticker", "tickers"),
        ("companies", "tickers"),
        ("company", "tickers"),
        ("metric", "metrics"),
        ("measures", "metrics"),
        ("measure", "metrics"),
        ("alignment", "align"),
        ("version", "v"),
        ("hidden", "hide"),
    ];
    let suggestion = aliases
        .iter()
        .find(|(alias, _)| *alias == lower)
        .map(|(_, p)| *p)
        .or_else(|| PARAMETERS.iter().copied().find(|p| *p == lower))
        .or_else(|| {
            PARAMETERS
                .iter()
                .copied()
                .filter(|p| p.len() > 1)
                .map(|p| (edit_distance(&lower, p), p))
                .filter(|(d, _)| *d <= 2)
                .min()
                .map(|(_, p)| p)
        });
    let hint = suggestion
        .map(|p| format!(" (did you mean {p:?}?)"))
        .unwrap_or_default();
    QueryProblem::new(
        "query",
        format!(
            "unknown parameter {shown:?}{hint}; chart links use: {}",
            PARAMETERS.join(", ")
        ),
    )
}

/// Decodes `%XX` escapes and `+` (a space), as browsers encode query strings.
/// The result must be UTF-8.
pub(crate) fn percent_decode(raw: &str) -> Result<String, String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (
                    bytes.get(i + 1).copied().and_then(hex),
                    bytes.get(i + 2).copied().and_then(hex),
                ) {
                    (Some(hi), Some(lo)) => {
                        // Two hex digits are at most 0xFF.
                        out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                        i += 3;
                    }
                    _ => return Err(
                        "a '%' must be followed by two hexadecimal digits (as in %2C for a comma)"
                            .to_string(),
                    ),
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "the value is not valid UTF-8 text".to_string())
}

/// Non-empty, trimmed items of a comma-separated list.
fn items(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn parse_tickers(raw: &str, problems: &mut Vec<QueryProblem>) -> Vec<Ticker> {
    let mut tickers = Vec::new();
    let before = problems.len();
    for item in items(raw) {
        match Ticker::parse(item) {
            Ok(t) => tickers.push(t),
            Err(e) => problems.push(QueryProblem::new("tickers", format!("tickers: {e}"))),
        }
    }
    if problems.len() == before {
        check_tickers(&tickers, problems);
    }
    tickers
}

fn check_tickers(tickers: &[Ticker], problems: &mut Vec<QueryProblem>) {
    if tickers.is_empty() {
        problems.push(QueryProblem::new(
            "tickers",
            format!("tickers is empty: name 1 to {MAX_TICKERS} companies, for example tickers=GOOGL,NVDA"),
        ));
    } else if tickers.len() > MAX_TICKERS {
        problems.push(QueryProblem::new(
            "tickers",
            format!(
                "tickers names {} companies; a chart compares at most {MAX_TICKERS}",
                tickers.len()
            ),
        ));
    }
    if let Some(dup) = first_duplicate(tickers) {
        problems.push(QueryProblem::new(
            "tickers",
            format!("tickers lists {dup} more than once: list each company once"),
        ));
    }
}

fn parse_measures(raw: &str, problems: &mut Vec<QueryProblem>) -> Vec<Measure> {
    let mut measures = Vec::new();
    let before = problems.len();
    for item in items(raw) {
        match Measure::parse(item) {
            Ok(m) => measures.push(m),
            Err(e) => problems.push(QueryProblem::new("metrics", format!("metrics: {e}"))),
        }
    }
    if problems.len() == before {
        check_measures(&measures, problems);
    }
    measures
}

fn check_measures(measures: &[Measure], problems: &mut Vec<QueryProblem>) {
    if measures.is_empty() {
        problems.push(QueryProblem::new(
            "metrics",
            format!(
                "metrics is empty: name 1 to {MAX_MEASURES} metrics, for example metrics=capex,fcf; known metrics are: {}",
                known_metrics()
            ),
        ));
    } else if measures.len() > MAX_MEASURES {
        problems.push(QueryProblem::new(
            "metrics",
            format!(
                "metrics names {} metrics; a chart shows at most {MAX_MEASURES}",
                measures.len()
            ),
        ));
    }
    if let Some(dup) = first_duplicate(measures) {
        problems.push(QueryProblem::new(
            "metrics",
            format!("metrics lists {dup} more than once: list each metric once"),
        ));
    }
}

fn first_duplicate<T: PartialEq>(items: &[T]) -> Option<&T> {
    items
        .iter()
        .enumerate()
        .find(|(i, x)| items[..*i].contains(x))
        .map(|(_, x)| x)
}

fn parse_bound(
    name: &str,
    raw: Option<&String>,
    problems: &mut Vec<QueryProblem>,
) -> Option<RangeQuarter> {
    // An empty bound (a form's "earliest"/"latest" choice) is no bound.
    let raw = raw.filter(|r| !r.trim().is_empty())?;
    let parsed = RangeQuarter::parse(raw);
    if parsed.is_none() {
        problems.push(QueryProblem::new(
            name,
            format!(
                "{name} {raw:?} is not valid: use a year and quarter such as 2023Q1 (years 1990 to 2100, quarters 1 to 4)"
            ),
        ));
    }
    parsed
}

fn check_range(
    from: Option<RangeQuarter>,
    to: Option<RangeQuarter>,
    problems: &mut Vec<QueryProblem>,
) {
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            problems.push(QueryProblem::new(
                "from",
                format!("from {f} is after to {t}: the range runs from the earlier quarter to the later one"),
            ));
        }
    }
}

fn parse_hidden(
    raw: &str,
    query: &ChartQuery,
    problems: &mut Vec<QueryProblem>,
) -> BTreeSet<SeriesKey> {
    let mut hidden = BTreeSet::new();
    for item in items(raw) {
        let bad = || {
            QueryProblem::new(
                "hide",
                format!(
                    "hide {item:?} is not valid: name a series as TICKER:metric, for example hide=NVDA:capex"
                ),
            )
        };
        let Some((t, m)) = item.split_once(':') else {
            problems.push(bad());
            continue;
        };
        let (Ok(ticker), Ok(measure)) = (Ticker::parse(t), Measure::parse(m)) else {
            problems.push(bad());
            continue;
        };
        let key = SeriesKey { ticker, measure };
        if !check_hidden_key(query, &key, problems) {
            continue;
        }
        if !hidden.insert(key.clone()) {
            problems.push(QueryProblem::new(
                "hide",
                format!("hide lists {key} more than once: list each series once"),
            ));
        }
    }
    hidden
}

/// Reports a hidden series that is not on the chart; true when it is on it.
fn check_hidden_key(query: &ChartQuery, key: &SeriesKey, problems: &mut Vec<QueryProblem>) -> bool {
    let on_chart = query.tickers.contains(&key.ticker) && query.measures.contains(&key.measure);
    if !on_chart {
        problems.push(QueryProblem::new(
            "hide",
            format!(
                "hide names {key}, which is not on the chart: hide takes TICKER:metric pairs of the chart's tickers and metrics"
            ),
        ));
    }
    on_chart
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::DerivedMetric;
    use crate::Metric;
    use proptest::prelude::*;

    fn t(s: &str) -> Ticker {
        Ticker::parse(s).unwrap()
    }

    fn problems(q: &str) -> Vec<QueryProblem> {
        ChartQuery::parse(q).expect_err("the query should be refused")
    }

    fn messages(q: &str) -> String {
        problems(q)
            .iter()
            .map(|p| format!("[{}] {}", p.parameter, p.message))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_example_link_from_the_issue_parses_to_every_setting() {
        let q = ChartQuery::parse(
            "tickers=GOOGL,NVDA&metrics=capex,fcf&basis=ttm&align=calendar&scale=log&from=2023Q1&to=2026Q2&v=1",
        )
        .unwrap();
        assert_eq!(q.tickers, vec![t("GOOGL"), t("NVDA")]);
        assert_eq!(
            q.measures,
            vec![
                Measure::Stored(Metric::Capex),
                Measure::Derived(DerivedMetric::Fcf)
            ]
        );
        assert_eq!(q.basis, Basis::Ttm);
        assert_eq!(q.alignment, Alignment::Calendar);
        assert_eq!(q.scale, Scale::Log);
        assert_eq!(q.from, RangeQuarter::new(2023, 1));
        assert_eq!(q.to, RangeQuarter::new(2026, 2));
        assert!(q.hidden.is_empty());
    }

    #[test]
    fn the_canonical_string_leaves_defaults_out_and_always_states_the_version() {
        let q = ChartQuery::parse(
            "?v=1&align=calendar&basis=ttm&metrics=capex,fcf&scale=linear&tickers=googl,NVDA",
        )
        .unwrap();
        assert_eq!(
            q.to_query_string(),
            "tickers=GOOGL,NVDA&metrics=capex,fcf&v=1"
        );
    }

    #[test]
    fn non_default_settings_appear_in_a_fixed_order() {
        let q = ChartQuery::parse(
            "hide=NVDA:fcf&to=2026Q2&from=2023Q1&scale=log&align=fiscal&basis=quarterly&metrics=capex,fcf&tickers=GOOGL,NVDA",
        )
        .unwrap();
        assert_eq!(
            q.to_query_string(),
            "tickers=GOOGL,NVDA&metrics=capex,fcf&basis=quarterly&align=fiscal&scale=log&from=2023Q1&to=2026Q2&hide=NVDA:fcf&v=1"
        );
    }

    #[test]
    fn one_company_defaults_to_fiscal_quarters_and_several_to_calendar_quarters() {
        let one = ChartQuery::parse("tickers=MSFT&metrics=capex").unwrap();
        assert_eq!(one.alignment, Alignment::Fiscal);
        let two = ChartQuery::parse("tickers=MSFT,ORCL&metrics=capex").unwrap();
        assert_eq!(two.alignment, Alignment::Calendar);
        let one_calendar = ChartQuery::parse("tickers=MSFT&metrics=capex&align=calendar").unwrap();
        assert_eq!(
            one_calendar.to_query_string(),
            "tickers=MSFT&metrics=capex&align=calendar&v=1"
        );
    }

    #[test]
    fn percent_encoded_commas_colons_and_plus_signs_are_decoded() {
        let q = ChartQuery::parse(
            "tickers=GOOGL%2cNVDA&metrics=capex%2C+fcf&hide=NVDA%3Afcf&from=2023+Q1",
        )
        .unwrap();
        assert_eq!(q.tickers.len(), 2);
        assert_eq!(q.measures.len(), 2);
        assert_eq!(q.hidden.len(), 1);
        assert_eq!(q.from, RangeQuarter::new(2023, 1));
    }

    #[test]
    fn an_unknown_parameter_is_named_with_a_suggestion_and_the_list_of_parameters() {
        let m = messages("tickers=GOOGL&metric=capex");
        assert!(m.contains("unknown parameter \"metric\""), "{m}");
        assert!(m.contains("did you mean \"metrics\""), "{m}");
        assert!(
            m.contains("tickers, metrics, basis, align, scale, from, to, hide, v"),
            "{m}"
        );
        // metrics itself is then missing, which is said too.
        assert!(m.contains("[metrics] metrics is required"), "{m}");
    }

    #[test]
    fn tracking_parameters_added_by_chat_tools_are_ignored() {
        let q =
            ChartQuery::parse("tickers=GOOGL&metrics=capex&utm_source=slack&fbclid=abc").unwrap();
        assert_eq!(q.to_query_string(), "tickers=GOOGL&metrics=capex&v=1");
    }

    #[test]
    fn a_malformed_basis_names_the_allowed_values() {
        let m = messages("tickers=GOOGL&metrics=capex&basis=weekly");
        assert!(
            m.contains(
                "[basis] basis \"weekly\" is not valid: use quarterly, ttm (the default) or annual"
            ),
            "{m}"
        );
    }

    #[test]
    fn malformed_alignment_and_scale_name_their_allowed_values() {
        let m = messages("tickers=GOOGL&metrics=capex&align=lunar&scale=cubic");
        assert!(
            m.contains("[align]") && m.contains("use fiscal") && m.contains("calendar"),
            "{m}"
        );
        assert!(
            m.contains("[scale] scale \"cubic\" is not valid: use linear (the default) or log"),
            "{m}"
        );
    }

    #[test]
    fn more_than_eight_tickers_are_refused() {
        let m = messages("tickers=A,B,C,D,E,F,G,H,I&metrics=capex");
        assert!(
            m.contains("tickers names 9 companies; a chart compares at most 8"),
            "{m}"
        );
    }

    #[test]
    fn more_than_four_metrics_are_refused() {
        let m = messages("tickers=A&metrics=capex,fcf,revenue,rpo,net_income");
        assert!(
            m.contains("metrics names 5 metrics; a chart shows at most 4"),
            "{m}"
        );
    }

    #[test]
    fn an_unknown_metric_gets_the_measure_parsers_suggestion() {
        let m = messages("tickers=A&metrics=capx");
        assert!(
            m.contains("[metrics]") && m.contains("did you mean \"capex\""),
            "{m}"
        );
    }

    #[test]
    fn a_malformed_ticker_is_quoted_back() {
        let m = messages("tickers=GOOGL,%3Cscript%3E&metrics=capex");
        assert!(m.contains("ticker \"<script>\" is not valid"), "{m}");
    }

    #[test]
    fn a_repeated_parameter_is_refused() {
        let m = messages("tickers=GOOGL&tickers=NVDA&metrics=capex");
        assert!(
            m.contains("[tickers] tickers is given more than once"),
            "{m}"
        );
    }

    #[test]
    fn a_company_or_metric_listed_twice_is_refused() {
        let m = messages("tickers=GOOGL,googl&metrics=capex,capex");
        assert!(m.contains("tickers lists GOOGL more than once"), "{m}");
        assert!(m.contains("metrics lists capex more than once"), "{m}");
    }

    #[test]
    fn an_unknown_schema_version_is_refused_without_reading_further() {
        let p = problems("tickers=GOOGL&metrics=capex&v=2&bogus=1");
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].parameter, "v");
        assert!(p[0]
            .message
            .contains("v=2 is not a chart-link version this site reads: links use v=1"));
        let m = messages("tickers=GOOGL&metrics=capex&v=one");
        assert!(m.contains("[v] v \"one\" is not valid"), "{m}");
    }

    #[test]
    fn a_missing_version_reads_as_the_current_one() {
        assert!(ChartQuery::parse("tickers=GOOGL&metrics=capex").is_ok());
    }

    #[test]
    fn malformed_and_reversed_ranges_are_refused() {
        let m = messages("tickers=A&metrics=capex&from=2023Q5&to=23Q1");
        assert!(
            m.contains(
                "[from] from \"2023Q5\" is not valid: use a year and quarter such as 2023Q1"
            ),
            "{m}"
        );
        assert!(m.contains("[to] to \"23Q1\" is not valid"), "{m}");
        let m = messages("tickers=A&metrics=capex&from=2026Q2&to=2023Q1");
        assert!(m.contains("from 2026Q2 is after to 2023Q1"), "{m}");
    }

    #[test]
    fn a_hidden_series_must_be_on_the_chart() {
        let m = messages("tickers=GOOGL&metrics=capex&hide=NVDA:capex,GOOGL:fcf,junk");
        assert!(
            m.contains("hide names NVDA:capex, which is not on the chart"),
            "{m}"
        );
        assert!(
            m.contains("hide names GOOGL:fcf, which is not on the chart"),
            "{m}"
        );
        assert!(
            m.contains("hide \"junk\" is not valid: name a series as TICKER:metric"),
            "{m}"
        );
    }

    #[test]
    fn toggling_a_series_twice_restores_the_link() {
        let mut q = ChartQuery::parse("tickers=GOOGL,NVDA&metrics=capex").unwrap();
        let before = q.to_query_string();
        let key = SeriesKey {
            ticker: t("NVDA"),
            measure: Measure::Stored(Metric::Capex),
        };
        q.toggle_hidden(key.clone());
        assert!(q.is_hidden(&key));
        assert_eq!(
            q.to_query_string(),
            "tickers=GOOGL,NVDA&metrics=capex&hide=NVDA:capex&v=1"
        );
        q.toggle_hidden(key);
        assert_eq!(q.to_query_string(), before);
    }

    #[test]
    fn missing_tickers_and_metrics_are_both_reported() {
        let p = problems("");
        let params: Vec<&str> = p.iter().map(|p| p.parameter.as_str()).collect();
        assert_eq!(params, vec!["tickers", "metrics"]);
        let p = problems("tickers=&metrics=,");
        assert!(p[0].message.contains("tickers is empty"), "{p:?}");
        assert!(p[1].message.contains("metrics is empty"), "{p:?}");
    }

    #[test]
    fn broken_percent_escapes_and_invalid_utf8_are_refused_without_panicking() {
        let m = messages("tickers=GOOGL%&metrics=capex%zz");
        assert!(
            m.contains("must be followed by two hexadecimal digits"),
            "{m}"
        );
        let m = messages("tickers=%FF%FE&metrics=capex");
        assert!(m.contains("not valid UTF-8"), "{m}");
    }

    #[test]
    fn an_overlong_query_is_refused_whole() {
        let q = format!("tickers={}&metrics=capex", "A,".repeat(2000));
        let p = problems(&q);
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("at most 2048"), "{p:?}");
    }

    #[test]
    fn a_flood_of_bad_parameters_reports_at_most_a_dozen_problems() {
        let q: String = (0..100).map(|i| format!("x{i}=1&")).collect();
        assert_eq!(problems(&q).len(), MAX_PROBLEMS);
    }

    #[test]
    fn the_range_is_read_on_the_charts_alignment() {
        use crate::{CalendarQuarter, FiscalPeriod};
        let q = ChartQuery::parse("tickers=MSFT&metrics=capex&from=2026Q1&to=2026Q3").unwrap();
        // Microsoft's FY26 Q3 is the calendar quarter CY26 Q1.
        let point = SeriesPoint {
            label: "FY26 Q3".into(),
            fiscal_period: FiscalPeriod::quarter(2026, 3).unwrap(),
            calendar_quarter: CalendarQuarter {
                year: 2026,
                quarter: 1,
            },
            period_end: time::macros::date!(2026 - 03 - 31),
            value: None,
            exact: None,
            inputs: vec![],
            missing: vec![],
        };
        assert!(
            q.in_range(&point),
            "fiscal FY26 Q3 is inside 2026Q1..2026Q3"
        );
        let calendar = ChartQuery {
            alignment: Alignment::Calendar,
            from: RangeQuarter::new(2026, 2),
            ..q
        };
        assert!(!calendar.in_range(&point), "CY26 Q1 is before 2026Q2");
    }

    #[test]
    fn an_empty_range_bound_means_no_bound() {
        let q = ChartQuery::parse("tickers=GOOGL&metrics=capex&from=&to=").unwrap();
        assert_eq!((q.from, q.to), (None, None));
        assert_eq!(q.to_query_string(), "tickers=GOOGL&metrics=capex&v=1");
    }

    #[test]
    fn a_range_quarter_round_trips_through_its_index_and_reads_like_the_chart() {
        for q in [
            RangeQuarter::new(1990, 1).unwrap(),
            RangeQuarter::new(2024, 4).unwrap(),
            RangeQuarter::new(2100, 4).unwrap(),
        ] {
            assert_eq!(RangeQuarter::from_index(q.index()), Some(q));
        }
        assert_eq!(RangeQuarter::from_index(1989 * 4 + 3), None);
        let q = RangeQuarter::new(2026, 1).unwrap();
        assert_eq!(q.label(Alignment::Calendar), "CY26 Q1");
        assert_eq!(q.label(Alignment::Fiscal), "FY26 Q1");
    }

    #[test]
    fn new_validates_like_parse() {
        assert!(ChartQuery::new(vec![], vec![Measure::Stored(Metric::Capex)]).is_err());
        let q = ChartQuery::new(vec![t("AMZN")], vec![Measure::Stored(Metric::Capex)]).unwrap();
        assert_eq!(q.to_query_string(), "tickers=AMZN&metrics=capex&v=1");
    }

    fn arb_query() -> impl Strategy<Value = ChartQuery> {
        let tickers = prop::collection::btree_set("[A-Z][A-Z0-9.-]{0,9}", 1..=MAX_TICKERS)
            .prop_map(|s| s.into_iter().map(|x| t(&x)).collect::<Vec<_>>())
            .prop_shuffle();
        let measures = prop::sample::subsequence(Measure::all(), 1..=MAX_MEASURES).prop_shuffle();
        let basis = prop_oneof![
            Just(Basis::Quarterly),
            Just(Basis::Ttm),
            Just(Basis::Annual)
        ];
        let align = prop_oneof![Just(Alignment::Fiscal), Just(Alignment::Calendar)];
        let scale = prop_oneof![Just(Scale::Linear), Just(Scale::Log)];
        let bound = prop::option::of((1990i32..=2100, 1u8..=4));
        (
            tickers,
            measures,
            basis,
            align,
            scale,
            bound.clone(),
            bound,
            any::<u64>(),
        )
            .prop_map(
                |(tickers, measures, basis, alignment, scale, a, b, hide_bits)| {
                    let a = a.and_then(|(y, q)| RangeQuarter::new(y, q));
                    let b = b.and_then(|(y, q)| RangeQuarter::new(y, q));
                    let (from, to) = match (a, b) {
                        (Some(x), Some(y)) if x > y => (Some(y), Some(x)),
                        other => other,
                    };
                    let mut q = ChartQuery {
                        tickers,
                        measures,
                        basis,
                        alignment,
                        scale,
                        from,
                        to,
                        hidden: BTreeSet::new(),
                    };
                    q.hidden = q
                        .series_keys()
                        .into_iter()
                        .enumerate()
                        .filter(|(i, _)| hide_bits & (1 << i) != 0)
                        .map(|(_, k)| k)
                        .collect();
                    q
                },
            )
    }

    proptest! {
        #[test]
        fn every_valid_chart_survives_a_round_trip_through_its_link(q in arb_query()) {
            prop_assert!(q.validate().is_ok());
            let s = q.to_query_string();
            prop_assert_eq!(ChartQuery::parse(&s), Ok(q.clone()), "{}", s);
            // Also when the browser percent-encodes the separators.
            let encoded = s.replace(',', "%2C").replace(':', "%3A");
            prop_assert_eq!(ChartQuery::parse(&encoded), Ok(q), "{}", encoded);
        }

        #[test]
        fn any_accepted_link_has_one_canonical_form(raw in ".{0,200}") {
            if let Ok(q) = ChartQuery::parse(&raw) {
                let canonical = q.to_query_string();
                prop_assert_eq!(ChartQuery::parse(&canonical), Ok(q));
            }
        }

        #[test]
        fn parsing_arbitrary_parameter_soup_never_panics(
            pairs in prop::collection::vec(
                (prop::sample::select(vec!["tickers", "metrics", "basis", "align", "scale", "from", "to", "hide", "v", "x", "%", "utm_a"]),
                 "[A-Za-z0-9,:%+&=. -]{0,20}"),
                0..8)
        ) {
            let q: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            if let Ok(parsed) = ChartQuery::parse(&q.join("&")) {
                let canonical = parsed.to_query_string();
                prop_assert_eq!(ChartQuery::parse(&canonical), Ok(parsed));
            }
        }
    }
}
