//! What a gateway attempt costs (issue 13, "prices as data"): the unit a provider bills on a
//! channel, how many units an attempt is, which outcomes are billed, and which price row is in
//! force on a day. The prices themselves are data (`channel_prices`), edited by an
//! administrator.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Channel, OutcomeClass, TemplateKey, local_time::to_local};

/// Cheapest and dearest price an administrator may set for one unit, in đồng. A brandname SMS
/// segment is about 1,000 đ; the ceiling catches a slipped digit, not a real price.
pub const MAX_UNIT_PRICE_VND: i64 = 100_000;

/// What a provider bills on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PriceUnit {
    /// One message (Zalo OA to a follower: free inside the interaction window).
    Message,
    /// One GSM-7 / UCS-2 segment of an SMS: every segment is billed.
    SmsSegment,
    /// A ZNS message of a custom template (text, or text with a table of fields).
    ZnsCustom,
    /// A ZNS authentication (OTP) template.
    ZnsOtp,
    /// A ZNS rating template.
    ZnsRating,
}

impl PriceUnit {
    /// Every unit.
    pub const ALL: [PriceUnit; 5] = [
        Self::Message,
        Self::SmsSegment,
        Self::ZnsCustom,
        Self::ZnsOtp,
        Self::ZnsRating,
    ];

    /// Stored form (`channel_prices.unit`, `outbox_attempts.unit`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::SmsSegment => "sms_segment",
            Self::ZnsCustom => "zns_custom",
            Self::ZnsOtp => "zns_otp",
            Self::ZnsRating => "zns_rating",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == s)
    }

    /// Whether a provider can bill this unit on `channel` (an SMS segment is not a Zalo unit).
    pub fn fits(self, channel: Channel) -> bool {
        match channel {
            Channel::Sms => self == Self::SmsSegment,
            Channel::ZaloOa => self == Self::Message,
            Channel::ZaloZns => matches!(self, Self::ZnsCustom | Self::ZnsOtp | Self::ZnsRating),
        }
    }
}

/// The ZNS template type each of our templates is registered as. Every template we send is a
/// notification with parameters, which Zalo prices as a custom template.
pub fn zns_unit(_template: TemplateKey) -> PriceUnit {
    PriceUnit::ZnsCustom
}

/// The unit one attempt on `channel` is billed in, and how many: SMS by segment (an SMS whose
/// text could not be rendered counts one), ZNS by template type, OA by message.
pub fn units(
    channel: Channel,
    template: Option<TemplateKey>,
    sms_segments: Option<u32>,
) -> (PriceUnit, i64) {
    match channel {
        Channel::Sms => (
            PriceUnit::SmsSegment,
            i64::from(sms_segments.unwrap_or(1).max(1)),
        ),
        Channel::ZaloOa => (PriceUnit::Message, 1),
        Channel::ZaloZns => (template.map_or(PriceUnit::ZnsCustom, zns_unit), 1),
    }
}

/// Whether the provider bills an attempt with this answer.
///
/// * Accepted: billed — the provider charges what it accepted (eSMS debits the balance on
///   acceptance; an SMS later reported undelivered, say to a phone that stayed off, stays
///   billed).
/// * Ambiguous (a timeout after the request left): billed — it may have gone out, and the cost
///   report must not understate what the commune pays.
/// * Duplicate (eSMS 124, a repeated `RequestId`): not billed, nothing new was sent.
/// * Every refusal (auth, retryable, reschedule, unreachable, channel unavailable, permanent):
///   not billed — the provider refused before sending.
pub fn billable(class: &OutcomeClass) -> bool {
    matches!(
        class,
        OutcomeClass::Accepted { .. } | OutcomeClass::Ambiguous { .. }
    )
}

/// The day a price is looked up for: the attempt's date in Asia/Ho_Chi_Minh (a price "from
/// 15 December" applies from midnight in Vietnam).
pub fn price_day(at: DateTime<Utc>) -> NaiveDate {
    to_local(at).date_naive()
}

/// The price in force on `day` among `(effective_from, price)` rows of one provider, channel
/// and unit: the latest that started on or before the day.
pub fn price_in_force(rows: &[(NaiveDate, i64)], day: NaiveDate) -> Option<i64> {
    rows.iter()
        .filter(|(from, _)| *from <= day)
        .max_by_key(|(from, _)| *from)
        .map(|(_, p)| *p)
}

/// What one attempt records: the price in force for its units, and what it is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptCost {
    /// Units × unit price; `None` when no price is set.
    pub price_vnd: Option<i64>,
    /// The price when billable, else 0; `None` when no price is set.
    pub billed_vnd: Option<i64>,
}

/// Prices `units` at `unit_price`, billed or not.
pub fn attempt_cost(unit_price: Option<i64>, units: i64, billed: bool) -> AttemptCost {
    let price_vnd = unit_price.map(|p| p.saturating_mul(units));
    AttemptCost {
        price_vnd,
        billed_vnd: price_vnd.map(|p| if billed { p } else { 0 }),
    }
}

/// The instants a month of the report covers, `[start, end)`: from midnight on the first in
/// Hà Nội to midnight on the first of the next month. `None` for a month that does not exist.
pub fn month_bounds(year: i32, month: u32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let at =
        |d: NaiveDate| super::local_time::local_to_utc(d.and_hms_opt(0, 0, 0).unwrap_or_default());
    Some((at(first), at(next)))
}

/// Cost per person in whole đồng, rounded half up; `None` when nobody was messaged.
pub fn cost_per_person(cost_vnd: i64, people: i64) -> Option<i64> {
    (people > 0).then(|| (cost_vnd * 2 + people) / (people * 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_latest_price_started_on_or_before_the_day_is_in_force() {
        let rows = [
            (d("2026-01-01"), 1000),
            (d("2026-12-15"), 1200),
            (d("2026-06-01"), 900),
        ];
        assert_eq!(price_in_force(&rows, d("2025-12-31")), None);
        assert_eq!(price_in_force(&rows, d("2026-05-31")), Some(1000));
        assert_eq!(price_in_force(&rows, d("2026-12-14")), Some(900));
        assert_eq!(price_in_force(&rows, d("2026-12-15")), Some(1200));
    }

    #[test]
    fn the_day_is_the_vietnamese_date() {
        // 17:00 UTC on the 14th is midnight on the 15th in Hà Nội.
        let at: DateTime<Utc> = "2026-12-14T17:00:00Z".parse().unwrap();
        assert_eq!(price_day(at), d("2026-12-15"));
        let before: DateTime<Utc> = "2026-12-14T16:59:59Z".parse().unwrap();
        assert_eq!(price_day(before), d("2026-12-14"));
    }

    #[test]
    fn sms_is_billed_by_segment_and_refusals_are_free() {
        assert_eq!(
            units(Channel::Sms, None, Some(2)),
            (PriceUnit::SmsSegment, 2)
        );
        assert_eq!(units(Channel::ZaloOa, None, None), (PriceUnit::Message, 1));
        assert_eq!(
            units(Channel::ZaloZns, Some(TemplateKey::CheckInPrompt), None),
            (PriceUnit::ZnsCustom, 1)
        );
        let accepted = OutcomeClass::Accepted {
            provider_id: "x".into(),
        };
        assert_eq!(
            attempt_cost(Some(1000), 2, billable(&accepted)),
            AttemptCost {
                price_vnd: Some(2000),
                billed_vnd: Some(2000)
            }
        );
        let refused = OutcomeClass::RecipientUnreachable {
            reason: "zns_-118".into(),
        };
        assert_eq!(
            attempt_cost(Some(300), 1, billable(&refused)),
            AttemptCost {
                price_vnd: Some(300),
                billed_vnd: Some(0)
            }
        );
        assert!(billable(&OutcomeClass::Ambiguous {
            reason: "timeout".into()
        }));
        assert!(!billable(&OutcomeClass::Duplicate { provider_id: None }));
        assert_eq!(
            attempt_cost(None, 1, true),
            AttemptCost {
                price_vnd: None,
                billed_vnd: None
            }
        );
    }

    #[test]
    fn a_month_runs_from_midnight_in_ha_noi() {
        let (start, end) = month_bounds(2026, 12).unwrap();
        assert_eq!(
            start,
            "2026-11-30T17:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            end,
            "2026-12-31T17:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert!(month_bounds(2026, 13).is_none());
        assert_eq!(cost_per_person(2500, 2), Some(1250));
        assert_eq!(cost_per_person(1001, 2), Some(501), "half up");
        assert_eq!(cost_per_person(1000, 3), Some(333));
        assert_eq!(cost_per_person(5, 0), None);
    }

    #[test]
    fn units_fit_their_channels() {
        assert!(PriceUnit::SmsSegment.fits(Channel::Sms));
        assert!(!PriceUnit::SmsSegment.fits(Channel::ZaloZns));
        assert!(PriceUnit::ZnsOtp.fits(Channel::ZaloZns));
        assert!(!PriceUnit::Message.fits(Channel::Sms));
        for u in PriceUnit::ALL {
            assert_eq!(PriceUnit::from_stored(u.as_str()), Some(u));
        }
    }
}
