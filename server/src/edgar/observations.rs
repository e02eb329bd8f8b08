//! SEC company-facts observations relayed as CSV → versioned facts.
//!
//! `server import observations --file PATH` reads XBRL company-facts entries
//! that a third party relayed as CSV rather than the SEC's JSON (the bundled
//! `data/bundled/edgar/xbrl-observations-meta-orcl.csv`): one row per value
//! per filing that reported it, in the columns [`COLUMNS`]
//! (`cik,entity,taxonomy,tag,unit,start,end,val,accn,filed,relayed_from`).
//!
//! The rows become the company-facts model ([`EdgarCompanyFacts`], one per CIK)
//! and go through the same tag mapping, period derivation (Q2 = 6M − 3M, …,
//! Q4 = FY − 9M) and versioning as the SEC's JSON
//! ([`mapping::map_company_facts`], [`store::apply_facts`]). The file has no
//! form, fiscal year or period of the filing, or frame: they stay missing
//! (the stored `form` is NULL), never guessed; periods come from `start` and
//! `end` alone, as they do for the JSON. Each stored value's source text says
//! that it came from the observations CSV (with its line), who relayed it
//! (`relayed_from`), and the accession and filing date.
//!
//! The whole file is parsed and checked before anything is written; an error
//! names its line and column (`line 17, column val: "12x" is not a number`).
//! Every company must already be in the store (found by CIK). All companies
//! of the file are written in one transaction, so a file is imported whole
//! or not at all.

use super::mapping::{self, MapOptions, Mapped};
use super::model::{Concept, EdgarCompanyFacts, RawFact, Relay, Taxonomies};
use super::periods::FiscalCalendar;
use super::tags::{self, TagMap};
use super::{build_report, say, summary, CompanyImportReport, EdgarError};
use anyhow::Context;
use domain::{AccessionNumber, Cik};
use rust_decimal::Decimal;
use sqlx::PgPool;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};
use store::{self, CompanyRecord};

/// The columns of an observations file, in order (the header must name exactly these).
pub const COLUMNS: [&str; 11] = [
    "cik",
    "entity",
    "taxonomy",
    "tag",
    "unit",
    "start",
    "end",
    "val",
    "accn",
    "filed",
    "relayed_from",
];

/// The units a row may have (those of the SEC's company facts for the
/// importer's concepts); only `USD` values are stored, the others are
/// skipped with a reason as in the JSON.
pub const UNITS: [&str; 4] = ["USD", "USD/shares", "shares", "pure"];

/// The taxonomy the mapping reads; rows of other taxonomies are skipped.
const US_GAAP: &str = "us-gaap";

/// What is wrong with an observations file, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObservationsError {
    #[error("line {line}, column {column}: {message}")]
    Field {
        line: u64,
        column: &'static str,
        message: String,
    },
    #[error("line {line}: {message}")]
    Line { line: u64, message: String },
}

/// `server import observations` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ObservationsArgs {
    /// The observations CSV (cik,entity,taxonomy,tag,unit,start,end,val,accn,filed,relayed_from).
    #[arg(long)]
    pub file: PathBuf,
    /// Compute the reports without writing anything.
    #[arg(long)]
    pub dry_run: bool,
}

/// One company's rows, as the company-facts model.
#[derive(Debug, Clone)]
pub struct CompanyObservations {
    pub cik: Cik,
    /// The first line naming the company (an unknown CIK is reported there).
    pub first_line: u64,
    /// The rows under mapped `us-gaap` tags; `entity_name` is the file's `entity`.
    pub facts: EdgarCompanyFacts,
    /// Rows not handed to the mapping, per reason.
    pub skipped: BTreeMap<String, usize>,
}

/// One checked row.
struct Row {
    line: u64,
    cik: Cik,
    entity: String,
    taxonomy: String,
    tag: String,
    unit: String,
    fact: RawFact,
    value: Decimal,
}

/// Parses and checks a whole observations file: one entry per company (CIK),
/// in the order the companies first appear. The first problem found is
/// returned with its line and column.
pub fn parse_observations(csv_text: &str) -> Result<Vec<CompanyObservations>, ObservationsError> {
    let text = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(header) => header.map_err(csv_error)?,
        None => {
            return Err(ObservationsError::Line {
                line: 1,
                message: format!(
                    "the file is empty; expected the header {}",
                    COLUMNS.join(",")
                ),
            })
        }
    };
    check_header(&header)?;

    let mut companies: Vec<CompanyObservations> = Vec::new();
    let mut by_cik: HashMap<Cik, usize> = HashMap::new();
    // (cik, taxonomy, tag, unit, start, end, accession) → (line, value).
    type Key = (Cik, String, String, String, Option<String>, String, String);
    let mut seen: HashMap<Key, (u64, Decimal)> = HashMap::new();
    for record in records {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line());
        let row = parse_row(&record, line)?;
        let index = *by_cik.entry(row.cik).or_insert_with(|| {
            companies.push(CompanyObservations {
                cik: row.cik,
                first_line: row.line,
                facts: EdgarCompanyFacts {
                    cik: row.cik.value(),
                    entity_name: row.entity.clone(),
                    facts: Taxonomies::default(),
                },
                skipped: BTreeMap::new(),
            });
            companies.len() - 1
        });
        let company = &mut companies[index];
        let key: Key = (
            row.cik,
            row.taxonomy.clone(),
            row.tag.clone(),
            row.unit.clone(),
            row.fact.start.clone(),
            row.fact.end.clone(),
            row.fact.accn.clone(),
        );
        if let Some(&(earlier, value)) = seen.get(&key) {
            if value != row.value {
                return Err(ObservationsError::Field {
                    line,
                    column: "val",
                    message: format!(
                        "{} contradicts line {earlier} ({value}): same company, tag, unit, period and accession",
                        row.value
                    ),
                });
            }
            skip(company, "repeats an earlier line of the file".to_string());
            continue;
        }
        seen.insert(key, (line, row.value));
        if row.taxonomy != US_GAAP {
            skip(
                company,
                format!("taxonomy {} is not read (only {US_GAAP})", row.taxonomy),
            );
            continue;
        }
        if !tags::is_mapped(&row.tag) {
            skip(company, "tag not in the tag table (tags.csv)".to_string());
            continue;
        }
        company
            .facts
            .facts
            .us_gaap
            .entry(row.tag)
            .or_insert_with(|| Concept {
                label: None,
                units: BTreeMap::new(),
            })
            .units
            .entry(row.unit)
            .or_default()
            .push(row.fact);
    }
    Ok(companies)
}

fn skip(company: &mut CompanyObservations, reason: String) {
    *company.skipped.entry(reason).or_default() += 1;
}

fn csv_error(e: csv::Error) -> ObservationsError {
    ObservationsError::Line {
        line: e.position().map_or(0, |p| p.line()),
        message: format!("not readable as CSV: {e}"),
    }
}

fn check_header(header: &csv::StringRecord) -> Result<(), ObservationsError> {
    let expected = COLUMNS.join(",");
    for (i, column) in COLUMNS.iter().copied().enumerate() {
        let message = match header.get(i) {
            Some(found) if found == column => continue,
            Some(found) => {
                format!("the header names {found:?} where {column:?} belongs (expected {expected})")
            }
            None => format!("missing from the header (expected {expected})"),
        };
        return Err(ObservationsError::Field {
            line: 1,
            column,
            message,
        });
    }
    if let Some(extra) = header.get(COLUMNS.len()) {
        return Err(ObservationsError::Line {
            line: 1,
            message: format!(
                "the header has a column {extra:?} after {:?} (expected {expected})",
                COLUMNS[COLUMNS.len() - 1]
            ),
        });
    }
    Ok(())
}

fn parse_row(record: &csv::StringRecord, line: u64) -> Result<Row, ObservationsError> {
    let field_error = |column: &'static str, message: String| ObservationsError::Field {
        line,
        column,
        message,
    };
    if record.len() < COLUMNS.len() {
        return Err(field_error(
            COLUMNS[record.len()],
            format!(
                "missing: the row has {} of the {} columns",
                record.len(),
                COLUMNS.len()
            ),
        ));
    }
    if record.len() > COLUMNS.len() {
        return Err(ObservationsError::Line {
            line,
            message: format!(
                "the row has {} columns, the header {}",
                record.len(),
                COLUMNS.len()
            ),
        });
    }
    let get = |column: &'static str| -> &str {
        let i = COLUMNS.iter().position(|c| *c == column).unwrap_or(0);
        &record[i]
    };
    let required = |column: &'static str| -> Result<&str, ObservationsError> {
        let value = get(column);
        if value.is_empty() {
            Err(field_error(column, "empty".to_string()))
        } else {
            Ok(value)
        }
    };
    let date = |column: &'static str, text: &str| {
        mapping::parse_date(text)
            .map_err(|_| field_error(column, format!("{text:?} is not a date (YYYY-MM-DD)")))
    };

    let cik = Cik::parse(required("cik")?).map_err(|e| field_error("cik", e.to_string()))?;
    let entity = get("entity").to_string();
    let taxonomy = required("taxonomy")?;
    if taxonomy.chars().any(char::is_whitespace) {
        return Err(field_error(
            "taxonomy",
            format!("{taxonomy:?} is not a taxonomy prefix (such as us-gaap)"),
        ));
    }
    let tag = required("tag")?;
    if !is_concept_name(tag) {
        return Err(field_error(
            "tag",
            format!("{tag:?} is not an XBRL concept name"),
        ));
    }
    let unit = required("unit")?;
    if !UNITS.contains(&unit) {
        return Err(field_error(
            "unit",
            format!(
                "{unit:?} is not a unit the importer knows ({})",
                UNITS.join(", ")
            ),
        ));
    }
    let start_text = get("start");
    let start = if start_text.is_empty() {
        None
    } else {
        Some(date("start", start_text)?)
    };
    let end_text = required("end")?;
    let end = date("end", end_text)?;
    if let Some(start) = start.filter(|s| *s > end) {
        return Err(field_error(
            "start",
            format!("{start} is after the end {end}"),
        ));
    }
    let (value, val) = parse_val(required("val")?).map_err(|m| field_error("val", m))?;
    let accn = required("accn")?;
    AccessionNumber::parse(accn).map_err(|e| field_error("accn", e.to_string()))?;
    let filed_text = required("filed")?;
    date("filed", filed_text)?;
    let relayed_from = required("relayed_from")?;

    Ok(Row {
        line,
        cik,
        entity,
        taxonomy: taxonomy.to_string(),
        tag: tag.to_string(),
        unit: unit.to_string(),
        value,
        fact: RawFact {
            start: start.map(|_| start_text.to_string()),
            end: end_text.to_string(),
            val,
            accn: accn.to_string(),
            fy: None,
            fp: None,
            form: None,
            filed: filed_text.to_string(),
            frame: None,
            relay: Some(Relay {
                relayed_from: relayed_from.to_string(),
                line,
            }),
        },
    })
}

/// An XBRL concept's local name: a letter or `_`, then letters, digits, `_`, `-` or `.`.
fn is_concept_name(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A plain decimal number (`-12`, `6842000000`, `2.93`), exactly, and the
/// same as the JSON number the model holds.
fn parse_val(text: &str) -> Result<(Decimal, serde_json::Number), String> {
    let not_a_number = || format!("{text:?} is not a number");
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !fraction.is_none_or(digits) {
        return Err(not_a_number());
    }
    let value = Decimal::from_str(text).map_err(|_| format!("{text:?} is out of range"))?;
    let exact = || format!("{text:?} cannot be held exactly");
    let number: serde_json::Number =
        serde_json::from_str(&value.normalize().to_string()).map_err(|_| exact())?;
    match Decimal::from_str(&number.to_string()) {
        Ok(back) if back == value => Ok((value, number)),
        _ => Err(exact()),
    }
}

/// One company's import, prepared before anything is written.
struct Plan {
    company: CompanyRecord,
    mapped: Mapped,
    elapsed: Duration,
}

/// Imports an observations file: one report per company in the file, in the
/// order the companies first appear. The file is checked whole first (an
/// error names the line and column and writes nothing); every company must be
/// in the store (by CIK); all companies are written in one transaction
/// (`dry_run`: rolled back).
pub async fn import_observations_csv(
    pool: &PgPool,
    csv_text: &str,
    dry_run: bool,
) -> anyhow::Result<Vec<CompanyImportReport>> {
    let companies = parse_observations(csv_text)?;
    let tags = TagMap::builtin().map_err(EdgarError::from)?;

    let mut tx = pool
        .begin()
        .await
        .context("starting the import transaction")?;
    // Every company is found and mapped before anything is written.
    let mut plans = Vec::with_capacity(companies.len());
    for c in &companies {
        let started = Instant::now();
        let company = store::company_by_cik(&mut tx, c.cik)
            .await?
            .ok_or_else(|| ObservationsError::Field {
                line: c.first_line,
                column: "cik",
                message: format!(
                    "CIK {} ({}) is not in the store; add the company first (data/bundled/companies.csv or server import csv)",
                    c.cik, c.facts.entity_name
                ),
            })?;
        let calendar = FiscalCalendar::new(company.fiscal_year_end_month).with_context(|| {
            format!(
                "the stored fiscal year-end month of {} is {}, not 1-12",
                company.ticker, company.fiscal_year_end_month
            )
        })?;
        let opts = MapOptions {
            ticker: company.ticker.clone(),
            cik: c.cik,
            calendar,
            since_fiscal_year: None,
        };
        let mut mapped =
            mapping::map_company_facts(&c.facts, &tags, &opts).map_err(EdgarError::from)?;
        for (reason, n) in &c.skipped {
            *mapped.skipped.entry(reason.clone()).or_default() += n;
        }
        plans.push(Plan {
            company,
            mapped,
            elapsed: started.elapsed(),
        });
    }

    // Written in ticker order, the order the company rows are locked in.
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by(|&a, &b| plans[a].company.ticker.cmp(&plans[b].company.ticker));
    let mut applied: Vec<Option<store::ApplyReport>> = vec![None; plans.len()];
    for i in order {
        let started = Instant::now();
        let plan = &mut plans[i];
        let report = store::apply_facts(&mut tx, &plan.company.ticker, &plan.mapped.records)
            .await
            .with_context(|| format!("storing the facts of {}", plan.company.ticker))?;
        plan.elapsed += started.elapsed();
        applied[i] = Some(report);
    }
    if dry_run {
        tx.rollback().await.context("rolling back the dry run")?;
    } else {
        tx.commit()
            .await
            .context("committing the observations import")?;
    }

    let mut reports = Vec::with_capacity(plans.len());
    for ((plan, c), applied) in plans.iter().zip(&companies).zip(applied) {
        let applied = applied.context("a company of the file was not stored")?;
        let mut report = build_report(
            &plan.company,
            c.cik,
            dry_run,
            &plan.mapped,
            &applied,
            Instant::now(),
        );
        report.duration_ms = u64::try_from(plan.elapsed.as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            company.ticker = %report.ticker,
            company.cik = report.cik,
            import.new = report.new,
            import.changed = report.changed,
            import.unchanged = report.unchanged,
            import.skipped = report.skipped_total(),
            import.dry_run = report.dry_run,
            duration_ms = report.duration_ms,
            "observations import done"
        );
        reports.push(report);
    }
    Ok(reports)
}

/// Reads and checks an observations file for `server import observations`,
/// before any database is opened: a malformed file fails at once.
pub fn read_observations_file(path: &Path) -> anyhow::Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_observations(&text).with_context(|| format!("importing {}", path.display()))?;
    Ok(text)
}

/// Runs `server import observations --file PATH` on the file's text (see
/// [`read_observations_file`]): the reports, and a line per company on stderr.
pub async fn run(
    pool: &PgPool,
    args: &ObservationsArgs,
    csv_text: &str,
) -> anyhow::Result<Vec<CompanyImportReport>> {
    let path = &args.file;
    let mut stderr = std::io::stderr();
    say(&mut stderr, format_args!("importing {}", path.display()));
    let reports = import_observations_csv(pool, csv_text, args.dry_run)
        .await
        .with_context(|| format!("importing {}", path.display()))?;
    let total = reports.len();
    for (i, report) in reports.iter().enumerate() {
        say(
            &mut stderr,
            format_args!("[{}/{total}] {}", i + 1, summary(report)),
        );
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::SourceKind;
    use domain::{Metric, Ticker};
    use time::macros::date;

    const HEADER: &str = "cik,entity,taxonomy,tag,unit,start,end,val,accn,filed,relayed_from";
    const CAPEX: &str = "PaymentsToAcquirePropertyPlantAndEquipment";
    const RELAY: &str = "owner/repo@abc123 research/observations.csv";

    fn row(
        cik: u64,
        tag: &str,
        start: &str,
        end: &str,
        val: &str,
        accn: &str,
        filed: &str,
    ) -> String {
        format!("{cik},x,us-gaap,{tag},USD,{start},{end},{val},{accn},{filed},{RELAY}")
    }

    fn file(rows: &[String]) -> String {
        let mut text = format!("{HEADER}\n");
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        text
    }

    fn error(text: &str) -> String {
        parse_observations(text).unwrap_err().to_string()
    }

    fn good() -> Vec<String> {
        vec![
            row(
                1326801,
                CAPEX,
                "2023-01-01",
                "2023-03-31",
                "6842000000",
                "0001326801-23-000067",
                "2023-04-27",
            ),
            row(
                1341439,
                CAPEX,
                "2023-06-01",
                "2023-08-31",
                "1314000000",
                "0000950170-23-047713",
                "2023-09-12",
            ),
            row(
                1326801,
                CAPEX,
                "2023-01-01",
                "2023-03-31",
                "6823000000",
                "0001326801-24-000049",
                "2024-04-25",
            ),
        ]
    }

    fn bundled() -> String {
        let path = format!(
            "{}/../data/bundled/edgar/xbrl-observations-meta-orcl.csv",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn map(c: &CompanyObservations, ticker: &str, fye: u8) -> Mapped {
        let opts = MapOptions {
            ticker: Ticker::parse(ticker).unwrap(),
            cik: c.cik,
            calendar: FiscalCalendar::new(fye).unwrap(),
            since_fiscal_year: None,
        };
        mapping::map_company_facts(&c.facts, &TagMap::builtin().unwrap(), &opts).unwrap()
    }

    #[test]
    fn a_row_becomes_a_company_facts_entry_with_no_form_or_fiscal_period() {
        let companies = parse_observations(&file(&good())).unwrap();
        let meta = &companies[0];
        assert_eq!(meta.cik.value(), 1326801);
        assert_eq!(meta.first_line, 2);
        let facts = &meta.facts.facts.us_gaap[CAPEX].units["USD"];
        assert_eq!(facts.len(), 2);
        let f = &facts[0];
        assert_eq!(f.start.as_deref(), Some("2023-01-01"));
        assert_eq!(f.end, "2023-03-31");
        assert_eq!(f.val.to_string(), "6842000000");
        assert_eq!(f.accn, "0001326801-23-000067");
        assert_eq!(f.filed, "2023-04-27");
        assert_eq!(
            (&f.form, &f.fy, &f.fp, &f.frame),
            (&None, &None, &None, &None)
        );
        assert_eq!(
            f.relay,
            Some(Relay {
                relayed_from: RELAY.to_string(),
                line: 2
            })
        );
        assert_eq!(facts[1].relay.as_ref().unwrap().line, 4);
    }

    #[test]
    fn companies_come_in_the_order_they_first_appear_in_the_file() {
        let companies = parse_observations(&file(&good())).unwrap();
        let ciks: Vec<u64> = companies.iter().map(|c| c.cik.value()).collect();
        assert_eq!(ciks, [1326801, 1341439]);
        assert_eq!(companies[1].first_line, 3);
    }

    #[test]
    fn a_wrong_header_names_the_column_at_fault() {
        let text = file(&good()).replacen(",tag,", ",concept,", 1);
        let err = error(&text);
        assert!(err.starts_with("line 1, column tag: "), "{err}");
        assert!(err.contains("\"concept\""), "{err}");
        let short = file(&good()).replacen(",relayed_from", "", 1);
        assert!(error(&short).starts_with("line 1, column relayed_from: missing"));
        assert!(error("").starts_with("line 1: the file is empty"));
    }

    #[test]
    fn a_value_that_is_not_a_number_names_its_line_and_column() {
        let mut rows = good();
        rows[1] = rows[1].replace("1314000000", "12x");
        assert_eq!(
            error(&file(&rows)),
            r#"line 3, column val: "12x" is not a number"#
        );
        for bad in ["", "\"1,5\"", "1e9", "+5", "5.", " 5", "0x10"] {
            let mut rows = good();
            rows[0] = rows[0].replace("6842000000", bad);
            let err = error(&file(&rows));
            assert!(err.starts_with("line 2, column val: "), "{bad:?}: {err}");
        }
    }

    #[test]
    fn a_bad_date_names_its_line_and_column() {
        let mut rows = good();
        rows[2] = rows[2].replace("2024-04-25", "2024-02-30");
        assert_eq!(
            error(&file(&rows)),
            r#"line 4, column filed: "2024-02-30" is not a date (YYYY-MM-DD)"#
        );
        let mut rows = good();
        rows[0] = rows[0].replace("2023-03-31", "03/31/2023");
        assert!(error(&file(&rows)).starts_with("line 2, column end: "));
        let mut rows = good();
        rows[0] = rows[0].replace("2023-01-01", "2023-04-01");
        assert_eq!(
            error(&file(&rows)),
            "line 2, column start: 2023-04-01 is after the end 2023-03-31"
        );
    }

    #[test]
    fn an_unknown_unit_names_its_line_and_column() {
        let mut rows = good();
        rows[1] = rows[1].replace(",USD,", ",usd,");
        let err = error(&file(&rows));
        assert!(
            err.starts_with(r#"line 3, column unit: "usd" is not a unit the importer knows"#),
            "{err}"
        );
    }

    #[test]
    fn a_short_or_long_row_names_its_line_and_the_missing_column() {
        let mut rows = good();
        rows[1] = rows[1].rsplit_once(',').unwrap().0.to_string();
        assert_eq!(
            error(&file(&rows)),
            "line 3, column relayed_from: missing: the row has 10 of the 11 columns"
        );
        let mut rows = good();
        rows[0] = "1326801,meta,us-gaap".to_string();
        assert!(error(&file(&rows)).starts_with("line 2, column tag: missing"));
        let mut rows = good();
        rows[2].push_str(",extra");
        assert!(error(&file(&rows)).starts_with("line 4: the row has 12 columns"));
    }

    #[test]
    fn a_bad_cik_accession_or_empty_field_names_its_line_and_column() {
        let cases = [
            ("1326801,", "13x6801,", "line 2, column cik: "),
            (
                "0001326801-23-000067",
                "1326801-23-67",
                "line 2, column accn: ",
            ),
            (
                &format!(",{RELAY}"),
                ",",
                "line 2, column relayed_from: empty",
            ),
            (",us-gaap,", ",,", "line 2, column taxonomy: empty"),
            (
                &format!(",{CAPEX},"),
                ",Payments To,",
                "line 2, column tag: ",
            ),
        ];
        for (from, to, expected) in cases {
            let mut rows = good();
            rows[0] = rows[0].replacen(from, to, 1);
            let err = error(&file(&rows));
            assert!(err.starts_with(expected), "{to:?}: {err}");
        }
    }

    #[test]
    fn a_line_contradicting_an_earlier_one_is_an_error_and_an_exact_repeat_is_skipped() {
        let mut rows = good();
        rows.push(rows[0].clone());
        let companies = parse_observations(&file(&rows)).unwrap();
        assert_eq!(
            companies[0]
                .skipped
                .get("repeats an earlier line of the file"),
            Some(&1)
        );
        rows.push(rows[0].replace("6842000000", "6843000000"));
        assert_eq!(
            error(&file(&rows)),
            "line 6, column val: 6843000000 contradicts line 2 (6842000000): same company, tag, unit, period and accession"
        );
    }

    #[test]
    fn other_taxonomies_and_unmapped_tags_are_skipped_with_a_reason() {
        let mut rows = good();
        rows.push(rows[0].replace(",us-gaap,", ",dei,"));
        rows.push(rows[0].replace(CAPEX, "AccountsPayableCurrent"));
        let companies = parse_observations(&file(&rows)).unwrap();
        let skipped = &companies[0].skipped;
        assert_eq!(
            skipped.get("taxonomy dei is not read (only us-gaap)"),
            Some(&1)
        );
        assert_eq!(skipped.get("tag not in the tag table (tags.csv)"), Some(&1));
        assert_eq!(companies[0].facts.facts.us_gaap.len(), 1);
    }

    #[test]
    fn the_bundled_file_parses_whole_into_meta_and_oracle() {
        let companies = parse_observations(&bundled()).unwrap();
        let ciks: Vec<u64> = companies.iter().map(|c| c.cik.value()).collect();
        assert_eq!(ciks, [1341439, 1326801]);
        let rows: usize = companies
            .iter()
            .flat_map(|c| c.facts.facts.us_gaap.values())
            .flat_map(|concept| concept.units.values())
            .map(Vec::len)
            .sum();
        assert_eq!(rows, 179);
        assert!(companies.iter().all(|c| c.skipped.is_empty()));
    }

    #[test]
    fn metas_2023_q1_capex_maps_to_the_first_report_and_the_restatement_without_a_form() {
        let companies = parse_observations(&bundled()).unwrap();
        let mapped = map(&companies[1], "META", 12);
        let q1: Vec<_> = mapped
            .records
            .iter()
            .filter(|r| {
                r.metric == Metric::Capex && r.period.fiscal_year == 2023 && r.period.quarter == 1
            })
            .collect();
        let seen: Vec<_> = q1
            .iter()
            .map(|r| {
                (
                    r.value,
                    r.known_at,
                    r.source.accession.as_ref().unwrap().as_str(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (
                    Decimal::from(6_842_000_000i64),
                    date!(2023 - 04 - 27),
                    "0001326801-23-000067"
                ),
                (
                    Decimal::from(6_823_000_000i64),
                    date!(2024 - 04 - 25),
                    "0001326801-24-000049"
                ),
            ]
        );
        let first = q1[0];
        assert_eq!(first.source.kind, SourceKind::Filing);
        assert_eq!(first.source.form, None);
        assert!(first.source.text.starts_with("SEC company-facts observation relayed by ccesm/world-inflation-lens@40e792354d4e9d8629da43afa9c87d582b9427f4 "), "{}", first.source.text);
        assert!(first
            .source
            .text
            .contains("accession 0001326801-23-000067, filed 2023-04-27"));
        assert!(first.source.text.contains("not in the file: form"));
        assert!(mapped.skipped.is_empty(), "{:?}", mapped.skipped);
    }

    #[test]
    fn oracles_fiscal_2024_q2_capex_is_derived_as_six_months_minus_three_months() {
        let companies = parse_observations(&bundled()).unwrap();
        let mapped = map(&companies[0], "ORCL", 5);
        let q2: Vec<_> = mapped
            .records
            .iter()
            .filter(|r| {
                r.metric == Metric::Capex && r.period.fiscal_year == 2024 && r.period.quarter == 2
            })
            .collect();
        assert_eq!(q2.len(), 1, "{q2:?}");
        let r = q2[0];
        // 6M to 2023-11-30: 2,394 (filed 2023-12-12); 3M to 2023-08-31: 1,314 (filed 2023-09-12).
        assert_eq!(r.value, Decimal::from(1_080_000_000i64));
        assert_eq!(r.source.kind, SourceKind::Derived);
        assert_eq!(r.known_at, date!(2023 - 12 - 12));
        assert_eq!(r.period_start, Some(date!(2023 - 09 - 01)));
        assert_eq!(r.source.form, None);
        assert_eq!(
            r.source.accession.as_ref().unwrap().as_str(),
            "0000950170-23-069682"
        );
        let d = r.source.derivation.as_ref().unwrap();
        assert_eq!(d["formula"], "Q2 = 6M - 3M");
        assert_eq!(d["inputs"][0]["value"], 2_394_000_000i64);
        assert_eq!(d["inputs"][0]["form"], serde_json::Value::Null);
        assert_eq!(d["inputs"][1]["accession"], "0000950170-23-047713");
        assert!(d["inputs"][1]["relayed_from"]
            .as_str()
            .unwrap()
            .starts_with("ccesm/world-inflation-lens@40e7923"));
        assert!(r.source.text.starts_with("Q2 = 6M - 3M: 2394000000 - 1314000000 = 1080000000 (us-gaap:PaymentsToAcquirePropertyPlantAndEquipment 0000950170-23-069682 filed 2023-12-12, observations CSV line "), "{}", r.source.text);
        assert!(r
            .source
            .text
            .contains("; SEC company-facts observations relayed by ccesm/world-inflation-lens@"));
    }
}
