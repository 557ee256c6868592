//! Clients (people after rehab).

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::access::Permission;
use entities::{client, client_transfer};
use uuid::Uuid;

use super::client_prefetch;
use super::date::Date;
use super::plain::{Plain, PlainFields};
use super::{
    env, ids,
    loaders::{ClientKey, OrdersOfClient, StaffedOrdersOfClient, TransfersOfClient, loader},
    officers::change,
    orders::SupervisionOrder,
    pagination::{CountedConnection, connection, uuid_page},
    places::{Commune, commune_field},
    scalars::Sex,
};
use crate::{
    context::SensitiveRead,
    registry::{
        client_pages::{self, Related},
        clients, transfers,
    },
};

/// Whether a client is on the commune's list.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::registry::clients::ClientStatus")]
pub enum ClientStatus {
    /// On the list.
    Active,
    /// Off the list.
    Inactive,
    /// Deceased.
    Deceased,
}

/// How a consent was given.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::registry::clients::ConsentMethod")]
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

/// Preferred channel.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::messaging::channel::PreferredChannel")]
pub enum PreferredChannel {
    /// Zalo first, SMS as fallback.
    Zalo,
    /// SMS first.
    Sms,
}

/// A consent to one channel.
#[derive(SimpleObject, InputObject, Clone, Copy, Debug)]
#[graphql(input_name = "ConsentInput")]
pub struct Consent {
    /// When the person gave it (RFC 3339).
    pub given_at: DateTime<Utc>,
    /// How.
    pub method: ConsentMethod,
}

impl From<Consent> for clients::Consent {
    fn from(c: Consent) -> Self {
        Self {
            given_at: c.given_at,
            method: c.method.into(),
        }
    }
}

fn stored_consent(at: Option<DateTime<Utc>>, method: Option<&str>) -> Option<Consent> {
    let method = crate::registry::clients::ConsentMethod::from_stored(method?)?.into();
    Some(Consent {
        given_at: at?,
        method,
    })
}

/// A person after rehab, managed at their place of residence.
pub struct Client(
    pub client::Model,
    /// Relations read with the client (a one-statement page); the others load when asked.
    Related,
);

impl Client {
    /// A client whose relations load when asked for.
    pub fn new(model: client::Model) -> Self {
        Self(model, Related::default())
    }
}

#[Object]
impl Client {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode("Client", self.0.id)
    }
    /// Full name.
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    /// Date of birth.
    async fn date_of_birth(&self) -> Date {
        Date(self.0.date_of_birth)
    }
    /// Sex.
    async fn sex(&self) -> Option<Sex> {
        domain::person::Sex::from_stored(&self.0.sex).map(Into::into)
    }
    /// Address of residence.
    async fn address(&self) -> &str {
        &self.0.address
    }
    /// Commune code of residence.
    async fn commune_code(&self) -> &str {
        &self.0.commune_code
    }
    /// Commune of residence.
    async fn commune(&self, ctx: &Context<'_>) -> Result<Option<Commune>> {
        commune_field(ctx, &self.0.commune_code).await
    }
    /// Status on the commune's list.
    async fn status(&self) -> Option<ClientStatus> {
        crate::registry::clients::ClientStatus::from_stored(&self.0.status).map(Into::into)
    }
    /// Consent to SMS.
    async fn sms_consent(&self) -> Option<Consent> {
        stored_consent(self.0.sms_consent_at, self.0.sms_consent_method.as_deref())
    }
    /// Consent to Zalo.
    async fn zalo_consent(&self) -> Option<Consent> {
        stored_consent(
            self.0.zalo_consent_at,
            self.0.zalo_consent_method.as_deref(),
        )
    }
    /// Preferred channel.
    async fn preferred_channel(&self) -> Option<PreferredChannel> {
        self.0
            .preferred_channel
            .as_deref()
            .and_then(domain::messaging::channel::PreferredChannel::from_stored)
            .map(Into::into)
    }
    /// When the client replied to stop messages, if they did.
    async fn opted_out_at(&self) -> Option<DateTime<Utc>> {
        self.0.opted_out_at
    }
    /// When recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// National ID (CCCD). Sensitive: needs `clients:sensitive`; every read is audited.
    async fn national_id(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        self.sensitive(ctx, "nationalId")?;
        Ok(self.0.national_id.clone())
    }
    /// Mobile number, `0912 345 678`. Sensitive: needs `clients:sensitive`; audited.
    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        self.sensitive(ctx, "phone")?;
        Ok(self
            .0
            .phone
            .as_deref()
            .and_then(|p| domain::Phone::from_canonical(p).ok())
            .map(|p| p.display()))
    }
    /// Zalo user id. Sensitive: needs `clients:sensitive`; audited.
    async fn zalo_user_id(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        self.sensitive(ctx, "zaloUserId")?;
        Ok(self.0.zalo_user_id.clone())
    }
    /// Supervision orders, oldest first (only those in the caller's scope).
    async fn orders(&self, ctx: &Context<'_>) -> Result<Vec<Plain<SupervisionOrder>>> {
        if let Some(orders) = &self.1.orders {
            return Ok(orders
                .iter()
                .cloned()
                .map(|o| Plain(SupervisionOrder::read(o)))
                .collect());
        }
        if ctx.look_ahead().field("assignments").exists() {
            // Orders, assignments and officers in one statement (the commune page's case
            // officer), instead of three loader rounds.
            let orders = loader(ctx)
                .load_one(StaffedOrdersOfClient(self.0.id))
                .await?
                .unwrap_or_default();
            return Ok(orders
                .into_iter()
                .map(|o| Plain(SupervisionOrder::staffed(o)))
                .collect());
        }
        let orders = loader(ctx)
            .load_one(OrdersOfClient(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(orders
            .into_iter()
            .map(|o| Plain(SupervisionOrder::new(o)))
            .collect())
    }
    /// Check-ins due next (windows not yet closed), soonest first.
    async fn upcoming_check_ins(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "UPCOMING_DEFAULT_FIRST")] first: usize,
    ) -> Result<Vec<Plain<super::check_ins::CheckInOccurrence>>> {
        let first = upcoming(self.0.id, first);
        let rows = match &self.1.upcoming_check_ins {
            Some(rows) => super::loaders::first_rows(rows, first.limit),
            None => {
                let key = super::loaders::UpcomingOfClient(first);
                loader(ctx).load_one(key).await?.unwrap_or_default()
            }
        };
        Ok(rows
            .into_iter()
            .map(|r| Plain(super::check_ins::CheckInOccurrence(r)))
            .collect())
    }
    /// Scheduled appointments that have not ended, soonest first.
    async fn upcoming_appointments(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "UPCOMING_DEFAULT_FIRST")] first: usize,
    ) -> Result<Vec<Plain<super::appointments::Appointment>>> {
        let first = upcoming(self.0.id, first);
        let rows = match &self.1.upcoming_appointments {
            Some(rows) => super::loaders::first_rows(rows, first.limit),
            None => {
                let key = super::loaders::UpcomingAppointmentsOfClient(first);
                loader(ctx).load_one(key).await?.unwrap_or_default()
            }
        };
        Ok(rows
            .into_iter()
            .map(|r| Plain(super::appointments::Appointment(r)))
            .collect())
    }
    /// Replies the client wrote that were not keywords, newest first, for the officer to read.
    /// Sensitive (the client may write anything): needs `clients:sensitive`; audited.
    async fn reply_notes(&self, ctx: &Context<'_>) -> Result<Vec<ReplyNote>> {
        self.sensitive(ctx, "replyNotes")?;
        let rows = loader(ctx)
            .load_one(super::loaders::RepliesOfClient(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|r| ReplyNote {
                channel: r.channel,
                text: r.text,
                received_at: r.received_at,
            })
            .collect())
    }
    /// The client's escalations of missed check-ins, oldest first (needs `schedules:read`).
    async fn escalations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<super::pagination::CountedConnection<super::escalations::Escalation>> {
        super::escalations::of_client(ctx, self.0.id, first, after).await
    }
    /// Whether messages still reach the client (the reachability watch): unreachable after
    /// `UNREACHABLE_AFTER_MESSAGES` failed messages in a row, or at once when every channel
    /// refused them for good; reachable again when a message gets through.
    async fn reachability(&self, ctx: &Context<'_>) -> Result<Reachability> {
        let row = loader(ctx)
            .load_one(super::loaders::ReachabilityOfClient(self.0.id))
            .await?;
        Ok(Reachability {
            client_id: self.0.id,
            consecutive_failures: row.as_ref().map_or(0, |r| r.consecutive_failures),
            unreachable_since: row.and_then(|r| r.unreachable_since),
        })
    }
    /// Moves between communes.
    async fn transfers(&self, ctx: &Context<'_>) -> Result<Vec<ClientTransfer>> {
        let rows = loader(ctx)
            .load_one(TransfersOfClient(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(ClientTransfer).collect())
    }
}

/// Whether messages still reach a client.
pub struct Reachability {
    client_id: Uuid,
    consecutive_failures: i32,
    unreachable_since: Option<DateTime<Utc>>,
}

#[Object]
impl Reachability {
    /// No message reaches the client: someone should visit or update the number.
    async fn unreachable(&self) -> bool {
        self.unreachable_since.is_some()
    }
    /// Since when (the officers were alerted then).
    async fn unreachable_since(&self) -> Option<DateTime<Utc>> {
        self.unreachable_since
    }
    /// Messages in a row that reached nobody (0 once one gets through).
    async fn consecutive_failures(&self) -> i32 {
        self.consecutive_failures
    }
    /// While messages fail: the latest refusal on each channel tried (empty otherwise).
    async fn reasons(&self, ctx: &Context<'_>) -> Result<Vec<ChannelRefusal>> {
        if self.consecutive_failures == 0 {
            return Ok(Vec::new());
        }
        let rows = loader(ctx)
            .load_one(super::loaders::RefusalsOfClient(self.client_id))
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|r| ChannelRefusal {
                channel: domain::messaging::Channel::from_stored(&r.channel).map(Into::into),
                outcome: domain::messaging::outcome::AttemptOutcome::from_stored(&r.outcome)
                    .map(Into::into),
                reason: r.reason,
                at: r.attempted_at,
            })
            .collect())
    }
}

/// The latest refusal of messages to a client on one channel.
#[derive(SimpleObject)]
pub struct ChannelRefusal {
    /// The channel.
    pub channel: Option<super::messages::MessageChannel>,
    /// How the gateway answered.
    pub outcome: Option<super::messages::AttemptOutcome>,
    /// The reason with the provider's code (e.g. `zns -118: …`).
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// `first:` of `upcomingCheckIns` and `upcomingAppointments` when absent.
pub(crate) const UPCOMING_DEFAULT_FIRST: usize = 5;

/// The rows an `upcoming…(first:)` field loads for a client: what it asked for, at most 50.
fn upcoming(client: Uuid, first: usize) -> super::loaders::FirstOfClient {
    super::loaders::FirstOfClient {
        client,
        limit: u64::try_from(first.min(50)).unwrap_or(50),
    }
}

/// Fields of a client that read only the client row (or the place cache).
const PLAIN_FIELDS: &[&str] = &[
    "id",
    "fullName",
    "dateOfBirth",
    "sex",
    "address",
    "communeCode",
    "commune",
    "status",
    "smsConsent",
    "zaloConsent",
    "preferredChannel",
    "optedOutAt",
    "createdAt",
    "updatedAt",
];

impl PlainFields for Client {
    fn is_plain(&self, name: &str) -> bool {
        match name {
            "orders" => self.1.orders.is_some(),
            "upcomingCheckIns" => self.1.upcoming_check_ins.is_some(),
            "upcomingAppointments" => self.1.upcoming_appointments.is_some(),
            _ => PLAIN_FIELDS.contains(&name),
        }
    }
}

impl Client {
    fn sensitive(&self, ctx: &Context<'_>, field: &'static str) -> Result<()> {
        let (_, rc) = env(ctx);
        rc.principal()?.require(Permission::ClientsSensitiveRead)?;
        rc.note_sensitive_read(SensitiveRead {
            entity_type: "client",
            entity_id: self.0.id,
            commune_code: self.0.commune_code.clone(),
            field,
        });
        Ok(())
    }
}

/// A client's move to another commune.
pub struct ClientTransfer(pub client_transfer::Model);

#[Object]
impl ClientTransfer {
    /// Commune left.
    async fn from_commune_code(&self) -> &str {
        &self.0.from_commune_code
    }
    /// Commune joined.
    async fn to_commune_code(&self) -> &str {
        &self.0.to_commune_code
    }
    /// Date decided.
    async fn decided_on(&self) -> Date {
        Date(self.0.decided_on)
    }
    /// Why.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// When recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Loads a client for a nested field; `None` when outside the caller's scope.
pub(crate) async fn client_field(ctx: &Context<'_>, id: Uuid) -> Result<Option<Client>> {
    Ok(loader(ctx).load_one(ClientKey(id)).await?.map(Client::new))
}

/// Filter of `clients`.
#[derive(InputObject, Default)]
pub struct ClientFilter {
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only this status.
    pub status: Option<ClientStatus>,
    /// Only clients currently assigned to this officer.
    pub officer_id: Option<ID>,
    /// Name contains; diacritics and case ignored ("nguyen van an" finds "Nguyễn Văn An").
    pub search: Option<String>,
}

/// Client queries.
#[derive(Default)]
pub struct ClientsQuery;

#[Object]
impl ClientsQuery {
    /// Clients in the caller's scope.
    async fn clients(
        &self,
        ctx: &Context<'_>,
        filter: Option<ClientFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<Plain<Client>>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let officer_id = f
            .officer_id
            .map(|id| ids::decode("Officer", "filter.officerId", &id))
            .transpose()?;
        let filter = clients::ClientFilter {
            commune_code: f.commune_code,
            status: f.status.map(Into::into),
            officer_id,
            search: f.search,
        };
        if let Some(relations) = client_prefetch::relations(ctx, db.get_database_backend()) {
            let page = client_pages::list_with_relations(db, rc, filter, page, &relations).await?;
            return Ok(connection(
                page,
                |(c, _)| c.id.to_string(),
                |(c, related)| Plain(Client(c, related)),
            ));
        }
        let page = clients::list(db, rc, filter, page).await?;
        Ok(connection(
            page,
            |c| c.id.to_string(),
            |c| Plain(Client::new(c)),
        ))
    }

    /// One client by id; null when unknown or outside the caller's scope.
    async fn client(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Client>> {
        let uuid = ids::decode("Client", "id", &id)?;
        client_field(ctx, uuid).await
    }
}

/// Input of `createClient`.
#[derive(InputObject)]
pub struct CreateClientInput {
    /// Commune of residence (5 digits).
    pub commune_code: String,
    /// Full name, with diacritics.
    pub full_name: String,
    /// Date of birth.
    pub date_of_birth: Date,
    /// Sex.
    pub sex: Sex,
    /// National ID (CCCD), 12 digits.
    pub national_id: Option<String>,
    /// Vietnamese mobile number, any usual spelling.
    pub phone: Option<String>,
    /// Zalo user id.
    pub zalo_user_id: Option<String>,
    /// Address of residence.
    pub address: String,
    /// Consent to SMS.
    pub sms_consent: Option<Consent>,
    /// Consent to Zalo.
    pub zalo_consent: Option<Consent>,
    /// Preferred channel.
    pub preferred_channel: Option<PreferredChannel>,
}

/// Input of `updateClient`; omitted fields stay, null clears optional ones.
#[derive(InputObject)]
pub struct UpdateClientInput {
    /// The client.
    pub id: ID,
    /// Full name.
    pub full_name: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<Date>,
    /// Sex.
    pub sex: Option<Sex>,
    /// National ID.
    pub national_id: MaybeUndefined<String>,
    /// Mobile number.
    pub phone: MaybeUndefined<String>,
    /// Zalo user id.
    pub zalo_user_id: MaybeUndefined<String>,
    /// Address.
    pub address: Option<String>,
    /// SMS consent; null withdraws it.
    pub sms_consent: MaybeUndefined<Consent>,
    /// Zalo consent; null withdraws it.
    pub zalo_consent: MaybeUndefined<Consent>,
    /// Preferred channel.
    pub preferred_channel: MaybeUndefined<PreferredChannel>,
    /// Status.
    pub status: Option<ClientStatus>,
}

/// Input of `transferClient`.
#[derive(InputObject)]
pub struct TransferClientInput {
    /// The client.
    pub client_id: ID,
    /// The new commune of residence.
    pub to_commune_code: String,
    /// Date of the transfer decision.
    pub decided_on: Date,
    /// Why.
    pub reason: String,
}

/// Payload carrying a client.
#[derive(SimpleObject)]
pub struct ClientPayload {
    /// The client.
    pub client: Client,
}

/// Payload of `transferClient`.
#[derive(SimpleObject)]
pub struct TransferClientPayload {
    /// The client, now in the new commune.
    pub client: Client,
    /// The transfer record.
    pub transfer: ClientTransfer,
    /// The order continuing the term in the new commune, pending its decision.
    pub new_order: Option<SupervisionOrder>,
}

/// Client mutations.
#[derive(Default)]
pub struct ClientsMutation;

#[Object]
impl ClientsMutation {
    /// Registers a client.
    async fn create_client(
        &self,
        ctx: &Context<'_>,
        input: CreateClientInput,
    ) -> Result<ClientPayload> {
        let (db, rc) = env(ctx);
        let new = clients::NewClient {
            commune_code: input.commune_code,
            full_name: input.full_name,
            date_of_birth: input.date_of_birth.into(),
            sex: input.sex.into(),
            national_id: input.national_id,
            phone: input.phone,
            zalo_user_id: input.zalo_user_id,
            address: input.address,
            sms_consent: input.sms_consent.map(Into::into),
            zalo_consent: input.zalo_consent.map(Into::into),
            preferred_channel: input.preferred_channel.map(Into::into),
        };
        Ok(ClientPayload {
            client: Client::new(clients::create(db, rc, new).await?),
        })
    }

    /// Changes a client.
    async fn update_client(
        &self,
        ctx: &Context<'_>,
        input: UpdateClientInput,
    ) -> Result<ClientPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Client", "id", &input.id)?;
        let changes = clients::ClientChanges {
            full_name: input.full_name,
            date_of_birth: input.date_of_birth.map(Into::into),
            sex: input.sex.map(Into::into),
            national_id: change(input.national_id),
            phone: change(input.phone),
            zalo_user_id: change(input.zalo_user_id),
            address: input.address,
            sms_consent: change(input.sms_consent).map(|c| c.map(Into::into)),
            zalo_consent: change(input.zalo_consent).map(|c| c.map(Into::into)),
            preferred_channel: change(input.preferred_channel).map(|c| c.map(Into::into)),
            status: input.status.map(Into::into),
        };
        Ok(ClientPayload {
            client: Client::new(clients::update(db, rc, id, changes).await?),
        })
    }

    /// Moves a client to another commune, keeping the history.
    async fn transfer_client(
        &self,
        ctx: &Context<'_>,
        input: TransferClientInput,
    ) -> Result<TransferClientPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Client", "clientId", &input.client_id)?;
        let out = transfers::transfer(
            db,
            rc,
            id,
            &input.to_commune_code,
            input.decided_on.0,
            input.reason,
        )
        .await?;
        Ok(TransferClientPayload {
            client: Client::new(out.client),
            transfer: ClientTransfer(out.transfer),
            new_order: out.new_order.map(SupervisionOrder::new),
        })
    }
}

/// A reply kept for the officer.
#[derive(SimpleObject)]
pub struct ReplyNote {
    /// `sms` or `zalo`.
    pub channel: String,
    /// What the client wrote.
    pub text: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}
