//! Supervision orders.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{order_assignment, order_pause, supervision_order};

use super::client_prefetch::{ASSIGNMENT_FIELDS, ORDER_FIELDS, is_listed};
use super::date::Date;
use super::plain::{Plain, PlainFields};
use super::{
    clients::{Client, client_field},
    env, ids,
    loaders::{AssignmentsOfOrder, OrderKey, PausesOfOrder, loader},
    officers::{Officer, officer_field},
    pagination::{CountedConnection, connection, uuid_page},
    places::{Commune, commune_field},
    scalars::{OrderStatus, RehabKind},
};
use crate::registry::orders;

/// A supervision order: the commune chairman's decision to manage a client after rehab.
pub struct SupervisionOrder(
    pub supervision_order::Model,
    /// Its assignments when read with the order; `None`: the assignment loader reads them.
    Option<Vec<orders::StaffedAssignment>>,
);

impl SupervisionOrder {
    /// An order whose assignments load when asked for.
    pub fn new(model: supervision_order::Model) -> Self {
        Self(model, None)
    }

    /// An order read with its assignments and their officers.
    pub fn staffed((model, assignments): orders::StaffedOrder) -> Self {
        Self(model, Some(assignments))
    }

    /// An order read with its assignments when they were read.
    pub fn read(
        (model, assignments): (
            supervision_order::Model,
            Option<Vec<orders::StaffedAssignment>>,
        ),
    ) -> Self {
        Self(model, assignments)
    }
}

#[Object]
impl SupervisionOrder {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode("SupervisionOrder", self.0.id)
    }
    /// Decision number, e.g. `123/QĐ-UBND`.
    async fn decision_number(&self) -> Option<&str> {
        self.0.decision_number.as_deref()
    }
    /// Date the decision was signed.
    async fn decision_date(&self) -> Option<Date> {
        self.0.decision_date.map(Date)
    }
    /// Who signed.
    async fn signer_name(&self) -> Option<&str> {
        self.0.signer_name.as_deref()
    }
    /// Their title.
    async fn signer_title(&self) -> Option<&str> {
        self.0.signer_title.as_deref()
    }
    /// The rehab that preceded the order.
    async fn rehab_kind(&self) -> Option<RehabKind> {
        domain::order::RehabKind::from_stored(&self.0.rehab_kind).map(Into::into)
    }
    /// Rehab facility.
    async fn rehab_facility(&self) -> Option<&str> {
        self.0.rehab_facility.as_deref()
    }
    /// Day the rehab ended.
    async fn rehab_completed_on(&self) -> Date {
        Date(self.0.rehab_completed_on)
    }
    /// Months of management set by the legal regime in force on the decision date.
    async fn period_months(&self) -> Option<i32> {
        self.0.period_months
    }
    /// First day of management.
    async fn start_date(&self) -> Option<Date> {
        self.0.start_date.map(Date)
    }
    /// Last day of management, pauses included.
    async fn end_date(&self) -> Option<Date> {
        self.0.end_date.map(Date)
    }
    /// Status.
    async fn status(&self) -> Option<OrderStatus> {
        domain::order::OrderStatus::from_stored(&self.0.status).map(Into::into)
    }
    /// Why the status last changed.
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }
    /// Completion certificate (Form 54) number.
    async fn certificate_number(&self) -> Option<&str> {
        self.0.certificate_number.as_deref()
    }
    /// When the status last changed.
    async fn status_changed_at(&self) -> DateTime<Utc> {
        self.0.status_changed_at
    }
    /// Commune code managing the order.
    async fn commune_code(&self) -> &str {
        &self.0.commune_code
    }
    /// Commune managing the order.
    async fn commune(&self, ctx: &Context<'_>) -> Result<Option<Commune>> {
        commune_field(ctx, &self.0.commune_code).await
    }
    /// The client; null if the client has since moved outside the caller's scope.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        client_field(ctx, self.0.client_id).await
    }
    /// The order this one continues after a transfer.
    async fn previous_order(&self, ctx: &Context<'_>) -> Result<Option<SupervisionOrder>> {
        let Some(id) = self.0.previous_order_id else {
            return Ok(None);
        };
        Ok(loader(ctx)
            .load_one(OrderKey(id))
            .await?
            .map(SupervisionOrder::new))
    }
    /// Pauses, in date order.
    async fn pauses(&self, ctx: &Context<'_>) -> Result<Vec<OrderPause>> {
        let rows = loader(ctx)
            .load_one(PausesOfOrder(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(OrderPause).collect())
    }
    /// Check-in plans, oldest first (a changed plan is followed by its replacement).
    async fn check_in_plans(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::check_ins::CheckInPlan>> {
        let rows = loader(ctx)
            .load_one(super::loaders::PlansOfOrder(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(super::check_ins::CheckInPlan)
            .collect())
    }
    /// Assigned officers and supporters, current and past.
    async fn assignments(&self, ctx: &Context<'_>) -> Result<Vec<Plain<Assignment>>> {
        let rows = match &self.1 {
            Some(read) => read.clone(),
            None => loader(ctx)
                .load_one(AssignmentsOfOrder(self.0.id))
                .await?
                .unwrap_or_default(),
        };
        Ok(rows
            .into_iter()
            .map(|r| Plain(Assignment::staffed(r)))
            .collect())
    }
}

impl PlainFields for SupervisionOrder {
    fn is_plain(&self, name: &str) -> bool {
        match name {
            "assignments" => self.1.is_some(),
            _ => is_listed(ORDER_FIELDS, name),
        }
    }
}

/// A pause of an order.
pub struct OrderPause(pub order_pause::Model);

#[Object]
impl OrderPause {
    /// First day.
    async fn starts_on(&self) -> Date {
        Date(self.0.starts_on)
    }
    /// Last day.
    async fn ends_on(&self) -> Date {
        Date(self.0.ends_on)
    }
    /// Why.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

/// Role of an assigned person.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::registry::orders::AssignmentRole")]
pub enum AssignmentRole {
    /// The officer in charge.
    CaseOfficer,
    /// A supporter.
    Supporter,
}

/// An officer or supporter assigned to an order.
pub struct Assignment {
    model: order_assignment::Model,
    officer: orders::AssignedOfficer,
}

impl Assignment {
    /// An assignment whose officer is loaded when asked for.
    pub fn new(model: order_assignment::Model) -> Self {
        Self {
            model,
            officer: orders::AssignedOfficer::Unread,
        }
    }

    /// An assignment read with its officer.
    fn staffed(row: orders::StaffedAssignment) -> Self {
        Self {
            model: row.assignment,
            officer: row.officer,
        }
    }
}

#[Object]
impl Assignment {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode("Assignment", self.model.id)
    }
    /// Role in the case.
    async fn role(&self) -> AssignmentRole {
        if self.model.role == crate::registry::orders::AssignmentRole::CaseOfficer.as_str() {
            AssignmentRole::CaseOfficer
        } else {
            AssignmentRole::Supporter
        }
    }
    /// Since when.
    async fn assigned_on(&self) -> Date {
        Date(self.model.assigned_on)
    }
    /// Until when, if ended.
    async fn ended_on(&self) -> Option<Date> {
        self.model.ended_on.map(Date)
    }
    /// The person.
    async fn officer(&self, ctx: &Context<'_>) -> Result<Option<Plain<Officer>>> {
        let officer = match &self.officer {
            orders::AssignedOfficer::Found(officer) => {
                Some(Officer::try_from((**officer).clone())?)
            }
            orders::AssignedOfficer::OutOfScope => None,
            orders::AssignedOfficer::Unread => officer_field(ctx, self.model.officer_id).await?,
        };
        Ok(officer.map(Plain))
    }
}

impl PlainFields for Assignment {
    fn is_plain(&self, name: &str) -> bool {
        match name {
            "officer" => !matches!(self.officer, orders::AssignedOfficer::Unread),
            _ => is_listed(ASSIGNMENT_FIELDS, name),
        }
    }
}

/// Filter of `supervisionOrders`.
#[derive(InputObject, Default)]
pub struct OrderFilter {
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only this status.
    pub status: Option<OrderStatus>,
    /// Only orders currently assigned to this officer.
    pub officer_id: Option<ID>,
    /// Only this client's orders.
    pub client_id: Option<ID>,
}

/// Order queries.
#[derive(Default)]
pub struct OrdersQuery;

#[Object]
impl OrdersQuery {
    /// Supervision orders in the caller's scope.
    async fn supervision_orders(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrderFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<SupervisionOrder>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = orders::OrderFilter {
            commune_code: f.commune_code,
            status: f.status.map(Into::into),
            officer_id: f
                .officer_id
                .map(|id| ids::decode("Officer", "filter.officerId", &id))
                .transpose()?,
            client_id: f
                .client_id
                .map(|id| ids::decode("Client", "filter.clientId", &id))
                .transpose()?,
        };
        let page = orders::list(db, rc, filter, page).await?;
        Ok(connection(
            page,
            |o| o.id.to_string(),
            SupervisionOrder::new,
        ))
    }

    /// One order by id; null when unknown or outside the caller's scope.
    async fn supervision_order(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<SupervisionOrder>> {
        let uuid = ids::decode("SupervisionOrder", "id", &id)?;
        Ok(loader(ctx)
            .load_one(OrderKey(uuid))
            .await?
            .map(SupervisionOrder::new))
    }
}

/// The chairman's decision.
#[derive(InputObject)]
pub struct DecisionInput {
    /// Decision number.
    pub number: String,
    /// Date signed.
    pub date: Date,
    /// Who signed.
    pub signer_name: String,
    /// Their title.
    pub signer_title: String,
    /// First day of management (default: the later of decision date and rehab completion).
    pub start_date: Option<Date>,
}

impl From<DecisionInput> for orders::Decision {
    fn from(d: DecisionInput) -> Self {
        Self {
            number: d.number,
            date: d.date.into(),
            signer_name: d.signer_name,
            signer_title: d.signer_title,
            start_date: d.start_date.map(Into::into),
        }
    }
}

/// Input of `createSupervisionOrder`.
#[derive(InputObject)]
pub struct CreateSupervisionOrderInput {
    /// The client.
    pub client_id: ID,
    /// The rehab that preceded the order.
    pub rehab_kind: RehabKind,
    /// Facility name.
    pub rehab_facility: Option<String>,
    /// Day the rehab ended.
    pub rehab_completed_on: Date,
    /// The signed decision; omit to record the order as pending its decision.
    pub decision: Option<DecisionInput>,
}

/// Input of `decideSupervisionOrder`.
#[derive(InputObject)]
pub struct DecideSupervisionOrderInput {
    /// The pending order.
    pub order_id: ID,
    /// The decision.
    pub decision: DecisionInput,
}

/// Input of `changeSupervisionOrderStatus`.
#[derive(InputObject)]
pub struct ChangeSupervisionOrderStatusInput {
    /// The order.
    pub order_id: ID,
    /// New status (transfers use `transferClient`).
    pub status: OrderStatus,
    /// Why.
    pub reason: Option<String>,
    /// Completion certificate number (required to complete).
    pub certificate_number: Option<String>,
}

/// Input of `addOrderPause`.
#[derive(InputObject)]
pub struct AddOrderPauseInput {
    /// The order.
    pub order_id: ID,
    /// First day.
    pub starts_on: Date,
    /// Last day.
    pub ends_on: Date,
    /// Why.
    pub reason: String,
}

/// Input of `assignToOrder`.
#[derive(InputObject)]
pub struct AssignToOrderInput {
    /// The order.
    pub order_id: ID,
    /// The officer or supporter.
    pub officer_id: ID,
    /// Role in the case.
    pub role: AssignmentRole,
}

/// Input of `endAssignment`.
#[derive(InputObject)]
pub struct EndAssignmentInput {
    /// The assignment.
    pub assignment_id: ID,
}

/// Payload carrying an order.
#[derive(SimpleObject)]
pub struct SupervisionOrderPayload {
    /// The order.
    pub order: SupervisionOrder,
}

/// Payload carrying an assignment.
#[derive(SimpleObject)]
pub struct AssignmentPayload {
    /// The assignment.
    pub assignment: Assignment,
}

/// Order mutations.
#[derive(Default)]
pub struct OrdersMutation;

#[Object]
impl OrdersMutation {
    /// Records a supervision order, with its decision or pending it.
    async fn create_supervision_order(
        &self,
        ctx: &Context<'_>,
        input: CreateSupervisionOrderInput,
    ) -> Result<SupervisionOrderPayload> {
        let (db, rc) = env(ctx);
        let new = orders::NewOrder {
            client_id: ids::decode("Client", "clientId", &input.client_id)?,
            rehab_kind: input.rehab_kind.into(),
            rehab_facility: input.rehab_facility,
            rehab_completed_on: input.rehab_completed_on.into(),
            decision: input.decision.map(Into::into),
        };
        Ok(SupervisionOrderPayload {
            order: SupervisionOrder::new(orders::create(db, rc, new).await?),
        })
    }

    /// Records the signed decision of a pending order.
    async fn decide_supervision_order(
        &self,
        ctx: &Context<'_>,
        input: DecideSupervisionOrderInput,
    ) -> Result<SupervisionOrderPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("SupervisionOrder", "orderId", &input.order_id)?;
        Ok(SupervisionOrderPayload {
            order: SupervisionOrder::new(orders::decide(db, rc, id, input.decision.into()).await?),
        })
    }

    /// Suspends, resumes, completes, marks relapse, or terminates an order.
    async fn change_supervision_order_status(
        &self,
        ctx: &Context<'_>,
        input: ChangeSupervisionOrderStatusInput,
    ) -> Result<SupervisionOrderPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("SupervisionOrder", "orderId", &input.order_id)?;
        let order = orders::change_status(
            db,
            rc,
            id,
            input.status.into(),
            input.reason,
            input.certificate_number,
        )
        .await?;
        Ok(SupervisionOrderPayload {
            order: SupervisionOrder::new(order),
        })
    }

    /// Adds a pause; the term's end moves back by its length.
    async fn add_order_pause(
        &self,
        ctx: &Context<'_>,
        input: AddOrderPauseInput,
    ) -> Result<SupervisionOrderPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("SupervisionOrder", "orderId", &input.order_id)?;
        let order =
            orders::add_pause(db, rc, id, input.starts_on.0, input.ends_on.0, input.reason).await?;
        Ok(SupervisionOrderPayload {
            order: SupervisionOrder::new(order),
        })
    }

    /// Assigns an officer or supporter of the order's commune.
    async fn assign_to_order(
        &self,
        ctx: &Context<'_>,
        input: AssignToOrderInput,
    ) -> Result<AssignmentPayload> {
        let (db, rc) = env(ctx);
        let order_id = ids::decode("SupervisionOrder", "orderId", &input.order_id)?;
        let officer_id = ids::decode("Officer", "officerId", &input.officer_id)?;
        let a = orders::assign(db, rc, order_id, officer_id, input.role.into()).await?;
        Ok(AssignmentPayload {
            assignment: Assignment::new(a),
        })
    }

    /// Ends an assignment.
    async fn end_assignment(
        &self,
        ctx: &Context<'_>,
        input: EndAssignmentInput,
    ) -> Result<AssignmentPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Assignment", "assignmentId", &input.assignment_id)?;
        Ok(AssignmentPayload {
            assignment: Assignment::new(orders::end_assignment(db, rc, id).await?),
        })
    }
}
