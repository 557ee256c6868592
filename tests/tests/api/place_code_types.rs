//! Migration m20261202_000020 (issue 9): place codes are `varchar(n)` on PostgreSQL, so a code
//! bound as text can use the column's index; the change keeps the data and its foreign keys and
//! reverts cleanly. On SQLite (text affinity only) it changes nothing.

use ::migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;
use tests::{TestApp, db_tests};

db_tests!(place_codes_are_varchar_and_the_change_reverts_with_the_data);

async fn fixed_width_columns(app: &TestApp) -> i64 {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) FROM information_schema.columns \
             WHERE table_schema = 'public' AND data_type = 'character'",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn foreign_keys(app: &TestApp) -> i64 {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn place_codes_are_varchar_and_the_change_reverts_with_the_data(app: TestApp) {
    let _ = app.world().await;
    let postgres = app.db.get_database_backend() == DbBackend::Postgres;
    let clients = app.count("clients").await;
    let fks = if postgres {
        assert_eq!(fixed_width_columns(&app).await, 0, "no char(n) column left");
        foreign_keys(&app).await
    } else {
        0
    };
    // Back to before the issue-9 migrations (the types, the index of a commune's messages) and
    // every migration added after them.
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let first = names
        .iter()
        .position(|n| n == "m20261202_000020_place_codes_varchar")
        .expect("the place-code migration is listed");
    Migrator::down(&app.db, Some((names.len() - first) as u32))
        .await
        .unwrap();
    if postgres {
        assert_eq!(fixed_width_columns(&app).await, 21, "char(n) again");
    }
    Migrator::up(&app.db, None).await.unwrap();
    if postgres {
        assert_eq!(fixed_width_columns(&app).await, 0);
        // Every foreign key is back: those the type change dropped and re-created, and those
        // of the tables later migrations made again.
        assert_eq!(foreign_keys(&app).await, fks, "foreign keys kept");
    }
    assert_eq!(app.count("clients").await, clients, "no row lost");
    let data = app
        .ok(
            &app.admin_token,
            "{ clients(filter: { communeCode: \"00004\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(data["clients"]["totalCount"].as_u64().unwrap() >= 1);
}
