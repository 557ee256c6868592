//! Finishing touches the engine leaves out of a response: fields in the order of the
//! selection set, and the input field of every error about a value the engine could not parse.
//!
//! This runs after the engine, not as an async-graphql extension: in async-graphql 7.2 any
//! registered extension takes every field off the engine's fast path (a registry lookup, a
//! `ResolveInfo` and the boxed extension chain per field), about an eighth of the API's CPU
//! on a commune page. HTTP (`http::graphql`) and WebSocket (`http::graphql_ws`) both call
//! [`finish`].

mod input_errors;
mod order;

use std::sync::OnceLock;

use async_graphql::{
    ID, InputType, OutputType, Request, Response, SubscriptionType, Variables,
    parser::types::{ExecutableDocument, Selection},
    registry::Registry,
};

use super::{MutationRoot, QueryRoot, SubscriptionRoot};
// Fragment chains are followed as deep as `http::limits` lets them be.
use crate::http::limits::{MAX_FRAGMENT_NESTING, operation};

/// A request's document and variables, kept before the engine consumes them.
pub struct Parsed {
    doc: ExecutableDocument,
    variables: Variables,
}

impl Parsed {
    /// Parses `request` once (the engine then runs the same document) and keeps a copy;
    /// `None` when it does not parse (the engine answers with the syntax error).
    pub fn keep(request: &mut Request) -> Option<Self> {
        let doc = request.parsed_query().ok()?.clone();
        Some(Self {
            doc,
            variables: request.variables.clone(),
        })
    }
}

/// Puts the fields of `response` in selection order and names the input field of every
/// engine error about a value it could not parse. `operation_name` is the request's.
pub fn finish(
    response: &mut Response,
    parsed: Option<&Parsed>,
    registry: &Registry,
    operation_name: Option<&str>,
) {
    if let Some(parsed) = parsed {
        order::follow_selection(&mut response.data, parsed, operation_name);
    }
    for error in &mut response.errors {
        input_errors::name_the_field(error, registry, parsed);
    }
}

/// The schema's types, for finding the declared type of an argument. `Schema` keeps its
/// registry private, so it is built once here as `Schema::build` does (async-graphql's
/// `create_registry`), without the introspection types (`__schema`, `__type`: their
/// arguments are strings, which validation checks before any parsing).
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = Registry {
            query_type: QueryRoot::type_name().into_owned(),
            mutation_type: Some(MutationRoot::type_name().into_owned()),
            subscription_type: Some(SubscriptionRoot::type_name().into_owned()),
            ..Registry::default()
        };
        // The built-in scalars, registered whether used or not.
        <bool as InputType>::create_type_info(&mut registry);
        <i32 as InputType>::create_type_info(&mut registry);
        <f32 as InputType>::create_type_info(&mut registry);
        <String as InputType>::create_type_info(&mut registry);
        <ID as InputType>::create_type_info(&mut registry);
        <QueryRoot as OutputType>::create_type_info(&mut registry);
        <MutationRoot as OutputType>::create_type_info(&mut registry);
        <SubscriptionRoot as SubscriptionType>::create_type_info(&mut registry);
        registry.remove_unused_types();
        registry
    })
}

/// Whether `@skip`/`@include` leave a selection out, as the engine decides it.
fn skipped(selection: &Selection, variables: &Variables) -> bool {
    selection.directives().iter().any(|directive| {
        let condition = || {
            directive
                .node
                .get_argument("if")
                .and_then(|value| {
                    value
                        .node
                        .clone()
                        .into_const_with(|name| variables.get(&name).cloned().ok_or(()))
                        .ok()
                })
                .is_some_and(|value| value == async_graphql::Value::Boolean(true))
        };
        match directive.node.name.node.as_str() {
            "skip" => condition(),
            "include" => !condition(),
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use async_graphql::{
        parser::{
            parse_schema,
            types::{InputValueDefinition, TypeKind, TypeSystemDefinition},
        },
        registry::{MetaInputValue, MetaType},
    };

    use super::*;

    /// Name and declared type of each input value, in order.
    fn declared<'a>(values: impl Iterator<Item = &'a InputValueDefinition>) -> Vec<String> {
        values
            .map(|v| format!("{}: {}", v.name.node, v.ty.node))
            .collect()
    }

    fn registered<'a>(values: impl Iterator<Item = &'a MetaInputValue>) -> Vec<String> {
        values.map(|v| format!("{}: {}", v.name, v.ty)).collect()
    }

    #[test]
    fn the_registry_declares_what_the_schema_declares() {
        let registry = registry();
        let sdl = parse_schema(crate::graphql::sdl()).unwrap();
        let mut types = 0;
        for definition in &sdl.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let name = ty.node.name.node.as_str();
            let meta = registry.types.get(name);
            assert!(meta.is_some(), "{name} missing from the registry");
            types += 1;
            match (&ty.node.kind, meta) {
                (TypeKind::Object(object), Some(MetaType::Object { fields, .. })) => {
                    let visible = fields.values().filter(|f| !f.name.starts_with("__"));
                    assert_eq!(visible.count(), object.fields.len(), "fields of {name}");
                    for field in &object.fields {
                        let field = &field.node;
                        let meta = fields
                            .get(field.name.node.as_str())
                            .unwrap_or_else(|| panic!("{name}.{} missing", field.name.node));
                        assert_eq!(meta.ty, field.ty.node.to_string(), "{name}.{}", meta.name);
                        assert_eq!(
                            registered(meta.args.values()),
                            declared(field.arguments.iter().map(|a| &a.node)),
                            "arguments of {name}.{}",
                            meta.name
                        );
                    }
                }
                (
                    TypeKind::InputObject(input),
                    Some(MetaType::InputObject { input_fields, .. }),
                ) => {
                    assert_eq!(
                        registered(input_fields.values()),
                        declared(input.fields.iter().map(|f| &f.node)),
                        "fields of {name}"
                    );
                }
                (TypeKind::Object(_) | TypeKind::InputObject(_), _) => {
                    panic!("{name} is of another kind in the registry")
                }
                _ => {}
            }
        }
        assert!(types > 50, "the schema's types were read ({types})");
        assert_eq!(registry.query_type, "QueryRoot");
        assert_eq!(registry.mutation_type.as_deref(), Some("MutationRoot"));
        assert_eq!(
            registry.subscription_type.as_deref(),
            Some("SubscriptionRoot")
        );
    }
}
