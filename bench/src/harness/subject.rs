//! Who and what a scenario reads: the busiest commune of the database (or `--commune`), one
//! of its officers with a fresh bearer token made by the product's own credential code, and
//! one of its clients.

use chrono::{Duration, Utc};
use entities::{account, client, officer};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, Statement,
};
use uuid::Uuid;

/// The commune, officer and client a read scenario uses.
#[derive(Debug, Clone)]
pub struct Subject {
    /// Commune code.
    pub commune: String,
    /// Clients in that commune.
    pub clients_in_commune: u64,
    /// An active officer of the commune.
    pub officer_id: Uuid,
    /// That officer's bearer token.
    pub token: String,
    /// A client of the commune.
    pub client_id: Uuid,
}

impl Subject {
    /// Finds the subject in `db` (the commune with the most clients unless `commune` is given)
    /// and issues its officer a token valid for a day.
    pub async fn find(db: &DatabaseConnection, commune: Option<&str>) -> Result<Self, String> {
        let backend = db.get_database_backend();
        let sql = match commune {
            Some(code) => format!(
                "SELECT commune_code AS code, COUNT(*) AS n FROM clients WHERE commune_code = '{}' GROUP BY commune_code",
                code.replace('\'', "")
            ),
            None => "SELECT commune_code AS code, COUNT(*) AS n FROM clients GROUP BY commune_code ORDER BY COUNT(*) DESC, commune_code LIMIT 1".to_owned(),
        };
        let row = db
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no clients in the database: run `bench -- generate` first")?;
        let code: String = row.try_get("", "code").map_err(|e| e.to_string())?;
        let code = code.trim().to_owned();
        let clients_in_commune: i64 = row.try_get("", "n").map_err(|e| e.to_string())?;
        let officer = officer::Entity::find()
            .filter(officer::Column::CommuneCode.eq(code.as_str()))
            .filter(officer::Column::Active.eq(true))
            .order_by_asc(officer::Column::Id)
            .one(db)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("commune {code} has no active officer"))?;
        let client = client::Entity::find()
            .filter(client::Column::CommuneCode.eq(code.as_str()))
            .order_by_asc(client::Column::Id)
            .one(db)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no client")?;
        let token = officer_token(db, &officer).await?;
        Ok(Self {
            commune: code,
            clients_in_commune: clients_in_commune as u64,
            officer_id: officer.id,
            token,
            client_id: client.id,
        })
    }
}

/// A new bearer token for `officer`'s account (created if the officer has none).
async fn officer_token(
    db: &DatabaseConnection,
    officer: &officer::Model,
) -> Result<String, String> {
    let now = Utc::now();
    let existing = account::Entity::find()
        .filter(account::Column::OfficerId.eq(officer.id))
        .filter(account::Column::DisabledAt.is_null())
        .one(db)
        .await
        .map_err(|e| e.to_string())?;
    let account_id = match existing {
        Some(a) => a.id,
        None => {
            let id = Uuid::now_v7();
            account::ActiveModel {
                id: Set(id),
                kind: Set("officer".into()),
                officer_id: Set(Some(officer.id)),
                province_code: Set(None),
                display_name: Set(officer.full_name.clone()),
                created_at: Set(now),
                disabled_at: Set(None),
            }
            .insert(db)
            .await
            .map_err(|e| e.to_string())?;
            id
        }
    };
    let (secret, _) = api::auth::credentials::issue_token(db, account_id, now, Duration::days(1))
        .await
        .map_err(|e| e.message())?;
    Ok(secret)
}
