//! Finishing touches the engine leaves out of a response: fields in the order of the
//! selection set, and the input field of every error about a value the engine could not parse.

mod input_errors;
mod order;

use std::sync::{Arc, Mutex};

use async_graphql::{
    Response, ServerResult, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    },
    parser::types::{ExecutableDocument, Selection},
};

// Fragment chains are followed as deep as `http::limits` lets them be.
use crate::http::limits::{MAX_FRAGMENT_NESTING, operation};

/// The extension, registered once on the schema.
pub struct ResponseFinish;

impl ExtensionFactory for ResponseFinish {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest::default())
    }
}

/// The request's document and variables, kept from parsing for the finishing steps.
#[derive(Default)]
struct PerRequest {
    parsed: Mutex<Option<Arc<Parsed>>>,
}

struct Parsed {
    doc: ExecutableDocument,
    variables: Variables,
}

impl PerRequest {
    fn parsed(&self) -> Option<Arc<Parsed>> {
        self.parsed.lock().ok().and_then(|p| p.clone())
    }
}

#[async_trait::async_trait]
impl Extension for PerRequest {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if let Ok(mut parsed) = self.parsed.lock() {
            *parsed = Some(Arc::new(Parsed {
                doc: doc.clone(),
                variables: variables.clone(),
            }));
        }
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        if let Some(parsed) = self.parsed() {
            order::follow_selection(&mut response.data, &parsed, operation_name);
        }
        response
    }

    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        let parsed = self.parsed();
        for error in &mut response.errors {
            input_errors::name_the_field(error, &ctx.schema_env.registry, parsed.as_deref());
        }
        response
    }
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
