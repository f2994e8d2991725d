//! Instants: UTC milliseconds since the Unix epoch (SPEC §3.1).
//!
//! Input is RFC 3339 with an explicit offset; it is stored as UTC. A finer
//! fraction than milliseconds is rejected, never rounded, and a local time
//! without an offset is rejected. In JSON an instant is printed as
//! `2025-06-10T06:00:00.000Z`; in the canonical binary encoding it is an
//! `i64` of milliseconds.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A point in time, UTC, millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(i64);

/// Why a text is not a valid instant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InstantError {
    /// Not RFC 3339, or no UTC offset (a local time is ambiguous).
    #[error("`{0}` is not an RFC 3339 instant with an offset (e.g. 2025-03-14T15:40:00+01:00)")]
    Syntax(String),
    /// More precise than milliseconds (SPEC §3.1: rejected, never rounded).
    #[error("`{0}` has a fraction finer than milliseconds; instants carry at most millisecond precision")]
    TooPrecise(String),
    /// Outside the range the ledger stores (years 1970-9999).
    #[error("`{0}` is outside the supported range 1970-01-01..9999-12-31")]
    OutOfRange(String),
}

impl Instant {
    /// Wraps milliseconds since 1970-01-01T00:00:00Z.
    pub const fn from_millis(ms: i64) -> Self {
        Instant(ms)
    }

    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub const fn millis(self) -> i64 {
        self.0
    }

    /// Parses an RFC 3339 instant with any offset, as SPEC §3.1 requires.
    pub fn parse(text: &str) -> Result<Self, InstantError> {
        let dt = DateTime::parse_from_rfc3339(text)
            .map_err(|_| InstantError::Syntax(text.to_owned()))?;
        if dt.timestamp_subsec_nanos() % 1_000_000 != 0 {
            return Err(InstantError::TooPrecise(text.to_owned()));
        }
        let ms = dt.timestamp_millis();
        if !(0..=253_402_300_799_999).contains(&ms) {
            return Err(InstantError::OutOfRange(text.to_owned()));
        }
        Ok(Instant(ms))
    }

    /// The instant as a chrono UTC date-time.
    pub fn to_utc(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Reads the system clock. The only place the ledger does so: the CLI calls
    /// it once per command to stamp `recorded_at`.
    pub fn now() -> Self {
        Instant(Utc::now().timestamp_millis())
    }

    /// Adds milliseconds, saturating at the ends of `i64`.
    pub fn saturating_add_millis(self, ms: i64) -> Self {
        Instant(self.0.saturating_add(ms))
    }
}

impl fmt::Display for Instant {
    /// RFC 3339 in UTC with milliseconds and `Z`, e.g.
    /// `2025-06-01T10:00:00.000Z`: chrono's `to_rfc3339_opts(Millis, true)`
    /// written without allocating (reports print tens of thousands of
    /// instants); years outside 0000-9999 are left to chrono.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::{Datelike, Timelike};
        let t = self.to_utc();
        let year = t.year();
        if !(0..=9999).contains(&year) {
            return f.write_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true));
        }
        let mut b = *b"0000-00-00T00:00:00.000Z";
        let mut put = |at: usize, width: usize, mut v: u32| {
            for i in (0..width).rev() {
                b[at + i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, 4, year as u32);
        put(5, 2, t.month());
        put(8, 2, t.day());
        put(11, 2, t.hour());
        put(14, 2, t.minute());
        put(17, 2, t.second());
        put(20, 3, t.timestamp_subsec_millis());
        f.write_str(std::str::from_utf8(&b).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            s.serialize_i64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            Instant::parse(&text).map_err(de::Error::custom)
        } else {
            Ok(Instant(i64::deserialize(d)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_equals_chrono_rfc3339_millis() {
        let chrono_text = |i: Instant| i.to_utc().to_rfc3339_opts(SecondsFormat::Millis, true);
        let ms_of = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .unwrap()
                .timestamp_millis()
        };
        let year0 = ms_of("0000-01-01T00:00:00Z");
        let year9999_end = ms_of("9999-12-31T23:59:59.999Z");
        // Edges: the epoch, before it, year 0 and 9999, outside them, leap days.
        let mut cases: Vec<i64> = vec![
            0,
            -1,
            1,
            999,
            -86_400_000,
            year0,
            year0 - 1,
            year9999_end,
            year9999_end + 1,
            Instant::parse("2024-02-29T23:59:59.999Z").unwrap().millis(),
            Instant::parse("2025-10-26T01:00:00Z").unwrap().millis(),
            i64::MAX,
            i64::MIN,
        ];
        // And a spread of instants over five centuries.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases.push((x % 16_000_000_000_000) as i64 - 3_000_000_000_000);
        }
        for ms in cases {
            let i = Instant::from_millis(ms);
            assert_eq!(i.to_string(), chrono_text(i), "instant {ms}");
        }
    }

    #[test]
    fn any_offset_is_stored_as_utc() {
        let a = Instant::parse("2025-03-14T15:40:00+01:00").unwrap();
        let b = Instant::parse("2025-03-14T14:40:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "2025-03-14T14:40:00.000Z");
    }

    #[test]
    fn local_time_without_offset_is_rejected() {
        assert!(matches!(
            Instant::parse("2025-03-14T15:40:00"),
            Err(InstantError::Syntax(_))
        ));
    }

    #[test]
    fn sub_millisecond_fraction_is_rejected_not_rounded() {
        assert!(Instant::parse("2025-03-14T15:40:00.123Z").is_ok());
        assert!(matches!(
            Instant::parse("2025-03-14T15:40:00.1234Z"),
            Err(InstantError::TooPrecise(_))
        ));
    }
}
