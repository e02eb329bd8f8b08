//! Link-preview images: a chart as a 1200×630 PNG (the Open Graph and Twitter
//! card size), drawn by the same code as the page's SVG ([`app::chart::draw`])
//! on plotters' bitmap backend, with the embedded DejaVu Sans (no system
//! fonts are read at run time), and a small in-memory cache.
//!
//! Rendering takes tens of milliseconds of CPU: call it from
//! `tokio::task::spawn_blocking` in a handler.

use crate::cache::BoundedCache;
use anyhow::{anyhow, Context};
use app::chart::{ChartLayout, ChartSpec};
use domain::analytics::Series;
use plotters::prelude::{BitMapBackend, IntoDrawingArea};
use std::sync::Arc;

/// Width of a preview image, pixels.
pub const PNG_WIDTH: u32 = 1200;
/// Height of a preview image, pixels.
pub const PNG_HEIGHT: u32 = 630;

/// The chart as a PNG of [`PNG_WIDTH`] × [`PNG_HEIGHT`].
pub fn render_png(spec: &ChartSpec, series: &[Series]) -> anyhow::Result<Vec<u8>> {
    render_png_sized(spec, series, PNG_WIDTH, PNG_HEIGHT).map(|(png, _)| png)
}

/// The chart as a PNG of any size, with the layout it was drawn with (for
/// the "export as PNG" button, which may want another size).
pub fn render_png_sized(
    spec: &ChartSpec,
    series: &[Series],
    width: u32,
    height: u32,
) -> anyhow::Result<(Vec<u8>, ChartLayout)> {
    if width == 0 || height == 0 || width > 4096 || height > 4096 {
        return Err(anyhow!(
            "a chart image is 1 to 4096 pixels on each side, not {width}×{height}"
        ));
    }
    if !app::chart::ensure_font() {
        return Err(anyhow!("the embedded chart font could not be loaded"));
    }
    let len = usize::try_from(u64::from(width) * u64::from(height) * 3)
        .context("image too large for this machine")?;
    let mut rgb = vec![0u8; len];
    let layout = {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        let layout = app::chart::draw(&root, spec, series)
            .map_err(|e| anyhow!("drawing the chart failed: {e}"))?;
        root.present()
            .map_err(|e| anyhow!("drawing the chart failed: {e}"))?;
        layout
    };
    Ok((encode_png(&rgb, width, height)?, layout))
}

/// PNG-encodes an 8-bit RGB buffer.
fn encode_png(rgb: &[u8], width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(rgb.len() / 8);
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Default);
        let mut writer = encoder.write_header().context("writing the PNG header")?;
        writer
            .write_image_data(rgb)
            .context("writing the PNG image data")?;
        writer.finish().context("finishing the PNG")?;
    }
    Ok(out)
}

/// How many chart renders (PNG or SVG, anonymous work) run at once. Beyond
/// it a render is refused at once with 503 and `Retry-After` rather than
/// queued: a burst of distinct chart addresses cannot take every core (or,
/// queued, every connection) from the pages and `/healthz`.
#[derive(Debug, Clone)]
pub struct RenderLimit {
    slots: Arc<tokio::sync::Semaphore>,
}

impl RenderLimit {
    /// `slots` renders at once (at least one).
    pub fn new(slots: usize) -> Self {
        Self {
            slots: Arc::new(tokio::sync::Semaphore::new(slots.max(1))),
        }
    }

    /// A slot for one render, held until the permit is dropped; `None` when
    /// every slot is taken.
    pub fn try_start(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.slots.clone().try_acquire_owned().ok()
    }
}

impl Default for RenderLimit {
    /// Two renders per core (a render is tens of milliseconds of one core).
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(2 * cores.clamp(1, 8))
    }
}

/// Seconds a refused render is told to wait before trying again.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// Rendered PNGs by key (see [`crate::cache`]). The key should name
/// everything the picture depends on: the chart's canonical query string
/// ([`domain::chart_query::ChartQuery::to_query_string`]) and the version of
/// the data, so newer figures never serve an old picture.
pub type PngCache = BoundedCache<Arc<[u8]>>;

impl Default for PngCache {
    /// 256 images or 32 MiB, whichever is reached first.
    fn default() -> Self {
        Self::new(256, 32 * 1024 * 1024)
    }
}

impl PngCache {
    /// The cached image for `key`, or `render`'s result, which is then cached.
    /// A rendering error is returned and nothing is cached. Rendering happens
    /// outside the lock: two simultaneous misses for one key both render, and
    /// the second result wins.
    pub fn get_or_render(
        &self,
        key: &str,
        render: impl FnOnce() -> anyhow::Result<Vec<u8>>,
    ) -> anyhow::Result<Arc<[u8]>> {
        if let Some(png) = self.get(key) {
            return Ok(png);
        }
        let png: Arc<[u8]> = render()?.into();
        self.insert(key, Arc::clone(&png));
        Ok(png)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::chart::AxisUnit;
    use domain::analytics::{Alignment, Basis, Change, Measure, SeriesPoint};
    use domain::{CalendarQuarter, FiscalPeriod, Metric};
    use std::cell::Cell;
    use time::macros::date;

    fn series(ticker: &str, billions: &[Option<f64>]) -> Series {
        let measure = Measure::Stored(Metric::Capex);
        let points = billions
            .iter()
            .zip(0..)
            .map(|(v, i): (&Option<f64>, i32)| {
                let key = 2024 * 4 + i;
                let cq = CalendarQuarter {
                    year: key.div_euclid(4),
                    quarter: u8::try_from(key.rem_euclid(4) + 1).unwrap(),
                };
                SeriesPoint {
                    label: cq.label(),
                    fiscal_period: FiscalPeriod {
                        fiscal_year: cq.year,
                        quarter: cq.quarter,
                    },
                    calendar_quarter: cq,
                    period_end: date!(2026 - 03 - 31),
                    value: v.map(|b| b * 1e9),
                    exact: None,
                    inputs: vec![],
                    missing: vec![],
                }
            })
            .collect();
        Series {
            ticker: ticker.into(),
            measure,
            label: measure.label().into(),
            unit: measure.unit(),
            basis: Basis::Ttm,
            alignment: Alignment::Calendar,
            change: Change::Level,
            points,
        }
    }

    fn chart() -> (ChartSpec, Vec<Series>) {
        (
            ChartSpec::new("Capex, TTM (USD billions)", AxisUnit::UsdBillions),
            vec![
                series(
                    "GOOGL",
                    &[Some(40.0), Some(45.0), None, Some(60.0), Some(70.0)],
                ),
                series(
                    "NVDA",
                    &[Some(1.0), Some(2.0), Some(3.0), Some(4.0), Some(5.0)],
                ),
            ],
        )
    }

    /// Width and height from a PNG's IHDR chunk.
    fn png_size(png: &[u8]) -> (u32, u32) {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        assert_eq!(&png[12..16], b"IHDR");
        let be = |i: usize| u32::from_be_bytes([png[i], png[i + 1], png[i + 2], png[i + 3]]);
        (be(16), be(20))
    }

    #[test]
    fn a_preview_is_a_valid_png_of_1200_by_630() {
        let (spec, series) = chart();
        let png = render_png(&spec, &series).unwrap();
        assert_eq!(png_size(&png), (1200, 630));
        // The whole image decodes.
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (1200, 630));
        // Not a blank image: the series colour is in it.
        let blue = buf.chunks(3).filter(|p| *p == [0x00, 0x72, 0xb2]).count();
        assert!(blue > 100, "{blue} blue pixels");
        // Text was rasterized: dark grey text pixels exist in the title band.
        let row_bytes = 1200 * 3;
        let title_band = &buf[12 * row_bytes..40 * row_bytes];
        let dark = title_band
            .chunks(3)
            .filter(|p| p[0] < 100 && p[1] < 100 && p[2] < 100)
            .count();
        assert!(dark > 50, "{dark} dark pixels in the title band");
    }

    #[test]
    fn an_empty_chart_still_renders_a_png() {
        let spec = ChartSpec::new("", AxisUnit::Percent);
        let png = render_png(&spec, &[]).unwrap();
        assert_eq!(png_size(&png), (1200, 630));
    }

    #[test]
    fn an_absurd_size_is_refused() {
        let (spec, series) = chart();
        assert!(render_png_sized(&spec, &series, 0, 10).is_err());
        assert!(render_png_sized(&spec, &series, 100_000, 10).is_err());
    }

    #[test]
    fn the_second_request_for_a_chart_is_served_from_the_cache() {
        let (spec, series) = chart();
        let cache = PngCache::default();
        let renders = Cell::new(0);
        let render = || {
            renders.set(renders.get() + 1);
            render_png(&spec, &series)
        };
        let first = cache
            .get_or_render("tickers=GOOGL,NVDA&metrics=capex&v=1", render)
            .unwrap();
        let second = cache
            .get_or_render("tickers=GOOGL,NVDA&metrics=capex&v=1", || {
                renders.set(renders.get() + 1);
                render_png(&spec, &series)
            })
            .unwrap();
        assert_eq!(first, second);
        assert_eq!(renders.get(), 1, "rendered once");
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
        assert_eq!(stats.bytes, first.len());
        // Rendering again gives the same bytes: the PNG is deterministic.
        assert_eq!(&*first, render_png(&spec, &series).unwrap().as_slice());
    }

    #[test]
    fn a_failed_render_is_reported_and_not_cached() {
        let cache = PngCache::default();
        assert!(cache.get_or_render("k", || Err(anyhow!("boom"))).is_err());
        assert_eq!(cache.stats().entries, 0);
        assert!(cache.get_or_render("k", || Ok(vec![1])).is_ok());
    }
}
