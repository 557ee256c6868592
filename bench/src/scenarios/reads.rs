//! Reads over HTTP as a commune officer: the commune page, one client's full record, a
//! commune's agenda for a week. Each is loaded closed-loop (`--connections`, 16) and, with
//! `--rate`, open-loop; its SQL statements per request are counted. The commune page also
//! runs its ceilings and peers in the same run: the same page as one hand-written SQL
//! statement over a pool of the same size, a bare axum endpoint, `{ __typename }` with and
//! without a token, and PostGraphile (`--postgraphile URL`, started by
//! `bench/peers/postgraphile/run.sh`).

use chrono::{Datelike, Duration, Utc};
use serde_json::{Value, json};

use super::ceilings;
use crate::harness::{
    load::{self, Outcome, Shape},
    machine::Machine,
    options::Options,
    report::Report,
    server::{self, Server},
    subject::Subject,
};

/// Which read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// A commune's 50 clients with their commune, orders, officers, next check-ins and appointments.
    CommunePage,
    /// One client with orders, officers, upcoming check-ins, 50 past occurrences, appointments.
    ClientRecord,
    /// A commune's check-in windows and appointments for the next 7 days.
    Agenda,
}

/// The commune page as the API serves it.
pub const COMMUNE_PAGE: &str = "query($commune: String!) {
  clients(first: 50, filter: { communeCode: $commune }) { edges { node {
    id fullName status commune { name }
    orders { status assignments { role officer { fullName } } }
    upcomingCheckIns(first: 2) { dueOn opensAt }
    upcomingAppointments(first: 2) { kind startsAt place } } } } }";

const CLIENT_RECORD: &str = "query($id: ID!) {
  client(id: $id) {
    id fullName dateOfBirth address status phone commune { name }
    orders { status startDate endDate assignments { role officer { fullName phone } } }
    upcomingCheckIns(first: 5) { dueOn opensAt closesAt status }
  }
  checkInOccurrences(filter: { clientId: $id }, first: 50) { edges { node { dueOn status checkIn { checkedInAt late } } } }
  appointments(filter: { clientId: $id }, first: 20) { edges { node { kind startsAt place status officer { fullName } } } }
}";

const AGENDA: &str = "query($commune: String!, $from: DateTime!, $to: DateTime!) {
  checkInOccurrences(filter: { communeCode: $commune, opensFrom: $from, opensBefore: $to }, first: 100) {
    edges { node { dueOn opensAt closesAt status client { fullName } } } }
  appointments(filter: { communeCode: $commune, from: $from, to: $to }, first: 100) {
    edges { node { kind startsAt place status client { fullName } officer { fullName } } } }
}";

/// The same page in PostGraphile's schema (amber preset, computed columns from
/// `bench/peers/postgraphile/upcoming.sql`).
pub const POSTGRAPHILE_PAGE: &str = "query($commune: String!) {
  allClients(first: 50, condition: { communeCode: $commune }, orderBy: PRIMARY_KEY_ASC) { nodes {
    id fullName status communeByCommuneCode { name }
    supervisionOrdersByClientId { nodes { status orderAssignmentsByOrderId { nodes { role officerByOfficerId { fullName } } } } }
    benchUpcomingCheckIns(n: 2) { nodes { dueOn opensAt } }
    benchUpcomingAppointments(n: 2) { nodes { kind startsAt place } } } } }";

impl Read {
    /// The scenario's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Read::CommunePage => "commune-page",
            Read::ClientRecord => "client-record",
            Read::Agenda => "agenda",
        }
    }

    fn query(self, subject: &Subject) -> (&'static str, Value) {
        match self {
            Read::CommunePage => (COMMUNE_PAGE, json!({ "commune": subject.commune })),
            Read::ClientRecord => (
                CLIENT_RECORD,
                json!({ "id": api::graphql::ids::encode("Client", subject.client_id) }),
            ),
            Read::Agenda => {
                let today = Utc::now().date_naive();
                let monday = today - Duration::days(today.weekday().num_days_from_monday().into());
                let from = monday.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
                let to = from + Duration::days(7);
                (
                    AGENDA,
                    json!({ "commune": subject.commune, "from": from.to_rfc3339(), "to": to.to_rfc3339() }),
                )
            }
        }
    }
}

/// A GraphQL request as a load-generator [`load::Request`].
pub fn graphql_request(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &'static str,
    variables: Value,
) -> load::Request {
    let (http, url, token) = (http.clone(), url.to_owned(), token.map(str::to_owned));
    load::request(move || {
        let (http, url, token, variables) =
            (http.clone(), url.clone(), token.clone(), variables.clone());
        async move {
            server::graphql(&http, &url, token.as_deref(), query, &variables)
                .await
                .map(drop)
        }
    })
}

/// Closed loop, then open loop if `--rate`; one row each.
pub async fn measure(
    report: &mut Report,
    what: &str,
    shape: &Shape,
    request: load::Request,
) -> Outcome {
    // Warm-up: connections, caches, prepared statements.
    let _ = load::closed_loop(
        request.clone(),
        shape.connections,
        std::time::Duration::from_millis(500),
    )
    .await;
    let closed = load::closed_loop(request.clone(), shape.connections, shape.duration).await;
    report.row(what, shape.closed_setup(), closed.summary());
    if let Some(rate) = shape.rate {
        let open = load::open_loop(request, rate, shape.duration).await;
        report.row(what, shape.open_setup(rate), open.summary());
    }
    closed
}

/// `0.42×`.
pub fn ratio(ours: &Outcome, other: &Outcome) -> String {
    if other.rate() > 0.0 {
        format!("{:.2}×", ours.rate() / other.rate())
    } else {
        "–".into()
    }
}

/// Runs one read scenario.
pub async fn run(read: Read, options: &Options) -> Result<Report, String> {
    let url = options.database_url()?;
    let db = store::db::connect(&url, 10)
        .await
        .map_err(|e| e.to_string())?;
    let machine = Machine::describe(&db).await;
    let shape = Shape::from_options(options, 10.0)?;
    let subject = Subject::find(&db, options.get("commune")).await?;
    let http = reqwest::Client::new();
    let (query, variables) = read.query(&subject);
    let mut report = Report::new(read.name(), machine, &options.command_line);

    let statements =
        server::statements_per_request(&url, &http, Some(&subject.token), query, &variables)
            .await?;
    let server = Server::start(options, &url).await?;
    let cpu_before = server.child().and_then(|c| c.cpu_seconds());
    let ours = measure(
        &mut report,
        &format!("Đồng Hành {}", read.name()),
        &shape,
        graphql_request(
            &http,
            &server.url,
            Some(&subject.token),
            query,
            variables.clone(),
        ),
    )
    .await;
    report.note(format!(
        "Commune {} ({} clients); {statements} SQL statements per request (warm).",
        subject.commune, subject.clients_in_commune
    ));

    if read == Read::CommunePage {
        let sql = ceilings::page_sql(&db, &subject.commune, &shape).await?;
        report.row(
            "ceiling: the page as one hand-written SQL statement, same pool size (10)",
            shape.closed_setup(),
            format!(
                "{} → page at **{}** of it",
                sql.summary(),
                ratio(&ours, &sql)
            ),
        );
        let bare = ceilings::bare_axum(&http, &shape).await?;
        report.row(
            "ceiling: bare axum endpoint (constant JSON)",
            shape.closed_setup(),
            format!("{} → page at {}", bare.summary(), ratio(&ours, &bare)),
        );
        let typename = |token: Option<&str>| {
            graphql_request(&http, &server.url, token, "{ __typename }", json!({}))
        };
        let unauth = measure(
            &mut report,
            "Đồng Hành `{ __typename }` without a token",
            &shape,
            typename(None),
        )
        .await;
        let auth = measure(
            &mut report,
            "Đồng Hành `{ __typename }` with an officer token",
            &shape,
            typename(Some(&subject.token)),
        )
        .await;
        report.note(format!(
            "Authenticated `{{ __typename }}` runs at {} of the unauthenticated one (target ≥ 0.67×, i.e. within 1.5×).",
            ratio(&auth, &unauth)
        ));
        if let Some(peer) = options.get("postgraphile") {
            let peer_request = graphql_request(
                &http,
                peer,
                None,
                POSTGRAPHILE_PAGE,
                json!({ "commune": subject.commune }),
            );
            let pg = measure(
                &mut report,
                "PostGraphile 5 commune page (same data, pool 10)",
                &shape,
                peer_request,
            )
            .await;
            report.note(format!(
                "The page runs at {} of PostGraphile's throughput in the same run.",
                ratio(&ours, &pg)
            ));
            if let Some(rss) = ceilings::rss_of_peer(
                options
                    .get("postgraphile-pid-file")
                    .unwrap_or("bench/peers/postgraphile/.pid"),
            ) {
                report.note(format!("PostGraphile peak RSS: {rss:.0} MB."));
            }
        }
    }

    if let Some(child) = server.child() {
        let cpu = match (cpu_before, child.cpu_seconds()) {
            (Some(a), Some(b)) => format!(", {:.1} CPU s during the runs", b - a),
            _ => String::new(),
        };
        report.note(format!(
            "API process (child): peak RSS {:.0} MB{cpu}.",
            child.peak_rss_mb().unwrap_or(f64::NAN)
        ));
    }
    server.stop().await;
    Ok(report)
}
