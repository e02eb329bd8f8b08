//! Capex guidance against actuals (methodology section 8): on the company
//! page a chart of one fiscal year (its ranges as stated, the spending so
//! far, what the remaining quarters need) and a table of every guided year;
//! in `/compare` the same table with a row per company.

use crate::chart::guidance::{render_guidance_svg, short_date};
use domain::analytics::guidance::GuidanceYear;
use domain::analytics::InputRef;
use domain::format::usd;
use domain::FiscalPeriod;
use leptos::prelude::*;

/// The chart's size in SVG pixels (it scales to the column).
const WIDTH: u32 = 760;
const HEIGHT: u32 = 330;

/// The first and last day of fiscal year `fy` for a year ending in `fye_month`.
fn span(fy: i32, fye_month: u8) -> Option<(time::Date, time::Date)> {
    domain::entry::nominal_dates(FiscalPeriod::year(fy).ok()?, fye_month)
}

/// Each fiscal year's guided capex range, as it moved, beside the capex
/// reported so far; nothing when the company has no guidance entered.
/// `years` are [`guidance_years`](domain::analytics::guidance::guidance_years)
/// of the company's facts, computed where the facts and their sources are
/// (the server); the year picker redraws the chart from them.
#[component]
pub fn GuidanceView(years: Vec<GuidanceYear>, fiscal_year_end_month: u8) -> impl IntoView {
    if years.is_empty() {
        return None;
    }
    let fye = fiscal_year_end_month;
    let chosen = RwSignal::new(years[0].fiscal_year);
    let chart_years = years.clone();
    let chart = move || {
        let fy = chosen.get();
        let y = chart_years.iter().find(|y| y.fiscal_year == fy)?;
        let span = span(fy, fye)?;
        let svg = render_guidance_svg("", y, span, WIDTH, HEIGHT);
        let label = chart_label(y);
        Some(view! {
            <div class="chart-canvas static" role="img" aria-label=label data-fiscal-year=fy inner_html=svg></div>
        })
    };
    let picker = (years.len() > 1).then(|| {
        let options = years
            .iter()
            .map(|y| {
                let fy = y.fiscal_year;
                view! { <option value=fy.to_string() selected=move || chosen.get() == fy>{y.label.clone()}</option> }
            })
            .collect_view();
        view! {
            <label class="guidance-year">"Fiscal year "
                <select name="guidance-year" on:change=move |ev| {
                    if let Ok(fy) = event_target_value(&ev).parse::<i32>() {
                        chosen.set(fy);
                    }
                }>{options}</select>
            </label>
        }
    });
    let rows: Vec<(Option<(String, String)>, GuidanceYear)> =
        years.into_iter().map(|y| (None, y)).collect();
    Some(view! {
        <section class="guidance" aria-labelledby="guidance">
            <h2 id="guidance">"Capex guidance against actuals"</h2>
            <figure class="chart guidance-chart" data-chart="guidance">
                {picker}
                {chart}
                <figcaption>
                    "Shaded: the full-year range the company gave, from the day it said so until it said something new (the darker one is in force). "
                    "Line: capex reported so far in the fiscal year, a point per quarter. "
                    "Dashed: what the remaining quarters must add to end the year at the low or the high end."
                </figcaption>
            </figure>
            <GuidanceTable rows/>
        </section>
    })
}

/// What a screen reader hears for the chart.
fn chart_label(y: &GuidanceYear) -> String {
    let moves = y
        .revisions
        .iter()
        .map(|r| {
            format!(
                "{} stated {}",
                range(&r.low, &r.high),
                short_date(r.known_at)
            )
        })
        .collect::<Vec<_>>()
        .join(", then ");
    format!(
        "{} capex guidance: {}. {}.",
        y.label,
        if moves.is_empty() {
            range(&y.low, &y.high)
        } else {
            moves
        },
        reported(y)
    )
}

/// `$35.3B – $42.0B in each of 3 quarters (so far $19.0B a quarter)`.
pub(crate) fn needed(y: &GuidanceYear) -> String {
    match y.needed_per_quarter {
        Some((lo, hi)) => {
            let pace = y
                .run_rate_so_far()
                .map(|r| format!(" (so far {} a quarter)", usd(r)))
                .unwrap_or_default();
            let lo = lo.max(rust_decimal::Decimal::ZERO);
            // A point guidance ("about $200B") needs one figure, not a range.
            let amount = if lo == hi {
                usd(hi)
            } else {
                format!("{} – {}", usd(lo), usd(hi))
            };
            format!(
                "{amount} in each of {} quarter{}{pace}",
                y.remaining_quarters(),
                if y.remaining_quarters() == 1 { "" } else { "s" }
            )
        }
        None if y.is_complete() => "none: the year is reported".into(),
        None => "unknown".into(),
    }
}

pub(crate) fn range(low: &InputRef, high: &InputRef) -> String {
    if low.value == high.value {
        usd(low.value)
    } else {
        format!("{} – {}", usd(low.value), usd(high.value))
    }
}

/// `$19.0B (Q1 to date: $19.0B)` or `$69.7B (full year)`.
pub(crate) fn reported(y: &GuidanceYear) -> String {
    if let Some(gap) = y.missing_quarter {
        return format!(
            "capex for {} is missing, so the year to date is unknown",
            gap.label()
        );
    }
    match y.quarters.len() {
        0 => "no capex reported for the year yet".into(),
        4 => format!("{} reported for the full year", usd(y.actual)),
        n => format!(
            "{} reported to date ({}: {})",
            usd(y.actual),
            if n == 1 {
                "Q1".to_string()
            } else {
                format!("Q1–Q{n}")
            },
            y.quarters
                .iter()
                .map(|q| usd(q.value))
                .collect::<Vec<_>>()
                .join(" + ")
        ),
    }
}

/// Guided years as rows: with a company column when `rows` carry a
/// `(ticker, name)`.
#[component]
pub fn GuidanceTable(rows: Vec<(Option<(String, String)>, GuidanceYear)>) -> impl IntoView {
    let with_company = rows.iter().any(|(c, _)| c.is_some());
    view! {
        <div class="table-scroll">
            <table class="facts guidance-table">
                <thead>
                    <tr>
                        {with_company.then(|| view! { <th scope="col">"Company"</th> })}
                        <th scope="col">"Fiscal year"</th>
                        <th scope="col">"Range, as stated"</th>
                        <th scope="col">"Capex reported"</th>
                        <th scope="col">"Needed per remaining quarter"</th>
                        <th scope="col">"Where it stands"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|(company, y)| view! { <GuidanceRow company y/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn GuidanceRow(company: Option<(String, String)>, y: GuidanceYear) -> impl IntoView {
    let statements = if y.revisions.is_empty() {
        vec![(range(&y.low, &y.high), None, y.low.provenance.clone())]
    } else {
        y.revisions
            .iter()
            .map(|r| {
                (
                    range(&r.low, &r.high),
                    Some(r.known_at),
                    r.high.provenance.clone(),
                )
            })
            .collect()
    };
    let n = statements.len();
    let statements = statements
        .into_iter()
        .enumerate()
        .map(|(i, (text, day, source))| {
            let when = day.map(|d| format!(" stated {}", short_date(d)));
            let current = i + 1 == n;
            let title = source.label.clone();
            let body = match source.url.filter(|u| domain::provenance::is_web_link(u)) {
                Some(u) => {
                    view! { <a class="range" href=u rel="external nofollow">{text}</a> }.into_any()
                }
                None => view! { <span class="range">{text}</span> }.into_any(),
            };
            view! {
                <li class:superseded=!current title=title data-known-at=day.map(|d| d.to_string())>
                    {body}{when}{(!current).then_some(" (superseded)")}
                </li>
            }
        })
        .collect_view();
    let actual_title = y
        .quarters
        .iter()
        .map(|q| {
            format!(
                "{}: {} ({})",
                q.period.label(),
                usd(q.value),
                q.provenance.label
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let needed = needed(&y);
    let standing = y.standing();
    let company = company.map(|(ticker, name)| {
        let href = format!("/company/{ticker}#guidance");
        view! { <th scope="row"><a href=href>{name}</a></th> }
    });
    let year_cell = if company.is_some() {
        view! { <td>{y.label.clone()}</td> }.into_any()
    } else {
        view! { <th scope="row">{y.label.clone()}</th> }.into_any()
    };
    view! {
        <tr data-fiscal-year=y.fiscal_year data-standing=standing.key()>
            {company}
            {year_cell}
            <td><ul class="statements">{statements}</ul></td>
            <td title=actual_title>{reported(&y)}</td>
            <td>{needed}</td>
            <td>{y.standing_text()}</td>
        </tr>
    }
}

/// In the entry form: where the fiscal year's guidance stands against its
/// actuals now and with the value being typed (nothing is saved).
#[component]
pub fn GuidancePreviewView(preview: crate::api::entry::GuidancePreview) -> impl IntoView {
    let heading = format!(
        "{} capex guidance against actuals with this value (not saved)",
        preview.label
    );
    let Some(with) = preview.with_value else {
        return view! {
            <section class="entry-preview guidance-preview" aria-live="polite">
                <h2>{heading}</h2>
                <p class="note">{format!(
                    "{} has no complete range with this value: enter both capex_guidance_low and capex_guidance_high for the year (the same value twice for a single number).",
                    preview.label
                )}</p>
            </section>
        }
        .into_any();
    };
    let now = preview.now;
    let cell = |f: fn(&GuidanceYear) -> String| {
        now.as_ref()
            .map(f)
            .unwrap_or_else(|| "no range yet".to_string())
    };
    let rows = [
        (
            "Range in force",
            cell(|y| range(&y.low, &y.high)),
            range(&with.low, &with.high),
        ),
        ("Capex reported", cell(reported), reported(&with)),
        ("Needed per remaining quarter", cell(needed), needed(&with)),
        (
            "Where it stands",
            cell(|y| y.standing_text()),
            with.standing_text(),
        ),
    ];
    view! {
        <section class="entry-preview guidance-preview" aria-live="polite" data-standing=with.standing().key()>
            <h2>{heading}</h2>
            <table class="facts">
                <thead>
                    <tr>
                        <th scope="col">""</th>
                        <th scope="col">"Now"</th>
                        <th scope="col">"With this value"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|(what, a, b)| {
                        let changed = a != b;
                        view! { <tr class:changed=changed><th scope="row">{what}</th><td>{a}</td><td>{b}</td></tr> }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}
