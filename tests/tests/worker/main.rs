//! The worker end to end: a change made through GraphQL writes the outbox, the real sender
//! claims it and calls fake Zalo ZNS and eSMS gateways over real HTTP (wiremock), and the
//! outbox row records what happened. Each test runs on SQLite and, with `TEST_DATABASE_URL`,
//! on PostgreSQL; the clock is the app's manual clock, moved instead of slept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod budget;
mod channels;
mod concurrency;
mod consent;
mod escalation;
mod escalation_channels;
mod escalation_feed;
mod failures;
mod heartbeat;
mod in_doubt;
mod loans;
mod metrics;
mod month_simulation;
mod pricing;
mod quiet_hours;
mod reach;
mod reach_invitations;
mod reachability;
mod retries;
mod sms_replies;
mod support;
mod texts;
