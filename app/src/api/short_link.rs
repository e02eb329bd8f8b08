//! What a short link (`/c/{id}`) shows: a chart or a cohort, with its data
//! pinned to the moment the link was made.

use crate::api::chart::ChartData;
use crate::api::cohort::CohortData;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The page behind a short link, with its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Linked {
    Chart(ChartData),
    Cohort(CohortData),
}

/// The page a short link names, its data pinned at the link's creation.
/// A public read: it shows what the link's page shows to everyone.
#[server(output = crate::api::codec::PageJson)]
pub async fn get_short_link(id: String) -> Result<Linked, AppError> {
    ssr::linked(&id).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::Linked;
    use crate::error::AppError;

    /// The page short link `id` names, with its data as of the link's creation.
    pub async fn linked(id: &str) -> Result<Linked, AppError> {
        use store::short_links::LinkedPage;
        let ctx = crate::ssr::context()?;
        let link = store::short_links::resolve(&ctx.pool, id)
            .await
            .map_err(crate::ssr::db_error)?;
        let Some(link) = link else {
            let err = AppError::NotFound(format!("There is no chart link {id}."));
            crate::ssr::set_status(&err);
            return Err(err);
        };
        match link.page {
            LinkedPage::Compare => {
                let parsed = crate::api::chart::ssr::parse(&link.query)?;
                crate::api::chart::ssr::chart_data(&ctx, &parsed, Some(link.created_at))
                    .await
                    .map(Linked::Chart)
                    .map_err(crate::ssr::db_error)
            }
            LinkedPage::Cohort => {
                let parsed = crate::api::cohort::ssr::parse(&link.query)?;
                let mut data =
                    crate::api::cohort::ssr::cohort_data(&ctx, &parsed, Some(link.created_at))
                        .await?;
                data.link = Some(id.to_string());
                Ok(Linked::Cohort(data))
            }
        }
    }
}
