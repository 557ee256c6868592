//! `escalation-queue`: an officer's escalation dashboard over HTTP — the commune's open
//! escalations and those being handled, 50 of each, with the client, level, owner and the last
//! three history entries — closed-loop (`--connections`) and, with `--rate`, open-loop; its
//! SQL statements per request are counted. The subject is the commune with the most
//! unresolved escalations (or `--commune`).

use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use super::reads::{graphql_request, measure};
use crate::harness::{
    load::Shape,
    machine::Machine,
    options::Options,
    report::Report,
    server::{self, Server},
    subject::Subject,
};

/// The dashboard as the API serves it.
pub const ESCALATION_QUEUE: &str = "query($commune: String!) {
  open: escalations(first: 50, filter: { communeCode: $commune, status: OPEN }) {
    totalCount edges { node { ...row } } }
  taken: escalations(first: 50, filter: { communeCode: $commune, status: ACKNOWLEDGED }) {
    totalCount edges { node { ...row } } }
}
fragment row on Escalation {
  id level misses openedAt levelSince topReportedAt acknowledgedAt
  client { fullName } owner { fullName }
  events(last: 3) { kind level occurredAt detail }
}";

/// The commune with the most unresolved escalations, if any has one.
async fn busiest_commune(db: &impl ConnectionTrait) -> Result<Option<String>, String> {
    let sql = "SELECT commune_code AS code FROM escalations WHERE status IN ('open', 'acknowledged') \
               GROUP BY commune_code ORDER BY COUNT(*) DESC, commune_code LIMIT 1";
    let Some(row) = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    let code: String = row.try_get("", "code").map_err(|e| e.to_string())?;
    Ok(Some(code.trim().to_owned()))
}

/// Runs the scenario.
pub async fn run(options: &Options) -> Result<Report, String> {
    let url = options.database_url()?;
    let db = store::db::connect(&url, 10)
        .await
        .map_err(|e| e.to_string())?;
    let machine = Machine::describe(&db).await;
    let shape = Shape::from_options(options, 10.0)?;
    // With no escalation anywhere (the demo data) the busiest commune by clients: the
    // queue's statements still run, over empty lists.
    let commune = match options.get("commune") {
        Some(c) => Some(c.to_owned()),
        None => busiest_commune(&db).await?,
    };
    let subject = Subject::find(&db, commune.as_deref()).await?;
    let http = reqwest::Client::new();
    let variables = json!({ "commune": subject.commune });
    let mut report = Report::new("escalation-queue", machine, &options.command_line);

    let statements = server::statements_per_request(
        &url,
        &http,
        Some(&subject.token),
        ESCALATION_QUEUE,
        &variables,
    )
    .await?;
    let server = Server::start(options, &url).await?;
    let shown = server::graphql(
        &http,
        &server.url,
        Some(&subject.token),
        ESCALATION_QUEUE,
        &variables,
    )
    .await?;
    let count = |k: &str| shown["data"][k]["totalCount"].as_i64().unwrap_or(0);
    measure(
        &mut report,
        "Đồng Hành escalation-queue",
        &shape,
        graphql_request(
            &http,
            &server.url,
            Some(&subject.token),
            ESCALATION_QUEUE,
            variables.clone(),
        ),
    )
    .await;
    report.note(format!(
        "Commune {} ({} clients; {} open and {} acknowledged escalations); {statements} SQL statements per request (warm).",
        subject.commune,
        subject.clients_in_commune,
        count("open"),
        count("taken")
    ));
    if let Some(child) = server.child() {
        report.note(format!(
            "API process (child): peak RSS {:.0} MB.",
            child.peak_rss_mb().unwrap_or(f64::NAN)
        ));
    }
    server.stop().await;
    Ok(report)
}
