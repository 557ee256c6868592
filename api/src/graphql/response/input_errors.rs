//! Errors the engine raises about input it cannot use (a literal or variable that is not a
//! valid value of its type) get the code `BAD_USER_INPUT` and `extensions.field`, the input
//! path of the value (`first`, `input.dateOfBirth`, `input.rule.everyNDays`), like the errors
//! the services raise.
//!
//! Validation names the path in its message. Parsing during execution does not (`Failed to
//! parse "NaiveDate": input is out of range (occurred while parsing "CreateClientInput")`, or
//! `Expected input type "NaiveDate", found 19900501.`):
//! the argument is found at the error's location, and inside it the value of the named
//! scalar whose parsing fails with the same message.

use async_graphql::{
    InputType, Pos, ServerError, Value,
    parser::types::{OperationType, Selection, SelectionSet, TypeCondition},
    registry::{MetaType, MetaTypeName, Registry},
};

use super::Parsed;

const INVALID_ARGUMENT: &str = "Invalid value for argument \"";
const FAILED_TO_PARSE: &str = "Failed to parse \"";
const EXPECTED_TYPE: &str = "Expected input type \"";

/// Adds code and field to an engine error about input; leaves other errors alone.
pub(super) fn name_the_field(
    error: &mut ServerError,
    registry: &Registry,
    parsed: Option<&Parsed>,
) {
    let has = |key: &str| {
        error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get(key).is_some())
    };
    if has("code") || has("field") {
        return;
    }
    let field = if let Some(rest) = error.message.strip_prefix(INVALID_ARGUMENT) {
        validation_path(rest)
    } else if error.message.starts_with(FAILED_TO_PARSE) || error.message.starts_with(EXPECTED_TYPE)
    {
        error
            .locations
            .first()
            .zip(parsed)
            .and_then(|(pos, parsed)| parse_path(&error.message, *pos, registry, parsed))
    } else {
        return;
    };
    let mut extensions = error.extensions.take().unwrap_or_default();
    extensions.set("code", "BAD_USER_INPUT");
    if let Some(field) = field {
        extensions.set("field", relative_to_input(&field));
    }
    error.extensions = Some(extensions);
}

/// A mutation's fields are named relative to its `input` argument (`input.rule.everyNDays` →
/// `rule.everyNDays`), as the service layer names them, so one field has one name whichever
/// layer refuses it; other arguments keep their path (`first`, `filter.search`).
fn relative_to_input(path: &str) -> &str {
    path.strip_prefix("input.").unwrap_or(path)
}

/// `input.windowMinutes", expected type "Int"` → `input.windowMinutes`;
/// `input", field "address" of type "String!" is required but not provided` → `input.address`.
fn validation_path(rest: &str) -> Option<String> {
    let (path, rest) = rest.split_once('"')?;
    match rest
        .strip_prefix(", field \"")
        .and_then(|r| r.split_once('"'))
    {
        Some((field, _)) => Some(format!("{path}.{field}")),
        None => Some(path.to_owned()),
    }
}

/// The path of the value whose parsing failed with `message`, at the argument at `pos`.
fn parse_path(message: &str, pos: Pos, registry: &Registry, parsed: &Parsed) -> Option<String> {
    // What the scalar said, without the "(occurred while parsing …)" of each enclosing type.
    let said = message.split(" (occurred while parsing").next()?;
    let scalar = said
        .strip_prefix(FAILED_TO_PARSE)
        .or_else(|| said.strip_prefix(EXPECTED_TYPE))?
        .split('"')
        .next()?;
    let (name, ty, value) = argument_at(pos, registry, parsed)?;
    Some(failing_leaf(registry, &ty, &value, &name, scalar, said).unwrap_or(name))
}

/// The argument whose value starts at `pos`: its name, declared type and value (variables
/// replaced by theirs).
fn argument_at(pos: Pos, registry: &Registry, parsed: &Parsed) -> Option<(String, String, Value)> {
    let doc = &parsed.doc;
    let roots = doc.operations.iter().map(|(_, op)| {
        let root = match op.node.ty {
            OperationType::Query => Some(registry.query_type.as_str()),
            OperationType::Mutation => registry.mutation_type.as_deref(),
            OperationType::Subscription => registry.subscription_type.as_deref(),
        };
        (root, &op.node.selection_set.node)
    });
    let fragments = doc.fragments.values().map(|f| {
        let TypeCondition { on } = &f.node.type_condition.node;
        (Some(on.node.as_str()), &f.node.selection_set.node)
    });
    roots
        .chain(fragments)
        .find_map(|(ty, set)| find_argument(pos, registry, ty?, set, parsed))
}

fn find_argument(
    pos: Pos,
    registry: &Registry,
    parent: &str,
    set: &SelectionSet,
    parsed: &Parsed,
) -> Option<(String, String, Value)> {
    set.items
        .iter()
        .find_map(|selection| match &selection.node {
            Selection::Field(field) => {
                let meta = registry
                    .types
                    .get(parent)?
                    .field_by_name(&field.node.name.node)?;
                field
                    .node
                    .arguments
                    .iter()
                    .find(|(_, value)| value.pos == pos)
                    .and_then(|(name, value)| {
                        let ty = &meta.args.get(name.node.as_str())?.ty;
                        let value = value
                            .node
                            .clone()
                            .into_const_with(|var| parsed.variables.get(&var).cloned().ok_or(()))
                            .unwrap_or(Value::Null);
                        Some((name.node.to_string(), ty.clone(), value))
                    })
                    .or_else(|| {
                        let child = MetaTypeName::concrete_typename(&meta.ty);
                        find_argument(pos, registry, child, &field.node.selection_set.node, parsed)
                    })
            }
            Selection::InlineFragment(inline) => {
                let ty = inline
                    .node
                    .type_condition
                    .as_ref()
                    .map_or(parent, |c| c.node.on.node.as_str());
                find_argument(pos, registry, ty, &inline.node.selection_set.node, parsed)
            }
            // Fragment definitions are searched on their own, with their type condition.
            Selection::FragmentSpread(_) => None,
        })
}

/// Inside `value` of type `ty`, the first value of type `scalar` that fails to parse with
/// `said`; `path` names `value`.
fn failing_leaf(
    registry: &Registry,
    ty: &str,
    value: &Value,
    path: &str,
    scalar: &str,
    said: &str,
) -> Option<String> {
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => failing_leaf(registry, inner, value, path, scalar, said),
        MetaTypeName::List(inner) => match value {
            Value::List(items) => items.iter().enumerate().find_map(|(i, item)| {
                failing_leaf(registry, inner, item, &format!("{path}.{i}"), scalar, said)
            }),
            // A single value where a list is expected is a list of one.
            other => failing_leaf(registry, inner, other, path, scalar, said),
        },
        MetaTypeName::Named(name) => match (registry.types.get(name), value) {
            (Some(MetaType::InputObject { input_fields, .. }), Value::Object(object)) => {
                input_fields.values().find_map(|field| {
                    let inner = object.get(field.name.as_str())?;
                    let path = format!("{path}.{}", field.name);
                    failing_leaf(registry, &field.ty, inner, &path, scalar, said)
                })
            }
            (Some(MetaType::Scalar { .. }), value) if name == scalar => {
                fails_as(scalar, value, said).then(|| path.to_owned())
            }
            _ => None,
        },
    }
}

/// Whether `value` fails to parse as `scalar` with the message `said`. A scalar is parsed by
/// one of several Rust types (an `Int` may be an `i32` or a `u32` field), so each is tried.
fn fails_as(scalar: &str, value: &Value, said: &str) -> bool {
    fn message<T: InputType>(value: &Value) -> Option<String> {
        T::parse(Some(value.clone()))
            .err()
            .map(|e| e.into_server_error(Pos::default()).message)
    }
    let messages = match scalar {
        "Int" => vec![
            message::<i8>(value),
            message::<i16>(value),
            message::<i32>(value),
            message::<i64>(value),
            message::<u8>(value),
            message::<u16>(value),
            message::<u32>(value),
            message::<u64>(value),
        ],
        "Float" => vec![message::<f32>(value), message::<f64>(value)],
        // The schema's `NaiveDate` is our strict `YYYY-MM-DD` scalar.
        "NaiveDate" => vec![message::<crate::graphql::date::Date>(value)],
        "NaiveTime" => vec![message::<chrono::NaiveTime>(value)],
        "NaiveDateTime" => vec![message::<chrono::NaiveDateTime>(value)],
        "DateTime" => vec![message::<chrono::DateTime<chrono::Utc>>(value)],
        // A scalar without a known parser: its first value is the best guess.
        _ => return true,
    };
    messages.into_iter().flatten().any(|m| m == said)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_messages_name_their_path() {
        assert_eq!(
            validation_path("input.windowMinutes\", expected type \"Int\"").as_deref(),
            Some("input.windowMinutes")
        );
        assert_eq!(
            validation_path(
                "input\", field \"address\" of type \"String!\" is required but not provided"
            )
            .as_deref(),
            Some("input.address")
        );
    }

    #[test]
    fn a_parse_failure_is_matched_by_its_message() {
        let date = Value::String("1990-02-30".into());
        let said = "Failed to parse \"NaiveDate\": 1990-02-30 is not a day of the calendar";
        assert!(fails_as("NaiveDate", &date, said));
        assert!(!fails_as(
            "NaiveDate",
            &Value::String("1990-02-03".into()),
            said
        ));
        let negative = Value::Number((-5).into());
        assert!(fails_as(
            "Int",
            &negative,
            "Failed to parse \"Int\": Invalid number"
        ));
        assert!(!fails_as(
            "Int",
            &Value::Number(5.into()),
            "Failed to parse \"Int\": Invalid number"
        ));
    }
}
