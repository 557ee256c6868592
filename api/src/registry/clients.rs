//! Clients: people after rehab, managed at their place of residence.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{
    Cccd,
    access::Permission,
    bounds::MAX_ADDRESS_CHARS,
    person::{PersonName, Sex, check_date_of_birth},
    search,
    time::local_date,
};
use entities::{client, order_assignment, supervision_order};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, Query},
};
use uuid::Uuid;

use super::{officers::parse_zalo_user_id, places};
use crate::{
    audit::{self, Subject},
    context::RequestContext,
    error::{AppError, AppResult},
    input::{self, required_text},
    pagination::{Page, PageRequest, paginate},
    scope::commune_condition,
};

/// Whether a client is on the commune's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientStatus {
    /// On the list (under or awaiting management).
    Active,
    /// Off the list (management ended, moved away, …).
    Inactive,
    /// Deceased.
    Deceased,
}

impl ClientStatus {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Deceased => "deceased",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        [Self::Active, Self::Inactive, Self::Deceased]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// How a consent was given (Decree 356/2025: consent must be explicit and recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentMethod {
    /// Signed form at the commune office.
    InPersonSigned,
    /// Said on a recorded phone call.
    PhoneCallRecorded,
    /// Ticked (not pre-ticked) in a partner app or online form.
    OnlineForm,
    /// Replied to a consent message.
    MessageReply,
    /// Followed the commune's Zalo OA and sent the code of an invitation (Zalo only).
    ZaloInvitation,
}

impl ConsentMethod {
    /// Every method.
    pub const ALL: [ConsentMethod; 5] = [
        Self::InPersonSigned,
        Self::PhoneCallRecorded,
        Self::OnlineForm,
        Self::MessageReply,
        Self::ZaloInvitation,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InPersonSigned => "in_person_signed",
            Self::PhoneCallRecorded => "phone_call_recorded",
            Self::OnlineForm => "online_form",
            Self::MessageReply => "message_reply",
            Self::ZaloInvitation => domain::messaging::invitation::CONSENT_METHOD,
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A consent to one channel: when and how it was given.
#[derive(Debug, Clone, Copy)]
pub struct Consent {
    /// When the person gave it.
    pub given_at: DateTime<Utc>,
    /// How.
    pub method: ConsentMethod,
}

pub use domain::messaging::channel::PreferredChannel;

/// Filter of the clients list.
#[derive(Debug, Default, Clone)]
pub struct ClientFilter {
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only this status.
    pub status: Option<ClientStatus>,
    /// Only clients with an open assignment to this officer.
    pub officer_id: Option<Uuid>,
    /// Name contains (diacritics and case ignored).
    pub search: Option<String>,
}

fn scoped(ctx: &RequestContext, permission: Permission) -> AppResult<Condition> {
    let principal = ctx.principal()?;
    principal.require(permission)?;
    Ok(commune_condition(
        &principal.scope(),
        client::Column::CommuneCode,
    ))
}

/// Lists clients inside the caller's scope.
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    filter: ClientFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<client::Model>> {
    paginate(db, list_select(ctx, filter)?, client::Column::Id, page).await
}

/// The clients of [`list`] (scope and filter, not yet paged), for the compiled commune page
/// that pages them itself with its relations in the same statement.
pub fn list_select(
    ctx: &RequestContext,
    filter: ClientFilter,
) -> AppResult<sea_orm::Select<client::Entity>> {
    let mut cond = scoped(ctx, Permission::ClientsRead)?;
    if let Some(c) = filter.commune_code {
        cond = cond.add(client::Column::CommuneCode.eq(c));
    }
    if let Some(s) = filter.status {
        cond = cond.add(client::Column::Status.eq(s.as_str()));
    }
    if let Some(officer_id) = filter.officer_id {
        let assigned = Query::select()
            .column((
                supervision_order::Entity,
                supervision_order::Column::ClientId,
            ))
            .from(supervision_order::Entity)
            .inner_join(
                order_assignment::Entity,
                Expr::col((order_assignment::Entity, order_assignment::Column::OrderId))
                    .equals((supervision_order::Entity, supervision_order::Column::Id)),
            )
            .and_where(
                Expr::col((
                    order_assignment::Entity,
                    order_assignment::Column::OfficerId,
                ))
                .eq(officer_id),
            )
            .and_where(
                Expr::col((order_assignment::Entity, order_assignment::Column::EndedOn)).is_null(),
            )
            .to_owned();
        cond = cond.add(client::Column::Id.in_subquery(assigned));
    }
    if let Some(search) = input::name_search(client::Column::NameSearch, filter.search)? {
        cond = cond.add(search);
    }
    Ok(client::Entity::find().filter(cond))
}

/// Clients by id, those outside the caller's scope left out (DataLoader batch).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<client::Model>> {
    let cond = scoped(ctx, Permission::ClientsRead)?;
    crate::scope::find_in_scope_by_ids::<client::Entity>(db, cond, client::Column::Id, ids).await
}

/// One client inside the caller's scope, locked for a change on PostgreSQL.
pub(crate) async fn for_update(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<client::Model> {
    let cond = scoped(ctx, Permission::ClientsWrite)?;
    client::Entity::find_by_id(id)
        .filter(cond)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(AppError::NotFound("client"))
}

/// A new client as received from the edge; [`create`] parses every field.
#[derive(Debug, Clone)]
pub struct NewClient {
    /// Commune of residence.
    pub commune_code: String,
    /// Full name.
    pub full_name: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Sex.
    pub sex: Sex,
    /// CCCD, 12 digits.
    pub national_id: Option<String>,
    /// Mobile number.
    pub phone: Option<String>,
    /// Zalo user id.
    pub zalo_user_id: Option<String>,
    /// Address of residence.
    pub address: String,
    /// SMS consent.
    pub sms_consent: Option<Consent>,
    /// Zalo consent.
    pub zalo_consent: Option<Consent>,
    /// Preferred channel.
    pub preferred_channel: Option<PreferredChannel>,
}

fn check_consent(
    field: &'static str,
    consent: Option<Consent>,
    now: DateTime<Utc>,
) -> AppResult<Option<Consent>> {
    match consent {
        Some(c) if c.given_at > now => Err(AppError::field(
            field,
            "consent cannot be given in the future",
        )),
        // Only the person's own message to the OA records it (`schedules::zalo_invitations`).
        Some(c) if c.method == ConsentMethod::ZaloInvitation => Err(AppError::field(
            field,
            "ZALO_INVITATION is recorded when the person sends their invitation code to the OA; \
             choose how the consent was given",
        )),
        other => Ok(other),
    }
}

fn parse_national_id(
    raw: Option<&str>,
    date_of_birth: NaiveDate,
    sex: Sex,
) -> AppResult<Option<String>> {
    let Some(raw) = input::identifier("nationalId", raw)? else {
        return Ok(None);
    };
    let cccd = Cccd::parse(raw).map_err(|e| AppError::field("nationalId", e))?;
    cccd.check_person(date_of_birth, sex)
        .map_err(|e| AppError::field("nationalId", e))?;
    Ok(Some(cccd.as_str().to_owned()))
}

/// Registers a client in a commune inside the caller's scope.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: NewClient,
) -> AppResult<client::Model> {
    let principal = ctx.principal()?;
    principal.require(Permission::ClientsWrite)?;
    let name = PersonName::parse(&input.full_name).map_err(|e| AppError::field("fullName", e))?;
    check_date_of_birth(input.date_of_birth, local_date(ctx.now))
        .map_err(|e| AppError::field("dateOfBirth", e))?;
    let national_id =
        parse_national_id(input.national_id.as_deref(), input.date_of_birth, input.sex)?;
    let phone = input::phone("phone", input.phone.as_deref())?;
    let zalo_user_id = parse_zalo_user_id(input.zalo_user_id)?;
    let address = required_text("address", &input.address, MAX_ADDRESS_CHARS)?;
    let sms = check_consent("smsConsent", input.sms_consent, ctx.now)?;
    let zalo = check_consent("zaloConsent", input.zalo_consent, ctx.now)?;
    if sms.is_some() && phone.is_none() {
        return Err(AppError::field(
            "smsConsent",
            "SMS consent needs a phone number",
        ));
    }
    let commune = places::current_commune(db, "communeCode", &input.commune_code).await?;
    if !principal
        .scope()
        .allows(&commune.code, &commune.province_code)
    {
        return Err(AppError::forbidden(
            "you may not register clients in this commune",
        ));
    }
    let txn = store::db::begin_write(db).await?;
    let model = client::ActiveModel {
        id: Set(Uuid::now_v7()),
        commune_code: Set(commune.code),
        name_search: Set(search::search_key(name.as_str())),
        full_name: Set(name.as_str().to_owned()),
        date_of_birth: Set(input.date_of_birth),
        sex: Set(input.sex.as_str().to_owned()),
        national_id: Set(national_id),
        phone: Set(phone),
        zalo_user_id: Set(zalo_user_id),
        address: Set(address),
        sms_consent_at: Set(sms.map(|c| c.given_at)),
        sms_consent_method: Set(sms.map(|c| c.method.as_str().to_owned())),
        zalo_consent_at: Set(zalo.map(|c| c.given_at)),
        zalo_consent_method: Set(zalo.map(|c| c.method.as_str().to_owned())),
        preferred_channel: Set(input.preferred_channel.map(|c| c.as_str().to_owned())),
        opted_out_at: Set(None),
        zalo_last_interaction_at: Set(None),
        zns_unreachable_until: Set(None),
        zns_unreachable_reason: Set(None),
        oa_refused_at: Set(None),
        oa_refused_reason: Set(None),
        status: Set(ClientStatus::Active.as_str().to_owned()),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, ctx, "client.create", subject(&model), None).await?;
    txn.commit().await?;
    Ok(model)
}

/// The audit subject of a client.
pub fn subject(c: &client::Model) -> Subject<'_> {
    Subject {
        entity_type: "client",
        entity_id: Some(c.id),
        commune_code: Some(&c.commune_code),
    }
}

/// Changes to a client; `None` leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ClientChanges {
    /// Full name.
    pub full_name: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Sex.
    pub sex: Option<Sex>,
    /// CCCD.
    pub national_id: Option<Option<String>>,
    /// Mobile number.
    pub phone: Option<Option<String>>,
    /// Zalo user id.
    pub zalo_user_id: Option<Option<String>>,
    /// Address.
    pub address: Option<String>,
    /// SMS consent; `Some(None)` withdraws it.
    pub sms_consent: Option<Option<Consent>>,
    /// Zalo consent; `Some(None)` withdraws it.
    pub zalo_consent: Option<Option<Consent>>,
    /// Preferred channel.
    pub preferred_channel: Option<Option<PreferredChannel>>,
    /// Status.
    pub status: Option<ClientStatus>,
}

/// Updates a client inside the caller's scope; the fields changed are audited by name.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    ch: ClientChanges,
) -> AppResult<client::Model> {
    let txn = store::db::begin_write(db).await?;
    let current = for_update(&txn, ctx, id).await?;
    let mut changed = Vec::new();
    let mut m: client::ActiveModel = current.clone().into();
    if let Some(name) = ch.full_name {
        let name = PersonName::parse(&name).map_err(|e| AppError::field("fullName", e))?;
        m.name_search = Set(search::search_key(name.as_str()));
        m.full_name = Set(name.as_str().to_owned());
        changed.push("fullName");
    }
    let dob = ch.date_of_birth.unwrap_or(current.date_of_birth);
    if ch.date_of_birth.is_some() {
        check_date_of_birth(dob, local_date(ctx.now))
            .map_err(|e| AppError::field("dateOfBirth", e))?;
        m.date_of_birth = Set(dob);
        changed.push("dateOfBirth");
    }
    let sex = match ch.sex {
        Some(s) => {
            m.sex = Set(s.as_str().to_owned());
            changed.push("sex");
            s
        }
        None => {
            Sex::from_stored(&current.sex).ok_or_else(|| AppError::Internal("bad sex".into()))?
        }
    };
    let national_id = match ch.national_id {
        Some(raw) => {
            changed.push("nationalId");
            raw
        }
        None => current.national_id.clone(),
    };
    // Re-check the CCCD whenever it, the birth date or the sex changes: they must agree.
    let national_id = parse_national_id(national_id.as_deref(), dob, sex)?;
    m.national_id = Set(national_id);
    let phone = match ch.phone {
        Some(raw) => {
            changed.push("phone");
            input::phone("phone", raw.as_deref())?
        }
        None => current.phone.clone(),
    };
    if phone != current.phone {
        // What ZNS taught ("not on Zalo") was about the old number.
        m.zns_unreachable_until = Set(None);
        m.zns_unreachable_reason = Set(None);
    }
    m.phone = Set(phone.clone());
    if let Some(z) = ch.zalo_user_id {
        let zalo_user_id = parse_zalo_user_id(z)?;
        if zalo_user_id != current.zalo_user_id {
            // An OA refusal was about the old account.
            m.oa_refused_at = Set(None);
            m.oa_refused_reason = Set(None);
        }
        m.zalo_user_id = Set(zalo_user_id);
        changed.push("zaloUserId");
    }
    if let Some(a) = ch.address {
        m.address = Set(required_text("address", &a, MAX_ADDRESS_CHARS)?);
        changed.push("address");
    }
    let mut sms_consent_at = current.sms_consent_at;
    if let Some(c) = ch.sms_consent {
        let c = check_consent("smsConsent", c, ctx.now)?;
        sms_consent_at = c.map(|c| c.given_at);
        m.sms_consent_at = Set(sms_consent_at);
        m.sms_consent_method = Set(c.map(|c| c.method.as_str().to_owned()));
        changed.push("smsConsent");
    }
    if sms_consent_at.is_some() && phone.is_none() {
        return Err(AppError::field(
            "phone",
            "cannot remove the phone while SMS consent stands; withdraw it first",
        ));
    }
    if let Some(c) = ch.zalo_consent {
        let c = check_consent("zaloConsent", c, ctx.now)?;
        m.zalo_consent_at = Set(c.map(|c| c.given_at));
        m.zalo_consent_method = Set(c.map(|c| c.method.as_str().to_owned()));
        changed.push("zaloConsent");
    }
    if let Some(p) = ch.preferred_channel {
        m.preferred_channel = Set(p.map(|p| p.as_str().to_owned()));
        changed.push("preferredChannel");
    }
    if let Some(s) = ch.status {
        m.status = Set(s.as_str().to_owned());
        changed.push("status");
    }
    if changed.is_empty() {
        return Err(AppError::field("input", "nothing to change"));
    }
    m.updated_at = Set(ctx.now);
    let updated = m.update(&txn).await?;
    audit::record(
        &txn,
        ctx,
        "client.update",
        subject(&updated),
        Some(changed.join(",")),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
