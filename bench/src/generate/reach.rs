//! Reachability as the worker leaves it (issue 13's watch): a `client_reachability` row for
//! each client whose latest messages failed, with the count of that run and, past the
//! product's threshold, when the client became unreachable. A few clients lost their phone
//! (a number given up, a SIM gone dark): every message of their last three weeks failed.

use chrono::{DateTime, Duration, Utc};
use domain::messaging::reach::DEFAULT_UNREACHABLE_AFTER;
use entities::client_reachability;
use rand::{Rng, rngs::StdRng};
use std::collections::BTreeMap;
use uuid::Uuid;

use super::{CommuneRows, Rows, messages};

/// Share of clients whose phone stopped answering three weeks ago.
const LOST_PHONE: f64 = 0.01;

/// Derives the reachability of one commune's clients (`at`) from their messages, after giving
/// a few of them a lost phone.
pub fn commune(rng: &mut StdRng, rows: &mut Rows, at: &CommuneRows<'_>, now: DateTime<Utc>) {
    let lost: Vec<Uuid> = rows.clients[at.clients..]
        .iter()
        .filter(|_| rng.gen_bool(LOST_PHONE))
        .map(|c| c.id)
        .collect();
    let lost_since = now - Duration::days(21);
    let attempts = at.attempt_of(rows);
    // Each client's past messages, oldest first.
    let mut history: BTreeMap<Uuid, Vec<usize>> = BTreeMap::new();
    for (i, m) in rows.messages.iter().enumerate().skip(at.messages) {
        if let Some(client) = m.client_id
            && m.status != "queued"
        {
            history.entry(client).or_default().push(i);
        }
    }
    let threshold = usize::try_from(DEFAULT_UNREACHABLE_AFTER).unwrap_or(usize::MAX);
    for (client, mut sent) in history {
        sent.sort_by_key(|&i| rows.messages[i].due_at);
        if lost.contains(&client) {
            for &i in &sent {
                if rows.messages[i].due_at >= lost_since {
                    fail(rows, i, attempts.get(&rows.messages[i].id).copied());
                }
            }
        }
        let run: Vec<usize> = sent
            .iter()
            .rev()
            .take_while(|&&i| rows.messages[i].status == "failed")
            .copied()
            .collect();
        let Some(&latest) = run.first() else {
            continue;
        };
        // `run` is newest first: the failure that crossed the threshold is `threshold` from
        // the oldest.
        let unreachable_since =
            (run.len() >= threshold).then(|| rows.messages[run[run.len() - threshold]].updated_at);
        rows.reachability.push(client_reachability::Model {
            client_id: client,
            consecutive_failures: i32::try_from(run.len()).unwrap_or(i32::MAX),
            unreachable_since,
            updated_at: rows.messages[latest].updated_at,
        });
    }
}

/// Turns message `i` (and its attempt) into one the carrier reported undelivered: the number
/// no longer exists. eSMS still accepted and billed it.
fn fail(rows: &mut Rows, i: usize, attempt: Option<usize>) {
    let m = &mut rows.messages[i];
    m.status = "failed".to_owned();
    m.last_reason = Some(messages::UNDELIVERED.to_owned());
    m.delivered_at = None;
    if let Some(a) = attempt.map(|a| &mut rows.attempts[a]) {
        a.delivered_at = None;
        m.updated_at = a.attempted_at + Duration::seconds(30);
    }
}
