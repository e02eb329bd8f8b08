//! The bundled real data in `data/bundled/` (see its SOURCES.md), loaded on
//! every start. Loading is idempotent: values already stored are counted as
//! unchanged and nothing is written twice. Each company is one transaction.
//!
//! The quarterly CSV files name metrics their own way; [`metric_for`] maps them
//! to the stored metrics and says why a row is skipped.

use anyhow::Context;
use domain::SourceKind;
use domain::{AccessionNumber, Cik, FiscalPeriod, Metric, Ticker};
use rust_decimal::Decimal;
use serde::Deserialize;
use sqlx::PgPool;
use std::collections::BTreeMap;
use std::path::Path;
use store::{self, ApplyReport, CompanyRecord, FactRecord, Source};
use time::{macros::format_description, Date};

/// SEC XBRL company-facts files, imported through the EDGAR importer's path.
pub const EDGAR_FILES: &[&str] = &[
    "edgar/companyfacts_CIK0001652044.json",
    "edgar/companyfacts_CIK0001045810.json",
    "edgar/companyfacts_CIK0000789019_subset.json",
];

/// SEC company-facts observations relayed as CSV (every vintage of Meta's and
/// Oracle's capex and Oracle's operating cash flow), imported through the same
/// mapping and versioning as the JSON, after the JSON files.
pub const OBSERVATION_FILES: &[&str] = &["edgar/xbrl-observations-meta-orcl.csv"];

/// The quarterly files, in load order.
pub const QUARTERLY_FILES: &[&str] = &[
    "filings-quarterly.csv",
    "filings-quarterly-msft-meta.csv",
    "filings-quarterly-meta-orcl-msft.csv",
    "filings-quarterly-segments-costs.csv",
    "filings-quarterly-oracle.csv",
];

/// Full-year and year-to-date files: the totals the quarterly files were
/// derived from, read only as cross-checks (a test sums the quarters).
pub const CROSS_CHECK_FILES: &[&str] =
    &["filings-annual-ytd.csv", "filings-annual-ytd-additions.csv"];

#[derive(Debug, Deserialize)]
struct CompanyRow {
    ticker: String,
    name: String,
    cik: String,
    fiscal_year_end_month: u8,
    nets_capex_proceeds: bool,
}

#[derive(Debug, Deserialize)]
struct QuarterRow {
    ticker: String,
    fiscal_year: i32,
    fiscal_quarter: String,
    period_start: String,
    period_end: String,
    metric: String,
    value_usd: String,
    source: String,
}

/// What loading one file did for one company.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub applied: ApplyReport,
    /// Rows not loaded, by reason.
    pub skipped: BTreeMap<String, usize>,
}

/// Reads `companies.csv`.
pub fn read_companies(dir: &Path) -> anyhow::Result<Vec<CompanyRecord>> {
    let path = dir.join("companies.csv");
    let mut reader =
        csv::Reader::from_path(&path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = Vec::new();
    for (i, row) in reader.deserialize::<CompanyRow>().enumerate() {
        let row = row.with_context(|| format!("{} row {}", path.display(), i + 2))?;
        out.push(CompanyRecord {
            ticker: Ticker::parse(&row.ticker)?,
            name: row.name,
            cik: Some(Cik::parse(&row.cik)?),
            fiscal_year_end_month: row.fiscal_year_end_month,
            nets_capex_proceeds: row.nets_capex_proceeds,
        });
    }
    Ok(out)
}

/// Loads companies and the quarterly CSV files. Returns a report per file and company.
pub async fn load(pool: &PgPool, dir: &Path) -> anyhow::Result<Vec<(String, String, LoadReport)>> {
    let companies = read_companies(dir)?;
    let mut tx = pool.begin().await?;
    for c in &companies {
        store::upsert_company(&mut tx, c).await?;
    }
    // The bundled companies are kept current from EDGAR (when the sync is
    // on), unless an admin stopped tracking one.
    let with_cik: Vec<String> = companies
        .iter()
        .filter(|c| c.cik.is_some())
        .map(|c| c.ticker.to_string())
        .collect();
    store::sync::track_unless_decided(&mut tx, &with_cik).await?;
    tx.commit().await?;

    let mut reports = Vec::new();
    for file in EDGAR_FILES {
        let path = dir.join(file);
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let report = crate::edgar::import_company_facts_with(
            pool,
            &bytes,
            &crate::edgar::ImportOptions::default(),
        )
        .await
        .with_context(|| format!("importing {}", path.display()))?;
        let ticker = report.ticker.clone();
        let applied = ApplyReport {
            new: report.new,
            changed: report.changed,
            history: report.history,
            unchanged: report.unchanged,
        };
        tracing::info!(company.ticker = %ticker, file, new = applied.new, changed = applied.changed,
            unchanged = applied.unchanged, "bundled company facts loaded");
        reports.push((
            file.to_string(),
            ticker,
            LoadReport {
                applied,
                skipped: report.skipped,
            },
        ));
    }
    for file in OBSERVATION_FILES {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let imported = crate::edgar::observations::import_observations_csv(pool, &text, false)
            .await
            .with_context(|| format!("importing {}", path.display()))?;
        for report in imported {
            let applied = ApplyReport {
                new: report.new,
                changed: report.changed,
                history: report.history,
                unchanged: report.unchanged,
            };
            tracing::info!(company.ticker = %report.ticker, file, new = applied.new, changed = applied.changed,
                unchanged = applied.unchanged, "bundled observations loaded");
            reports.push((
                file.to_string(),
                report.ticker,
                LoadReport {
                    applied,
                    skipped: report.skipped,
                },
            ));
        }
    }
    reports.extend(load_disclosures(pool, dir).await?);
    let mut components = Components::default();
    for file in QUARTERLY_FILES {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let (by_company, skipped) = parse_quarterly_into(&text, &mut components)
            .with_context(|| format!("parsing {}", path.display()))?;
        for (ticker, records) in by_company {
            let report = apply_company(pool, &ticker, &records, file).await?;
            let skipped = skipped.get(ticker.as_str()).cloned().unwrap_or_default();
            reports.push((
                file.to_string(),
                ticker.to_string(),
                LoadReport {
                    applied: report,
                    skipped,
                },
            ));
        }
    }
    for (ticker, records) in components.derive_totals() {
        let applied = apply_company(pool, &ticker, &records, DERIVED_TOTALS).await?;
        reports.push((
            DERIVED_TOTALS.to_string(),
            ticker.to_string(),
            LoadReport {
                applied,
                skipped: BTreeMap::new(),
            },
        ));
    }
    Ok(reports)
}

/// The name reports give the totals Capex Lens derives from bundled parts.
pub const DERIVED_TOTALS: &str = "derived: depreciation + amortization of intangibles";

/// One company's records in one transaction.
async fn apply_company(
    pool: &PgPool,
    ticker: &Ticker,
    records: &[FactRecord],
    file: &str,
) -> anyhow::Result<ApplyReport> {
    let mut tx = pool.begin().await?;
    let applied = store::apply_facts(&mut tx, ticker, records)
        .await
        .with_context(|| format!("loading {ticker} from {file}"))?;
    tx.commit().await?;
    tracing::info!(company.ticker = %ticker, file, new = applied.new, changed = applied.changed,
        unchanged = applied.unchanged, "bundled data loaded");
    Ok(applied)
}

/// The parts of depreciation and amortization that some releases print as
/// separate lines (Oracle: `depreciation`, `amortization_of_intangibles`),
/// gathered across every quarterly file, and the quarters that already have a
/// reported total. [`Components::derive_totals`] adds the two parts where both
/// exist and no total does: a derived value naming both inputs, never a guess.
#[derive(Debug, Default)]
pub struct Components {
    parts: BTreeMap<(Ticker, FiscalPeriod), Parts>,
    totals: std::collections::BTreeSet<(Ticker, FiscalPeriod)>,
}

#[derive(Debug, Default)]
struct Parts {
    depreciation: Option<FactRecord>,
    amortization: Option<FactRecord>,
}

impl Components {
    fn note_total(&mut self, r: &FactRecord) {
        if r.metric == Metric::DepreciationAmortization {
            self.totals.insert((r.ticker.clone(), r.period));
        }
    }

    fn add_part(&mut self, name: &str, r: FactRecord) {
        let parts = self.parts.entry((r.ticker.clone(), r.period)).or_default();
        let slot = if name == "depreciation" {
            &mut parts.depreciation
        } else {
            &mut parts.amortization
        };
        // The first file in load order wins; the files do not repeat a part.
        slot.get_or_insert(r);
    }

    /// Derived totals per company, for quarters with both parts and no reported total.
    pub fn derive_totals(self) -> BTreeMap<Ticker, Vec<FactRecord>> {
        let mut out: BTreeMap<Ticker, Vec<FactRecord>> = BTreeMap::new();
        for ((ticker, period), parts) in self.parts {
            if self.totals.contains(&(ticker.clone(), period)) {
                continue;
            }
            let (Some(d), Some(a)) = (parts.depreciation, parts.amortization) else {
                continue;
            };
            let text = format!(
                "DERIVED = Depreciation {} ({}) + Amortization of intangible assets {} ({})",
                d.value, d.source.text, a.value, a.source.text
            );
            let known_at = d.known_at.max(a.known_at);
            out.entry(ticker.clone()).or_default().push(FactRecord {
                ticker,
                metric: Metric::DepreciationAmortization,
                period,
                period_start: d.period_start.or(a.period_start),
                period_end: d.period_end,
                value: d.value + a.value,
                unit: "USD",
                known_at,
                source: Source {
                    kind: SourceKind::Derived,
                    form: d.source.form.clone().or_else(|| a.source.form.clone()),
                    accession: d.source.accession.clone().or_else(|| a.source.accession.clone()),
                    filed_date: d.source.filed_date.max(a.source.filed_date),
                    url: d.source.url.clone().or_else(|| a.source.url.clone()),
                    derivation: Some(serde_json::json!({
                        "formula": "depreciation + amortization_of_intangibles",
                        "inputs": [
                            { "line": "depreciation", "value": d.value.to_string(), "source": d.source.text },
                            { "line": "amortization_of_intangibles", "value": a.value.to_string(), "source": a.source.text },
                        ],
                    })),
                    text,
                    entered_by: None,
                },
                note: Some("depreciation + amortization of intangibles, both as printed in the release (no total line)".into()),
            });
        }
        out
    }
}

/// Who the bundled disclosures are entered as: the first analyst entries.
pub const DISCLOSURES_AUTHOR: &str = "bundled data (data/bundled/disclosures.csv)";

#[derive(Debug, Deserialize)]
struct DisclosureRow {
    ticker: String,
    topic: String,
    metric: String,
    value: String,
    unit: String,
    fiscal_period: String,
    period_end: String,
    statement_date: String,
    source_url: String,
    source_kind: String,
    note: String,
}

/// Loads `disclosures.csv` (statements filings do not tag) as analyst entries
/// known at the date they were made: AI revenue run-rates, capex guidance and
/// remaining performance obligations. Other topics (growth rates, useful lives,
/// segment backlogs) are reported as skipped with the reason.
pub async fn load_disclosures(
    pool: &PgPool,
    dir: &Path,
) -> anyhow::Result<Vec<(String, String, LoadReport)>> {
    let path = dir.join("disclosures.csv");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let (by_company, skipped) =
        parse_disclosures(&text).with_context(|| format!("parsing {}", path.display()))?;
    let mut reports = Vec::new();
    for (ticker, records) in by_company {
        let mut tx = pool.begin().await?;
        let applied = store::apply_facts(&mut tx, &ticker, &records).await?;
        tx.commit().await?;
        let skipped = skipped.get(ticker.as_str()).cloned().unwrap_or_default();
        reports.push((
            "disclosures.csv".to_string(),
            ticker.to_string(),
            LoadReport { applied, skipped },
        ));
    }
    Ok(reports)
}

/// Parses the disclosures file into analyst records per company and skip reasons.
pub fn parse_disclosures(text: &str) -> anyhow::Result<Parsed> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out: BTreeMap<Ticker, Vec<FactRecord>> = BTreeMap::new();
    let mut skipped: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (i, row) in reader.deserialize::<DisclosureRow>().enumerate() {
        let row = row.with_context(|| format!("row {}", i + 2))?;
        match disclosure_records(&row).with_context(|| format!("row {}", i + 2))? {
            Ok(records) => out
                .entry(Ticker::parse(&row.ticker)?)
                .or_default()
                .extend(records),
            Err(reason) => {
                *skipped
                    .entry(row.ticker.clone())
                    .or_default()
                    .entry(reason)
                    .or_default() += 1
            }
        }
    }
    Ok((out, skipped))
}

type Disclosure = Result<Vec<FactRecord>, String>;

fn disclosure_records(row: &DisclosureRow) -> anyhow::Result<Disclosure> {
    let metrics: &[Metric] = match row.topic.as_str() {
        "ai_run_rate" if row.unit == "USD bn" && row.metric.contains("expected") => {
            return Ok(Err(
                "a forward-looking run-rate statement, not a reported run-rate".into(),
            ))
        }
        "ai_run_rate" if row.unit == "USD bn" => &[Metric::AiRevenueRunRate],
        "capex_guidance" => &[Metric::CapexGuidanceLow, Metric::CapexGuidanceHigh],
        "backlog" if row.metric.starts_with("Remaining performance obligations") => &[Metric::Rpo],
        "backlog" => {
            return Ok(Err(
                "a segment or commercial backlog; the company's RPO comes from its filings".into(),
            ))
        }
        "useful_life" => {
            return Ok(Err(
                "useful lives are assumptions of the depreciation wave, not stored facts".into(),
            ))
        }
        other => {
            return Ok(Err(format!(
                "{other}: a growth rate or repeat of a filed figure, not a stored disclosure"
            )))
        }
    };
    let ticker = Ticker::parse(&row.ticker)?;
    let period = parse_disclosure_period(&row.fiscal_period)
        .with_context(|| format!("fiscal period {:?}", row.fiscal_period))?;
    let period_end = parse_date(&row.period_end)?;
    let known_at = parse_date(&row.statement_date)?;
    let (low, high) = match row.value.split_once('-') {
        Some((lo, hi)) => (lo.trim(), hi.trim()),
        None => (row.value.trim(), row.value.trim()),
    };
    let billion = Decimal::from(1_000_000_000_i64);
    let mut records = Vec::new();
    for (metric, raw) in metrics.iter().zip([low, high]) {
        let value: Decimal = raw.parse().with_context(|| format!("value {raw:?}"))?;
        records.push(FactRecord {
            ticker: ticker.clone(),
            metric: *metric,
            period,
            period_start: None,
            period_end,
            value: value * billion,
            unit: "USD",
            known_at,
            source: Source {
                kind: SourceKind::Analyst,
                form: None,
                accession: find_accessions(&row.source_kind).into_iter().next(),
                filed_date: None,
                url: Some(row.source_url.clone()),
                text: format!(
                    "{} ({}): {} {}",
                    row.metric, row.source_kind, row.value, row.unit
                ),
                derivation: None,
                entered_by: Some(DISCLOSURES_AUTHOR.to_string()),
            },
            note: (!row.note.is_empty()).then(|| row.note.clone()),
        });
    }
    Ok(Ok(records))
}

/// `FY2026 Q3`, `FY2026` (a full year, for guidance), or `Q1 2026`.
fn parse_disclosure_period(raw: &str) -> anyhow::Result<FiscalPeriod> {
    let first: String = raw.split(" (").next().unwrap_or(raw).trim().to_string();
    let normalised = match first.split_once(' ') {
        Some((q, y)) if q.starts_with('Q') && y.len() == 4 => format!("FY{y} {q}"),
        _ => first,
    };
    Ok(FiscalPeriod::parse(&normalised)?)
}

type Parsed = (
    BTreeMap<Ticker, Vec<FactRecord>>,
    BTreeMap<String, BTreeMap<String, usize>>,
);

/// Parses a quarterly file into records per company and skip reasons.
pub fn parse_quarterly(text: &str) -> anyhow::Result<Parsed> {
    parse_quarterly_into(text, &mut Components::default())
}

/// [`parse_quarterly`], gathering the parts of derived totals into `components`.
pub fn parse_quarterly_into(text: &str, components: &mut Components) -> anyhow::Result<Parsed> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out: BTreeMap<Ticker, Vec<FactRecord>> = BTreeMap::new();
    let mut skipped: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (i, row) in reader.deserialize::<QuarterRow>().enumerate() {
        let line = i + 2;
        let row = row.with_context(|| format!("row {line}"))?;
        let (metric, note) = match metric_for(&row.metric) {
            Ok(m) => m,
            Err(reason) => {
                if reason == COMPONENT_REASON {
                    // Read like any row, so a malformed part is an error too.
                    let part = record_from_row(&row, Metric::DepreciationAmortization, None)
                        .with_context(|| format!("row {line}"))?;
                    components.add_part(&row.metric, part);
                }
                *skipped
                    .entry(row.ticker.clone())
                    .or_default()
                    .entry(reason)
                    .or_default() += 1;
                continue;
            }
        };
        let record = record_from_row(&row, metric, note).with_context(|| format!("row {line}"))?;
        components.note_total(&record);
        out.entry(record.ticker.clone()).or_default().push(record);
    }
    Ok((out, skipped))
}

/// Maps a bundled file's metric name to a stored metric (and a note saying
/// which line it is), or gives the reason it is not stored. This is the
/// mapping table: every name in the bundled files is in it, one way or the
/// other (a test fails on a name that is neither).
pub fn metric_for(name: &str) -> Result<(Metric, Option<&'static str>), String> {
    Ok(match name {
        "revenue" => (Metric::Revenue, None),
        "cost_of_revenue" => (Metric::CostOfRevenue, None),
        "operating_income" => (Metric::OperatingIncome, None),
        "net_income" => (Metric::NetIncome, None),
        "operating_cash_flow" => (Metric::OperatingCashFlow, None),
        "capex" | "capex_purchases_of_property_and_equipment" => (Metric::Capex, None),
        "capex_additions_to_property_and_equipment" => (
            Metric::Capex,
            Some("Microsoft's line: additions to property and equipment"),
        ),
        "depreciation_amortization" | "depreciation_and_amortization" => {
            (Metric::DepreciationAmortization, None)
        }
        "depreciation_amortization_and_other" => (
            Metric::DepreciationAmortization,
            Some("Microsoft's line: depreciation, amortization, and other"),
        ),
        "finance_lease_principal_payments" | "principal_payments_on_finance_leases" => {
            (Metric::FinanceLeasePrincipal, None)
        }
        "ppe_sales_proceeds_and_incentives" => (
            Metric::CapexProceeds,
            Some("Amazon: proceeds from property and equipment sales and incentives"),
        ),
        "ppe_gross" => (Metric::PpeGross, None),
        "ppe_net" => (Metric::PpeNet, None),
        "rpo" => (Metric::Rpo, None),
        "commercial_remaining_performance_obligation" => (
            Metric::Rpo,
            Some("Microsoft's commercial remaining performance obligation"),
        ),
        "cloud_revenue" => (
            Metric::CloudRevenue,
            Some("Oracle cloud services revenue (the FY2026 caption; FY2025 quarters recast to it)"),
        ),
        "aws_segment_net_sales" => (Metric::CloudRevenue, Some("AWS segment net sales")),
        "google_cloud_revenue" => (Metric::CloudRevenue, Some("Google Cloud segment revenue")),
        "intelligent_cloud_segment_revenue_fy25basis" => (
            Metric::CloudRevenue,
            Some("Microsoft Intelligent Cloud segment revenue, FY2025 segment basis (FY2025 quarters recast)"),
        ),
        "aws_ai_annual_run_rate_lower_bound" => (
            Metric::AiRevenueRunRate,
            Some("AWS AI business annual revenue run-rate, stated as a lower bound ('exceeded')"),
        ),
        "capex_net_of_proceeds" => {
            return Err("derived by Capex Lens from capex and capex_proceeds".into())
        }
        "microsoft_cloud_revenue" => {
            return Err("Microsoft Cloud (also Office 365 commercial, Dynamics, LinkedIn): the Intelligent Cloud segment is the cloud line stored, on one segment basis".into())
        }
        "intelligent_cloud_segment_revenue" => {
            return Err("Intelligent Cloud on the segment basis before FY2025: only the FY2025 basis is stored as cloud revenue, so growth is never computed across the break".into())
        }
        "cloud_services_and_license_support_revenue" => {
            return Err("Oracle's caption before FY2026 (cloud services and license support): a different basis from the cloud revenue stored, so growth is never computed across the break".into())
        }
        "oci_iaas_revenue_rounded" => {
            return Err("Oracle Cloud Infrastructure revenue, rounded in the releases: a part of the cloud revenue stored".into())
        }
        "depreciation" | "amortization_of_intangibles" => {
            return Err(COMPONENT_REASON.into())
        }
        "capex_incl_principal_payments_on_finance_leases" => {
            return Err("capex including finance-lease principal: stored as its two parts".into())
        }
        "free_cash_flow_as_reported" => {
            return Err("company-reported FCF: Capex Lens computes FCF".into())
        }
        "net_income_available_to_common" => {
            return Err("net income after preferred dividends: net income is the metric stored".into())
        }
        "total_assets" => {
            return Err("total assets: not a methodology metric (asset turnover uses property and equipment)".into())
        }
        "google_cloud_rpo_backlog" => {
            return Err("a segment backlog; the company's RPO comes from its filings".into())
        }
        "commercial_rpo" => {
            return Err("the same $678B commercial RPO at FY2026 Q4 is stored from the 10-K (commercial_remaining_performance_obligation)".into())
        }
        "ai_revenue_annual_run_rate_lower_bound" => {
            return Err("the same $37B run-rate statement is loaded from disclosures.csv".into())
        }
        other if other.starts_with("revenue_line_") => {
            return Err("a revenue line of Oracle's release: total revenue is the metric stored".into())
        }
        other if other.starts_with("opex_") => {
            return Err("an Oracle expense line: Oracle prints no single cost of revenue, and Capex Lens does not add expense lines into one".into())
        }
        other => return Err(format!("unknown metric {other}")),
    })
}

/// Why `depreciation` and `amortization_of_intangibles` rows are not stored
/// as such: they are the two inputs of a derived total.
const COMPONENT_REASON: &str = "a part of depreciation and amortization: the total is derived as depreciation + amortization of intangibles where no total is reported";

fn record_from_row(
    row: &QuarterRow,
    metric: Metric,
    note: Option<&str>,
) -> anyhow::Result<FactRecord> {
    let ticker = Ticker::parse(&row.ticker)?;
    let quarter: u8 = row
        .fiscal_quarter
        .trim()
        .strip_prefix('Q')
        .and_then(|q| q.parse().ok())
        .with_context(|| format!("fiscal quarter {:?}", row.fiscal_quarter))?;
    let period = FiscalPeriod::quarter(row.fiscal_year, quarter)?;
    let period_end = parse_date(&row.period_end)?;
    let period_start = match row.period_start.trim() {
        "" => None,
        s => Some(parse_date(s)?),
    };
    let value: Decimal = row
        .value_usd
        .trim()
        .parse()
        .with_context(|| format!("value {:?}", row.value_usd))?;
    let source = parse_source(&row.source);
    let mut notes: Vec<String> = note.map(str::to_string).into_iter().collect();
    // The filing date is when the value became known; where the source does not
    // state it, the period end is the honest lower bound and the note says so.
    let known_at = match source.filed_date {
        Some(d) => d,
        None => {
            notes.push(
                "filing date not stated in the source; known-at set to the period end".into(),
            );
            period_end
        }
    };
    Ok(FactRecord {
        ticker,
        metric,
        period,
        period_start: if metric.kind() == domain::MetricKind::Instant {
            None
        } else {
            period_start
        },
        period_end,
        value,
        unit: "USD",
        known_at,
        source,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    })
}

fn parse_date(s: &str) -> anyhow::Result<Date> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]"))
        .with_context(|| format!("date {s:?}"))
}

/// Reads provenance out of a source note as written in the bundled files:
/// its kind (REPORTED, DERIVED, SECONDARY), the form, the accession number,
/// the filing date and a URL where one is given. For derived values the
/// filing date is the latest one named (the 10-K of a Q4 = FY − 9M).
pub fn parse_source(text: &str) -> Source {
    let trimmed = text.trim();
    let kind = if trimmed.starts_with("SECONDARY") {
        SourceKind::Secondary
    } else if trimmed.starts_with("DERIVED") || trimmed.contains("DERIVED =") {
        SourceKind::Derived
    } else {
        SourceKind::Filing
    };
    // A note on later vintages ("first-reported vintage; later vintage(s)
    // differ: … filed 2024-04-25") names filings that restated the value, not
    // the one it was read in: it does not date the value.
    // The same for a trailing "NOTE: … restated … in 10-K … filed 2025-01-30".
    let own = ["later vintage", "NOTE:"]
        .iter()
        .filter_map(|marker| trimmed.find(marker))
        .min()
        .map_or(trimmed, |i| &trimmed[..i]);
    let accession = find_accessions(own).into_iter().next();
    let filed_date = find_filed_dates(own).into_iter().max();
    let form = ["10-K/A", "10-Q/A", "10-K", "10-Q", "8-K"]
        .into_iter()
        .find(|f| trimmed.contains(f))
        .map(str::to_string);
    let url = trimmed
        .split_whitespace()
        .find(|w| w.starts_with("https://") || w.starts_with("http://"))
        .map(|w| {
            w.trim_end_matches([',', ';', ')', '.', '\'', '"'])
                .to_string()
        });
    let derivation =
        (kind == SourceKind::Derived).then(|| serde_json::json!({ "formula": trimmed }));
    Source {
        kind,
        form,
        accession,
        filed_date,
        url,
        text: trimmed.to_string(),
        derivation,
        entered_by: None,
    }
}

fn find_accessions(text: &str) -> Vec<AccessionNumber> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .filter_map(|w| AccessionNumber::parse(w).ok())
        .collect()
}

/// Dates written after "filed": `filed 2026-04-30` or `filed 5/1/2025`.
fn find_filed_dates(text: &str) -> Vec<Date> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("filed ").or_else(|| rest.find("dated ")) {
        rest = &rest[i + 6..];
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-' || *c == '/')
            .collect();
        if let Ok(d) = parse_date(&word) {
            out.push(d);
        } else if let Ok(d) = Date::parse(
            &word,
            format_description!("[month padding:none]/[day padding:none]/[year]"),
        ) {
            out.push(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_reported_row_keeps_its_filing() {
        let s = parse_source("REPORTED us-gaap:PaymentsToAcquireProductiveAssets 2026-01-01..2026-03-31; 10-Q accn 0001018724-26-000014 filed 2026-04-30 (fy2026 Q1); via SEC companyfacts JSON");
        assert_eq!(s.kind, SourceKind::Filing);
        assert_eq!(s.form.as_deref(), Some("10-Q"));
        assert_eq!(s.accession.unwrap().as_str(), "0001018724-26-000014");
        assert_eq!(s.filed_date, Some(date!(2026 - 04 - 30)));
    }

    #[test]
    fn a_derived_q4_is_known_when_the_10k_was_filed() {
        let s = parse_source("DERIVED = FY 131819000000 (10-K accn 0001018724-26-000004 filed 2026-02-06) - 9M YTD 92297000000 (10-Q accn 0001018724-25-000123 filed 2025-10-31); us-gaap:PaymentsToAcquireProductiveAssets");
        assert_eq!(s.kind, SourceKind::Derived);
        assert_eq!(s.filed_date, Some(date!(2026 - 02 - 06)));
        assert_eq!(s.accession.unwrap().as_str(), "0001018724-26-000004");
        assert!(s.derivation.is_some());
    }

    #[test]
    fn secondary_sources_are_marked_and_keep_their_address() {
        let s = parse_source("SECONDARY (aggregator, not a filing): https://stockanalysis.com/stocks/meta/financials/cash-flow-statement/?p=quarterly quarterly table");
        assert_eq!(s.kind, SourceKind::Secondary);
        assert_eq!(
            s.url.as_deref(),
            Some(
                "https://stockanalysis.com/stocks/meta/financials/cash-flow-statement/?p=quarterly"
            )
        );
    }

    #[test]
    fn american_style_filing_dates_are_read() {
        let s = parse_source("REPORTED balance sheet in the render of META 10-Q filed 5/1/2025 (period Mar. 31, 2025)");
        assert_eq!(s.filed_date, Some(date!(2025 - 05 - 01)));
    }

    #[test]
    fn disclosures_become_analyst_entries_known_when_stated() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/bundled");
        let text = std::fs::read_to_string(dir.join("disclosures.csv")).unwrap();

        let (records, skipped) = parse_disclosures(&text).unwrap();

        // Meta raised its FY2026 capex guidance to $125-145B on 2026-04-29.
        let meta = &records[&Ticker::parse("META").unwrap()];
        let raised: Vec<_> = meta
            .iter()
            .filter(|r| r.known_at == date!(2026 - 04 - 29))
            .collect();
        assert_eq!(raised.len(), 2);
        assert_eq!(raised[0].metric, Metric::CapexGuidanceLow);
        assert_eq!(raised[0].value, Decimal::from(125_000_000_000_i64));
        assert_eq!(raised[1].value, Decimal::from(145_000_000_000_i64));
        assert_eq!(raised[0].period, FiscalPeriod::year(2026).unwrap());
        assert!(raised
            .iter()
            .all(|r| r.source.kind == SourceKind::Analyst && r.source.url.is_some()));
        // Microsoft's $37B AI run-rate at FY26 Q3.
        let msft = &records[&Ticker::parse("MSFT").unwrap()];
        assert!(msft.iter().any(|r| r.metric == Metric::AiRevenueRunRate
            && r.value == Decimal::from(37_000_000_000_i64)
            && r.period == FiscalPeriod::quarter(2026, 3).unwrap()));
        // Useful lives are skipped with a reason, not dropped silently.
        assert!(skipped["AMZN"].keys().any(|k| k.contains("useful lives")));
    }

    #[test]
    fn every_row_of_the_bundled_files_is_loaded_or_skipped_with_a_reason() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/bundled");
        for file in QUARTERLY_FILES {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            let (records, skipped) = parse_quarterly(&text).unwrap();
            let loaded: usize = records.values().map(Vec::len).sum();
            let skipped_n: usize = skipped.values().flat_map(|m| m.values()).sum();
            let rows = csv::Reader::from_reader(text.as_bytes()).records().count();
            assert_eq!(loaded + skipped_n, rows, "{file}");
            assert!(
                skipped
                    .values()
                    .flat_map(|m| m.keys())
                    .all(|r| !r.starts_with("unknown")),
                "{skipped:?}"
            );
        }
    }

    #[test]
    fn no_two_bundled_rows_give_one_key_different_values() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/bundled");
        let mut seen: BTreeMap<(Ticker, Metric, FiscalPeriod), (Decimal, &str)> = BTreeMap::new();
        for file in QUARTERLY_FILES {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            let (records, _) = parse_quarterly(&text).unwrap();
            for r in records.into_values().flatten() {
                let key = (r.ticker.clone(), r.metric, r.period);
                if let Some((v, other)) = seen.get(&key) {
                    assert_eq!(*v, r.value, "{key:?}: {other} and {file} disagree");
                } else {
                    seen.insert(key, (r.value, file));
                }
            }
        }
    }

    #[test]
    fn oracles_depreciation_and_amortization_is_derived_from_its_two_lines_where_no_total_is_printed(
    ) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/bundled");
        let mut components = Components::default();
        let mut reported = Vec::new();
        for file in QUARTERLY_FILES {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            let (records, _) = parse_quarterly_into(&text, &mut components).unwrap();
            reported.extend(records.into_values().flatten().filter(|r| {
                r.ticker.as_str() == "ORCL" && r.metric == Metric::DepreciationAmortization
            }));
        }
        // The two quarters with a printed total are not derived again; the
        // totals there equal the sum of the parts (1,351 + 420 at FY26 Q1).
        assert_eq!(reported.len(), 2);
        let fy26q1 = FiscalPeriod::quarter(2026, 1).unwrap();
        let total = reported.iter().find(|r| r.period == fy26q1).unwrap();
        assert_eq!(total.value, Decimal::from(1_771_000_000_i64));

        let derived = components.derive_totals();
        let orcl = &derived[&Ticker::parse("ORCL").unwrap()];
        assert!(orcl.iter().all(|r| r.period != fy26q1));
        assert!(
            orcl.len() >= 16,
            "FY2022 Q2 – FY2026 Q4 less the printed totals: {}",
            orcl.len()
        );
        let fy25q4 = orcl
            .iter()
            .find(|r| r.period == FiscalPeriod::quarter(2025, 4).unwrap())
            .expect("FY25 Q4 derived");
        assert_eq!(fy25q4.source.kind, SourceKind::Derived);
        assert!(
            fy25q4.source.text.contains("Depreciation")
                && fy25q4.source.text.contains("Amortization")
        );
        // Value = the two parts as printed.
        let parts: Decimal = ["depreciation", "amortization_of_intangibles"]
            .iter()
            .map(|line| {
                let text = fy25q4.source.derivation.as_ref().unwrap()["inputs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|i| i["line"] == *line)
                    .unwrap()["value"]
                    .as_str()
                    .unwrap()
                    .to_string();
                text.parse::<Decimal>().unwrap()
            })
            .sum();
        assert_eq!(fy25q4.value, parts);
    }

    #[test]
    fn a_first_reported_value_is_known_from_its_own_filing_not_a_later_restatement() {
        let s = parse_source("REPORTED us-gaap:PaymentsToAcquirePropertyPlantAndEquipment (purchases of property and equipment) 2023-01-01..2023-03-31; 10-Q accn 0001326801-23-000067 filed 2023-04-27 (first-reported vintage; later vintage(s) differ: 6823000000 in accn 0001326801-24-000049 filed 2024-04-25)");
        assert_eq!(s.filed_date, Some(date!(2023 - 04 - 27)));
        assert_eq!(s.accession.unwrap().as_str(), "0001326801-23-000067");
    }

    #[test]
    fn a_dated_statement_is_known_from_its_date() {
        let s = parse_source("REPORTED (press release) cites https://example.com/release.pdf (CEO statement) dated 2026-07-30");
        assert_eq!(s.filed_date, Some(date!(2026 - 07 - 30)));
    }

    #[test]
    fn amazons_q1_2026_capex_is_read_exactly() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/bundled");
        let text = std::fs::read_to_string(dir.join("filings-quarterly.csv")).unwrap();
        let (records, _) = parse_quarterly(&text).unwrap();
        let amzn = &records[&Ticker::parse("AMZN").unwrap()];
        let capex = amzn
            .iter()
            .find(|r| {
                r.metric == Metric::Capex && r.period == FiscalPeriod::quarter(2026, 1).unwrap()
            })
            .unwrap();
        assert_eq!(capex.value, Decimal::from(44_203_000_000_i64));
        assert_eq!(capex.known_at, date!(2026 - 04 - 30));
    }
}
