//! What every chart shares: the theme's colours and the font.

use super::{Theme, FONT_FAMILY};
use plotters::prelude::*;

/// The colours every chart shares, per theme; a chart adds its own data
/// colours beside them.
pub(super) struct Colors {
    pub(super) background: RGBColor,
    pub(super) text: RGBColor,
    pub(super) muted: RGBColor,
    pub(super) grid: RGBColor,
    pub(super) axis: RGBColor,
}

impl Colors {
    pub(super) fn of(theme: Theme) -> Self {
        match theme {
            Theme::Light => Self {
                background: RGBColor(255, 255, 255),
                text: RGBColor(31, 35, 40),
                muted: RGBColor(110, 118, 129),
                grid: RGBColor(229, 231, 235),
                axis: RGBColor(140, 148, 158),
            },
            Theme::Dark => Self {
                background: RGBColor(17, 19, 23),
                text: RGBColor(230, 237, 243),
                muted: RGBColor(139, 148, 158),
                grid: RGBColor(45, 51, 59),
                axis: RGBColor(110, 118, 129),
            },
        }
    }
}

/// The charts' font at `size` pixels.
pub(super) fn font(size: f64) -> FontDesc<'static> {
    (FONT_FAMILY, size).into_font()
}
