//! Which relations a page of `clients` reads with the clients, from the page's selection:
//! those whose every selected field is a plain read of columns listed here. The rows are read
//! with those columns only, so a relation with any other field selected is left to its loader.
//!
//! Only on PostgreSQL (the JSON the statement builds is PostgreSQL's), only when
//! `GRAPHQL_ONE_STATEMENT_PAGES` is on, and never for a document with directives (`@skip`,
//! `@include`): the engine applies them, this walk would not.

use async_graphql::{
    Context, Lookahead, SelectionField, Value,
    parser::types::{Selection, SelectionSet},
};
use entities::{appointment, check_in_occurrence, officer, order_assignment, supervision_order};
use sea_orm::{DatabaseBackend, IdenStatic};

use super::resolver_settings;
use crate::registry::client_pages::{OrderColumns, Relations, Upcoming};

/// The relations to read with the page being resolved, or `None` to read the page as usual.
pub fn relations(ctx: &Context<'_>, backend: DatabaseBackend) -> Option<Relations> {
    if backend != DatabaseBackend::Postgres
        || !resolver_settings(ctx).one_statement_pages
        || has_directives(ctx)
    {
        return None;
    }
    let look = ctx.look_ahead();
    let mut nodes = look.field("edges").field("node").selection_fields();
    nodes.extend(look.field("nodes").selection_fields());
    let relations = Relations {
        orders: orders(&nodes),
        upcoming_check_ins: upcoming(
            &nodes,
            "upcomingCheckIns",
            OCCURRENCE_FIELDS,
            &[
                check_in_occurrence::Column::Id,
                check_in_occurrence::Column::OpensAt,
            ],
        ),
        upcoming_appointments: upcoming(
            &nodes,
            "upcomingAppointments",
            APPOINTMENT_FIELDS,
            &[appointment::Column::Id, appointment::Column::StartsAt],
        ),
    };
    (!relations.is_empty()).then_some(relations)
}

/// Fields of `CheckInOccurrence` that read only these columns.
pub(crate) const OCCURRENCE_FIELDS: &[(&str, &[check_in_occurrence::Column])] = {
    use check_in_occurrence::Column as C;
    &[
        ("__typename", &[]),
        ("id", &[C::Id]),
        ("scheduledOn", &[C::ScheduledOn]),
        ("dueOn", &[C::DueOn]),
        ("opensAt", &[C::OpensAt]),
        ("closesAt", &[C::ClosesAt]),
        ("status", &[C::Status]),
        ("missedAt", &[C::MissedAt]),
    ]
};

/// Fields of `Appointment` that read only these columns.
pub(crate) const APPOINTMENT_FIELDS: &[(&str, &[appointment::Column])] = {
    use appointment::Column as C;
    &[
        ("__typename", &[]),
        ("id", &[C::Id]),
        ("kind", &[C::Kind]),
        ("startsAt", &[C::StartsAt]),
        ("endsAt", &[C::EndsAt]),
        ("place", &[C::Place]),
        ("status", &[C::Status]),
        ("providerName", &[C::ProviderName]),
        ("communeCode", &[C::CommuneCode]),
        ("createdAt", &[C::CreatedAt]),
        ("updatedAt", &[C::UpdatedAt]),
    ]
};

/// Fields of `SupervisionOrder` that read only these columns (`assignments` aside).
pub(crate) const ORDER_FIELDS: &[(&str, &[supervision_order::Column])] = {
    use supervision_order::Column as C;
    &[
        ("__typename", &[]),
        ("id", &[C::Id]),
        ("decisionNumber", &[C::DecisionNumber]),
        ("startDate", &[C::StartDate]),
        ("endDate", &[C::EndDate]),
        ("status", &[C::Status]),
        ("statusReason", &[C::StatusReason]),
        ("certificateNumber", &[C::CertificateNumber]),
        ("statusChangedAt", &[C::StatusChangedAt]),
        ("communeCode", &[C::CommuneCode]),
    ]
};

/// Fields of `Assignment` that read only these columns (`officer` aside: read whole).
pub(crate) const ASSIGNMENT_FIELDS: &[(&str, &[order_assignment::Column])] = {
    use order_assignment::Column as C;
    &[
        ("__typename", &[]),
        ("id", &[C::Id]),
        ("role", &[C::Role]),
        ("assignedOn", &[C::AssignedOn]),
        ("endedOn", &[C::EndedOn]),
    ]
};

/// Fields of `Officer` that read only these columns.
pub(crate) const OFFICER_FIELDS: &[(&str, &[officer::Column])] = {
    use officer::Column as C;
    &[
        ("__typename", &[]),
        ("id", &[C::Id]),
        ("fullName", &[C::FullName]),
        ("role", &[C::Role]),
        ("phone", &[C::Phone]),
        ("zaloUserId", &[C::ZaloUserId]),
        ("active", &[C::Active]),
        ("provinceCode", &[C::ProvinceCode]),
        ("communeCode", &[C::CommuneCode]),
        ("commune", &[C::CommuneCode]),
        ("createdAt", &[C::CreatedAt]),
    ]
};

/// The fields named `name` under every node selection.
fn fields_named<'a>(nodes: &[SelectionField<'a>], name: &str) -> Vec<SelectionField<'a>> {
    nodes
        .iter()
        .flat_map(|node| Lookahead::from(*node).field(name).selection_fields())
        .collect()
}

fn orders(nodes: &[SelectionField<'_>]) -> Option<OrderColumns> {
    let selections = fields_named(nodes, "orders");
    if selections.is_empty() {
        return None;
    }
    let mut order = vec![supervision_order::Column::Id];
    let mut assignments: Option<Vec<order_assignment::Column>> = None;
    let mut officers: Option<Vec<officer::Column>> = None;
    for field in selections.iter().flat_map(SelectionField::selection_set) {
        if field.name() == "assignments" {
            let columns = assignments.get_or_insert_with(|| vec![order_assignment::Column::Id]);
            for sub in field.selection_set() {
                if sub.name() == "officer" {
                    // `Officer` is built whole from the row: its id and role always.
                    let read = officers
                        .get_or_insert_with(|| vec![officer::Column::Id, officer::Column::Role]);
                    for f in sub.selection_set() {
                        read.extend_from_slice(columns_of(OFFICER_FIELDS, f.name())?);
                    }
                    continue;
                }
                columns.extend_from_slice(columns_of(ASSIGNMENT_FIELDS, sub.name())?);
            }
            // The officer is read by its id (the join's), and out of the assignment row.
            columns.push(order_assignment::Column::OfficerId);
            continue;
        }
        order.extend_from_slice(columns_of(ORDER_FIELDS, field.name())?);
    }
    Some(OrderColumns {
        order: dedup(order),
        assignments: assignments.map(dedup),
        officers: officers.map(dedup),
    })
}

fn upcoming<C: IdenStatic>(
    nodes: &[SelectionField<'_>],
    name: &str,
    fields: &[(&str, &[C])],
    always: &[C],
) -> Option<Upcoming<C>> {
    let selections = fields_named(nodes, name);
    if selections.is_empty() {
        return None;
    }
    let mut first = 0;
    let mut columns = always.to_vec();
    for selection in &selections {
        first = first.max(first_argument(selection)?);
        for field in selection.selection_set() {
            columns.extend_from_slice(columns_of(fields, field.name())?);
        }
    }
    Some(Upcoming {
        first,
        columns: dedup(columns),
    })
}

/// `first:` of an upcoming list (the field's default when absent); `None` when not a count
/// (the field refuses).
fn first_argument(field: &SelectionField<'_>) -> Option<u64> {
    let arguments = field.arguments().ok()?;
    match arguments.iter().find(|(name, _)| name.as_str() == "first") {
        None => u64::try_from(super::clients::UPCOMING_DEFAULT_FIRST).ok(),
        Some((_, Value::Number(n))) => n.as_u64(),
        Some(_) => None,
    }
}

/// Whether `name` is one of `fields`.
pub(crate) fn is_listed<C>(fields: &[(&str, &[C])], name: &str) -> bool {
    fields.iter().any(|(n, _)| *n == name)
}

fn columns_of<'a, C>(fields: &'a [(&str, &'a [C])], name: &str) -> Option<&'a [C]> {
    fields.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

fn dedup<C: IdenStatic>(columns: Vec<C>) -> Vec<C> {
    let mut out: Vec<C> = Vec::with_capacity(columns.len());
    for c in columns {
        if !out.iter().any(|o| o.as_str() == c.as_str()) {
            out.push(c);
        }
    }
    out
}

/// Whether the document being executed has a directive anywhere (operation or fragments).
fn has_directives(ctx: &Context<'_>) -> bool {
    let env = &ctx.query_env;
    !env.operation.node.directives.is_empty()
        || set_has_directives(&env.operation.node.selection_set.node)
        || env.fragments.values().any(|f| {
            !f.node.directives.is_empty() || set_has_directives(&f.node.selection_set.node)
        })
}

fn set_has_directives(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(f) => {
            !f.node.directives.is_empty() || set_has_directives(&f.node.selection_set.node)
        }
        Selection::FragmentSpread(s) => !s.node.directives.is_empty(),
        Selection::InlineFragment(i) => {
            !i.node.directives.is_empty() || set_has_directives(&i.node.selection_set.node)
        }
    })
}
