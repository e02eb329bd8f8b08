//! Loading a company's current facts: one query per company, cached in
//! memory until the store generation ([`crate::generation`]) moves, which
//! every committed write advances, on any server instance.

use crate::generation::StoreGeneration;
use domain::analytics::{CompanyFacts, FactPoint, KnownFact};
use domain::provenance::SourceColumns;
use domain::{FiscalPeriod, Metric, SourceKind, Ticker};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// A company with its current facts, ready for the analytics.
#[derive(Debug, Clone)]
pub struct Company {
    pub name: String,
    pub cik: Option<i64>,
    pub facts: CompanyFacts,
}

/// Per ticker: the store generation it was loaded at, and the company.
type Entries = HashMap<String, (i64, Arc<Company>)>;

/// Companies' current facts, kept until the store generation moves.
#[derive(Debug, Clone)]
pub struct FactsCache {
    generation: StoreGeneration,
    inner: Arc<RwLock<Entries>>,
    /// One load at a time per ticker: a burst of requests for a company
    /// that is not cached (after a write, or at start) waits for one query
    /// instead of sending one each and taking every pooled connection.
    loading: Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl FactsCache {
    pub fn new(generation: StoreGeneration) -> Self {
        Self {
            generation,
            inner: Arc::default(),
            loading: Arc::default(),
        }
    }

    fn cached(&self, ticker: &Ticker, generation: i64) -> Option<Arc<Company>> {
        self.inner
            .read()
            .ok()
            .and_then(|m| m.get(ticker.as_str()).cloned())
            .filter(|(g, _)| *g == generation)
            .map(|(_, company)| company)
    }

    /// The company's current facts, from the cache when nothing changed
    /// (then, with the generation followed, without a query).
    pub async fn get(
        &self,
        pool: &PgPool,
        ticker: &Ticker,
    ) -> Result<Option<Arc<Company>>, sqlx::Error> {
        // Read before the facts: what is loaded is at least this new.
        let generation = self.generation.current().await?;
        if let Some(company) = self.cached(ticker, generation) {
            return Ok(Some(company));
        }
        let gate = self
            .loading
            .lock()
            .map(|mut m| m.entry(ticker.as_str().to_string()).or_default().clone())
            .unwrap_or_default();
        let _loading = gate.lock().await;
        // Whoever held the gate before may have loaded it.
        if let Some(company) = self.cached(ticker, generation) {
            return Ok(Some(company));
        }
        let Some(company) = load(pool, ticker).await? else {
            return Ok(None);
        };
        let company = Arc::new(company);
        if let Ok(mut map) = self.inner.write() {
            map.insert(ticker.as_str().to_string(), (generation, company.clone()));
        }
        Ok(Some(company))
    }
}

/// Every company's ticker, in order.
pub async fn tickers(pool: &PgPool) -> Result<Vec<Ticker>, sqlx::Error> {
    let rows = sqlx::query_scalar!("SELECT ticker FROM companies ORDER BY ticker")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|t| Ticker::parse(&t).ok())
        .collect())
}

struct CurrentFactRow {
    id: Option<i64>,
    metric: Option<String>,
    fiscal_year: Option<i16>,
    fiscal_quarter: Option<i16>,
    period_start: Option<time::Date>,
    period_end: Option<time::Date>,
    value: Option<rust_decimal::Decimal>,
    source_kind: Option<String>,
    form: Option<String>,
    accession: Option<String>,
    filed_date: Option<time::Date>,
    source_url: Option<String>,
    entered_by: Option<String>,
    /// For derived values: the formula and its inputs, as recorded.
    formula: Option<String>,
    note: Option<String>,
    known_at: Option<time::Date>,
}

/// Loads the company, all its current facts and its guidance history (three
/// small queries).
pub async fn load(pool: &PgPool, ticker: &Ticker) -> Result<Option<Company>, sqlx::Error> {
    load_at(pool, ticker, None).await
}

/// The company's facts as the store held them at `at` (versions recorded up
/// to then), and whether anything newer was recorded since.
pub async fn load_as_of(
    pool: &PgPool,
    ticker: &Ticker,
    at: time::OffsetDateTime,
) -> Result<(Option<Company>, bool), sqlx::Error> {
    let company = load_at(pool, ticker, Some(at)).await?;
    let newer = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM fact_versions WHERE ticker = $1 AND recorded_at > $2) AS "newer!""#,
        ticker.as_str(),
        at
    )
    .fetch_one(pool)
    .await?;
    Ok((company, newer))
}

async fn load_at(
    pool: &PgPool,
    ticker: &Ticker,
    at: Option<time::OffsetDateTime>,
) -> Result<Option<Company>, sqlx::Error> {
    let Some(company) = sqlx::query!(
        "SELECT ticker, name, cik, fiscal_year_end_month, nets_capex_proceeds FROM companies WHERE ticker = $1",
        ticker.as_str()
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let rows = sqlx::query_as!(
        CurrentFactRow,
        r#"SELECT DISTINCT ON (metric, fiscal_year, fiscal_quarter)
                  id AS "id?", metric AS "metric?", fiscal_year AS "fiscal_year?",
                  fiscal_quarter AS "fiscal_quarter?", period_start, period_end AS "period_end?",
                  value AS "value?", source_kind::text AS source_kind, form, accession, filed_date,
                  source_url, entered_by,
                  CASE WHEN source_kind = 'derived' THEN source_text END AS formula, note,
                  known_at AS "known_at?"
           FROM fact_versions
           WHERE ticker = $1 AND ($2::timestamptz IS NULL OR recorded_at <= $2)
           ORDER BY metric, fiscal_year, fiscal_quarter, known_at DESC, version DESC"#,
        ticker.as_str(),
        at
    )
    .fetch_all(pool)
    .await?;
    let facts = rows
        .into_iter()
        .filter_map(|r| fact_point(r, company.cik))
        .collect();
    // Guidance moves by statement: every version, each with its day.
    let guided: Vec<String> = [Metric::CapexGuidanceLow, Metric::CapexGuidanceHigh]
        .iter()
        .map(|m| m.key().to_string())
        .collect();
    let history = sqlx::query_as!(
        CurrentFactRow,
        r#"SELECT id AS "id?", metric AS "metric?", fiscal_year AS "fiscal_year?",
                  fiscal_quarter AS "fiscal_quarter?", period_start, period_end AS "period_end?",
                  value AS "value?", source_kind::text AS source_kind, form, accession, filed_date,
                  source_url, entered_by, NULL::text AS formula, note, known_at AS "known_at?"
           FROM fact_versions
           WHERE ticker = $1 AND metric = ANY($3) AND ($2::timestamptz IS NULL OR recorded_at <= $2)
           ORDER BY known_at, version"#,
        ticker.as_str(),
        at,
        &guided
    )
    .fetch_all(pool)
    .await?;
    let guidance_history = history
        .into_iter()
        .filter_map(|r| {
            let known_at = r.known_at?;
            Some(KnownFact {
                known_at,
                fact: fact_point(r, company.cik)?,
            })
        })
        .collect();
    Ok(Some(Company {
        name: company.name,
        cik: company.cik,
        facts: CompanyFacts {
            ticker: company.ticker,
            fiscal_year_end_month: u8::try_from(company.fiscal_year_end_month).unwrap_or(12),
            nets_capex_proceeds: company.nets_capex_proceeds,
            facts,
            guidance_history,
        },
    }))
}

/// The period of a row's `fiscal_year` and `fiscal_quarter` (0: the full year).
pub(crate) fn period_of(fiscal_year: i16, fiscal_quarter: i16) -> Option<FiscalPeriod> {
    let fy = i32::from(fiscal_year);
    match u8::try_from(fiscal_quarter).ok()? {
        0 => FiscalPeriod::year(fy).ok(),
        q => FiscalPeriod::quarter(fy, q).ok(),
    }
}

fn fact_point(r: CurrentFactRow, cik: Option<i64>) -> Option<FactPoint> {
    let metric = Metric::parse(r.metric.as_deref()?).ok()?;
    let period = period_of(r.fiscal_year?, r.fiscal_quarter?)?;
    let kind = r
        .source_kind
        .as_deref()
        .and_then(|k| k.parse::<SourceKind>().ok());
    let source = SourceColumns {
        kind,
        form: r.form.as_deref(),
        accession: r.accession.as_deref(),
        filed: r.filed_date,
        url: r.source_url.as_deref(),
        cik,
    }
    .describe(r.id?);
    let kind = source.kind;
    // The facts are cached for everyone: the author as the public sees it.
    let label = match (&r.entered_by, kind) {
        (Some(who), SourceKind::Analyst) => match r.note.as_deref().map(str::trim) {
            Some(note) if !note.is_empty() => format!(
                "{} by {} ({note})",
                source.label,
                domain::entry::public_author(who)
            ),
            _ => format!("{} by {}", source.label, domain::entry::public_author(who)),
        },
        (_, SourceKind::Derived) => match r.formula.as_deref().map(str::trim) {
            Some(formula) if !formula.is_empty() => {
                format!("{} · {}", source.label, clip(formula, 400))
            }
            _ => source.label,
        },
        _ => source.label,
    };
    Some(FactPoint {
        metric,
        period,
        period_start: r.period_start,
        period_end: r.period_end?,
        value: r.value?,
        provenance: domain::Provenance { label, ..source },
    })
}

/// At most `max` characters of `text`, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}
