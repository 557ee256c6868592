//! Eligibility lists (Decision 08/2026/QĐ-TTg): compiled by the commune police, certified by
//! the commune People's Committee, sent to the bank; exported as CSV for the bank.

use chrono::NaiveDate;
use domain::{
    access::Permission,
    bounds::{
        MAX_ELIGIBILITY_LIST_ENTRIES, MAX_NAME_CHARS, MAX_ORGANISATION_NAME_CHARS, MAX_REASON_CHARS,
    },
    loan::{EligibilityListStatus, list_transition},
    time::local_date,
};
use entities::{client, eligibility_list, eligibility_list_entry};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use super::{loan_programmes, scoped_client};
use crate::{
    audit::{self, Subject},
    context::{RequestContext, SensitiveRead},
    error::{AppError, AppResult},
    input::{optional_text, required_text},
    pagination::{Page, PageRequest, paginate},
    scope::commune_condition,
};

fn subject(l: &eligibility_list::Model) -> Subject<'_> {
    Subject {
        entity_type: "eligibility_list",
        entity_id: Some(l.id),
        commune_code: Some(&l.commune_code),
    }
}

fn scoped(ctx: &RequestContext, permission: Permission) -> AppResult<Condition> {
    let principal = ctx.principal()?;
    principal.require(permission)?;
    Ok(commune_condition(
        &principal.scope(),
        eligibility_list::Column::CommuneCode,
    ))
}

fn status_of(l: &eligibility_list::Model) -> AppResult<EligibilityListStatus> {
    EligibilityListStatus::from_stored(&l.status)
        .ok_or_else(|| AppError::Internal(format!("bad list status {}", l.status).into()))
}

async fn for_update(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<eligibility_list::Model> {
    eligibility_list::Entity::find_by_id(id)
        .filter(scoped(ctx, Permission::ClientsWrite)?)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(AppError::NotFound("eligibility list"))
}

/// Starts a draft list of a commune in the caller's scope for a programme.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    commune_code: String,
    programme_id: Uuid,
    title: String,
) -> AppResult<eligibility_list::Model> {
    let principal = ctx.principal()?;
    principal.require(Permission::ClientsWrite)?;
    let title = required_text("title", &title, MAX_ORGANISATION_NAME_CHARS)?;
    let in_scope = match principal.scope() {
        domain::access::Scope::Everything => true,
        domain::access::Scope::Communes(codes) => codes.contains(&commune_code),
        domain::access::Scope::Province(_) => {
            // Resolved through the communes table below.
            true
        }
    };
    let txn = store::db::begin_write(db).await?;
    let commune = entities::commune::Entity::find_by_id(commune_code.clone())
        .filter(commune_condition(
            &principal.scope(),
            entities::commune::Column::Code,
        ))
        .one(&txn)
        .await?;
    if !in_scope || commune.is_none() {
        return Err(AppError::NotFound("commune"));
    }
    loan_programmes::get(&txn, ctx, programme_id)
        .await?
        .ok_or(AppError::NotFound("loan programme"))?;
    let l = eligibility_list::ActiveModel {
        id: Set(Uuid::now_v7()),
        commune_code: Set(commune_code),
        programme_id: Set(programme_id),
        title: Set(title),
        status: Set(EligibilityListStatus::Drafted.as_str().to_owned()),
        certified_on: Set(None),
        certified_by: Set(None),
        sent_on: Set(None),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, ctx, "eligibility_list.create", subject(&l), None).await?;
    txn.commit().await?;
    Ok(l)
}

/// Adds a client of the list's commune to a draft list (once).
pub async fn add_entry(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    list_id: Uuid,
    client_id: Uuid,
    note: Option<String>,
) -> AppResult<eligibility_list::Model> {
    let note = optional_text("note", note, MAX_REASON_CHARS)?;
    let txn = store::db::begin_write(db).await?;
    let list = for_update(&txn, ctx, list_id).await?;
    status_of(&list)?
        .check_editable()
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let client = scoped_client(&txn, ctx, client_id).await?;
    if client.commune_code != list.commune_code {
        return Err(AppError::field(
            "clientId",
            "the client must live in the list's commune",
        ));
    }
    let entries = eligibility_list_entry::Entity::find()
        .filter(eligibility_list_entry::Column::ListId.eq(list.id))
        .count(&txn)
        .await?;
    if entries as usize >= MAX_ELIGIBILITY_LIST_ENTRIES {
        return Err(AppError::field(
            "listId",
            format!("a list holds at most {MAX_ELIGIBILITY_LIST_ENTRIES} people"),
        ));
    }
    let exists = eligibility_list_entry::Entity::find()
        .filter(eligibility_list_entry::Column::ListId.eq(list.id))
        .filter(eligibility_list_entry::Column::ClientId.eq(client.id))
        .one(&txn)
        .await?
        .is_some();
    if exists {
        return Err(AppError::Conflict(
            "the client is already on this list".into(),
        ));
    }
    eligibility_list_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        list_id: Set(list.id),
        client_id: Set(client.id),
        commune_code: Set(list.commune_code.clone()),
        note: Set(note),
        created_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        ctx,
        "eligibility_list.add_entry",
        subject(&list),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(list)
}

/// Certifies a draft list (who signed, on which day) or records it sent to the bank.
pub async fn change_status(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    to: EligibilityListStatus,
    certified_by: Option<String>,
    on: Option<NaiveDate>,
) -> AppResult<eligibility_list::Model> {
    let certified_by = optional_text("certifiedBy", certified_by, MAX_NAME_CHARS)?;
    let today = local_date(ctx.now);
    let on = on.unwrap_or(today);
    if on > today {
        return Err(AppError::field("on", "must not be in the future"));
    }
    let txn = store::db::begin_write(db).await?;
    let list = for_update(&txn, ctx, id).await?;
    let entries = eligibility_list_entry::Entity::find()
        .filter(eligibility_list_entry::Column::ListId.eq(list.id))
        .count(&txn)
        .await? as usize;
    list_transition(status_of(&list)?, to, entries)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let mut m: eligibility_list::ActiveModel = list.into();
    match to {
        EligibilityListStatus::Certified => {
            let Some(by) = certified_by else {
                return Err(AppError::field(
                    "certifiedBy",
                    "name the People's Committee chairman who certified the list",
                ));
            };
            m.certified_by = Set(Some(by));
            m.certified_on = Set(Some(on));
        }
        EligibilityListStatus::SentToBank => m.sent_on = Set(Some(on)),
        EligibilityListStatus::Drafted => {}
    }
    m.status = Set(to.as_str().to_owned());
    m.updated_at = Set(ctx.now);
    let l = m.update(&txn).await?;
    let action = format!("eligibility_list.{}", to.as_str());
    audit::record(&txn, ctx, &action, subject(&l), None).await?;
    txn.commit().await?;
    Ok(l)
}

/// Filter of the lists.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only this status.
    pub status: Option<EligibilityListStatus>,
    /// Only this programme.
    pub programme_id: Option<Uuid>,
}

/// Lists eligibility lists inside the caller's scope.
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    f: ListFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<eligibility_list::Model>> {
    use eligibility_list::Column as C;
    let mut cond = scoped(ctx, Permission::ClientsRead)?;
    if let Some(v) = f.commune_code {
        cond = cond.add(C::CommuneCode.eq(v));
    }
    if let Some(v) = f.status {
        cond = cond.add(C::Status.eq(v.as_str()));
    }
    if let Some(v) = f.programme_id {
        cond = cond.add(C::ProgrammeId.eq(v));
    }
    paginate(
        db,
        eligibility_list::Entity::find().filter(cond),
        C::Id,
        page,
    )
    .await
}

/// One list in the caller's scope.
pub async fn get(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<Option<eligibility_list::Model>> {
    Ok(eligibility_list::Entity::find_by_id(id)
        .filter(scoped(ctx, Permission::ClientsRead)?)
        .one(db)
        .await?)
}

/// The people on every list of `ids` in the caller's scope, each list in the order its
/// entries were added: two statements for a page of lists, whatever its size.
pub async fn people_by_list_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<(eligibility_list_entry::Model, client::Model)>> {
    use eligibility_list_entry::Column as C;
    let in_scope = eligibility_list::Entity::find()
        .select_only()
        .column(eligibility_list::Column::Id)
        .filter(eligibility_list::Column::Id.is_in(ids.iter().copied()))
        .filter(scoped(ctx, Permission::ClientsRead)?)
        .into_query();
    let entries = eligibility_list_entry::Entity::find()
        .filter(C::ListId.in_subquery(in_scope))
        .order_by_asc(C::ListId)
        .order_by_asc(C::Id)
        .all(db)
        .await?;
    with_clients(db, entries).await
}

/// Pairs each entry with its client, in one statement.
async fn with_clients(
    db: &impl ConnectionTrait,
    entries: Vec<eligibility_list_entry::Model>,
) -> AppResult<Vec<(eligibility_list_entry::Model, client::Model)>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let clients: std::collections::HashMap<Uuid, client::Model> = client::Entity::find()
        .filter(client::Column::Id.is_in(entries.iter().map(|e| e.client_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(entries
        .into_iter()
        .filter_map(|e| {
            let c = clients.get(&e.client_id)?.clone();
            Some((e, c))
        })
        .collect())
}

fn csv_field(value: &str) -> String {
    // Quote every field; a leading =, +, - or @ would be a formula in a spreadsheet.
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// The list as CSV for the bank (UTF-8, a header row). The national ID column is filled only
/// for callers who may read it, and each such read is audited.
pub fn export_csv(
    ctx: &RequestContext,
    people: Vec<(eligibility_list_entry::Model, client::Model)>,
) -> AppResult<String> {
    let principal = ctx.principal()?;
    principal.require(Permission::ClientsRead)?;
    let sensitive = principal.can(Permission::ClientsSensitiveRead);
    let mut out = String::from("STT,Họ và tên,Ngày sinh,Số CCCD,Địa chỉ,Ghi chú\r\n");
    for (n, (entry, c)) in people.into_iter().enumerate() {
        let national_id = if sensitive {
            if c.national_id.is_some() {
                ctx.note_sensitive_read(SensitiveRead {
                    entity_type: "client",
                    entity_id: c.id,
                    commune_code: c.commune_code.clone(),
                    field: "nationalId",
                });
            }
            c.national_id.clone().unwrap_or_default()
        } else {
            String::new()
        };
        let row = [
            (n + 1).to_string(),
            c.full_name.clone(),
            c.date_of_birth.format("%d/%m/%Y").to_string(),
            national_id,
            c.address.clone(),
            entry.note.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok(out)
}
