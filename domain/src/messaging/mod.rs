//! Messaging rules for reminders and check-ins: pure functions, no network,
//! no database. The job layer asks these functions what to send, when, over
//! which channel, and what a gateway's answer means; then it does the I/O.
//!
//! - [`text`]: folding Vietnamese to ASCII, SMS encodings and segments.
//! - [`local_time`]: times, dates and phone numbers as people read them.
//! - [`templates`]: message texts as data, rendering, stigma-safe wording.
//! - [`quiet_hours`]: when non-urgent messages wait.
//! - [`outcome`]: classifying ZNS, Zalo OA and eSMS answers.
//! - [`channel`]: which channels to try and where to fall back.
//! - [`channel_knowledge`]: what earlier sends taught us (not on Zalo, OA refused).
//! - [`channel_cost`]: the cheapest likely channel first, at the prices in force.
//! - [`backoff`]: retry timing with full jitter.
//! - [`delivery_decision`]: what happens to one outbox message next.
//! - [`reply`]: understanding inbound replies.
//! - [`invitation`]: codes that tie a Zalo OA follower to a client.
//! - [`pricing`]: what an attempt costs (units, billed outcomes, the price in force).
//! - [`reach`]: when a client counts as unreachable.
//! - [`budget`]: a commune's monthly budget: the alert, and which messages wait.

pub mod backoff;
pub mod budget;
pub mod channel;
pub mod channel_cost;
pub mod channel_knowledge;
pub mod delivery_decision;
pub mod invitation;
pub mod local_time;
pub mod outcome;
pub mod pricing;
pub mod quiet_hours;
pub mod reach;
pub mod reply;
pub mod templates;
pub mod text;

pub use self::backoff::{RetryPolicy, retry_delay};
pub use self::channel::{Channel, ContactProfile, PreferredChannel, channel_plan, next_channel};
pub use self::local_time::{format_local, format_local_date, format_phone_display};
pub use self::outcome::{
    OutcomeClass, classify_esms, classify_transport_error, classify_zalo_oa, classify_zns,
};
pub use self::quiet_hours::{QuietHours, ZNS_NIGHT};
pub use self::reply::{Reply, Wellbeing, parse_reply};
pub use self::templates::{
    RevealingWord, TemplateError, TemplateKey, Vars, check_client_value, render, render_sms,
};
pub use self::text::{Encoding, SegmentCount, encoding_for, fold_to_ascii, segments};
