//! The write mix as a commune officer over HTTP: in turn, record a check-in on an open window
//! (while any is left in the commune), create an appointment for one of the commune's clients,
//! and update a client's address. Closed loop over `--connections`, and open loop with `--rate`.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicUsize, Ordering},
};

use chrono::{Duration, Utc};
use entities::{check_in, check_in_occurrence, client};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use super::reads::measure;
use crate::harness::{
    load::{self, Shape},
    machine::Machine,
    options::Options,
    report::Report,
    server::{self, Server},
    subject::Subject,
};

const RECORD_CHECK_IN: &str = "mutation($input: RecordCheckInInput!) { recordCheckIn(input: $input) { occurrence { id status } } }";
const CREATE_APPOINTMENT: &str = "mutation($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointment { id } } }";
const UPDATE_CLIENT: &str =
    "mutation($input: UpdateClientInput!) { updateClient(input: $input) { client { id } } }";

/// Runs the write mix.
pub async fn run(options: &Options) -> Result<Report, String> {
    let url = options.database_url()?;
    let db = store::db::connect(&url, 10)
        .await
        .map_err(|e| e.to_string())?;
    let machine = Machine::describe(&db).await;
    let shape = Shape::from_options(options, 10.0)?;
    let subject = Subject::find(&db, options.get("commune")).await?;
    let now = Utc::now();
    let clients: Vec<Uuid> = client::Entity::find()
        .select_only()
        .column(client::Column::Id)
        .filter(client::Column::CommuneCode.eq(subject.commune.as_str()))
        .order_by_asc(client::Column::Id)
        .limit(200)
        .into_tuple()
        .all(&db)
        .await
        .map_err(|e| e.to_string())?;
    // Windows open now without a check-in: each can be recorded once.
    let open: Vec<Uuid> = check_in_occurrence::Entity::find()
        .select_only()
        .column(check_in_occurrence::Column::Id)
        .filter(check_in_occurrence::Column::CommuneCode.eq(subject.commune.as_str()))
        .filter(check_in_occurrence::Column::Status.eq("scheduled"))
        .filter(check_in_occurrence::Column::OpensAt.lte(now))
        .filter(check_in_occurrence::Column::ClosesAt.gt(now))
        .filter(
            check_in_occurrence::Column::Id.not_in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(check_in::Column::OccurrenceId)
                    .from(check_in::Entity)
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(&db)
        .await
        .map_err(|e| e.to_string())?;
    let available_check_ins = open.len();
    let open = Arc::new(Mutex::new(open));
    let turn = Arc::new(AtomicUsize::new(0));
    let kinds = Arc::new([
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ]);
    let mut report = Report::new("write-mix", machine, &options.command_line);
    let server = Server::start(options, &url).await?;
    let http = reqwest::Client::new();
    let (endpoint, token) = (server.url.clone(), subject.token.clone());
    let clients = Arc::new(clients);
    let request = {
        let kinds = kinds.clone();
        load::request(move || {
            let (http, endpoint, token) = (http.clone(), endpoint.clone(), token.clone());
            let (open, clients, kinds) = (open.clone(), clients.clone(), kinds.clone());
            let n = turn.fetch_add(1, Ordering::Relaxed);
            async move {
                let client = clients[n % clients.len().max(1)];
                let occurrence = n
                    .is_multiple_of(3)
                    .then(|| open.lock().ok().and_then(|mut o| o.pop()))
                    .flatten();
                let (query, input, kind) = match (occurrence, n % 3) {
                    (Some(id), _) => (
                        RECORD_CHECK_IN,
                        json!({ "occurrenceId": api::graphql::ids::encode("CheckInOccurrence", id), "method": "IN_PERSON", "note": "bench" }),
                        0,
                    ),
                    (None, 0 | 1) => {
                        let starts = Utc::now() + Duration::days(1 + (n % 20) as i64);
                        (
                            CREATE_APPOINTMENT,
                            json!({ "clientId": api::graphql::ids::encode("Client", client), "kind": "CASE_OFFICER_MEETING",
                                "startsAt": starts.to_rfc3339(), "endsAt": (starts + Duration::minutes(30)).to_rfc3339(),
                                "place": "UBND xã" }),
                            1,
                        )
                    }
                    _ => (
                        UPDATE_CLIENT,
                        json!({ "id": api::graphql::ids::encode("Client", client), "address": format!("Số {} đường Lê Lợi", n % 500 + 1) }),
                        2,
                    ),
                };
                server::graphql(
                    &http,
                    &endpoint,
                    Some(&token),
                    query,
                    &json!({ "input": input }),
                )
                .await?;
                kinds[kind].fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
        })
    };
    measure(&mut report, "Đồng Hành write mix", &shape, request).await;
    report.note(format!(
        "Commune {}: {} check-ins recorded (of {available_check_ins} open windows), {} appointments created, {} clients updated, warm-up included.",
        subject.commune,
        kinds[0].load(Ordering::Relaxed),
        kinds[1].load(Ordering::Relaxed),
        kinds[2].load(Ordering::Relaxed),
    ));
    if let Some(child) = server.child() {
        report.note(format!(
            "API process peak RSS {:.0} MB.",
            child.peak_rss_mb().unwrap_or(f64::NAN)
        ));
    }
    server.stop().await;
    Ok(report)
}
