//! Ceilings the reads are compared with in the same run: the commune page as one hand-written
//! SQL statement over a pool of the API's size, and a bare axum endpoint for HTTP overhead.

use axum::{Json, Router, routing::get};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::json;

use crate::harness::load::{self, Outcome, Shape};

/// The commune page (50 clients by id, commune name, orders with their officers, two upcoming
/// check-ins and two upcoming appointments each) as one statement returning one JSON document.
fn page_statement(backend: DatabaseBackend, commune: &str) -> Statement {
    let now = Utc::now();
    match backend {
        DatabaseBackend::Postgres => Statement::from_sql_and_values(
            backend,
            "SELECT json_agg(p)::text AS page FROM (
               SELECT c.id, c.full_name, c.status, co.name AS commune,
                 (SELECT json_agg(json_build_object('status', o.status, 'assignments',
                    (SELECT json_agg(json_build_object('role', a.role, 'officer', f.full_name))
                       FROM order_assignments a JOIN officers f ON f.id = a.officer_id
                      WHERE a.order_id = o.id)))
                    FROM supervision_orders o WHERE o.client_id = c.id) AS orders,
                 (SELECT json_agg(json_build_object('due_on', u.due_on, 'opens_at', u.opens_at))
                    FROM (SELECT k.due_on, k.opens_at FROM check_in_occurrences k
                           WHERE k.client_id = c.id AND k.status = 'scheduled' AND k.closes_at > $2
                           ORDER BY k.opens_at LIMIT 2) u) AS upcoming,
                 (SELECT json_agg(json_build_object('kind', v.kind, 'starts_at', v.starts_at, 'place', v.place))
                    FROM (SELECT a.kind, a.starts_at, a.place FROM appointments a
                           WHERE a.client_id = c.id AND a.status = 'scheduled' AND a.ends_at > $2
                           ORDER BY a.starts_at LIMIT 2) v) AS appointments
               FROM clients c JOIN communes co ON co.code = c.commune_code
               WHERE c.commune_code = $1 ORDER BY c.id LIMIT 50) p",
            [commune.into(), now.into()],
        ),
        _ => Statement::from_sql_and_values(
            backend,
            "SELECT json_group_array(json(p.doc)) AS page FROM (
               SELECT json_object('id', lower(hex(c.id)), 'full_name', c.full_name, 'status', c.status,
                 'commune', co.name,
                 'orders', (SELECT json_group_array(json_object('status', o.status, 'assignments',
                    (SELECT json_group_array(json_object('role', a.role, 'officer', f.full_name))
                       FROM order_assignments a JOIN officers f ON f.id = a.officer_id
                      WHERE a.order_id = o.id)))
                    FROM supervision_orders o WHERE o.client_id = c.id),
                 'upcoming', (SELECT json_group_array(json_object('due_on', u.due_on, 'opens_at', u.opens_at))
                    FROM (SELECT k.due_on, k.opens_at FROM check_in_occurrences k
                           WHERE k.client_id = c.id AND k.status = 'scheduled' AND k.closes_at > ?2
                           ORDER BY k.opens_at LIMIT 2) u),
                 'appointments', (SELECT json_group_array(json_object('kind', v.kind, 'starts_at', v.starts_at, 'place', v.place))
                    FROM (SELECT a.kind, a.starts_at, a.place FROM appointments a
                           WHERE a.client_id = c.id AND a.status = 'scheduled' AND a.ends_at > ?2
                           ORDER BY a.starts_at LIMIT 2) v)) AS doc
               FROM clients c JOIN communes co ON co.code = c.commune_code
               WHERE c.commune_code = ?1 ORDER BY c.id LIMIT 50) p",
            [commune.into(), now.into()],
        ),
    }
}

/// The hand-written page statement, closed loop over `shape.connections` tasks sharing a pool
/// of 10 connections (the API's default `DATABASE_MAX_CONNECTIONS`).
pub async fn page_sql(
    db: &sea_orm::DatabaseConnection,
    commune: &str,
    shape: &Shape,
) -> Result<Outcome, String> {
    let statement = page_statement(db.get_database_backend(), commune);
    let first = db
        .query_one_raw(statement.clone())
        .await
        .map_err(|e| format!("page statement: {e}"))?
        .ok_or("page statement returned no row")?;
    let _: Option<String> = first.try_get("", "page").map_err(|e| e.to_string())?;
    let db = db.clone();
    let request = load::request(move || {
        let (db, statement) = (db.clone(), statement.clone());
        async move {
            db.query_one_raw(statement)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| "no row".to_owned())
                .map(drop)
        }
    });
    let _ = load::closed_loop(
        request.clone(),
        shape.connections,
        std::time::Duration::from_millis(500),
    )
    .await;
    Ok(load::closed_loop(request, shape.connections, shape.duration).await)
}

/// A bare axum server answering a constant JSON document, loaded like the API.
pub async fn bare_axum(http: &reqwest::Client, shape: &Shape) -> Result<Outcome, String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let url = format!(
        "http://{}/",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let app = Router::new().route(
        "/",
        get(|| async { Json(json!({ "data": { "__typename": "QueryRoot" } })) }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let http = http.clone();
    let request = load::request(move || {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let res = http.get(&url).send().await.map_err(|e| e.to_string())?;
            if !res.status().is_success() {
                return Err(res.status().to_string());
            }
            res.bytes().await.map(drop).map_err(|e| e.to_string())
        }
    });
    let _ = load::closed_loop(
        request.clone(),
        shape.connections,
        std::time::Duration::from_millis(500),
    )
    .await;
    let outcome = load::closed_loop(request, shape.connections, shape.duration).await;
    server.abort();
    Ok(outcome)
}

/// Peak RSS of the PostGraphile started by `bench/peers/postgraphile/run.sh` (its pid file).
pub fn rss_of_peer(pid_file: &str) -> Option<f64> {
    let pid = std::fs::read_to_string(pid_file).ok()?;
    crate::harness::machine::peak_rss_mb(pid.trim())
}
