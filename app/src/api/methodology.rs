//! The methodology's configurable part: the scorecard thresholds in force.

use crate::error::AppError;
use domain::analytics::Thresholds;
use leptos::prelude::*;

#[server(output = crate::api::codec::PageJson)]
pub async fn get_thresholds() -> Result<Thresholds, AppError> {
    Ok(crate::ssr::context()?.thresholds)
}
