//! Chart exports addressed by the same query as the chart page:
//! `/chart.svg?…`, `/chart.png?…` (1200×630, for link previews; cached),
//! `/chart.csv?…` (the data behind the chart).

use crate::state::AppState;
use app::api::chart::{ssr as chart, ChartData};
use app::chart::{render_svg, units_of, ChartSpec};
use app::components::default_title;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use domain::chart_query::ChartQuery;

/// Parses the query and computes the chart's data, or answers with the error.
async fn load(state: &AppState, raw: Option<String>) -> Result<(ChartQuery, ChartData), Response> {
    let raw = raw.unwrap_or_default();
    let query = ChartQuery::parse(&raw).map_err(|problems| {
        let text = problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        (StatusCode::BAD_REQUEST, text).into_response()
    })?;
    let data = chart::chart_data(&state.context, &query, None)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "chart data");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is unavailable right now. Please try again in a moment.",
            )
                .into_response()
        })?;
    Ok((query, data))
}

fn spec_for(query: &ChartQuery, data: &ChartData) -> ChartSpec {
    let unit = units_of(&data.series)
        .into_iter()
        .next()
        .unwrap_or(app::chart::AxisUnit::UsdBillions);
    ChartSpec::from_query(query, default_title(query), unit)
}

/// The chart exports: SVG, CSV and the link-preview PNG.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/chart.svg", get(svg))
        .route("/chart.csv", get(csv))
        .route("/chart.png", get(png))
        .route("/cohort.png", get(cohort_png))
}

/// `GET /chart.svg?…`
pub async fn svg(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let (query, data) = match load(&state, raw).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let Some(permit) = state.renders.try_start() else {
        return busy();
    };
    let spec = spec_for(&query, &data);
    let rendered = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        render_svg(&spec, &data.series, 1200, 630)
    })
    .await;
    match rendered {
        Ok(svg) => (
            [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
            svg,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering chart SVG");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not render the chart",
            )
                .into_response()
        }
    }
}

/// 503 with `Retry-After`: every render slot is taken.
fn busy() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(
            header::RETRY_AFTER,
            crate::chart_png::RETRY_AFTER_SECONDS.to_string(),
        )],
        "The server is drawing as many charts as it can right now. Try again in a second.\n",
    )
        .into_response()
}

/// A cached PNG, or one rendered in a render slot (and then cached).
async fn png_of(
    state: &AppState,
    key: String,
    spec: ChartSpec,
    series: Vec<domain::analytics::Series>,
) -> Response {
    let rendered = match state.png_cache.get(&key) {
        Some(png) => Ok(png),
        None => {
            let Some(permit) = state.renders.try_start() else {
                return busy();
            };
            let cache = state.png_cache.clone();
            // Rendering is CPU work (tens of milliseconds): off the async workers.
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                cache.get_or_render(&key, || crate::chart_png::render_png(&spec, &series))
            })
            .await
            .map_err(|e| anyhow::anyhow!("render task failed: {e}"))
            .and_then(|r| r)
        }
    };
    match rendered {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            bytes.to_vec(),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering chart PNG");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not render the chart",
            )
                .into_response()
        }
    }
}

/// `GET /chart.csv?…`: one row per series and period, exact values, `n/a` reasons.
pub async fn csv(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let (_, data) = match load(&state, raw).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut write = || -> Result<(), csv::Error> {
        out.write_record([
            "ticker",
            "measure",
            "period",
            "period_end",
            "value",
            "unit",
            "missing",
        ])?;
        for s in &data.series {
            for p in &s.points {
                let missing = p
                    .missing
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                out.write_record([
                    s.ticker.as_str(),
                    s.measure.key(),
                    p.label.as_str(),
                    &p.period_end.to_string(),
                    &p.exact.map(|d| d.to_string()).unwrap_or_default(),
                    s.unit.key(),
                    &missing,
                ])?;
            }
        }
        Ok(())
    };
    let written = write();
    match (written, out.into_inner()) {
        (Ok(()), Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"chart.csv\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "could not write the CSV").into_response(),
    }
}

/// `GET /chart.png?…`: 1200×630, cached per chart and store generation.
pub async fn png(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    // The generation before the data: what is drawn is at least this new.
    let generation = match state.page_cache.generation().current().await {
        Ok(g) => g,
        Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    };
    let (query, data) = match load(&state, raw).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let key = format!("{generation}:{}", data.query);
    let spec = spec_for(&query, &data);
    png_of(&state, key, spec, data.series).await
}

/// `GET /cohort.png?…` (the cohort page's query): the cohort's sums as a
/// 1200×630 link preview, cached per cohort and store generation.
pub async fn cohort_png(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let generation = match state.page_cache.generation().current().await {
        Ok(g) => g,
        Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    };
    let query = match domain::analytics::cohort::CohortQuery::parse(&raw.unwrap_or_default()) {
        Ok(q) => q,
        Err(message) => return (StatusCode::BAD_REQUEST, message).into_response(),
    };
    let data = match app::api::cohort::ssr::cohort_data(&state.context, &query, None).await {
        Ok(d) => d,
        Err(e) => {
            let status =
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, e.to_string()).into_response();
        }
    };
    let key = format!("cohort:{generation}:{}", data.query);
    let series: Vec<_> = data
        .cohort
        .chart_series()
        .into_iter()
        .filter(|s| s.unit == domain::analytics::Unit::Usd)
        .collect();
    // Where the set of companies in the sum changes, the lines break.
    let breaks = data
        .cohort
        .changes()
        .iter()
        .map(|c| c.quarter.index())
        .collect();
    let spec = ChartSpec {
        breaks,
        ..ChartSpec::new(
            format!(
                "The cohort read together: {}",
                data.cohort.tickers.join(", ")
            ),
            app::chart::AxisUnit::UsdBillions,
        )
    };
    png_of(&state, key, spec, series).await
}
