//! Importer for the official list of provinces and communes (CSV), and the bundled demo sample.
//!
//! Accepted columns (header names, English or the Vietnamese of the official list):
//! `province_code` (Mã tỉnh), `province_name` (Tên tỉnh), `commune_code` (Mã xã),
//! `commune_name` (Tên xã), `kind` (Cấp: Xã / Phường / Đặc khu), and, for pre-merger units,
//! `successor_code` (Mã xã mới) and `abolished_on` (YYYY-MM-DD). Rows are upserted by code,
//! all in one transaction: one bad line and nothing is written.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::{
    CommuneCode, ProvinceCode,
    bounds::{MAX_IMPORT_ROWS, MAX_ORGANISATION_NAME_CHARS},
    search::search_key,
    text,
    time::parse_date,
};
use entities::{commune, province};
use sea_orm::{ConnectionTrait, EntityTrait, Set, sea_query::OnConflict};

use crate::error::{AppError, AppResult};

/// The bundled sample loaded into an empty embedded database for the demo.
pub const DEMO_SAMPLE_CSV: &str = include_str!("../../data/sample_communes.csv");

/// Counts of an import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Provinces inserted or updated.
    pub provinces: u64,
    /// Current communes inserted or updated.
    pub communes: u64,
    /// Pre-merger units inserted or updated.
    pub former_communes: u64,
}

#[derive(Debug, Clone)]
struct Row {
    province_code: String,
    province_name: String,
    commune_code: String,
    commune_name: String,
    kind: &'static str,
    successor_code: Option<String>,
    abolished_on: Option<NaiveDate>,
}

const COLUMNS: [(&str, &[&str]); 7] = [
    ("province_code", &["province_code", "ma tinh", "ma tp"]),
    (
        "province_name",
        &[
            "province_name",
            "ten tinh",
            "tinh / thanh pho",
            "tinh/thanh pho",
        ],
    ),
    ("commune_code", &["commune_code", "ma xa", "ma"]),
    ("commune_name", &["commune_name", "ten xa", "ten"]),
    ("kind", &["kind", "cap"]),
    ("successor_code", &["successor_code", "ma xa moi"]),
    ("abolished_on", &["abolished_on", "ngay bai bo"]),
];

fn parse_kind(raw: &str, name: &str) -> Option<&'static str> {
    let key = search_key(if raw.trim().is_empty() { name } else { raw });
    if key.starts_with("phuong") {
        Some("ward")
    } else if key.starts_with("dac khu") || key == "dac_khu" || key == "special_zone" {
        Some("special_zone")
    } else if key.starts_with("xa") || key == "commune" {
        Some("commune")
    } else if key == "ward" {
        Some("ward")
    } else {
        None
    }
}

fn parse_rows(csv_text: &str) -> AppResult<Vec<Row>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| AppError::field("csv", format!("CSV header: {e}")))?
        .clone();
    let mut index = BTreeMap::new();
    for (i, h) in headers.iter().enumerate() {
        let key = search_key(h.trim_start_matches('\u{feff}'));
        if let Some((name, _)) = COLUMNS
            .iter()
            .find(|(_, aliases)| aliases.contains(&key.as_str()))
        {
            index.entry(*name).or_insert(i);
        }
    }
    for required in [
        "province_code",
        "province_name",
        "commune_code",
        "commune_name",
    ] {
        if !index.contains_key(required) {
            return Err(AppError::field(
                "csv",
                format!("CSV lacks the column {required}"),
            ));
        }
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        if n >= MAX_IMPORT_ROWS {
            return Err(AppError::field(
                "csv",
                format!("at most {MAX_IMPORT_ROWS} rows per import; split the file"),
            ));
        }
        let bad = |msg: String| AppError::field("csv", format!("CSV line {line}: {msg}"));
        let record = record.map_err(|e| bad(e.to_string()))?;
        let get = |col: &str| {
            index
                .get(col)
                .and_then(|&i| record.get(i))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let province_code =
            ProvinceCode::parse(&get("province_code")).map_err(|e| bad(e.to_string()))?;
        let commune_code =
            CommuneCode::parse(&get("commune_code")).map_err(|e| bad(e.to_string()))?;
        let name = |col: &str| {
            text::required(&get(col), MAX_ORGANISATION_NAME_CHARS)
                .map_err(|e| bad(format!("{col} {e}")))
        };
        let commune_name = name("commune_name")?;
        let province_name = name("province_name")?;
        let kind = parse_kind(&get("kind"), &commune_name).ok_or_else(|| {
            bad("kind must be Xã, Phường or Đặc khu (commune, ward, special_zone)".into())
        })?;
        let successor_code = match get("successor_code") {
            s if s.is_empty() => None,
            s => Some(
                CommuneCode::parse(&s)
                    .map_err(|e| bad(format!("successor: {e}")))?
                    .as_str()
                    .to_owned(),
            ),
        };
        let abolished_on = match get("abolished_on") {
            s if s.is_empty() => None,
            s => Some(parse_date(&s).map_err(|e| bad(format!("abolished_on: {e}")))?),
        };
        rows.push(Row {
            province_code: province_code.as_str().to_owned(),
            province_name,
            commune_code: commune_code.as_str().to_owned(),
            commune_name,
            kind,
            successor_code,
            abolished_on,
        });
    }
    Ok(rows)
}

/// Upserts the rows of an official list; the caller runs it inside a transaction.
pub async fn import_communes(
    db: &impl ConnectionTrait,
    csv_text: &str,
    now: DateTime<Utc>,
) -> AppResult<ImportSummary> {
    let rows = parse_rows(csv_text)?;
    if rows.is_empty() {
        return Err(AppError::field("csv", "the CSV has no rows"));
    }
    let mut provinces = BTreeMap::new();
    for r in &rows {
        provinces
            .entry(r.province_code.clone())
            .or_insert_with(|| r.province_name.clone());
    }
    let mut summary = ImportSummary {
        provinces: provinces.len() as u64,
        ..Default::default()
    };
    province::Entity::insert_many(provinces.into_iter().map(|(code, name)| {
        province::ActiveModel {
            code: Set(code),
            name: Set(name),
            created_at: Set(now),
        }
    }))
    .on_conflict(
        OnConflict::column(province::Column::Code)
            .update_column(province::Column::Name)
            .to_owned(),
    )
    .exec(db)
    .await?;
    // Current units first, so pre-merger rows can point at their successors.
    let (current, former): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(|r| r.successor_code.is_none());
    summary.communes = current.len() as u64;
    summary.former_communes = former.len() as u64;
    for batch in [current, former] {
        for chunk in batch.chunks(500) {
            let models = chunk.iter().map(|r| commune::ActiveModel {
                code: Set(r.commune_code.clone()),
                province_code: Set(r.province_code.clone()),
                name: Set(r.commune_name.clone()),
                name_search: Set(search_key(&r.commune_name)),
                kind: Set(r.kind.to_owned()),
                is_current: Set(r.successor_code.is_none()),
                successor_code: Set(r.successor_code.clone()),
                abolished_on: Set(r.abolished_on),
                created_at: Set(now),
            });
            commune::Entity::insert_many(models)
                .on_conflict(
                    OnConflict::column(commune::Column::Code)
                        .update_columns([
                            commune::Column::ProvinceCode,
                            commune::Column::Name,
                            commune::Column::NameSearch,
                            commune::Column::Kind,
                            commune::Column::IsCurrent,
                            commune::Column::SuccessorCode,
                            commune::Column::AbolishedOn,
                        ])
                        .to_owned(),
                )
                .exec(db)
                .await
                .map_err(|e| match e.sql_err() {
                    Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => AppError::field(
                        "csv",
                        "a successor_code names a commune that is not in the list",
                    ),
                    _ => AppError::from(e),
                })?;
        }
    }
    Ok(summary)
}

/// Imports the official list on behalf of a national administrator, audited, in one transaction.
pub async fn import_with_audit(
    db: &sea_orm::DatabaseConnection,
    ctx: &crate::context::RequestContext,
    csv_text: &str,
) -> AppResult<ImportSummary> {
    ctx.principal()?.require_admin(true)?;
    let txn = store::db::begin_write(db).await?;
    let summary = import_communes(&txn, csv_text, ctx.now).await?;
    let subject = crate::audit::Subject {
        entity_type: "commune",
        entity_id: None,
        commune_code: None,
    };
    let detail = format!(
        "{} provinces, {} communes, {} former",
        summary.provinces, summary.communes, summary.former_communes
    );
    crate::audit::record(&txn, ctx, "communes.import", subject, Some(detail)).await?;
    txn.commit().await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vietnamese_headers_and_kinds() {
        let csv = "Mã tỉnh,Tên tỉnh,Mã xã,Tên xã,Cấp\n01,Thành phố Hà Nội,00004,Phường Ba Đình,Phường\n20,Tỉnh Lạng Sơn,06040,Xã Hữu Lũng,Xã\n";
        let rows = parse_rows(csv).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].kind, "ward");
        assert_eq!(rows[1].kind, "commune");
    }

    #[test]
    fn reports_the_bad_line() {
        let csv = "province_code,province_name,commune_code,commune_name,kind\n01,Hà Nội,00004,Ba Đình,phuong\n01,Hà Nội,4,X,xa\n";
        let err = parse_rows(csv).unwrap_err().message();
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn bundled_sample_parses() {
        assert!(parse_rows(DEMO_SAMPLE_CSV).unwrap().len() >= 5);
    }
}
