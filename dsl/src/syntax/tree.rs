//! pest's output as a flat, read-only tree: one array of nodes in document order, each
//! knowing where its subtree ends.
//!
//! Walking pest's [`Pairs`] with `into_inner` clones two reference-counted pointers for
//! every pair and counts the children of a pair again each time it is entered. The
//! lowering visits every node once, so it reads this array instead, built in a single
//! pass over pest's token queue.

use pest::iterators::Pairs;
use pest::Token;

use super::Rule;

/// The index of a node in its [`Tree`].
pub(super) type NodeId = usize;

/// One matched rule and its byte range. Its children follow it directly in the array.
#[derive(Debug, Clone, Copy)]
pub(super) struct Node {
    /// The rule matched.
    pub rule: Rule,
    /// First byte of the match.
    pub start: u32,
    /// One past the last byte of the match.
    pub end: u32,
    /// One past the node's last descendant: the index of its next sibling, if any.
    after: u32,
}

/// Every node of a parse, in document order (a node before its children).
pub(super) struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    /// Flattens what pest matched. Sources are at most
    /// [`MAX_SOURCE_BYTES`](super::MAX_SOURCE_BYTES), so positions fit in `u32`.
    pub(super) fn new(pairs: Pairs<'_, Rule>) -> Tree {
        let tokens = pairs.tokens();
        // Each node is one start and one end token.
        let mut nodes = Vec::with_capacity(tokens.len() / 2);
        // The nodes whose end is still to come: as deep as the tree.
        let mut open: Vec<NodeId> = Vec::new();
        for token in tokens {
            match token {
                Token::Start { rule, pos } => {
                    open.push(nodes.len());
                    nodes.push(Node {
                        rule,
                        start: pos.pos() as u32,
                        end: pos.pos() as u32,
                        after: 0,
                    });
                }
                Token::End { pos, .. } => {
                    // pest's tokens nest: every end closes the innermost open start.
                    if let Some(id) = open.pop() {
                        let after = nodes.len() as u32;
                        let node = &mut nodes[id];
                        node.end = pos.pos() as u32;
                        node.after = after;
                    }
                }
            }
        }
        Tree { nodes }
    }

    /// The first top-level node, if pest matched anything.
    pub(super) fn root(&self) -> Option<NodeId> {
        (!self.nodes.is_empty()).then_some(0)
    }

    /// The node `id`.
    pub(super) fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// The children of `id`, in order.
    pub(super) fn children(&self, id: NodeId) -> Children<'_> {
        Children {
            nodes: &self.nodes,
            next: id + 1,
            end: self.nodes[id].after as usize,
        }
    }
}

/// The children of a node: each sibling found by skipping the subtree before it.
#[derive(Clone)]
pub(super) struct Children<'t> {
    nodes: &'t [Node],
    next: NodeId,
    end: NodeId,
}

impl Iterator for Children<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        if self.next >= self.end {
            return None;
        }
        let id = self.next;
        self.next = self.nodes[id].after as usize;
        Some(id)
    }
}
