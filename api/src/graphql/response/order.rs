//! Response fields in the order of the selection set (GraphQL spec, "CollectFields").
//!
//! async-graphql resolves the fields of an object concurrently and keeps them in the order
//! they finish, so a field waiting on a DataLoader moves behind the others, differently from
//! one request to the next. The finished data is put back in selection order here.
//!
//! Type conditions are not consulted: the schema has no interfaces or unions (a test pins
//! it), so every fragment a valid document applies to an object is one of its own.

use async_graphql::{
    Value,
    indexmap::IndexMap,
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

use super::{MAX_FRAGMENT_NESTING, Parsed, operation, skipped};

/// Reorders `data` after the selection of the operation that ran.
pub(super) fn follow_selection(data: &mut Value, parsed: &Parsed, operation_name: Option<&str>) {
    if let Some(set) = operation(&parsed.doc, operation_name) {
        apply(data, &plan(&[set], parsed));
    }
}

/// The response keys of an object in selection order, each with the plan of its value
/// (`None` for a leaf). Made once from the document, not once per object of a list: a page
/// of 50 clients shares one plan.
struct Plan<'a> {
    fields: Vec<(&'a str, Option<Plan<'a>>)>,
}

fn plan<'a>(sets: &[&'a SelectionSet], parsed: &'a Parsed) -> Plan<'a> {
    let mut fields: IndexMap<&str, Vec<&SelectionSet>> = IndexMap::new();
    for set in sets {
        collect(set, &parsed.doc, parsed, &mut fields, 0);
    }
    Plan {
        fields: fields
            .into_iter()
            .map(|(key, subsets)| {
                let inner = subsets
                    .iter()
                    .any(|set| !set.items.is_empty())
                    .then(|| plan(&subsets, parsed));
                (key, inner)
            })
            .collect(),
    }
}

fn apply(value: &mut Value, plan: &Plan<'_>) {
    match value {
        Value::List(items) => {
            for item in items {
                apply(item, plan);
            }
        }
        Value::Object(object) => {
            if !in_order(object, plan) {
                let mut unordered = std::mem::take(object);
                for (key, _) in &plan.fields {
                    if let Some((name, inner)) = unordered.swap_remove_entry(*key) {
                        object.insert(name, inner);
                    }
                }
                // Nothing else is expected; if the engine adds something, it keeps it.
                object.extend(unordered);
            }
            for (key, inner) in &plan.fields {
                if let (Some(inner), Some(value)) = (inner, object.get_mut(*key)) {
                    apply(value, inner);
                }
            }
        }
        _ => {}
    }
}

/// Whether the object's keys already come in the plan's order (most objects: only those
/// with a field that waited on a loader move).
fn in_order(object: &IndexMap<async_graphql::Name, Value>, plan: &Plan<'_>) -> bool {
    let mut expected = plan
        .fields
        .iter()
        .map(|(key, _)| *key)
        .filter(|key| object.contains_key(*key));
    object
        .keys()
        .all(|key| expected.next() == Some(key.as_str()))
        && expected.next().is_none()
}

/// Response keys in first-occurrence order, each with the selection sets merged under it.
fn collect<'a>(
    set: &'a SelectionSet,
    doc: &'a ExecutableDocument,
    parsed: &Parsed,
    fields: &mut IndexMap<&'a str, Vec<&'a SelectionSet>>,
    depth: usize,
) {
    for selection in &set.items {
        if skipped(&selection.node, &parsed.variables) {
            continue;
        }
        match &selection.node {
            Selection::Field(field) => fields
                .entry(field.node.response_key().node.as_str())
                .or_default()
                .push(&field.node.selection_set.node),
            Selection::InlineFragment(inline) => {
                collect(&inline.node.selection_set.node, doc, parsed, fields, depth);
            }
            Selection::FragmentSpread(spread) => {
                if depth < MAX_FRAGMENT_NESTING
                    && let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node)
                {
                    collect(
                        &fragment.node.selection_set.node,
                        doc,
                        parsed,
                        fields,
                        depth + 1,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{Name, Variables};

    use super::*;

    fn parsed(query: &str, variables: serde_json::Value) -> Parsed {
        Parsed {
            doc: async_graphql::parser::parse_query(query).unwrap(),
            variables: Variables::from_json(variables),
        }
    }

    fn keys(value: &Value) -> Vec<&str> {
        match value {
            Value::Object(object) => object.keys().map(Name::as_str).collect(),
            _ => vec![],
        }
    }

    #[test]
    fn puts_fields_back_in_selection_order_through_fragments_and_lists() {
        let parsed = parsed(
            "query($skip: Boolean!) { a { x ...F y } b @skip(if: $skip) c { z } b }
             fragment F on T { ... on T { w } x z: x }",
            serde_json::json!({ "skip": true }),
        );
        let mut data = Value::from_json(serde_json::json!({
            "c": [{ "z": 1 }],
            "b": 2,
            "a": [{ "y": 3, "z": 4, "w": 5, "x": 6 }, { "w": 7, "y": 8, "x": 9, "z": 0 }],
        }))
        .unwrap();
        follow_selection(&mut data, &parsed, None);
        assert_eq!(
            keys(&data),
            ["a", "c", "b"],
            "a skipped `b` counts where it is kept"
        );
        let Value::Object(object) = &data else {
            panic!("object")
        };
        let Value::List(items) = &object["a"] else {
            panic!("list")
        };
        for item in items {
            assert_eq!(keys(item), ["x", "w", "z", "y"]);
        }
    }

    #[test]
    fn the_schema_has_no_interfaces_or_unions() {
        // The reordering ignores type conditions, which is exact only without abstract types.
        let sdl = crate::graphql::sdl();
        assert!(
            !sdl.lines()
                .any(|l| l.starts_with("interface ") || l.starts_with("union ")),
            "with an interface or union, follow type conditions in response::order"
        );
    }
}
