//! Turning company facts into the store's [`FactRecord`]s.
//!
//! 1. Each entry under a mapped tag (see `tags.csv`) becomes an observation:
//!    one value for one period in one filing. Non-USD units and forms other
//!    than 10-K/10-Q are skipped with a reason; an entry whose form is not
//!    known (the observations CSV carries none) is kept, its dates alone
//!    placing it, and its form stays missing in the provenance.
//! 2. When one filing reports the same period under several tags of a metric,
//!    only the preferred tag is kept (no double counting; tags may change over
//!    time, as Alphabet's revenue did in 2025).
//! 3. The period comes from the entry's own dates, placed in the company's
//!    fiscal calendar: 3-month values are discrete quarters, 12-month values
//!    full years, instants balances at a quarter end; 6- and 9-month
//!    year-to-date values are inputs for derived quarters only.
//! 4. Every (period, filing) becomes a record known at that filing's date, so the
//!    store keeps the value as first reported and adds a version on restatement.
//! 5. Quarters without a reported 3-month value are derived from year-to-date
//!    values (Q2 = 6M − 3M, Q3 = 9M − 6M, Q4 = FY − 9M), as known at each
//!    date an input was filed, with the inputs' provenance in `derivation`.
//!
//! Nothing here reads a filing's form, fiscal year or fiscal period to place
//! a value (`fy`/`fp` describe the filing, not the value): the 10-K/10-Q
//! filter of step 1 is the only use of the form besides provenance.

use super::model::{EdgarCompanyFacts, RawFact};
use super::periods::{duration_months, FiscalCalendar, QuarterEnd};
use super::tags::TagMap;
use domain::SourceKind;
use domain::{AccessionNumber, Cik, FiscalPeriod, Metric, MetricKind, Ticker};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;
use store::{FactRecord, Source};
use time::{macros::format_description, Date, Duration};

/// A fact the mapper cannot read: the input is malformed, nothing is imported.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("us-gaap:{tag} entry of filing {accn:?} (end {end:?}): {message}")]
    BadFact {
        tag: String,
        accn: String,
        end: String,
        message: String,
    },
}

/// What the mapper produced for one company.
#[derive(Debug, Clone, Default)]
pub struct Mapped {
    /// Records for the store, ordered by metric, period and date known.
    pub records: Vec<FactRecord>,
    /// Entries read under mapped tags.
    pub facts_read: usize,
    /// Year-to-date entries (6M, 9M) used only as inputs of derived quarters.
    pub ytd_inputs: usize,
    /// Derived records among `records`.
    pub derived: usize,
    /// Records dropped because a later filing repeated the value already known.
    pub repeats: usize,
    /// Entries not used, counted per reason.
    pub skipped: BTreeMap<String, usize>,
}

/// How to map.
#[derive(Debug, Clone)]
pub struct MapOptions {
    pub ticker: Ticker,
    pub cik: Cik,
    pub calendar: FiscalCalendar,
    /// Keep only fiscal years from this one on.
    pub since_fiscal_year: Option<i32>,
}

/// One value for one period in one filing, under the preferred tag.
#[derive(Debug, Clone)]
struct Obs<'a> {
    metric: Metric,
    tag: &'a str,
    priority: u8,
    unit: &'a str,
    raw: &'a RawFact,
    start: Option<Date>,
    end: Date,
    value: Decimal,
    accession: AccessionNumber,
    filed: Date,
}

/// Where an observation sits in the fiscal calendar.
enum Placement {
    Instant(QuarterEnd),
    /// A 3-month value; for Q1 it is also the first year-to-date input.
    Quarter(QuarterEnd),
    /// 6 or 9 months from the start of the fiscal year (`n` = 2 or 3 quarters).
    YearToDate {
        fiscal_year: i32,
        n: u8,
    },
    FullYear(i32),
}

/// Maps a parsed company-facts document. Pure: no I/O.
pub fn map_company_facts(
    doc: &EdgarCompanyFacts,
    tags: &TagMap,
    opts: &MapOptions,
) -> Result<Mapped, MappingError> {
    let mut out = Mapped::default();
    let observations = collect_observations(doc, tags, &mut out)?;
    let observations = prefer_tags(observations, &mut out);

    // Year-to-date series per (metric, fiscal year, quarters covered).
    let mut ytd: HashMap<(Metric, i32, u8), Vec<&Obs>> = HashMap::new();
    // Earliest filing date of a reported 3-month value per (metric, fiscal year, quarter).
    let mut reported_quarter: HashMap<(Metric, i32, u8), Date> = HashMap::new();

    for obs in &observations {
        let Some(placement) = place(obs, opts.calendar, &mut out) else {
            continue;
        };
        let fiscal_year = match placement {
            Placement::Instant(q) | Placement::Quarter(q) => q.fiscal_year,
            Placement::YearToDate { fiscal_year, .. } | Placement::FullYear(fiscal_year) => {
                fiscal_year
            }
        };
        if opts
            .since_fiscal_year
            .is_some_and(|since| fiscal_year < since)
        {
            skip(
                &mut out,
                "before the first fiscal year imported".to_string(),
            );
            continue;
        }
        let period = match placement {
            Placement::Instant(q) | Placement::Quarter(q) => {
                FiscalPeriod::quarter(q.fiscal_year, q.quarter)
            }
            Placement::FullYear(fy) => FiscalPeriod::year(fy),
            Placement::YearToDate { fiscal_year, n } => {
                ytd.entry((obs.metric, fiscal_year, n))
                    .or_default()
                    .push(obs);
                out.ytd_inputs += 1;
                continue;
            }
        };
        let Ok(period) = period else {
            skip(&mut out, "fiscal year outside 1990-2100".to_string());
            continue;
        };
        match placement {
            Placement::Quarter(q) => {
                if q.quarter == 1 {
                    ytd.entry((obs.metric, q.fiscal_year, 1))
                        .or_default()
                        .push(obs);
                }
                let first = reported_quarter
                    .entry((obs.metric, q.fiscal_year, q.quarter))
                    .or_insert(obs.filed);
                *first = (*first).min(obs.filed);
            }
            Placement::FullYear(fy) => ytd.entry((obs.metric, fy, 4)).or_default().push(obs),
            _ => {}
        }
        out.records.push(filing_record(obs, period, opts));
    }

    let mut keys: Vec<&(Metric, i32, u8)> = ytd.keys().collect();
    keys.sort();
    for &(metric, fiscal_year, n) in keys {
        if n < 2 {
            continue;
        }
        let (Some(later), Some(earlier)) = (
            ytd.get(&(metric, fiscal_year, n)),
            ytd.get(&(metric, fiscal_year, n - 1)),
        ) else {
            continue;
        };
        let Ok(period) = FiscalPeriod::quarter(fiscal_year, n) else {
            continue;
        };
        let cutoff = reported_quarter.get(&(metric, fiscal_year, n)).copied();
        for record in derive_quarter(period, later, earlier, cutoff, opts) {
            out.derived += 1;
            out.records.push(record);
        }
    }

    out.records.sort_by(|a, b| {
        (a.metric, a.period, a.known_at, &a.source.accession).cmp(&(
            b.metric,
            b.period,
            b.known_at,
            &b.source.accession,
        ))
    });
    drop_repeats(&mut out);
    Ok(out)
}

/// Keeps, per key, only the records whose value differs from the one known
/// just before (a later filing repeating a value adds nothing: the value was
/// known since the first filing). Records must be sorted by key, then date.
fn drop_repeats(out: &mut Mapped) {
    let mut kept: Vec<FactRecord> = Vec::with_capacity(out.records.len());
    for record in std::mem::take(&mut out.records) {
        let repeat = kept.last().is_some_and(|prev| {
            prev.metric == record.metric
                && prev.period == record.period
                && prev.value == record.value
        });
        if repeat {
            out.repeats += 1;
            if record.source.kind == SourceKind::Derived {
                out.derived -= 1;
            }
        } else {
            kept.push(record);
        }
    }
    out.records = kept;
}

fn skip(out: &mut Mapped, reason: String) {
    *out.skipped.entry(reason).or_default() += 1;
}

/// Every entry under a mapped tag, converted; unusable ones are counted as skipped.
fn collect_observations<'a>(
    doc: &'a EdgarCompanyFacts,
    tags: &TagMap,
    out: &mut Mapped,
) -> Result<Vec<Obs<'a>>, MappingError> {
    let mut observations = Vec::new();
    for (tag, concept) in &doc.facts.us_gaap {
        let Some(rule) = tags.get(tag) else { continue };
        for (unit, facts) in &concept.units {
            for raw in facts {
                out.facts_read += 1;
                if unit != "USD" {
                    skip(out, format!("unit {unit} is not USD"));
                    continue;
                }
                if let Some(form) = raw.form.as_deref() {
                    if !is_periodic_report(form) {
                        skip(out, format!("form {form} is not a 10-K or 10-Q"));
                        continue;
                    }
                }
                let obs = observation(tag, rule.metric, rule.priority, unit, raw)?;
                let is_instant = rule.metric.kind() == MetricKind::Instant;
                if is_instant != obs.start.is_none() {
                    skip(
                        out,
                        "period type does not match the metric (instant vs duration)".to_string(),
                    );
                    continue;
                }
                observations.push(obs);
            }
        }
    }
    Ok(observations)
}

fn is_periodic_report(form: &str) -> bool {
    form.starts_with("10-K") || form.starts_with("10-Q")
}

fn observation<'a>(
    tag: &'a str,
    metric: Metric,
    priority: u8,
    unit: &'a str,
    raw: &'a RawFact,
) -> Result<Obs<'a>, MappingError> {
    let bad = |message: String| MappingError::BadFact {
        tag: tag.to_string(),
        accn: raw.accn.clone(),
        end: raw.end.clone(),
        message,
    };
    let end = parse_date(&raw.end).map_err(|e| bad(format!("end date: {e}")))?;
    let start = match &raw.start {
        Some(s) => Some(parse_date(s).map_err(|e| bad(format!("start date: {e}")))?),
        None => None,
    };
    if start.is_some_and(|s| s > end) {
        return Err(bad("start date after end date".to_string()));
    }
    let filed = parse_date(&raw.filed).map_err(|e| bad(format!("filed date: {e}")))?;
    let accession = AccessionNumber::parse(&raw.accn).map_err(|e| bad(e.to_string()))?;
    let value = parse_value(&raw.val).map_err(bad)?;
    Ok(Obs {
        metric,
        tag,
        priority,
        unit,
        raw,
        start,
        end,
        value,
        accession,
        filed,
    })
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<Date, time::error::Parse> {
    Date::parse(s, format_description!("[year]-[month]-[day]"))
}

fn parse_value(n: &serde_json::Number) -> Result<Decimal, String> {
    let text = n.to_string();
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|e| format!("value {text} is not an exact decimal: {e}"))
}

/// Keeps, per (metric, period, filing), the observation under the preferred tag.
fn prefer_tags<'a>(observations: Vec<Obs<'a>>, out: &mut Mapped) -> Vec<Obs<'a>> {
    let mut best: BTreeMap<(Metric, Option<Date>, Date, AccessionNumber), Obs<'a>> =
        BTreeMap::new();
    for obs in observations {
        let key = (obs.metric, obs.start, obs.end, obs.accession.clone());
        match best.get(&key) {
            Some(kept) if kept.priority <= obs.priority => {
                skip(
                    out,
                    "same period and filing reported under a preferred tag".to_string(),
                );
            }
            Some(_) => {
                skip(
                    out,
                    "same period and filing reported under a preferred tag".to_string(),
                );
                best.insert(key, obs);
            }
            None => {
                best.insert(key, obs);
            }
        }
    }
    best.into_values().collect()
}

/// Places an observation in the fiscal calendar, or counts why it cannot be.
fn place(obs: &Obs, calendar: FiscalCalendar, out: &mut Mapped) -> Option<Placement> {
    let Some(q) = calendar.quarter_ending(obs.end) else {
        skip(
            out,
            "period does not end at a fiscal quarter end".to_string(),
        );
        return None;
    };
    let Some(start) = obs.start else {
        return Some(Placement::Instant(q));
    };
    let placement = match (duration_months(start, obs.end), q.quarter) {
        (Some(3), _) => Placement::Quarter(q),
        (Some(6), 2) | (Some(9), 3) => Placement::YearToDate {
            fiscal_year: q.fiscal_year,
            n: q.quarter,
        },
        (Some(12), 4) => Placement::FullYear(q.fiscal_year),
        (Some(_), _) => {
            skip(
                out,
                "not a fiscal year-to-date period (e.g. trailing twelve months)".to_string(),
            );
            return None;
        }
        (None, _) => {
            skip(out, "duration is not 3, 6, 9 or 12 months".to_string());
            return None;
        }
    };
    Some(placement)
}

fn filing_url(cik: Cik, accession: &AccessionNumber) -> String {
    accession.archive_url(cik)
}

/// The entry as the SEC wrote it, prefixed with its tag and unit; for an
/// entry relayed by a file, what the file says, where, and who relayed it.
fn verbatim(obs: &Obs) -> String {
    let Some(relay) = &obs.raw.relay else {
        let json = serde_json::to_string(obs.raw).unwrap_or_default();
        return format!("us-gaap:{} [{}] {json}", obs.tag, obs.unit);
    };
    let period = match obs.start {
        Some(start) => format!("{start} to {}", obs.end),
        None => format!("at {}", obs.end),
    };
    let form = match &obs.raw.form {
        Some(form) => format!("{form} "),
        None => String::new(),
    };
    let missing = missing_fields(obs.raw);
    let missing = if missing.is_empty() {
        String::new()
    } else {
        format!("; not in the file: {}", missing.join(", "))
    };
    format!(
        "SEC company-facts observation relayed by {} (observations CSV line {}): us-gaap:{} [{}] {period} = {}, {form}accession {}, filed {}{missing}",
        relay.relayed_from, relay.line, obs.tag, obs.unit, obs.raw.val, obs.accession, obs.filed
    )
}

/// The filing's descriptive fields an entry lacks (left missing, never guessed).
fn missing_fields(raw: &RawFact) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if raw.form.is_none() {
        missing.push("form");
    }
    if raw.fy.is_none() || raw.fp.is_none() {
        missing.push("fiscal year and period of the filing");
    }
    if raw.frame.is_none() {
        missing.push("frame");
    }
    missing
}

/// One derivation input in a derived record's text: tag, form (when known),
/// accession and filing date, and the file line when relayed.
fn input_text(o: &Obs) -> String {
    let form = match &o.raw.form {
        Some(form) => format!(" {form}"),
        None => String::new(),
    };
    let line = match &o.raw.relay {
        Some(relay) => format!(", observations CSV line {}", relay.line),
        None => String::new(),
    };
    format!(
        "us-gaap:{}{form} {} filed {}{line}",
        o.tag, o.accession, o.filed
    )
}

fn filing_record(obs: &Obs, period: FiscalPeriod, opts: &MapOptions) -> FactRecord {
    FactRecord {
        ticker: opts.ticker.clone(),
        metric: obs.metric,
        period,
        period_start: obs.start,
        period_end: obs.end,
        value: obs.value,
        unit: "USD",
        known_at: obs.filed,
        source: Source {
            kind: SourceKind::Filing,
            form: obs.raw.form.clone(),
            accession: Some(obs.accession.clone()),
            filed_date: Some(obs.filed),
            url: Some(filing_url(opts.cik, &obs.accession)),
            text: verbatim(obs),
            derivation: None,
            entered_by: None,
        },
        note: None,
    }
}

/// The latest observation filed on or before `day` (ties: the later accession).
fn known_on<'a, 'b>(series: &'b [&'b Obs<'a>], day: Date) -> Option<&'b Obs<'a>> {
    series
        .iter()
        .copied()
        .filter(|o| o.filed <= day)
        .max_by(|a, b| (a.filed, &a.accession).cmp(&(b.filed, &b.accession)))
}

fn ytd_label(n: u8) -> &'static str {
    match n {
        1 => "3M",
        2 => "6M",
        3 => "9M",
        _ => "FY",
    }
}

/// Derived values of quarter `period` = later YTD − earlier YTD, one per date on
/// which an input became known and the result changed; none from the first
/// date a 3-month value was reported (`cutoff`).
fn derive_quarter(
    period: FiscalPeriod,
    later: &[&Obs],
    earlier: &[&Obs],
    cutoff: Option<Date>,
    opts: &MapOptions,
) -> Vec<FactRecord> {
    let days: BTreeSet<Date> = later.iter().chain(earlier).map(|o| o.filed).collect();
    let mut records = Vec::new();
    let mut previous: Option<Decimal> = None;
    for day in days {
        if cutoff.is_some_and(|c| day >= c) {
            break;
        }
        let (Some(a), Some(b)) = (known_on(later, day), known_on(earlier, day)) else {
            continue;
        };
        let value = a.value - b.value;
        if previous == Some(value) {
            continue;
        }
        previous = Some(value);
        records.push(derived_record(period, a, b, value, day, opts));
    }
    records
}

fn derived_record(
    period: FiscalPeriod,
    a: &Obs,
    b: &Obs,
    value: Decimal,
    day: Date,
    opts: &MapOptions,
) -> FactRecord {
    let q = period.quarter;
    let formula = format!("Q{q} = {} - {}", ytd_label(q), ytd_label(q - 1));
    // The filing that completed the derivation carries the record's provenance.
    let newest = if (b.filed, &b.accession) > (a.filed, &a.accession) {
        b
    } else {
        a
    };
    let derivation = serde_json::json!({
        "formula": formula,
        "inputs": [input_json(ytd_label(q), a, opts.cik), input_json(ytd_label(q - 1), b, opts.cik)],
    });
    let mut text = format!(
        "{formula}: {} - {} = {value} ({}; {})",
        a.value,
        b.value,
        input_text(a),
        input_text(b),
    );
    let mut relayed: Vec<&str> = [a, b]
        .iter()
        .filter_map(|o| o.raw.relay.as_ref().map(|r| r.relayed_from.as_str()))
        .collect();
    relayed.dedup();
    if !relayed.is_empty() {
        text.push_str(&format!(
            "; SEC company-facts observations relayed by {}",
            relayed.join(" and ")
        ));
    }
    FactRecord {
        ticker: opts.ticker.clone(),
        metric: a.metric,
        period,
        period_start: Some(b.end + Duration::days(1)),
        period_end: a.end,
        value,
        unit: "USD",
        known_at: day,
        source: Source {
            kind: SourceKind::Derived,
            form: newest.raw.form.clone(),
            accession: Some(newest.accession.clone()),
            filed_date: Some(newest.filed),
            url: Some(filing_url(opts.cik, &newest.accession)),
            text,
            derivation: Some(derivation),
            entered_by: None,
        },
        note: None,
    }
}

fn input_json(role: &str, o: &Obs, cik: Cik) -> serde_json::Value {
    let mut input = serde_json::json!({
        "role": role,
        "tag": format!("us-gaap:{}", o.tag),
        "start": o.start.map(|d| d.to_string()),
        "end": o.end.to_string(),
        "value": decimal_json(o.value),
        "form": o.raw.form,
        "accession": o.accession.as_str(),
        "filed": o.filed.to_string(),
        "url": filing_url(cik, &o.accession),
    });
    if let (Some(relay), Some(fields)) = (&o.raw.relay, input.as_object_mut()) {
        fields.insert("relayed_from".into(), relay.relayed_from.clone().into());
        fields.insert("line".into(), relay.line.into());
    }
    input
}

/// An exact JSON number for integral values (all USD facts), else a string.
fn decimal_json(d: Decimal) -> serde_json::Value {
    serde_json::from_str::<serde_json::Number>(&d.normalize().to_string())
        .map(serde_json::Value::Number)
        .unwrap_or_else(|_| serde_json::Value::String(d.to_string()))
}

#[cfg(test)]
mod tests;
