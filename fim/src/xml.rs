//! The XML layer: parsing with roxmltree, positions, element names as written, and the
//! structural check of an element's children against what the schema allows there.

use roxmltree::{Document, Node, NodeType, ParsingOptions};

use crate::ImportError;

/// XDatenfelder 2.0.
pub(crate) const NS_V2: &str = "urn:xoev-de:fim:standard:xdatenfelder_2";
/// XDatenfelder 3.0.0.
pub(crate) const NS_V3: &str = "urn:xoev-de:fim:standard:xdatenfelder_3.0.0";

/// Where something is in the document (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: u32,
    pub column: u32,
}

/// A parsed document with a line index for cheap positions.
pub(crate) struct Xml<'i> {
    pub doc: Document<'i>,
    /// Byte offsets at which lines start.
    lines: Vec<usize>,
}

/// Parses the text into a DOM; malformed XML and DTDs are refused.
pub(crate) fn parse(text: &str) -> Result<Xml<'_>, ImportError> {
    let options = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options).map_err(|e| {
        let pos = e.pos();
        let message = match e {
            roxmltree::Error::DtdDetected => {
                "the document declares a DTD, which XDatenfelder documents do not have".to_owned()
            }
            other => format!("malformed XML: {other}"),
        };
        ImportError {
            line: pos.row,
            column: pos.col,
            element: "xml".to_owned(),
            message,
        }
    })?;
    let mut lines = vec![0];
    lines.extend(
        text.bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i + 1),
    );
    Ok(Xml { doc, lines })
}

impl<'i> Xml<'i> {
    /// The position of a byte offset.
    pub fn pos_at(&self, offset: usize) -> Pos {
        let text = self.doc.input_text();
        let offset = offset.min(text.len());
        let line = self.lines.partition_point(|start| *start <= offset);
        let start = self.lines[line.saturating_sub(1)];
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    /// Where a node starts.
    pub fn pos(&self, node: Node<'_, '_>) -> Pos {
        self.pos_at(node.range().start)
    }
}

/// The name of an element as written: `xdf:id`, or `code` without a prefix.
pub(crate) fn qname(node: Node<'_, '_>) -> String {
    let tag = node.tag_name();
    match tag.namespace().and_then(|ns| node.lookup_prefix(ns)) {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}:{}", tag.name()),
        _ => tag.name().to_owned(),
    }
}

/// How often a child element may appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Occurs {
    /// At most once.
    Once,
    /// Any number of times.
    Many,
}

use Occurs::Many;

/// Shorthand for the tables of allowed children.
pub(crate) type Spec = &'static [(&'static str, Occurs)];

/// The element children of one element, sorted by the names the schema allows there.
pub(crate) struct Kids<'a, 'i> {
    found: Vec<(&'static str, Vec<Node<'a, 'i>>)>,
}

impl<'a, 'i> Kids<'a, 'i> {
    /// The child of that name, if given (a single-valued one).
    pub fn one(&self, name: &str) -> Option<Node<'a, 'i>> {
        self.all(name).first().copied()
    }

    /// Every child of that name, in document order.
    pub fn all(&self, name: &str) -> &[Node<'a, 'i>] {
        self.found
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&[], |(_, nodes)| nodes.as_slice())
    }
}

/// Reads XDatenfelder elements of one namespace and version.
pub(crate) struct Reader<'x, 'i> {
    pub xml: &'x Xml<'i>,
    /// The XDatenfelder namespace of the document.
    pub ns: &'static str,
    /// Whether it is XDatenfelder 3.0.
    pub v3: bool,
    /// The prefix the document uses for the namespace, with its colon (`xdf:`), for
    /// naming elements that are missing.
    pub prefix: String,
}

impl<'x, 'i> Reader<'x, 'i> {
    /// An error about an element.
    pub fn error(&self, node: Node<'_, '_>, message: impl Into<String>) -> ImportError {
        let pos = self.xml.pos(node);
        ImportError {
            line: pos.line,
            column: pos.column,
            element: qname(node),
            message: message.into(),
        }
    }

    /// The name of an XDatenfelder element as the document would write it.
    pub fn q(&self, local: &str) -> String {
        format!("{}{local}", self.prefix)
    }

    /// Whether the element is in the document's XDatenfelder namespace.
    pub fn is_xdf(&self, node: Node<'_, '_>) -> bool {
        node.tag_name().namespace() == Some(self.ns)
    }

    /// Checks the children of `node` against `spec`: only XDatenfelder elements named
    /// there, single-valued ones at most once, no stray text. Order is not checked.
    ///
    /// A single-valued element given twice is refused; in 3.0 an empty repetition
    /// (no text, no attributes, no children) stands for "not given" and is skipped, as
    /// 3.0 writers emit empty placeholders.
    pub fn kids<'a>(&self, node: Node<'a, 'i>, spec: Spec) -> Result<Kids<'a, 'i>, ImportError> {
        let mut found: Vec<(&'static str, Vec<Node<'a, 'i>>)> = Vec::new();
        for child in node.children() {
            match child.node_type() {
                NodeType::Element => {}
                NodeType::Text => {
                    if child.text().is_some_and(|t| !t.trim().is_empty()) {
                        return Err(
                            self.error(node, format!("unexpected text inside {}", qname(node)))
                        );
                    }
                    continue;
                }
                _ => continue,
            }
            let local = child.tag_name().name();
            let allowed = spec
                .iter()
                .find(|(name, _)| *name == local)
                .filter(|_| self.is_xdf(child));
            let Some((name, occurs)) = allowed else {
                return Err(self.error(child, format!("unexpected element in {}", qname(node))));
            };
            match found.iter_mut().find(|(n, _)| n == name) {
                None => found.push((name, vec![child])),
                Some((_, nodes)) => {
                    if *occurs == Many {
                        nodes.push(child);
                        continue;
                    }
                    let first = nodes[0];
                    if self.v3 && is_empty(child) {
                        continue;
                    }
                    if self.v3 && is_empty(first) {
                        nodes[0] = child;
                        continue;
                    }
                    let at = self.xml.pos(first);
                    return Err(self.error(
                        child,
                        format!("given twice in {} (first at line {})", qname(node), at.line),
                    ));
                }
            }
        }
        Ok(Kids { found })
    }

    /// The text of a value element: no child elements allowed, comments skipped.
    pub fn text(&self, node: Node<'_, '_>) -> Result<String, ImportError> {
        let mut out = String::new();
        for child in node.children() {
            match child.node_type() {
                NodeType::Element => {
                    return Err(self.error(child, format!("unexpected element in {}", qname(node))))
                }
                NodeType::Text => out.push_str(child.text().unwrap_or_default()),
                _ => {}
            }
        }
        Ok(out)
    }

    /// The trimmed text of an optional value element; empty means not given.
    pub fn opt_string(
        &self,
        kids: &Kids<'_, '_>,
        name: &str,
    ) -> Result<Option<String>, ImportError> {
        match kids.one(name) {
            None => Ok(None),
            Some(node) => {
                let text = self.text(node)?;
                let text = text.trim();
                Ok((!text.is_empty()).then(|| text.to_owned()))
            }
        }
    }

    /// The trimmed text of a required value element: missing or empty is refused.
    pub fn req_string(
        &self,
        kids: &Kids<'_, '_>,
        name: &str,
        parent: Node<'_, '_>,
    ) -> Result<String, ImportError> {
        let node = self.required(kids, name, parent)?;
        let text = self.text(node)?;
        let text = text.trim();
        if text.is_empty() {
            return Err(self.error(node, "empty, but a value is required"));
        }
        Ok(text.to_owned())
    }

    /// A required child.
    pub fn required<'a>(
        &self,
        kids: &Kids<'a, 'i>,
        name: &str,
        parent: Node<'_, '_>,
    ) -> Result<Node<'a, 'i>, ImportError> {
        kids.one(name).ok_or_else(|| {
            self.error(
                parent,
                format!("missing {} in {}", self.q(name), qname(parent)),
            )
        })
    }

    /// The code of a code-typed element (`<xdf:feldart><code>input</code></xdf:feldart>`),
    /// checked against `allowed` when given.
    pub fn code(
        &self,
        node: Node<'_, '_>,
        allowed: Option<&[&str]>,
    ) -> Result<String, ImportError> {
        let mut code = None;
        let mut named = false;
        for child in node.children() {
            match child.node_type() {
                NodeType::Element => {}
                NodeType::Text => {
                    if child.text().is_some_and(|t| !t.trim().is_empty()) {
                        return Err(self.error(
                            node,
                            format!(
                                "unexpected text inside {}; the value belongs in <code>",
                                qname(node)
                            ),
                        ));
                    }
                    continue;
                }
                _ => continue,
            }
            let ns_ok = match child.tag_name().namespace() {
                None => true,
                Some(ns) => ns == self.ns,
            };
            match child.tag_name().name() {
                "code" if ns_ok => {
                    if code.is_some() {
                        return Err(self.error(child, format!("given twice in {}", qname(node))));
                    }
                    code = Some(child);
                }
                "name" if ns_ok && !named => named = true,
                _ => {
                    return Err(self.error(child, format!("unexpected element in {}", qname(node))))
                }
            }
        }
        let Some(code_node) = code else {
            return Err(self.error(node, format!("missing <code> in {}", qname(node))));
        };
        let value = self.text(code_node)?.trim().to_owned();
        if value.is_empty() {
            return Err(self.error(code_node, format!("empty code in {}", qname(node))));
        }
        if let Some(allowed) = allowed {
            if !allowed.contains(&value.as_str()) {
                return Err(self.error(
                    code_node,
                    format!(
                        "invalid code `{value}` for {}; expected one of {}",
                        qname(node),
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(value)
    }
}

/// Whether an element carries nothing: no attributes, no child elements, only
/// whitespace.
pub(crate) fn is_empty(node: Node<'_, '_>) -> bool {
    node.attributes().len() == 0
        && node.children().all(|c| match c.node_type() {
            NodeType::Element => false,
            NodeType::Text => c.text().is_none_or(|t| t.trim().is_empty()),
            _ => true,
        })
}
