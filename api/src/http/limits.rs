//! Document checks the GraphQL engine does not make itself: alias count, operation type on GET,
//! the size of the selection once fragments are expanded, introspection when it is off.

use std::collections::HashMap;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};

/// Longest chain of fragments spreading fragments that is accepted. The engine follows such
/// chains recursively while validating, so they are bounded like selection nesting.
pub const MAX_FRAGMENT_NESTING: usize = 32;

/// Why a document is refused before the engine validates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentRefusal {
    /// A spread names a fragment the document does not define.
    UnknownFragment(String),
    /// A fragment spreads itself, directly or through others.
    FragmentCycle(String),
    /// Fragments spread fragments more than [`MAX_FRAGMENT_NESTING`] deep.
    FragmentsTooDeep,
    /// The selection, fragments expanded, has more fields than allowed.
    TooManyFields {
        /// The limit.
        max: usize,
    },
}

impl DocumentRefusal {
    /// The message shown to the caller.
    pub fn message(&self) -> String {
        match self {
            Self::UnknownFragment(name) => format!("unknown fragment \"{name}\""),
            Self::FragmentCycle(name) => format!("fragment \"{name}\" spreads itself"),
            Self::FragmentsTooDeep => {
                format!("fragments are nested more than {MAX_FRAGMENT_NESTING} deep")
            }
            Self::TooManyFields { max } => {
                format!("the query selects more than {max} fields once its fragments are expanded")
            }
        }
    }
}

/// Checks the size of a document as the engine will see it: every operation's selection with
/// each fragment spread replaced by the fragment's fields, plus fragments no operation uses
/// (they are validated too). A fragment is walked once and its size remembered, so the check
/// is linear in the document even when its expansion is exponential; unknown fragments and
/// cycles are refused here, before any expansion.
pub fn check_expanded_size(
    doc: &ExecutableDocument,
    max_fields: usize,
) -> Result<usize, DocumentRefusal> {
    let mut walk = ExpansionWalk {
        doc,
        fragments: HashMap::new(),
        chain: 0,
    };
    let mut total: u64 = 0;
    let operations: Vec<&SelectionSet> = match &doc.operations {
        DocumentOperations::Single(op) => vec![&op.node.selection_set.node],
        DocumentOperations::Multiple(ops) => {
            ops.values().map(|op| &op.node.selection_set.node).collect()
        }
    };
    for set in operations {
        total = total.saturating_add(walk.selection_set(set)?.fields);
    }
    for name in doc.fragments.keys() {
        if !walk.fragments.contains_key(name.as_str()) {
            total = total.saturating_add(walk.fragment(name.as_str())?.fields);
        }
    }
    let too_many = DocumentRefusal::TooManyFields { max: max_fields };
    let total = usize::try_from(total).map_err(|_| too_many.clone())?;
    if total > max_fields {
        return Err(too_many);
    }
    Ok(total)
}

/// Fields of a selection once expanded, and the longest fragment chain under it.
#[derive(Debug, Clone, Copy, Default)]
struct Expansion {
    fields: u64,
    chain: usize,
}

/// A fragment being expanded (a spread reaching it again is a cycle) or its known expansion.
enum FragmentState {
    InProgress,
    Done(Expansion),
}

struct ExpansionWalk<'a> {
    doc: &'a ExecutableDocument,
    fragments: HashMap<&'a str, FragmentState>,
    /// Fragments being expanded right now, outermost first.
    chain: usize,
}

impl<'a> ExpansionWalk<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet) -> Result<Expansion, DocumentRefusal> {
        let mut sum = Expansion::default();
        for selection in &set.items {
            let part = match &selection.node {
                Selection::Field(field) => {
                    let inner = self.selection_set(&field.node.selection_set.node)?;
                    Expansion {
                        fields: inner.fields.saturating_add(1),
                        chain: inner.chain,
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.selection_set(&inline.node.selection_set.node)?
                }
                Selection::FragmentSpread(spread) => {
                    let inner = self.fragment(spread.node.fragment_name.node.as_str())?;
                    Expansion {
                        fields: inner.fields,
                        chain: inner.chain + 1,
                    }
                }
            };
            sum.fields = sum.fields.saturating_add(part.fields);
            sum.chain = sum.chain.max(part.chain);
        }
        Ok(sum)
    }

    fn fragment(&mut self, name: &'a str) -> Result<Expansion, DocumentRefusal> {
        match self.fragments.get(name) {
            Some(FragmentState::Done(expansion)) => {
                // A chain reaching a known fragment is as long as the known part plus this one.
                if self.chain + 1 + expansion.chain > MAX_FRAGMENT_NESTING {
                    return Err(DocumentRefusal::FragmentsTooDeep);
                }
                return Ok(*expansion);
            }
            Some(FragmentState::InProgress) => {
                return Err(DocumentRefusal::FragmentCycle(name.to_owned()));
            }
            None => {}
        }
        let Some((key, definition)) = self.doc.fragments.get_key_value(name) else {
            return Err(DocumentRefusal::UnknownFragment(name.to_owned()));
        };
        if self.chain >= MAX_FRAGMENT_NESTING {
            return Err(DocumentRefusal::FragmentsTooDeep);
        }
        self.fragments
            .insert(key.as_str(), FragmentState::InProgress);
        self.chain += 1;
        let expansion = self.selection_set(&definition.node.selection_set.node);
        self.chain -= 1;
        let expansion = expansion?;
        self.fragments
            .insert(key.as_str(), FragmentState::Done(expansion));
        Ok(expansion)
    }
}

/// Whether the operation that would run asks for the schema (`__schema` or `__type` at its
/// root, directly or through fragments). Assumes [`check_expanded_size`] accepted the document.
pub fn selects_introspection(doc: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    fn walk(doc: &ExecutableDocument, set: &SelectionSet, depth: usize) -> bool {
        set.items.iter().any(|selection| match &selection.node {
            Selection::Field(field) => {
                matches!(field.node.name.node.as_str(), "__schema" | "__type")
            }
            Selection::InlineFragment(inline) => walk(doc, &inline.node.selection_set.node, depth),
            Selection::FragmentSpread(spread) => {
                depth < MAX_FRAGMENT_NESTING
                    && doc
                        .fragments
                        .get(&spread.node.fragment_name.node)
                        .is_some_and(|f| walk(doc, &f.node.selection_set.node, depth + 1))
            }
        })
    }
    operation(doc, operation_name).is_some_and(|set| walk(doc, set, 0))
}

/// The selection set of the operation that would run (none when the name is missing or
/// unknown, which the engine refuses).
pub(crate) fn operation<'a>(
    doc: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a SelectionSet> {
    match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(&op.node.selection_set.node),
        (DocumentOperations::Multiple(ops), Some(name)) => {
            ops.get(name).map(|op| &op.node.selection_set.node)
        }
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node.selection_set.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Counts aliased fields in every operation and fragment of a document.
pub fn count_aliases(doc: &ExecutableDocument) -> usize {
    fn walk(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|sel| match &sel.node {
                Selection::Field(f) => {
                    usize::from(f.node.alias.is_some()) + walk(&f.node.selection_set.node)
                }
                Selection::InlineFragment(f) => walk(&f.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = match &doc.operations {
        DocumentOperations::Single(op) => walk(&op.node.selection_set.node),
        DocumentOperations::Multiple(ops) => ops
            .values()
            .map(|op| walk(&op.node.selection_set.node))
            .sum(),
    };
    operations
        + doc
            .fragments
            .values()
            .map(|f| walk(&f.node.selection_set.node))
            .sum::<usize>()
}

/// Whether the operation that would run is a mutation or subscription (refused over GET).
pub fn is_mutation(doc: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let ty = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) => ops.values().next().map(|op| op.node.ty),
    };
    matches!(
        ty,
        Some(OperationType::Mutation | OperationType::Subscription)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_aliases_in_operations_and_fragments() {
        let doc = async_graphql::parser::parse_query(
            "{ a: me { kind } b: me { kind } ...F } fragment F on QueryRoot { c: me { kind } }",
        )
        .unwrap();
        assert_eq!(count_aliases(&doc), 3);
    }

    /// `fragment F0 on QueryRoot { ...F1 ...F1 }` … `fragment Fn on QueryRoot { me { kind } }`.
    fn doubling(levels: usize) -> String {
        let mut doc = String::from("{ ...F0 }");
        for i in 0..levels {
            doc.push_str(&format!(
                " fragment F{i} on QueryRoot {{ ...F{n} ...F{n} }}",
                n = i + 1
            ));
        }
        doc.push_str(&format!(
            " fragment F{levels} on QueryRoot {{ me {{ kind }} }}"
        ));
        doc
    }

    #[test]
    fn counts_fields_with_fragments_expanded() {
        let doc = async_graphql::parser::parse_query(
            "{ me { kind } ...A } fragment A on QueryRoot { a: me { kind } ...B ...B } \
             fragment B on QueryRoot { b: me { kind } } fragment Unused on QueryRoot { x }",
        )
        .unwrap();
        // me{kind}=2, A = 2 + 2×B(2) = 6, Unused = 1.
        assert_eq!(check_expanded_size(&doc, 100), Ok(9));
        assert_eq!(
            check_expanded_size(&doc, 8),
            Err(DocumentRefusal::TooManyFields { max: 8 })
        );
    }

    #[test]
    fn exponential_expansion_is_measured_without_being_expanded() {
        let doc = async_graphql::parser::parse_query(doubling(30)).unwrap();
        assert_eq!(
            check_expanded_size(&doc, 2_000),
            Err(DocumentRefusal::TooManyFields { max: 2_000 })
        );
        let doc = async_graphql::parser::parse_query(doubling(9)).unwrap();
        assert_eq!(check_expanded_size(&doc, 2_000), Ok(1_024));
    }

    #[test]
    fn refuses_unknown_fragments_cycles_and_long_chains() {
        let doc = async_graphql::parser::parse_query("{ ...Nope }").unwrap();
        assert_eq!(
            check_expanded_size(&doc, 100),
            Err(DocumentRefusal::UnknownFragment("Nope".into()))
        );
        let doc = async_graphql::parser::parse_query(
            "{ ...A } fragment A on QueryRoot { me { kind ...B } } fragment B on Viewer { ...A }",
        )
        .unwrap();
        assert_eq!(
            check_expanded_size(&doc, 100),
            Err(DocumentRefusal::FragmentCycle("A".into()))
        );
        let chain = |n: usize| {
            let mut doc = String::from("{ ...F0 }");
            for i in 0..n {
                doc.push_str(&format!(" fragment F{i} on QueryRoot {{ ...F{} }}", i + 1));
            }
            doc + &format!(" fragment F{n} on QueryRoot {{ me {{ kind }} }}")
        };
        let doc = async_graphql::parser::parse_query(chain(MAX_FRAGMENT_NESTING - 1)).unwrap();
        assert_eq!(check_expanded_size(&doc, 100), Ok(2));
        let doc = async_graphql::parser::parse_query(chain(MAX_FRAGMENT_NESTING + 5)).unwrap();
        assert_eq!(
            check_expanded_size(&doc, 100),
            Err(DocumentRefusal::FragmentsTooDeep)
        );
    }

    #[test]
    fn finds_introspection_through_fragments() {
        let doc = async_graphql::parser::parse_query(
            "{ ...S } fragment S on QueryRoot { ... on QueryRoot { __type(name: \"Client\") { name } } }",
        )
        .unwrap();
        assert!(selects_introspection(&doc, None));
        let doc = async_graphql::parser::parse_query("{ __typename me { kind } }").unwrap();
        assert!(!selects_introspection(&doc, None));
    }

    #[test]
    fn detects_mutations() {
        let doc = async_graphql::parser::parse_query("mutation M { x } query Q { y }").unwrap();
        assert!(is_mutation(&doc, Some("M")));
        assert!(!is_mutation(&doc, Some("Q")));
    }
}
