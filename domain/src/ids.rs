//! Identifier newtypes that are parsed once at the boundary and trusted after.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseIdError {
    #[error("ticker {0:?} is not valid: use 1 to 10 letters, digits, '.' or '-' (for example MSFT or BRK.B)")]
    Ticker(String),
    #[error("CIK {0:?} is not valid: use the SEC's numeric company identifier, 1 to 10 digits")]
    Cik(String),
    #[error("accession number {0:?} is not valid: expected the form 0001234567-26-000123")]
    Accession(String),
}

/// An exchange ticker, upper-case, 1–10 characters of `A-Z0-9.-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ticker(String);

impl Ticker {
    pub fn parse(raw: &str) -> Result<Self, ParseIdError> {
        let s = raw.trim().to_ascii_uppercase();
        let ok = !s.is_empty()
            && s.len() <= 10
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if ok {
            Ok(Self(s))
        } else {
            Err(ParseIdError::Ticker(raw.to_string()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Ticker {
    type Error = ParseIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<Ticker> for String {
    fn from(t: Ticker) -> Self {
        t.0
    }
}
impl fmt::Display for Ticker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SEC's Central Index Key. Stored as a number; shown zero-padded to ten digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cik(u64);

impl Cik {
    pub fn parse(raw: &str) -> Result<Self, ParseIdError> {
        let s = raw.trim();
        let s = s.strip_prefix("CIK").unwrap_or(s);
        if s.is_empty() || s.len() > 10 || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(ParseIdError::Cik(raw.to_string()));
        }
        match s.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Self(n)),
            _ => Err(ParseIdError::Cik(raw.to_string())),
        }
    }
    pub fn new(n: u64) -> Result<Self, ParseIdError> {
        Self::parse(&n.to_string())
    }
    pub fn value(self) -> u64 {
        self.0
    }
    /// `CIK0001652044`, the form used by EDGAR's file names.
    pub fn padded(self) -> String {
        format!("{:010}", self.0)
    }
}
impl TryFrom<String> for Cik {
    type Error = ParseIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<Cik> for String {
    fn from(c: Cik) -> Self {
        c.0.to_string()
    }
}
impl fmt::Display for Cik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An SEC accession number, `0001652044-26-000043` (10-2-6 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccessionNumber(String);

impl AccessionNumber {
    pub fn parse(raw: &str) -> Result<Self, ParseIdError> {
        let s = raw.trim();
        let parts: Vec<&str> = s.split('-').collect();
        let ok = parts.len() == 3
            && parts[0].len() == 10
            && parts[1].len() == 2
            && parts[2].len() == 6
            && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()));
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(ParseIdError::Accession(raw.to_string()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The filer's CIK is the first ten digits only for self-filed documents; the
    /// archive folder uses the company's CIK, so it is passed in.
    pub fn archive_url(&self, company: Cik) -> String {
        format!(
            "https://www.sec.gov/Archives/edgar/data/{}/{}/",
            company.value(),
            self.0.replace('-', "")
        )
    }
}
impl TryFrom<String> for AccessionNumber {
    type Error = ParseIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<AccessionNumber> for String {
    fn from(a: AccessionNumber) -> Self {
        a.0
    }
}
impl fmt::Display for AccessionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticker_is_normalised_to_upper_case() {
        assert_eq!(Ticker::parse(" googl ").unwrap().as_str(), "GOOGL");
        assert_eq!(Ticker::parse("BRK.B").unwrap().as_str(), "BRK.B");
    }

    #[test]
    fn malformed_tickers_are_rejected() {
        for bad in ["", "TOOLONGTICKER", "MS FT", "-X", "<script>"] {
            assert!(Ticker::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn a_cik_accepts_padding_and_the_cik_prefix() {
        assert_eq!(Cik::parse("0001652044").unwrap().value(), 1_652_044);
        assert_eq!(Cik::parse("CIK0000789019").unwrap().padded(), "0000789019");
        assert!(Cik::parse("0").is_err());
        assert!(Cik::parse("12a").is_err());
        assert!(Cik::parse("12345678901").is_err());
    }

    #[test]
    fn accession_numbers_need_the_10_2_6_shape() {
        let a = AccessionNumber::parse("0001018724-26-000014").unwrap();
        assert_eq!(
            a.archive_url(Cik::new(1_018_724).unwrap()),
            "https://www.sec.gov/Archives/edgar/data/1018724/000101872426000014/"
        );
        assert!(AccessionNumber::parse("0001018724-26-00001").is_err());
        assert!(AccessionNumber::parse("000101872426000014").is_err());
    }
}
