//! How long a server certificate may be valid: Chromium's limits for leaves
//! from publicly trusted roots (`HasTooLongValidity`, by issue date) and
//! Apple's 825-day limit for every TLS leaf issued since 2019-07-01.

use super::CertFacts;

const DAY: i64 = 86_400;

/// 2019-07-01T00:00:00Z: Apple's 825-day limit applies from here, private CAs included.
const APPLE_825_FROM: i64 = 1_561_939_200;

/// Chromium's longest validity for a leaf issued at `not_before` under a
/// publicly trusted root, in seconds (months count as Chromium counts them:
/// the calendar end date after that many months).
pub fn chromium_limit(not_before: i64) -> Limit {
    // (issued before, limit) from cert_verify_proc.cc; the last one is open-ended.
    const TABLE: [(i64, Limit); 4] = [
        (1_341_100_800, Limit::Months(120)), // 2012-07-01
        (1_427_846_400, Limit::Months(60)),  // 2015-04-01
        (1_519_862_400, Limit::Months(39)),  // 2018-03-01
        (1_598_918_400, Limit::Days(825)),   // 2020-09-01
    ];
    TABLE.iter().find(|(before, _)| not_before < *before).map_or(Limit::Days(398), |(_, limit)| *limit)
}

/// A validity limit as the rule states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Days(i64),
    Months(i64),
}

impl Limit {
    /// Whether `cert`'s validity exceeds the limit.
    pub fn exceeded_by(self, cert: &CertFacts) -> bool {
        match self {
            Limit::Days(days) => cert.not_after - cert.not_before > days * DAY,
            Limit::Months(months) => months_later(cert.not_before, months).is_some_and(|end| cert.not_after > end),
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Days(days) => write!(f, "{days} days"),
            Limit::Months(months) => write!(f, "{months} months"),
        }
    }
}

/// Whether iOS refuses `cert` for its validity: issued since 2019-07-01 and
/// valid for more than 825 days, whatever CA issued it.
pub fn apple_refuses(cert: &CertFacts) -> bool {
    cert.not_before >= APPLE_825_FROM && Limit::Days(825).exceeded_by(cert)
}

/// The certificate's validity in whole days.
pub fn days(cert: &CertFacts) -> i64 {
    (cert.not_after - cert.not_before) / DAY
}

fn months_later(unix: i64, months: i64) -> Option<i64> {
    let start = time::OffsetDateTime::from_unix_timestamp(unix).ok()?;
    let total = i64::from(start.month() as u8) - 1 + months;
    let year = start.year() + i32::try_from(total / 12).ok()?;
    let month = time::Month::try_from(u8::try_from(total % 12 + 1).ok()?).ok()?;
    let day = start.day().min(month.length(year));
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    Some(date.with_time(start.time()).assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_follow_the_issue_date() {
        assert_eq!(chromium_limit(1_300_000_000), Limit::Months(120));
        assert_eq!(chromium_limit(1_500_000_000), Limit::Months(39));
        assert_eq!(chromium_limit(1_598_918_399), Limit::Days(825));
        assert_eq!(chromium_limit(1_598_918_400), Limit::Days(398));
    }

    #[test]
    fn months_land_on_the_calendar_date() {
        // 2015-01-31 + 1 month = 2015-02-28 (clamped), + 12 months = 2016-01-31.
        let jan31 = 1_422_662_400;
        assert_eq!(months_later(jan31, 1), Some(1_425_081_600));
        assert_eq!(months_later(jan31, 12), Some(1_454_198_400));
    }
}
