//! CSV export and import of every fact version with its provenance.
//!
//! # Column layout
//!
//! One header line, then one line per fact version, comma-separated, quoted
//! only where needed (RFC 4180 via the `csv` crate), `\n` line ends, UTF-8.
//! An empty field means "none" (NULL).
//!
//! | column | content |
//! |---|---|
//! | `ticker` | company ticker, e.g. `GOOGL` |
//! | `company_name` | company name (same on every line of a ticker) |
//! | `cik` | SEC CIK, digits, or empty |
//! | `fiscal_year_end_month` | 1–12 |
//! | `nets_capex_proceeds` | `true` / `false` |
//! | `metric` | metric key, e.g. `capex` |
//! | `fiscal_year` | e.g. `2026` (named by the calendar year the fiscal year ends in) |
//! | `fiscal_quarter` | 1–4, or 0 for a full fiscal year |
//! | `period_start` | `YYYY-MM-DD`, empty for instants |
//! | `period_end` | `YYYY-MM-DD` |
//! | `value` | exact decimal, no thousands separators, e.g. `17197000000` |
//! | `unit` | `USD`, `USD/unit` or `percent` |
//! | `version` | 1, 2, … within (ticker, metric, fiscal_year, fiscal_quarter); empty on import = assign |
//! | `known_at` | `YYYY-MM-DD`: when the value became known (filing date or entry date) |
//! | `source_kind` | `filing`, `derived`, `secondary` or `analyst` |
//! | `form` | e.g. `10-Q` |
//! | `accession` | e.g. `0001652044-25-000043` |
//! | `filed_date` | `YYYY-MM-DD` |
//! | `source_url` | the filing index or the analyst's source |
//! | `source_text` | the source as written, verbatim |
//! | `derivation` | JSON (formula and inputs) for derived values |
//! | `entered_by` | who entered an analyst value |
//! | `note` | free text |
//!
//! Lines are ordered by ticker, metric, fiscal year, fiscal quarter, version,
//! so an export is deterministic. The company columns repeat on each line so
//! that a file is self-contained: importing into an empty store creates the
//! companies (an existing company keeps its stored fields). Companies without
//! any fact are not exported.
//!
//! # Import
//!
//! Every line is validated first; any invalid line fails the import with the
//! line numbers and columns at fault, and nothing is written. The import is one
//! transaction. A line with a `version` restores that exact version: if the
//! store already holds that version it must be identical (then it counts as
//! unchanged) or the import fails. A line without a `version` goes through the
//! store's versioning ([`store::apply_facts`]): new, restatement,
//! history or unchanged. Exporting, importing into an empty store and
//! exporting again gives a byte-identical file.

use anyhow::Context;
use domain::SourceKind;
use domain::{AccessionNumber, Cik, FiscalPeriod, Metric, Ticker};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::str::FromStr;
use store::{self, ApplyReport, CompanyRecord, FactRecord, Source};
use time::{macros::format_description, Date};

/// The header, in order.
pub const COLUMNS: [&str; 23] = [
    "ticker",
    "company_name",
    "cik",
    "fiscal_year_end_month",
    "nets_capex_proceeds",
    "metric",
    "fiscal_year",
    "fiscal_quarter",
    "period_start",
    "period_end",
    "value",
    "unit",
    "version",
    "known_at",
    "source_kind",
    "form",
    "accession",
    "filed_date",
    "source_url",
    "source_text",
    "derivation",
    "entered_by",
    "note",
];

/// Most row errors listed in one message.
const MAX_LISTED_ERRORS: usize = 20;

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    pub column: &'static str,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// CSV import errors.
#[derive(Debug, thiserror::Error)]
pub enum CsvImportError {
    #[error("the header does not match the documented layout: expected {expected}, found {found}")]
    Header { expected: String, found: String },
    #[error("the CSV could not be read: {0}")]
    Csv(#[from] csv::Error),
    #[error("{} invalid field(s); nothing was imported:\n{}", .0.len(), list_errors(.0))]
    Rows(Vec<RowError>),
    #[error("line {line}: version {version} of {key} is already stored with different contents")]
    VersionConflict {
        line: u64,
        key: String,
        version: i32,
    },
}

fn list_errors(errors: &[RowError]) -> String {
    let mut lines: Vec<String> = errors
        .iter()
        .take(MAX_LISTED_ERRORS)
        .map(|e| format!("  {e}"))
        .collect();
    if errors.len() > MAX_LISTED_ERRORS {
        lines.push(format!("  … and {} more", errors.len() - MAX_LISTED_ERRORS));
    }
    lines.join("\n")
}

/// What a CSV import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CsvImportReport {
    pub rows: usize,
    pub companies_created: usize,
    /// Lines with a version, inserted as given.
    pub restored: usize,
    /// Lines with a version already stored identically.
    pub already_stored: usize,
    /// Lines without a version, through the store's versioning.
    pub applied: ApplyReport,
}

impl fmt::Display for CsvImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "CSV import: {} rows, {} companies created",
            self.rows, self.companies_created
        )?;
        writeln!(
            f,
            "  versions restored {}, already stored {}",
            self.restored, self.already_stored
        )?;
        write!(
            f,
            "  unversioned rows: new {}, changed (restated) {}, history {}, unchanged {}",
            self.applied.new, self.applied.changed, self.applied.history, self.applied.unchanged
        )
    }
}

/// A validated line.
#[derive(Debug, Clone)]
struct Line {
    line: u64,
    company: CompanyRecord,
    record: FactRecord,
    version: Option<i32>,
    /// The derivation as written (inserted as text so numbers keep their digits).
    derivation_text: Option<String>,
}

fn date_format() -> &'static [time::format_description::FormatItem<'static>] {
    format_description!("[year]-[month]-[day]")
}

fn fmt_date(d: Option<Date>) -> String {
    d.and_then(|d| d.format(date_format()).ok())
        .unwrap_or_default()
}

/// Writes every fact version, in the documented layout and order.
pub async fn export_csv(pool: &PgPool, out: impl std::io::Write) -> anyhow::Result<usize> {
    let rows = store::restore::all_versions(pool)
        .await
        .context("reading fact versions for export")?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    writer.write_record(COLUMNS)?;
    for row in &rows {
        let mut fields = export_fields(row);
        for (i, field) in fields.iter_mut().enumerate() {
            if TEXT_COLUMNS.contains(&COLUMNS[i]) {
                *field = domain::format::spreadsheet_safe(field).into_owned();
            }
        }
        writer.write_record(fields)?;
    }
    writer.flush().context("writing the CSV")?;
    Ok(rows.len())
}

/// Columns of free text: written spreadsheet-safe (a leading `'` before
/// text a spreadsheet would run as a formula) and read back exactly.
const TEXT_COLUMNS: [&str; 7] = [
    "company_name",
    "form",
    "source_url",
    "source_text",
    "derivation",
    "entered_by",
    "note",
];

fn export_fields(row: &store::restore::ExportedVersion) -> [String; 23] {
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    [
        row.ticker.clone(),
        row.name.clone(),
        row.cik.map(|c| c.to_string()).unwrap_or_default(),
        row.fiscal_year_end_month.to_string(),
        row.nets_capex_proceeds.to_string(),
        row.metric.clone(),
        row.fiscal_year.to_string(),
        row.fiscal_quarter.to_string(),
        fmt_date(row.period_start),
        fmt_date(Some(row.period_end)),
        row.value.to_string(),
        row.unit.clone(),
        row.version.to_string(),
        fmt_date(Some(row.known_at)),
        row.source_kind.clone(),
        opt(&row.form),
        opt(&row.accession),
        fmt_date(row.filed_date),
        opt(&row.source_url),
        row.source_text.clone(),
        opt(&row.derivation),
        opt(&row.entered_by),
        opt(&row.note),
    ]
}

/// Imports a CSV in the documented layout, in one transaction.
pub async fn import_csv(
    pool: &PgPool,
    reader: impl std::io::Read,
) -> anyhow::Result<CsvImportReport> {
    let lines = parse_csv(reader)?;
    let mut report = CsvImportReport {
        rows: lines.len(),
        ..CsvImportReport::default()
    };
    let mut tx = pool
        .begin()
        .await
        .context("starting the CSV import transaction")?;
    report.companies_created = ensure_companies(&mut tx, &lines).await?;
    let (versioned, unversioned): (Vec<&Line>, Vec<&Line>) =
        lines.iter().partition(|l| l.version.is_some());
    report.restored = restore_versions(&mut tx, &versioned).await?;
    report.already_stored = versioned.len() - report.restored;
    report.applied = apply_unversioned(&mut tx, &unversioned).await?;
    tx.commit().await.context("committing the CSV import")?;
    tracing::info!(
        csv.rows = report.rows,
        csv.restored = report.restored,
        csv.already_stored = report.already_stored,
        csv.new = report.applied.new,
        "csv import done"
    );
    Ok(report)
}

/// Reads and validates every line; all errors are reported together.
fn parse_csv(reader: impl std::io::Read) -> Result<Vec<Line>, CsvImportError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let header = csv.headers()?.clone();
    if header.iter().ne(COLUMNS.iter().copied()) {
        return Err(CsvImportError::Header {
            expected: COLUMNS.join(","),
            found: header.iter().collect::<Vec<_>>().join(","),
        });
    }
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashSet<(String, String, String, String, i32)> = HashSet::new();
    let mut companies: BTreeMap<String, (u64, CompanyRecord)> = BTreeMap::new();
    for record in csv.records() {
        let record = record?;
        let line_no = record.position().map(|p| p.line()).unwrap_or(0);
        // Free text was exported spreadsheet-safe: read it back exactly.
        let record: csv::StringRecord = record
            .iter()
            .enumerate()
            .map(|(i, field)| match COLUMNS.get(i) {
                Some(c) if TEXT_COLUMNS.contains(c) => domain::format::from_spreadsheet_safe(field),
                _ => field,
            })
            .collect();
        match parse_line(&record, line_no) {
            Ok(line) => {
                check_company_consistency(&line, &mut companies, &mut errors);
                if let Some(v) = line.version {
                    let key = (
                        line.record.ticker.to_string(),
                        line.record.metric.key().to_string(),
                        line.record.period.fiscal_year.to_string(),
                        line.record.period.quarter.to_string(),
                        v,
                    );
                    if !seen.insert(key) {
                        errors.push(RowError {
                            line: line_no,
                            column: "version",
                            message: "this version appears twice in the file".into(),
                        });
                    }
                }
                lines.push(line);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(CsvImportError::Rows(errors))
    }
}

fn check_company_consistency(
    line: &Line,
    companies: &mut BTreeMap<String, (u64, CompanyRecord)>,
    errors: &mut Vec<RowError>,
) {
    let key = line.company.ticker.to_string();
    match companies.get(&key) {
        Some((first, c)) if c != &line.company => errors.push(RowError {
            line: line.line,
            column: "company_name",
            message: format!("company fields differ from line {first} for the same ticker"),
        }),
        Some(_) => {}
        None => {
            companies.insert(key, (line.line, line.company.clone()));
        }
    }
}

/// The fields of one line, by column name.
struct Fields<'a> {
    record: &'a csv::StringRecord,
    line: u64,
    errors: Vec<RowError>,
}

impl<'a> Fields<'a> {
    fn raw(&self, column: &'static str) -> &'a str {
        let i = COLUMNS.iter().position(|c| *c == column).unwrap_or(0);
        self.record.get(i).unwrap_or("")
    }
    fn opt(&self, column: &'static str) -> Option<String> {
        let s = self.raw(column);
        (!s.is_empty()).then(|| s.to_string())
    }
    fn fail(&mut self, column: &'static str, message: impl Into<String>) {
        self.errors.push(RowError {
            line: self.line,
            column,
            message: message.into(),
        });
    }
    /// Parses a required field; records the error and returns None when invalid.
    fn req<T, E: fmt::Display>(
        &mut self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let s = self.raw(column);
        if s.is_empty() {
            self.fail(column, "is required");
            return None;
        }
        match parse(s) {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(column, format!("{s:?}: {e}"));
                None
            }
        }
    }
    /// Parses an optional field.
    fn maybe<T, E: fmt::Display>(
        &mut self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        if self.raw(column).is_empty() {
            return None;
        }
        self.req(column, parse)
    }
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s, date_format()).map_err(|_| "expected a date YYYY-MM-DD".to_string())
}

fn parse_kind(s: &str) -> Result<SourceKind, String> {
    match s {
        "filing" => Ok(SourceKind::Filing),
        "derived" => Ok(SourceKind::Derived),
        "secondary" => Ok(SourceKind::Secondary),
        "analyst" => Ok(SourceKind::Analyst),
        _ => Err("expected filing, derived, secondary or analyst".to_string()),
    }
}

fn parse_unit(s: &str) -> Result<&'static str, String> {
    ["USD", "USD/unit", "percent"]
        .into_iter()
        .find(|u| *u == s)
        .ok_or_else(|| "expected USD, USD/unit or percent".to_string())
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("expected true or false".to_string()),
    }
}

fn parse_line(record: &csv::StringRecord, line: u64) -> Result<Line, Vec<RowError>> {
    let mut f = Fields {
        record,
        line,
        errors: Vec::new(),
    };
    if record.len() != COLUMNS.len() {
        f.fail(
            "ticker",
            format!("expected {} fields, found {}", COLUMNS.len(), record.len()),
        );
        return Err(f.errors);
    }
    let ticker = f.req("ticker", Ticker::parse);
    let name = f.req("company_name", |s| Ok::<_, String>(s.to_string()));
    let cik = f.maybe("cik", Cik::parse);
    let fye = f.req("fiscal_year_end_month", |s| match s.parse::<u8>() {
        Ok(m) if (1..=12).contains(&m) => Ok(m),
        _ => Err("expected a month 1-12"),
    });
    let nets = f.req("nets_capex_proceeds", parse_bool);
    let metric = f.req("metric", Metric::from_str);
    let fiscal_year = f.req("fiscal_year", |s| {
        s.parse::<i32>().map_err(|e| e.to_string())
    });
    let quarter = f.req("fiscal_quarter", |s| {
        s.parse::<u8>().map_err(|e| e.to_string())
    });
    let period = match (fiscal_year, quarter) {
        (Some(y), Some(0)) => f.req("fiscal_year", |_| FiscalPeriod::year(y)),
        (Some(y), Some(q)) => f.req("fiscal_quarter", |_| FiscalPeriod::quarter(y, q)),
        _ => None,
    };
    let period_start = f.maybe("period_start", parse_date);
    let period_end = f.req("period_end", parse_date);
    if let (Some(s), Some(e)) = (period_start, period_end) {
        if s > e {
            f.fail("period_start", "is after period_end");
        }
    }
    let value = f.req("value", |s| Decimal::from_str(s).map_err(|e| e.to_string()));
    let unit = f.req("unit", parse_unit);
    let version = f.maybe("version", |s| match s.parse::<i32>() {
        Ok(v) if v >= 1 => Ok(v),
        _ => Err("expected a whole number from 1"),
    });
    let known_at = f.req("known_at", parse_date);
    let kind = f.req("source_kind", parse_kind);
    let accession = f.maybe("accession", AccessionNumber::parse);
    let filed_date = f.maybe("filed_date", parse_date);
    let derivation_text = f.opt("derivation");
    let derivation = f.maybe("derivation", |s| {
        serde_json::from_str::<serde_json::Value>(s).map_err(|e| e.to_string())
    });
    let entered_by = f.opt("entered_by");
    let source_url = f.opt("source_url");
    if kind == Some(SourceKind::Analyst) && (entered_by.is_none() || source_url.is_none()) {
        f.fail(
            "entered_by",
            "an analyst entry needs entered_by and source_url",
        );
    }
    let (
        Some(ticker),
        Some(name),
        Some(fye),
        Some(nets),
        Some(metric),
        Some(period),
        Some(period_end),
        Some(value),
        Some(unit),
        Some(known_at),
        Some(kind),
    ) = (
        ticker, name, fye, nets, metric, period, period_end, value, unit, known_at, kind,
    )
    else {
        return Err(f.errors);
    };
    if !f.errors.is_empty() {
        return Err(f.errors);
    }
    let company = CompanyRecord {
        ticker: ticker.clone(),
        name,
        cik,
        fiscal_year_end_month: fye,
        nets_capex_proceeds: nets,
    };
    let record = FactRecord {
        ticker,
        metric,
        period,
        period_start,
        period_end,
        value,
        unit,
        known_at,
        source: Source {
            kind,
            form: f.opt("form"),
            accession,
            filed_date,
            url: source_url,
            text: f.raw("source_text").to_string(),
            derivation,
            entered_by,
        },
        note: f.opt("note"),
    };
    Ok(Line {
        line,
        company,
        record,
        version,
        derivation_text,
    })
}

/// Creates the companies that are not stored yet; returns how many.
async fn ensure_companies(conn: &mut PgConnection, lines: &[Line]) -> anyhow::Result<usize> {
    let mut created = 0;
    let mut done: HashSet<&str> = HashSet::new();
    for line in lines {
        let c = &line.company;
        if !done.insert(c.ticker.as_str()) {
            continue;
        }
        if store::company_by_ticker(conn, &c.ticker).await?.is_none() {
            store::upsert_company(conn, c)
                .await
                .with_context(|| format!("line {}: creating {}", line.line, c.ticker))?;
            created += 1;
        }
    }
    Ok(created)
}

/// Inserts lines with explicit versions; identical stored versions are left alone.
/// Returns how many were inserted.
async fn restore_versions(conn: &mut PgConnection, lines: &[&Line]) -> anyhow::Result<usize> {
    let mut inserted = 0;
    for chunk in lines.chunks(2000) {
        let columns = columns_of(chunk);
        match store::restore::restore_versions(conn, &columns)
            .await
            .context("restoring versions")?
        {
            store::restore::Restored::Inserted(n) => inserted += n as usize,
            store::restore::Restored::Conflict { line } => {
                let l = chunk.iter().find(|l| l.line as i64 == line);
                let key = l
                    .map(|l| {
                        format!(
                            "{} {} {}",
                            l.record.ticker, l.record.metric, l.record.period
                        )
                    })
                    .unwrap_or_default();
                let version = l.and_then(|l| l.version).unwrap_or(0);
                return Err(CsvImportError::VersionConflict {
                    line: line as u64,
                    key,
                    version,
                }
                .into());
            }
        }
    }
    Ok(inserted)
}

/// Lines without a version, per company, through the store's versioning.
async fn apply_unversioned(
    conn: &mut PgConnection,
    lines: &[&Line],
) -> anyhow::Result<ApplyReport> {
    let mut by_ticker: BTreeMap<&Ticker, Vec<FactRecord>> = BTreeMap::new();
    for l in lines {
        by_ticker
            .entry(&l.record.ticker)
            .or_default()
            .push(l.record.clone());
    }
    let mut total = ApplyReport::default();
    for (ticker, records) in by_ticker {
        let r = store::apply_facts(conn, ticker, &records).await?;
        total.new += r.new;
        total.changed += r.changed;
        total.history += r.history;
        total.unchanged += r.unchanged;
    }
    Ok(total)
}

/// The lines' versions as the store restores them, one array per column.
fn columns_of(lines: &[&Line]) -> store::restore::VersionColumns {
    let records: Vec<&FactRecord> = lines.iter().map(|l| &l.record).collect();
    store::restore::VersionColumns {
        line: lines.iter().map(|l| l.line as i64).collect(),
        ticker: records.iter().map(|r| r.ticker.to_string()).collect(),
        metric: records.iter().map(|r| r.metric.key().to_string()).collect(),
        fiscal_year: records
            .iter()
            .map(|r| r.period.fiscal_year as i16)
            .collect(),
        fiscal_quarter: records
            .iter()
            .map(|r| i16::from(r.period.quarter))
            .collect(),
        period_start: records.iter().map(|r| r.period_start).collect(),
        period_end: records.iter().map(|r| r.period_end).collect(),
        value: records.iter().map(|r| r.value).collect(),
        unit: records.iter().map(|r| r.unit.to_string()).collect(),
        version: lines.iter().map(|l| l.version.unwrap_or(1)).collect(),
        known_at: records.iter().map(|r| r.known_at).collect(),
        source_kind: records
            .iter()
            .map(|r| r.source.kind.as_str().to_string())
            .collect(),
        form: records.iter().map(|r| r.source.form.clone()).collect(),
        accession: records
            .iter()
            .map(|r| r.source.accession.as_ref().map(|a| a.to_string()))
            .collect(),
        filed_date: records.iter().map(|r| r.source.filed_date).collect(),
        source_url: records.iter().map(|r| r.source.url.clone()).collect(),
        source_text: records.iter().map(|r| r.source.text.clone()).collect(),
        derivation: lines.iter().map(|l| l.derivation_text.clone()).collect(),
        entered_by: records
            .iter()
            .map(|r| r.source.entered_by.clone())
            .collect(),
        note: records.iter().map(|r| r.note.clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "ticker,company_name,cik,fiscal_year_end_month,nets_capex_proceeds,metric,fiscal_year,fiscal_quarter,period_start,period_end,value,unit,version,known_at,source_kind,form,accession,filed_date,source_url,source_text,derivation,entered_by,note\n";

    #[test]
    fn the_documented_header_is_the_column_list() {
        assert_eq!(HEADER.trim_end(), COLUMNS.join(","));
    }

    #[test]
    fn a_valid_line_parses_with_its_provenance() {
        let text = format!(
            "{HEADER}GOOGL,Alphabet Inc.,1652044,12,false,capex,2025,1,2025-01-01,2025-03-31,17197000000,USD,1,2025-04-25,filing,10-Q,0001652044-25-000043,2025-04-25,https://www.sec.gov/Archives/edgar/data/1652044/000165204425000043/,\"us-gaap:X, verbatim\",,,\n"
        );
        let lines = parse_csv(text.as_bytes()).unwrap();
        assert_eq!(lines.len(), 1);
        let r = &lines[0].record;
        assert_eq!(r.value, Decimal::from(17_197_000_000u64));
        assert_eq!(r.source.text, "us-gaap:X, verbatim");
        assert_eq!(lines[0].version, Some(1));
    }

    #[test]
    fn bad_lines_are_reported_with_line_and_column_and_all_at_once() {
        let text = format!(
            "{HEADER}GOOGL,Alphabet Inc.,1652044,12,false,capex,2025,5,2025-01-01,2025-03-31,17197000000,USD,1,2025-04-25,filing,,,,,x,,,\n\
             GOOGL,Alphabet Inc.,1652044,12,false,capex,2025,1,2025-01-01,2025-03-31,12x,USD,,2025-04-25,filing,,,,,x,,,\n"
        );
        let err = parse_csv(text.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("line 2, column fiscal_quarter"), "{err}");
        assert!(err.contains("line 3, column value"), "{err}");
    }

    #[test]
    fn a_wrong_header_is_rejected() {
        let err = parse_csv("ticker,metric\nA,b\n".as_bytes()).unwrap_err();
        assert!(matches!(err, CsvImportError::Header { .. }));
    }

    #[test]
    fn an_analyst_entry_needs_who_and_where() {
        let text = format!(
            "{HEADER}MSFT,Microsoft,789019,6,false,ai_revenue_run_rate,2025,2,,2025-01-29,13000000000,USD,,2025-01-29,analyst,,,,,said on the call,,,\n"
        );
        let err = parse_csv(text.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("column entered_by"), "{err}");
    }
}
