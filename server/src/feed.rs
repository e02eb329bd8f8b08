//! Atom feeds of what changed (`/feed.atom`, `/company/{ticker}/feed.atom`):
//! each filing imported, each restatement (old → new, both sources), each
//! analyst entry or revert, newest first, each linking to the page that
//! shows it.
//!
//! An entry's id is derived from what it describes (a filing's company and
//! accession number, a version's row id in the append-only store) as a
//! name-based UUID, so it is the same after a restart and on every server
//! instance, and a feed reader never sees one change twice. The feeds are
//! public pages: the page cache keeps them until the store changes.

use crate::state::AppState;
use app::api::history::history_href;
use atom_syndication::{Entry, Feed, FixedDateTime, Link, Person, Text};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use domain::format::usd;
use domain::Ticker;
use store::changes::{Change, RevisionKind};
use time::OffsetDateTime;

/// Entries in a feed unless `limit` says otherwise.
const DEFAULT_ENTRIES: i64 = 50;
/// Longer query strings are refused (a feed takes one short parameter).
const MAX_QUERY: usize = 256;
/// The Atom media type.
pub const ATOM: &str = "application/atom+xml; charset=utf-8";

/// The feed routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/feed.atom", get(all))
        .route("/company/{ticker}/feed.atom", get(company))
}

/// `GET /feed.atom[?limit=N]`: every company's changes.
pub async fn all(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let limit = match parse_limit(raw.as_deref()) {
        Ok(l) => l,
        Err(message) => return (StatusCode::BAD_REQUEST, message).into_response(),
    };
    let base = base_url(&state, &headers);
    let changes = match store::changes::recent(&state.pool, None, limit).await {
        Ok(c) => c,
        Err(e) => return unavailable(&e),
    };
    let answers = match answer_entries(&state, &base, &changes).await {
        Ok(a) => a,
        Err(e) => return unavailable(&e),
    };
    let feed = build(
        &base,
        "/feed.atom",
        "/",
        "Capex Lens: what changed",
        "capex-lens:feed:all",
        &changes,
        answers,
        limit,
    );
    atom(&feed)
}

/// `GET /company/{ticker}/feed.atom[?limit=N]`: one company's changes.
pub async fn company(
    State(state): State<AppState>,
    Path(ticker): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let limit = match parse_limit(raw.as_deref()) {
        Ok(l) => l,
        Err(message) => return (StatusCode::BAD_REQUEST, message).into_response(),
    };
    let Ok(ticker) = Ticker::parse(&ticker) else {
        return (StatusCode::NOT_FOUND, "There is no such company here.\n").into_response();
    };
    let company = match state.context.facts.get(&state.pool, &ticker).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return (
                StatusCode::NOT_FOUND,
                format!("{ticker} is not tracked here.\n"),
            )
                .into_response()
        }
        Err(e) => return unavailable(&e),
    };
    let changes = match store::changes::recent(&state.pool, Some(&ticker), limit).await {
        Ok(c) => c,
        Err(e) => return unavailable(&e),
    };
    let base = base_url(&state, &headers);
    let answers = match answer_entries(&state, &base, &changes).await {
        Ok(a) => a,
        Err(e) => return unavailable(&e),
    };
    let feed = build(
        &base,
        &format!("/company/{ticker}/feed.atom"),
        &format!("/company/{ticker}"),
        &format!("Capex Lens: what changed for {}", company.name),
        &format!("capex-lens:feed:{ticker}"),
        &changes,
        answers,
        limit,
    );
    atom(&feed)
}

/// `limit=N` (1 to [`store::changes::MAX_CHANGES`]); nothing else is understood.
fn parse_limit(raw: Option<&str>) -> Result<i64, String> {
    let raw = raw.unwrap_or_default();
    if raw.len() > MAX_QUERY {
        return Err(format!(
            "The feed's query is {} characters long; it takes at most {MAX_QUERY} (limit=N).\n",
            raw.len()
        ));
    }
    let mut limit = DEFAULT_ENTRIES;
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("limit", v)) => {
                limit = v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=store::changes::MAX_CHANGES).contains(n))
                    .ok_or_else(|| {
                        format!(
                            "limit {v:?} is not valid: give a number of entries from 1 to {}.\n",
                            store::changes::MAX_CHANGES
                        )
                    })?;
            }
            _ => {
                let shown: String = pair.chars().take(40).collect();
                return Err(format!(
                    "{shown:?} is not a feed parameter: the feed takes limit=N (1 to {}).\n",
                    store::changes::MAX_CHANGES
                ));
            }
        }
    }
    Ok(limit)
}

/// The address links are written on: the configured public URL, else the
/// request's host (plain characters only), else relative.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.context.public_url {
        return url.clone();
    }
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .map(|h| format!("http://{h}"))
        .unwrap_or_default()
}

fn unavailable(e: &sqlx::Error) -> Response {
    tracing::error!(error = %e, "reading the changes for a feed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "The database is unavailable right now. Please try again in a moment.\n",
    )
        .into_response()
}

fn atom(feed: &Feed) -> Response {
    (
        [
            (header::CONTENT_TYPE, ATOM),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        feed.to_string(),
    )
        .into_response()
}

/// A name-based UUID (v5) of `name`: stable wherever and whenever it is computed.
fn urn(name: &str) -> String {
    format!(
        "urn:uuid:{}",
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes())
    )
}

fn when(t: OffsetDateTime) -> FixedDateTime {
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|s| FixedDateTime::parse_from_rfc3339(&s).ok())
        .unwrap_or_default()
}

fn link(href: String) -> Link {
    Link {
        href,
        ..Link::default()
    }
}

/// At most this many writes (a company's transaction, one moment) get their
/// scorecards compared for one feed: each costs two reads of the company's
/// facts, and the page cache keeps the result until the store changes.
const MAX_MOMENTS: usize = 12;

/// Entries for the scorecard answers that changed with the writes in
/// `changes`: per company and moment of writing (every version a transaction
/// writes shares its `recorded_at`), the headline answers read just before
/// and just after, compared by the analytics ([`domain::analytics::answer_changes`]).
async fn answer_entries(
    state: &AppState,
    base: &str,
    changes: &[Change],
) -> Result<Vec<(OffsetDateTime, Entry)>, sqlx::Error> {
    let mut moments: Vec<(String, OffsetDateTime)> = changes
        .iter()
        .map(|c| (c.ticker().to_string(), c.recorded_at()))
        .collect();
    moments.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    moments.dedup();
    moments.truncate(MAX_MOMENTS);
    let thresholds = &state.context.thresholds;
    let mut out = Vec::new();
    for (ticker, at) in moments {
        let Ok(ticker) = Ticker::parse(&ticker) else {
            continue;
        };
        let just_before = at - time::Duration::microseconds(1);
        let (before, _) = store::facts::load_as_of(&state.pool, &ticker, just_before).await?;
        let (after, _) = store::facts::load_as_of(&state.pool, &ticker, at).await?;
        let Some(after) = after else { continue };
        let card = |c: &store::facts::Company| {
            c.facts
                .latest_quarter()
                .map(|q| domain::analytics::scorecard(&c.facts, q, thresholds))
        };
        let Some(now) = card(&after) else { continue };
        let was = before.as_ref().and_then(card);
        for change in domain::analytics::answer_changes(was.as_ref(), &now) {
            out.push((at, answer_entry(base, &after, at, &change)));
        }
    }
    Ok(out)
}

fn answer_entry(
    base: &str,
    company: &store::facts::Company,
    at: OffsetDateTime,
    change: &domain::analytics::AnswerChange,
) -> Entry {
    let ticker = &company.facts.ticker;
    let now = &change.after;
    let was = match &change.before {
        Some((label, signal)) => format!(" (was {} at {label})", signal.label()),
        None => " (its first answer)".to_string(),
    };
    let number = domain::analytics::Question::ALL
        .iter()
        .position(|q| *q == change.question)
        .map_or(0, |i| i + 1);
    Entry {
        title: Text::plain(format!(
            "{}: \u{201c}{}\u{201d} now {} at {}{was}",
            company.name,
            change.question.text(),
            now.signal.label(),
            now.label
        )),
        id: urn(&format!(
            "capex-lens:answer:{ticker}:{}:q{number}",
            at.unix_timestamp_nanos()
        )),
        updated: when(at),
        links: vec![link(format!("{base}/company/{ticker}"))],
        summary: Some(Text::plain(now.sentence.clone())),
        ..Entry::default()
    }
}

/// The feed of `changes` and `answers` (newest first, at most `limit`): at
/// `self_path`, about the page at `page_path`.
#[allow(clippy::too_many_arguments)]
fn build(
    base: &str,
    self_path: &str,
    page_path: &str,
    title: &str,
    id: &str,
    changes: &[Change],
    answers: Vec<(OffsetDateTime, Entry)>,
    limit: i64,
) -> Feed {
    let mut dated: Vec<(OffsetDateTime, Entry)> = answers
        .into_iter()
        .chain(changes.iter().map(|c| (c.recorded_at(), entry(base, c))))
        .collect();
    // Newest first; within one moment, the answers that moved first (the
    // news), then the changes that moved them (the sort is stable).
    dated.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
    dated.truncate(usize::try_from(limit).unwrap_or(0));
    let updated = dated
        .iter()
        .map(|(t, _)| *t)
        .max()
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let entries: Vec<Entry> = dated.into_iter().map(|(_, e)| e).collect();
    Feed {
        title: Text::plain(title),
        id: urn(id),
        updated: when(updated),
        authors: vec![Person {
            name: "Capex Lens".into(),
            ..Person::default()
        }],
        links: vec![
            Link {
                href: format!("{base}{self_path}"),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Link::default()
            },
            link(format!("{base}{page_path}")),
        ],
        subtitle: Some(Text::plain(
            "Filings imported, restatements, analyst entries and reverts, newest first, each with its source.",
        )),
        entries,
        ..Feed::default()
    }
}

/// Old and new as investors read them; exact when they would read the same.
fn old_new(old: rust_decimal::Decimal, new: rust_decimal::Decimal) -> (String, String) {
    let (a, b) = (usd(old), usd(new));
    if a == b {
        (
            format!("{a} (exactly {old})"),
            format!("{b} (exactly {new})"),
        )
    } else {
        (a, b)
    }
}

fn entry(base: &str, change: &Change) -> Entry {
    match change {
        Change::Filing(f) => {
            let form = f.form.clone().unwrap_or_else(|| "Filing".into());
            let filed = f.filed.map(|d| format!(", filed {d}")).unwrap_or_default();
            let mut links = vec![link(format!("{base}/company/{}", f.ticker))];
            if let Some(url) = f
                .source
                .url
                .clone()
                .filter(|u| domain::provenance::is_web_link(u))
            {
                links.push(Link {
                    href: url,
                    rel: "related".into(),
                    title: Some(f.source.label.clone()),
                    ..Link::default()
                });
            }
            Entry {
                title: Text::plain(format!(
                    "{}: {form} {}{filed} imported",
                    f.company, f.accession
                )),
                id: urn(&format!("capex-lens:filing:{}:{}", f.ticker, f.accession)),
                updated: when(f.recorded_at),
                links,
                summary: Some(Text::plain(format!(
                    "{} figure{} from {} entered Capex Lens.",
                    f.figures,
                    if f.figures == 1 { "" } else { "s" },
                    f.source.label
                ))),
                ..Entry::default()
            }
        }
        Change::Revision(r) => {
            let what = format!("{} for {}", r.metric.label(), r.period.label());
            let (verb, detail) = match &r.previous {
                Some((old, old_source)) => {
                    let (was, now) = old_new(*old, r.value);
                    let disclosure = r.metric.kind() == domain::MetricKind::Disclosure;
                    let verb = match r.kind {
                        RevisionKind::Restatement => "restated",
                        RevisionKind::Revert => "reverted",
                        RevisionKind::AnalystEntry if disclosure => "revised",
                        RevisionKind::AnalystEntry => "analyst entry for",
                    };
                    (
                        format!("{verb} {what}: {was} → {now}"),
                        format!(
                            "Was {was} ({}); now {now} ({}).",
                            old_source.label, r.source.label
                        ),
                    )
                }
                None => (
                    format!("{what} entered: {}", usd(r.value)),
                    format!("{} ({}).", usd(r.value), r.source.label),
                ),
            };
            let by = r
                .entered_by
                .as_ref()
                .map(|who| format!(" Entered by {who}."))
                .unwrap_or_default();
            let note = r
                .note
                .as_ref()
                .filter(|n| !n.trim().is_empty())
                .map(|n| format!(" Note: {n}"))
                .unwrap_or_default();
            Entry {
                title: Text::plain(format!("{}: {verb}", r.company)),
                id: urn(&format!("capex-lens:version:{}", r.id)),
                updated: when(r.recorded_at),
                links: vec![link(format!(
                    "{base}{}",
                    history_href(&r.ticker, r.metric, r.period)
                ))],
                summary: Some(Text::plain(format!("{detail}{by}{note}"))),
                ..Entry::default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_the_one_parameter_and_bad_values_say_what_is_allowed() {
        assert_eq!(parse_limit(None), Ok(DEFAULT_ENTRIES));
        assert_eq!(parse_limit(Some("limit=5")), Ok(5));
        assert!(parse_limit(Some("limit=0"))
            .unwrap_err()
            .contains("from 1 to 200"));
        assert!(parse_limit(Some("limit=abc"))
            .unwrap_err()
            .contains("limit \"abc\""));
        assert!(parse_limit(Some("q=1"))
            .unwrap_err()
            .contains("not a feed parameter"));
        assert!(parse_limit(Some(&"x".repeat(300)))
            .unwrap_err()
            .contains("at most 256"));
    }

    #[test]
    fn an_entrys_id_is_the_same_wherever_it_is_computed() {
        assert_eq!(urn("capex-lens:version:7"), urn("capex-lens:version:7"));
        assert_ne!(urn("capex-lens:version:7"), urn("capex-lens:version:8"));
        assert!(urn("x").starts_with("urn:uuid:"));
    }
}
