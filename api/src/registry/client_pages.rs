//! A page of clients read with the relations its selection asks for, in one statement
//! (PostgreSQL): each relation is a correlated subquery returning its rows as a JSON array.
//!
//! Every relation keeps the scope rule of its own service (the orders', the schedules',
//! the officers'): the subqueries are those services' selects, correlated to the client row
//! instead of filtered by a batch of ids, so this module decides nothing about authorization.
//! A relation the caller may not read is left out, and its field then loads as it always does
//! (and refuses as it always does).

use entities::{
    appointment, check_in_occurrence, client, officer, order_assignment, supervision_order,
};
use sea_orm::{
    ConnectionTrait, EntityTrait, FromQueryResult, JoinType, PaginatorTrait, QueryResult,
    QueryTrait,
    sea_query::{Alias, Expr, Query, SelectStatement},
};
use serde::Deserialize;
use uuid::Uuid;

use super::clients::{ClientFilter, list_select};
use super::orders::{self, AssignedOfficer, StaffedAssignment};
use crate::{
    context::RequestContext,
    error::{AppError, AppResult},
    pagination::{Page, PageRequest, page_select},
    schedules::{appointments, check_ins},
};

/// Which relations to read with the clients, and which of their columns.
#[derive(Debug, Clone, Default)]
pub struct Relations {
    /// The clients' orders.
    pub orders: Option<OrderColumns>,
    /// The clients' first upcoming check-ins.
    pub upcoming_check_ins: Option<Upcoming<check_in_occurrence::Column>>,
    /// The clients' first upcoming appointments.
    pub upcoming_appointments: Option<Upcoming<appointment::Column>>,
}

impl Relations {
    /// Whether no relation is read (the page is then read as usual).
    pub fn is_empty(&self) -> bool {
        self.orders.is_none()
            && self.upcoming_check_ins.is_none()
            && self.upcoming_appointments.is_none()
    }
}

/// The columns of the orders read, and of their assignments when those are read too.
#[derive(Debug, Clone)]
pub struct OrderColumns {
    /// Columns of `supervision_orders`.
    pub order: Vec<supervision_order::Column>,
    /// Columns of `order_assignments`, when the assignments are read.
    pub assignments: Option<Vec<order_assignment::Column>>,
    /// Columns of `officers`, when the assignments' officers are read too (and the caller
    /// may read officers).
    pub officers: Option<Vec<officer::Column>>,
}

/// The first `first` rows of an upcoming list, with these columns.
#[derive(Debug, Clone)]
pub struct Upcoming<C> {
    /// Rows per client.
    pub first: u64,
    /// Columns read.
    pub columns: Vec<C>,
}

/// The relations read with one client; `None` where not read (the field loads them itself).
///
/// The rows hold only the columns asked for (the others keep their `Default`), so they must
/// only serve the fields those columns were chosen for.
#[derive(Debug, Clone, Default)]
pub struct Related {
    /// Orders, oldest first, each with its assignments when they were read.
    pub orders: Option<Vec<(supervision_order::Model, Option<Vec<StaffedAssignment>>)>>,
    /// Upcoming check-ins, soonest first.
    pub upcoming_check_ins: Option<Vec<check_in_occurrence::Model>>,
    /// Upcoming appointments, soonest first.
    pub upcoming_appointments: Option<Vec<appointment::Model>>,
}

/// The clients of [`super::clients::list`] with their `relations`, in one statement (plus the
/// count when the page asks for it).
pub async fn list_with_relations(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    filter: ClientFilter,
    page: PageRequest<Uuid>,
    relations: &Relations,
) -> AppResult<Page<(client::Model, Related)>> {
    let select = list_select(ctx, filter)?;
    let total_count = if page.count_total {
        select.clone().count(db).await?
    } else {
        0
    };
    let mut query = page_select(select, client::Column::Id, &page).into_query();
    // A relation the caller may not read is not joined: its field refuses on its own path.
    let orders = match &relations.orders {
        Some(columns) => orders_json(ctx, columns).ok(),
        None => None,
    };
    let mut read = Read::default();
    if let Some((expr, officers_joined)) = orders {
        query.expr_as(as_text(expr), Alias::new(ORDERS));
        read.orders = Some(officers_joined);
    }
    if let Some(upcoming) = &relations.upcoming_check_ins
        && let Ok(select) = check_ins::upcoming_of_outer_client(ctx, upcoming.first)
    {
        let object = json_object::<check_in_occurrence::Entity>(&upcoming.columns);
        query.expr_as(
            as_text(json_list(select.into_query(), object)),
            Alias::new(CHECK_INS),
        );
        read.upcoming_check_ins = true;
    }
    if let Some(upcoming) = &relations.upcoming_appointments
        && let Ok(select) = appointments::upcoming_of_outer_client(ctx, upcoming.first)
    {
        let object = json_object::<appointment::Entity>(&upcoming.columns);
        query.expr_as(
            as_text(json_list(select.into_query(), object)),
            Alias::new(APPOINTMENTS),
        );
        read.upcoming_appointments = true;
    }
    let rows = db.query_all(&query).await?;
    let clients = rows
        .iter()
        .map(|row| decode(row, read))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Page::cut(clients, &page, total_count))
}

/// Which relations the statement selected.
#[derive(Debug, Clone, Copy, Default)]
struct Read {
    /// The orders, and whether their officers were joined.
    orders: Option<bool>,
    upcoming_check_ins: bool,
    upcoming_appointments: bool,
}

const ORDERS: &str = "orders_json";
const CHECK_INS: &str = "upcoming_check_ins_json";
const APPOINTMENTS: &str = "upcoming_appointments_json";

/// The orders of the outer client as JSON (`{"o": order, "a": [{"a": assignment, "f":
/// officer}]}`), and whether the officers were joined.
fn orders_json(ctx: &RequestContext, columns: &OrderColumns) -> AppResult<(Expr, bool)> {
    let orders = orders::of_outer_client(ctx)?;
    let mut fields = vec![(
        "o",
        json_object::<supervision_order::Entity>(&columns.order),
    )];
    let mut officers_joined = false;
    if let Some(assignment_columns) = &columns.assignments {
        let (assignments, officer_on) = orders::assignments_of_outer_order(ctx)?;
        let mut inner = assignments.into_query();
        let mut assignment = vec![(
            "a",
            json_object::<order_assignment::Entity>(assignment_columns),
        )];
        if let (Some(on), Some(officer_columns)) = (officer_on, &columns.officers) {
            inner.join(JoinType::LeftJoin, officer::Entity, on);
            // The officer outside the caller's scope is not joined: `null`, as the loader.
            assignment.push((
                "f",
                Expr::cust_with_exprs(
                    "CASE WHEN $1 IS NULL THEN NULL ELSE $2 END",
                    [
                        Expr::col((officer::Entity, officer::Column::Id)),
                        json_object::<officer::Entity>(officer_columns),
                    ],
                ),
            ));
            officers_joined = true;
        }
        fields.push(("a", json_list(inner, json_pairs(assignment))));
    }
    Ok((
        json_list(orders.into_query(), json_pairs(fields)),
        officers_joined,
    ))
}

/// `json_build_object` of these columns of `E`'s table, keyed by the column names (which are
/// the model's field names, so the object deserializes into the model).
fn json_object<E: EntityTrait>(columns: &[E::Column]) -> Expr {
    use sea_orm::IdenStatic;
    json_pairs(
        columns
            .iter()
            .map(|c| (c.as_str(), Expr::col((E::default(), *c))))
            .collect(),
    )
}

/// `json_build_object('key', expr, …)`; keys are column names and fixed words, never input.
fn json_pairs(pairs: Vec<(&'static str, Expr)>) -> Expr {
    let template = pairs
        .iter()
        .enumerate()
        .map(|(i, (key, _))| format!("'{key}', ${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    Expr::cust_with_exprs(
        format!("json_build_object({template})"),
        pairs.into_iter().map(|(_, e)| e),
    )
}

/// The rows of `select` as a JSON array of `object` (`[]` when none). Rows are sorted again
/// when decoded: the array's order is not something the aggregate promises.
fn json_list(mut select: SelectStatement, object: Expr) -> Expr {
    select.clear_selects();
    select.expr_as(object, Alias::new("j"));
    Expr::from(
        Query::select()
            .expr(Expr::cust("coalesce(json_agg(x.j), '[]'::json)"))
            .from_subquery(select, Alias::new("x"))
            .to_owned(),
    )
}

fn as_text(expr: Expr) -> Expr {
    Expr::cust_with_expr("$1::text", expr)
}

#[derive(Deserialize)]
struct OrderJson {
    o: supervision_order::Model,
    #[serde(default)]
    a: Option<Vec<AssignmentJson>>,
}

#[derive(Deserialize)]
struct AssignmentJson {
    a: order_assignment::Model,
    #[serde(default)]
    f: Option<officer::Model>,
}

fn decode(row: &QueryResult, read: Read) -> AppResult<(client::Model, Related)> {
    let model = client::Model::from_query_result(row, "")?;
    let officers_joined = read.orders == Some(true);
    let orders = json_column::<OrderJson>(row, read.orders.is_some(), ORDERS)?.map(|mut orders| {
        orders.sort_by_key(|o| o.o.id);
        orders
            .into_iter()
            .map(|o| {
                let assignments = o.a.map(|mut rows| {
                    rows.sort_by_key(|r| r.a.id);
                    rows.into_iter()
                        .map(|r| StaffedAssignment {
                            assignment: r.a,
                            officer: if officers_joined {
                                AssignedOfficer::joined(r.f)
                            } else {
                                AssignedOfficer::Unread
                            },
                        })
                        .collect()
                });
                (o.o, assignments)
            })
            .collect()
    });
    let upcoming_check_ins =
        json_column::<check_in_occurrence::Model>(row, read.upcoming_check_ins, CHECK_INS)?.map(
            |mut rows| {
                rows.sort_by_key(|x| (x.opens_at, x.id));
                rows
            },
        );
    let upcoming_appointments =
        json_column::<appointment::Model>(row, read.upcoming_appointments, APPOINTMENTS)?.map(
            |mut rows| {
                rows.sort_by_key(|x| (x.starts_at, x.id));
                rows
            },
        );
    Ok((
        model,
        Related {
            orders,
            upcoming_check_ins,
            upcoming_appointments,
        },
    ))
}

/// A JSON array column of the row; `None` when the statement did not select it.
fn json_column<T: serde::de::DeserializeOwned>(
    row: &QueryResult,
    selected: bool,
    column: &str,
) -> AppResult<Option<Vec<T>>> {
    if !selected {
        return Ok(None);
    }
    let text: String = row.try_get("", column)?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| AppError::Internal(Box::new(e)))
}
