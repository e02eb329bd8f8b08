//! Numbers of the bundled data that many tests start from, read the same way
//! everywhere (a second copy of a fixture's query drifts).

use rust_decimal::Decimal;
use sqlx::PgPool;

/// A number in force in the store, with the version an edit is based on.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredNumber {
    pub fiscal_year: i16,
    pub quarter: i16,
    /// As the entry form takes it: `FY26 Q1`.
    pub period: String,
    pub version: i32,
    pub value: Decimal,
}

/// Microsoft's latest quarterly capex in force: the number the entry,
/// history and fault tests edit.
pub async fn latest_msft_capex(pool: &PgPool) -> StoredNumber {
    let (fiscal_year, quarter, version, value): (i16, i16, i32, Decimal) = sqlx::query_as(
        "SELECT fiscal_year, fiscal_quarter, version, value FROM current_facts
         WHERE ticker = 'MSFT' AND metric = 'capex' AND fiscal_quarter > 0
         ORDER BY fiscal_year DESC, fiscal_quarter DESC LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .expect("Microsoft's capex is in the bundled data");
    StoredNumber {
        fiscal_year,
        quarter,
        period: format!("FY{} Q{quarter}", fiscal_year % 100),
        version,
        value,
    }
}
