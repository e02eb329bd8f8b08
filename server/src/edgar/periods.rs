//! Placing a fact's own dates in the company's fiscal calendar.
//!
//! A company-facts entry's `fy`/`fp` describe the filing that reported it, so
//! they are never used: the period comes from the entry's `start`/`end`.
//! Fiscal years are named by the calendar year in which they end (Microsoft's
//! FY2026 ends June 30, 2026; Nvidia's FY2026 ends January 25, 2026).
//! 52/53-week years (Nvidia) end on a weekday near the month end, sometimes in
//! the first days of the next month (FY2022 Q2 ended August 1, 2021), so a
//! period end up to [`TOLERANCE_DAYS`] into a month counts as the end of the
//! previous month.

use time::{Date, Duration};

/// How far into a month a period may end and still count as the previous month's end.
pub const TOLERANCE_DAYS: i64 = 7;

/// Average days in a month, for classifying durations.
const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

/// A company's fiscal calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FiscalCalendar {
    /// Month (1–12) in which the fiscal year ends.
    pub year_end_month: u8,
}

/// A fiscal quarter, as located from a period end date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QuarterEnd {
    pub fiscal_year: i32,
    /// 1–4.
    pub quarter: u8,
}

/// The nominal month a period end belongs to: `(year, month)`, or `None` when
/// the date is not within the tolerance of a month end.
pub fn nominal_month_end(end: Date) -> Option<(i32, u8)> {
    let shifted = end - Duration::days(TOLERANCE_DAYS);
    let month_end = last_day_of_month(shifted);
    let gap = (end - month_end).whole_days().abs();
    (gap <= TOLERANCE_DAYS).then(|| (shifted.year(), u8::from(shifted.month())))
}

fn last_day_of_month(d: Date) -> Date {
    let days = d.month().length(d.year());
    d.replace_day(days).unwrap_or(d)
}

impl FiscalCalendar {
    pub fn new(year_end_month: u8) -> Option<Self> {
        (1..=12)
            .contains(&year_end_month)
            .then_some(Self { year_end_month })
    }

    /// The fiscal quarter that ends at `end`, or `None` if `end` is not a fiscal quarter end.
    pub fn quarter_ending(&self, end: Date) -> Option<QuarterEnd> {
        let (year, month) = nominal_month_end(end)?;
        let fye = i32::from(self.year_end_month);
        let m = i32::from(month);
        // Months since the fiscal year began, 0-based: the first month is 0.
        let offset = (m - fye - 1).rem_euclid(12);
        if offset % 3 != 2 {
            return None;
        }
        let fiscal_year = if m <= fye { year } else { year + 1 };
        Some(QuarterEnd {
            fiscal_year,
            quarter: (offset / 3 + 1) as u8,
        })
    }
}

/// The length of `[start, end]` in whole months when it is 3, 6, 9 or 12
/// months (within ten days, which covers 13/14-week quarters and 53-week years).
pub fn duration_months(start: Date, end: Date) -> Option<u8> {
    let days = (end - start).whole_days() + 1;
    let months = (days as f64 / DAYS_PER_MONTH).round();
    let off = (days as f64 - months * DAYS_PER_MONTH).abs();
    let months = months as u8;
    (matches!(months, 3 | 6 | 9 | 12) && off <= 10.0).then_some(months)
}

/// Infers the fiscal year-end month from the ends of annual (about 12-month)
/// periods reported in 10-Ks: the most common nominal month wins.
pub fn infer_year_end_month<'a>(
    annual_periods: impl Iterator<Item = (Date, Date)> + 'a,
) -> Option<u8> {
    let mut counts = [0usize; 13];
    for (start, end) in annual_periods {
        if duration_months(start, end) == Some(12) {
            if let Some((_, m)) = nominal_month_end(end) {
                counts[usize::from(m)] += 1;
            }
        }
    }
    let (month, count) = counts
        .iter()
        .enumerate()
        .max_by_key(|(m, c)| (**c, std::cmp::Reverse(*m)))?;
    (*count > 0).then_some(month as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn q(fy: i32, quarter: u8) -> Option<QuarterEnd> {
        Some(QuarterEnd {
            fiscal_year: fy,
            quarter,
        })
    }

    #[test]
    fn microsofts_fiscal_year_ends_in_june_so_march_is_the_third_quarter() {
        let msft = FiscalCalendar::new(6).unwrap();
        assert_eq!(msft.quarter_ending(date!(2026 - 03 - 31)), q(2026, 3));
        assert_eq!(msft.quarter_ending(date!(2025 - 09 - 30)), q(2026, 1));
        assert_eq!(msft.quarter_ending(date!(2026 - 06 - 30)), q(2026, 4));
    }

    #[test]
    fn nvidias_quarter_ending_in_the_first_days_of_a_month_belongs_to_the_previous_month() {
        let nvda = FiscalCalendar::new(1).unwrap();
        assert_eq!(nvda.quarter_ending(date!(2021 - 08 - 01)), q(2022, 2));
        assert_eq!(nvda.quarter_ending(date!(2022 - 05 - 01)), q(2023, 1));
        assert_eq!(nvda.quarter_ending(date!(2026 - 01 - 25)), q(2026, 4));
        assert_eq!(nvda.quarter_ending(date!(2025 - 04 - 27)), q(2026, 1));
    }

    #[test]
    fn a_date_in_the_middle_of_a_month_or_off_the_quarter_grid_is_not_a_quarter_end() {
        let googl = FiscalCalendar::new(12).unwrap();
        assert_eq!(googl.quarter_ending(date!(2025 - 03 - 15)), None);
        assert_eq!(googl.quarter_ending(date!(2025 - 02 - 28)), None);
        assert_eq!(googl.quarter_ending(date!(2025 - 12 - 31)), q(2025, 4));
    }

    #[test]
    fn durations_of_13_and_14_weeks_and_53_week_years_are_recognised() {
        assert_eq!(
            duration_months(date!(2025 - 01 - 01), date!(2025 - 03 - 31)),
            Some(3)
        );
        assert_eq!(
            duration_months(date!(2020 - 10 - 26), date!(2021 - 01 - 31)),
            Some(3)
        ); // 14 weeks
        assert_eq!(
            duration_months(date!(2020 - 01 - 27), date!(2021 - 01 - 31)),
            Some(12)
        ); // 53 weeks
        assert_eq!(
            duration_months(date!(2025 - 01 - 01), date!(2025 - 09 - 30)),
            Some(9)
        );
        assert_eq!(
            duration_months(date!(2025 - 01 - 01), date!(2025 - 01 - 31)),
            None
        );
        assert_eq!(
            duration_months(date!(2024 - 01 - 01), date!(2025 - 06 - 30)),
            None
        );
    }

    #[test]
    fn the_year_end_month_is_inferred_from_annual_periods() {
        let periods = [
            (date!(2023 - 01 - 30), date!(2024 - 01 - 28)),
            (date!(2024 - 01 - 29), date!(2025 - 01 - 26)),
            (date!(2024 - 01 - 29), date!(2024 - 04 - 28)),
        ];
        assert_eq!(infer_year_end_month(periods.into_iter()), Some(1));
        assert_eq!(infer_year_end_month(std::iter::empty()), None);
    }
}
