//! The audit trail: every change to the store (each fact version, whether
//! from a filing, the importer or an analyst), newest first, filterable by
//! company, metric, user and date. Analysts and admins only: it names the
//! analysts. The same filters export as CSV at `/audit.csv` ([`csv_href`]).

use crate::error::AppError;
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Most rows shown on the page (the CSV export has them all).
pub const PAGE_ROWS: i64 = 500;

/// The filters, as typed (empty: no filter).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub company: Option<String>,
    pub metric: Option<String>,
    pub user: Option<String>,
    /// `YYYY-MM-DD`, inclusive, on the day the change was recorded (UTC).
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
}

impl AuditFilter {
    /// The filters as a query string (`company=MSFT&metric=capex`), empty ones left out.
    pub fn query_string(&self) -> String {
        [
            ("company", &self.company),
            ("metric", &self.metric),
            ("user", &self.user),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter_map(|(k, v)| {
            let v = v.as_deref()?.trim();
            (!v.is_empty()).then(|| format!("{k}={}", encode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The CSV export of what the filters select.
pub fn csv_href(filter: &AuditFilter) -> String {
    let q = filter.query_string();
    if q.is_empty() {
        "/audit.csv".into()
    } else {
        format!("/audit.csv?{q}")
    }
}

/// One change: a fact version and the value it replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    /// When it was written, UTC, to the second.
    pub recorded_at: String,
    pub ticker: String,
    pub metric: String,
    /// `FY26 Q1`, or `FY26` for a full year.
    pub period: String,
    pub version: i32,
    pub previous: Option<Decimal>,
    pub value: Decimal,
    pub unit: String,
    pub known_at: time::Date,
    /// `filing`, `derived`, `secondary` or `analyst`.
    pub source_kind: String,
    pub source_url: Option<String>,
    pub entered_by: Option<String>,
    pub note: Option<String>,
}

/// A page of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    /// How many changes match (the page shows the newest [`PAGE_ROWS`]).
    pub total: i64,
    pub rows: Vec<AuditRow>,
    /// Everyone who entered something, for the user filter.
    pub users: Vec<String>,
    pub tickers: Vec<String>,
}

/// The changes the filters select, newest first (analysts and admins).
#[server(endpoint = "audit/list", output = crate::api::codec::PageJson)]
pub async fn audit_log(
    company: Option<String>,
    metric: Option<String>,
    user: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<AuditPage, AppError> {
    crate::ssr::auth::require(domain::account::Role::Analyst, "audit_log").await?;
    let filter = AuditFilter {
        company,
        metric,
        user,
        from,
        to,
    };
    let parsed = ssr::parse_filter(&filter).map_err(|e| {
        let err = AppError::Invalid(e);
        crate::ssr::set_status(&err);
        err
    })?;
    let pool = crate::ssr::pool()?;
    ssr::page(&pool, &parsed)
        .await
        .map_err(crate::ssr::db_error)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{AuditFilter, AuditPage, AuditRow, PAGE_ROWS};
    use domain::{FiscalPeriod, Metric, Ticker};
    use sqlx::PgPool;
    use time::Date;

    /// The filters, checked: as the store reads them.
    pub type Filter = store::audit::AuditQuery;

    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }

    /// Checks the typed filters; the message names the one at fault.
    pub fn parse_filter(raw: &AuditFilter) -> Result<Filter, String> {
        let date = |v: &str, what: &str| {
            Date::parse(v, time::macros::format_description!("[year]-[month]-[day]"))
                .map_err(|_| format!("The {what} date {v:?} is not a date YYYY-MM-DD."))
        };
        let user = given(&raw.user).map(str::to_lowercase);
        if user.as_ref().is_some_and(|u| u.chars().count() > 254) {
            return Err("The user filter is longer than an email address.".into());
        }
        Ok(Filter {
            company: given(&raw.company)
                .map(Ticker::parse)
                .transpose()
                .map_err(|e| e.to_string())?,
            metric: given(&raw.metric)
                .map(Metric::parse)
                .transpose()
                .map_err(|e| e.to_string())?,
            user,
            from: given(&raw.from).map(|v| date(v, "from")).transpose()?,
            to: given(&raw.to).map(|v| date(v, "to")).transpose()?,
        })
    }

    /// The matching changes, newest first, at most `limit` (all when `None`).
    pub async fn rows(
        pool: &PgPool,
        filter: &Filter,
        limit: Option<i64>,
    ) -> sqlx::Result<Vec<AuditRow>> {
        Ok(store::audit::changes(pool, filter, limit)
            .await?
            .into_iter()
            .map(audit_row)
            .collect())
    }

    fn audit_row(r: store::audit::AuditRecord) -> AuditRow {
        let (fy, fq) = (r.fiscal_year, r.fiscal_quarter);
        let period = match fq {
            0 => FiscalPeriod::year(i32::from(fy)),
            q => FiscalPeriod::quarter(i32::from(fy), u8::try_from(q).unwrap_or(0)),
        }
        .map(|p| p.label())
        .unwrap_or_else(|_| format!("FY{fy} Q{fq}"));
        AuditRow {
            recorded_at: r
                .recorded_at
                .replace_nanosecond(0)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            ticker: r.ticker,
            metric: r.metric,
            period,
            version: r.version,
            previous: r.previous,
            value: r.value,
            unit: r.unit,
            known_at: r.known_at,
            source_kind: r.source_kind,
            source_url: r.source_url,
            entered_by: r.entered_by,
            note: r.note,
        }
    }

    pub async fn page(pool: &PgPool, filter: &Filter) -> sqlx::Result<AuditPage> {
        let users = store::audit::authors(pool).await?;
        let tickers = store::facts::tickers(pool)
            .await?
            .into_iter()
            .map(|t| t.as_str().to_string())
            .collect();
        Ok(AuditPage {
            total: store::audit::count(pool, filter).await?,
            rows: rows(pool, filter, Some(PAGE_ROWS)).await?,
            users,
            tickers,
        })
    }

    /// The rows as CSV (exact values, UTF-8, a header line). Text that a
    /// spreadsheet would run as a formula is prefixed with `'`.
    pub fn to_csv(rows: &[AuditRow]) -> String {
        fn cell(s: &str) -> String {
            let s = domain::format::spreadsheet_safe(s).into_owned();
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s
            }
        }
        let mut out = String::from(
            "recorded_at,ticker,metric,period,version,previous_value,value,unit,known_at,source_kind,source_url,entered_by,note\n",
        );
        for r in rows {
            let fields = [
                cell(&r.recorded_at),
                cell(&r.ticker),
                cell(&r.metric),
                cell(&r.period),
                r.version.to_string(),
                r.previous.map(|p| p.to_string()).unwrap_or_default(),
                r.value.to_string(),
                cell(&r.unit),
                r.known_at.to_string(),
                cell(&r.source_kind),
                cell(r.source_url.as_deref().unwrap_or("")),
                cell(r.entered_by.as_deref().unwrap_or("")),
                cell(r.note.as_deref().unwrap_or("")),
            ];
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use rust_decimal::Decimal;

        #[test]
        fn bad_filters_name_the_field() {
            let raw = AuditFilter {
                from: Some("yesterday".into()),
                ..Default::default()
            };
            assert!(parse_filter(&raw).unwrap_err().contains("from"));
            let raw = AuditFilter {
                metric: Some("ebitda".into()),
                ..Default::default()
            };
            assert!(parse_filter(&raw).is_err());
            assert_eq!(
                parse_filter(&AuditFilter::default()).unwrap(),
                Filter::default()
            );
        }

        #[test]
        fn csv_cells_are_quoted_and_formulas_defused() {
            let row = AuditRow {
                recorded_at: "2026-11-27 8:00:00.0 +00:00:00".into(),
                ticker: "MSFT".into(),
                metric: "capex".into(),
                period: "FY26 Q1".into(),
                version: 2,
                previous: Some(Decimal::from(1)),
                value: Decimal::from(-2),
                unit: "USD".into(),
                known_at: time::macros::date!(2026 - 11 - 27),
                source_kind: "analyst".into(),
                source_url: Some("https://x.com/a,b".into()),
                entered_by: Some("ann@example.com".into()),
                note: Some("=HYPERLINK(\"evil\")".into()),
            };
            let csv = to_csv(&[row]);
            let line = csv.lines().nth(1).unwrap();
            assert!(line.contains(",1,-2,USD,"), "{line}");
            assert!(line.contains("\"https://x.com/a,b\""), "{line}");
            assert!(line.ends_with("\"'=HYPERLINK(\"\"evil\"\")\""), "{line}");
        }
    }
}
