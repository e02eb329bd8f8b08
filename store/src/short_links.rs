//! Short links (`/c/{id}`): a page's canonical query string under a short
//! random id, with the moment it was made, to which the page pins its data.
//! Identical links share one id; links never expire.

use sqlx::PgPool;
use time::OffsetDateTime;

/// The page a short link shortens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkedPage {
    /// `/compare?…`: a chart.
    Compare,
    /// `/cohort?…`: the cohort.
    Cohort,
}

impl LinkedPage {
    /// The name stored in `short_links.page`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkedPage::Compare => "compare",
            LinkedPage::Cohort => "cohort",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [LinkedPage::Compare, LinkedPage::Cohort]
            .into_iter()
            .find(|p| p.as_str() == raw)
    }
}

/// A stored short link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortLink {
    pub page: LinkedPage,
    /// The page's canonical query string.
    pub query: String,
    pub created_at: OffsetDateTime,
}

/// The link with this id, if there is one.
pub async fn resolve(pool: &PgPool, id: &str) -> Result<Option<ShortLink>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT page, query, created_at FROM short_links WHERE id = $1",
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|r| {
        Some(ShortLink {
            page: LinkedPage::parse(&r.page)?,
            query: r.query,
            created_at: r.created_at,
        })
    }))
}

/// The id of the link to `page` with `canonical_query`, if one exists.
pub async fn find(
    pool: &PgPool,
    page: LinkedPage,
    canonical_query: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM short_links WHERE page = $1 AND query = $2",
        page.as_str(),
        canonical_query
    )
    .fetch_optional(pool)
    .await
}

/// The id of the link to `page` with `canonical_query`, created if needed.
pub async fn create(
    pool: &PgPool,
    page: LinkedPage,
    canonical_query: &str,
) -> Result<String, sqlx::Error> {
    let find = || find(pool, page, canonical_query);
    if let Some(id) = find().await? {
        return Ok(id);
    }
    // A random id; on the unlikely collision, or a concurrent insert of the
    // same link, try again and read back what won.
    for _ in 0..5 {
        let id = new_id();
        let inserted = sqlx::query_scalar!(
            "INSERT INTO short_links (id, page, query) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING RETURNING id",
            id,
            page.as_str(),
            canonical_query
        )
        .fetch_optional(pool)
        .await?;
        if let Some(id) = inserted {
            return Ok(id);
        }
        if let Some(id) = find().await? {
            return Ok(id);
        }
    }
    Err(sqlx::Error::Protocol(
        "could not allocate a short link id".into(),
    ))
}

/// Ten characters of URL-safe base64 from a random UUID (60 bits).
fn new_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bits = uuid::Uuid::new_v4().as_u128();
    (0..10)
        .map(|i| ALPHABET[((bits >> (i * 6)) & 63) as usize] as char)
        .collect()
}
