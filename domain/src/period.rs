//! Fiscal periods and calendar alignment (methodology section 2).

use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Duration, Month};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParsePeriodError {
    #[error("period {0:?} is not valid: use FY2026 Q3, FY26 Q3 or FY2026 (a full year)")]
    Malformed(String),
    #[error("fiscal quarter {0} is not valid: quarters are 1 to 4")]
    Quarter(u8),
    #[error("fiscal year {0} is outside 1990..=2100")]
    Year(i32),
}

/// A company's fiscal period: a quarter (`quarter` 1–4) or the full year (`quarter` 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FiscalPeriod {
    pub fiscal_year: i32,
    /// 1–4 for a quarter, 0 for the full fiscal year.
    pub quarter: u8,
}

impl FiscalPeriod {
    pub fn quarter(fiscal_year: i32, quarter: u8) -> Result<Self, ParsePeriodError> {
        if !(1990..=2100).contains(&fiscal_year) {
            return Err(ParsePeriodError::Year(fiscal_year));
        }
        if !(1..=4).contains(&quarter) {
            return Err(ParsePeriodError::Quarter(quarter));
        }
        Ok(Self {
            fiscal_year,
            quarter,
        })
    }

    pub fn year(fiscal_year: i32) -> Result<Self, ParsePeriodError> {
        if !(1990..=2100).contains(&fiscal_year) {
            return Err(ParsePeriodError::Year(fiscal_year));
        }
        Ok(Self {
            fiscal_year,
            quarter: 0,
        })
    }

    pub fn is_full_year(self) -> bool {
        self.quarter == 0
    }

    /// Parses `FY2026 Q3`, `FY26 Q3`, `2026Q3`, `FY2026` (full year).
    pub fn parse(raw: &str) -> Result<Self, ParsePeriodError> {
        let bad = || ParsePeriodError::Malformed(raw.to_string());
        let s: String = raw.trim().to_ascii_uppercase().split_whitespace().collect();
        let s = s.strip_prefix("FY").unwrap_or(&s);
        let (year_part, quarter_part) = match s.find('Q') {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let year_part = year_part.trim_end_matches('-');
        if year_part.is_empty() || !year_part.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let mut year: i32 = year_part.parse().map_err(|_| bad())?;
        if year_part.len() == 2 {
            year += 2000;
        } else if year_part.len() != 4 {
            return Err(bad());
        }
        match quarter_part {
            None => Self::year(year),
            Some(q) => {
                let q: u8 = q.parse().map_err(|_| bad())?;
                Self::quarter(year, q)
            }
        }
    }

    /// The company's own label: `FY26 Q3`, or `FY26` for a full year.
    pub fn label(self) -> String {
        let yy = self.fiscal_year.rem_euclid(100);
        if self.is_full_year() {
            format!("FY{yy:02}")
        } else {
            format!("FY{yy:02} Q{}", self.quarter)
        }
    }

    /// The quarter before this one (full years step back a year).
    pub fn previous(self) -> Self {
        match self.quarter {
            0 => Self {
                fiscal_year: self.fiscal_year - 1,
                quarter: 0,
            },
            1 => Self {
                fiscal_year: self.fiscal_year - 1,
                quarter: 4,
            },
            q => Self {
                fiscal_year: self.fiscal_year,
                quarter: q - 1,
            },
        }
    }

    pub fn next(self) -> Self {
        match self.quarter {
            0 => Self {
                fiscal_year: self.fiscal_year + 1,
                quarter: 0,
            },
            4 => Self {
                fiscal_year: self.fiscal_year + 1,
                quarter: 1,
            },
            q => Self {
                fiscal_year: self.fiscal_year,
                quarter: q + 1,
            },
        }
    }

    /// A running index of quarters, so that `a.index() - b.index()` counts quarters.
    pub fn index(self) -> i32 {
        self.fiscal_year * 4 + i32::from(self.quarter.max(1)) - 1
    }
}

impl fmt::Display for FiscalPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// A calendar quarter, the common axis when companies with different fiscal
/// years are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CalendarQuarter {
    pub year: i32,
    pub quarter: u8,
}

impl CalendarQuarter {
    /// The calendar quarter containing the midpoint of `[start, end]`: a fiscal
    /// quarter ended March 31 is CY Q1; Nvidia's quarter ended late January is
    /// the previous CY Q4.
    pub fn containing_midpoint(start: Date, end: Date) -> Self {
        let days = (end - start).whole_days();
        let mid = start + Duration::days(days / 2);
        Self::containing(mid)
    }

    pub fn containing(date: Date) -> Self {
        let q = (u8::from(date.month()) - 1) / 3 + 1;
        Self {
            year: date.year(),
            quarter: q,
        }
    }

    /// `CY26 Q1`.
    pub fn label(self) -> String {
        format!("CY{:02} Q{}", self.year.rem_euclid(100), self.quarter)
    }

    pub fn index(self) -> i32 {
        self.year * 4 + i32::from(self.quarter) - 1
    }

    pub fn last_day(self) -> Date {
        let (month, day) = match self.quarter {
            1 => (Month::March, 31),
            2 => (Month::June, 30),
            3 => (Month::September, 30),
            _ => (Month::December, 31),
        };
        // Quarter-end dates are valid for every year.
        Date::from_calendar_date(self.year, month, day).unwrap_or(Date::MIN)
    }
}

impl fmt::Display for CalendarQuarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn fiscal_labels_use_two_digit_years() {
        assert_eq!(FiscalPeriod::quarter(2026, 3).unwrap().label(), "FY26 Q3");
        assert_eq!(FiscalPeriod::year(2025).unwrap().label(), "FY25");
    }

    #[test]
    fn periods_parse_in_the_forms_analysts_type() {
        let q = FiscalPeriod::quarter(2026, 3).unwrap();
        for s in ["FY2026 Q3", "FY26 Q3", "fy26q3", "2026Q3", "FY2026-Q3"] {
            assert_eq!(FiscalPeriod::parse(s), Ok(q), "{s}");
        }
        assert_eq!(
            FiscalPeriod::parse("FY2025"),
            Ok(FiscalPeriod::year(2025).unwrap())
        );
        assert!(FiscalPeriod::parse("FY2026 Q5").is_err());
        assert!(FiscalPeriod::parse("Q3").is_err());
        assert!(FiscalPeriod::parse("FY202 Q1").is_err());
    }

    #[test]
    fn quarters_step_across_year_boundaries() {
        let q1 = FiscalPeriod::quarter(2026, 1).unwrap();
        assert_eq!(q1.previous(), FiscalPeriod::quarter(2025, 4).unwrap());
        assert_eq!(q1.previous().next(), q1);
        assert_eq!(q1.index() - q1.previous().previous().index(), 2);
    }

    #[test]
    fn microsofts_fiscal_q3_is_calendar_q1() {
        let cq = CalendarQuarter::containing_midpoint(date!(2026 - 01 - 01), date!(2026 - 03 - 31));
        assert_eq!(cq.label(), "CY26 Q1");
    }

    #[test]
    fn nvidias_quarter_ending_late_january_is_the_previous_calendar_q4() {
        let cq = CalendarQuarter::containing_midpoint(date!(2025 - 10 - 27), date!(2026 - 01 - 25));
        assert_eq!(
            cq,
            CalendarQuarter {
                year: 2025,
                quarter: 4
            }
        );
    }
}
