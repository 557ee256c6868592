//! Resolving an object's fields one after another instead of as one boxed future each.
//!
//! The engine resolves every field of every object as a boxed future polled in a
//! `FuturesUnordered`: right for fields that wait on loaders (their keys gather into one
//! batch), wasted on fields that only read what the object already holds. A page of 50
//! clients read in one statement has about 1,000 such fields. [`Plain`] wraps an object whose
//! selected fields are all of that kind ([`PlainFields`]) and resolves them in order, through
//! the object's own field resolvers, with the engine's outcome per field: the value, or the
//! error recorded and the field left out. Anything else (a directive, a fragment on another
//! type, a repeated response key, a field that may wait) goes to the engine unchanged, as
//! does everything when `GRAPHQL_ONE_STATEMENT_PAGES` is off.

use std::borrow::Cow;

use async_graphql::{
    ContainerType, ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value,
    indexmap::IndexMap,
    parser::types::{Field, Selection, SelectionSet},
    registry::Registry,
};

/// An object whose fields can say whether they resolve without waiting.
pub trait PlainFields: ContainerType {
    /// Whether the field named `name` only reads what the object holds (or a process cache).
    fn is_plain(&self, name: &str) -> bool;
}

/// `T`, in the schema exactly as `T`, resolved field after field when its selection is plain.
pub struct Plain<T>(pub T);

impl<T: PlainFields> OutputType for Plain<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let mut fields = Vec::new();
        if !super::resolver_settings_of(ctx).one_statement_pages
            || !collect(&self.0, ctx, &ctx.item.node, &mut fields)
            || repeats_a_key(&fields)
        {
            return self.0.resolve(ctx, field).await;
        }
        let mut object = IndexMap::with_capacity(fields.len());
        for f in fields {
            let key = f.node.response_key().node.clone();
            if f.node.name.node == "__typename" {
                let name = self.0.introspection_type_name().into_owned();
                object.insert(key, Value::String(name));
                continue;
            }
            match self.0.resolve_field(&ctx.with_field(f)).await {
                Ok(value) => {
                    object.insert(key, value.unwrap_or_default());
                }
                Err(error) => ctx.add_error(error),
            }
        }
        Ok(if object.is_empty() {
            Value::Null
        } else {
            Value::Object(object)
        })
    }
}

/// Gathers the fields of `set` (through fragments on `T` itself) into `out`; false when the
/// selection is not plain.
fn collect<'a, T: PlainFields>(
    object: &T,
    ctx: &ContextSelectionSet<'a>,
    set: &'a SelectionSet,
    out: &mut Vec<&'a Positioned<Field>>,
) -> bool {
    for item in &set.items {
        let (condition, set) = match &item.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                if !f.node.directives.is_empty() || (name != "__typename" && !object.is_plain(name))
                {
                    return false;
                }
                out.push(f);
                continue;
            }
            Selection::FragmentSpread(spread) => {
                if !spread.node.directives.is_empty() {
                    return false;
                }
                let env: &'a async_graphql::QueryEnv = ctx.query_env;
                let Some(fragment) = env.fragments.get(&spread.node.fragment_name.node) else {
                    return false;
                };
                (
                    Some(&fragment.node.type_condition.node.on.node),
                    &fragment.node.selection_set.node,
                )
            }
            Selection::InlineFragment(inline) => {
                if !inline.node.directives.is_empty() {
                    return false;
                }
                (
                    inline.node.type_condition.as_ref().map(|c| &c.node.on.node),
                    &inline.node.selection_set.node,
                )
            }
        };
        if condition.is_some_and(|c| c.as_str() != T::type_name())
            || !collect(object, ctx, set, out)
        {
            return false;
        }
    }
    true
}

fn repeats_a_key(fields: &[&Positioned<Field>]) -> bool {
    let mut keys: Vec<&Name> = fields.iter().map(|f| &f.node.response_key().node).collect();
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}
