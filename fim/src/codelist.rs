//! Code lists in genericode (OASIS Code List Representation), as XRepository publishes
//! the code lists that FIM selects refer to.

use roxmltree::Node;

use crate::xml::{self, qname};
use crate::ImportError;

/// A genericode code list: its identification and rows.
#[derive(Debug, Clone)]
pub struct CodeList {
    /// `Identification/CanonicalUri`, the URN a select refers to.
    pub canonical_uri: String,
    /// `Identification/CanonicalVersionUri`.
    pub canonical_version_uri: Option<String>,
    /// `Identification/Version`.
    pub version: Option<String>,
    /// Column ids in order.
    columns: Vec<String>,
    /// The column of the first key, if declared.
    key_column: Option<String>,
    /// Each row: `(column id, value)`.
    rows: Vec<Vec<(String, String)>>,
}

impl CodeList {
    /// The number of rows (codes).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the list has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The options `(code, text)`: the code from `code_key` (else the key column, else
    /// the first column), the text from `name_key` (else the first other column).
    pub(crate) fn options(
        &self,
        code_key: Option<&str>,
        name_key: Option<&str>,
    ) -> Vec<(String, String)> {
        let has = |c: &str| self.columns.iter().any(|x| x == c);
        let code_col = code_key
            .filter(|c| has(c))
            .map(str::to_owned)
            .or_else(|| self.key_column.clone().filter(|c| has(c)))
            .or_else(|| self.columns.first().cloned());
        let Some(code_col) = code_col else {
            return Vec::new();
        };
        let name_col = name_key
            .filter(|c| has(c))
            .map(str::to_owned)
            .or_else(|| self.columns.iter().find(|c| **c != code_col).cloned());
        self.rows
            .iter()
            .map(|row| {
                let get = |col: &str| {
                    row.iter()
                        .find(|(c, _)| c == col)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                let code = get(&code_col);
                let name = name_col.as_deref().map(get).unwrap_or_default();
                (code, name)
            })
            .collect()
    }
}

/// Reads a genericode code list. Refuses malformed XML, a document that is not a
/// `CodeList`, and one without a canonical URI.
pub fn parse_codelist(bytes: &[u8]) -> Result<CodeList, ImportError> {
    let text = crate::decode(bytes)?;
    let doc = xml::parse(&text)?;
    let root = doc.doc.root_element();
    let error = |node: Node<'_, '_>, message: String| {
        let pos = doc.pos(node);
        ImportError {
            line: pos.line,
            column: pos.column,
            element: qname(node),
            message,
        }
    };
    if root.tag_name().name() != "CodeList" {
        return Err(error(
            root,
            "not a genericode code list: expected a CodeList element".to_owned(),
        ));
    }
    fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
        node.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
    }
    let value = |node: Option<Node<'_, '_>>| {
        node.map(|n| crate::text::clean(&element_text(n)))
            .filter(|t| !t.is_empty())
    };
    let Some(ident) = child(root, "Identification") else {
        return Err(error(
            root,
            "missing Identification in the code list".to_owned(),
        ));
    };
    let Some(canonical_uri) = value(child(ident, "CanonicalUri")) else {
        return Err(error(
            ident,
            "missing CanonicalUri: a code list needs the URN selects refer to".to_owned(),
        ));
    };
    let mut columns = Vec::new();
    let mut key_column = None;
    if let Some(set) = child(root, "ColumnSet") {
        for c in set.children().filter(|c| c.is_element()) {
            match c.tag_name().name() {
                "Column" => {
                    if let Some(id) = c.attribute("Id") {
                        columns.push(id.to_owned());
                    }
                }
                "Key" if key_column.is_none() => {
                    key_column = child(c, "ColumnRef")
                        .and_then(|r| r.attribute("Ref"))
                        .map(str::to_owned);
                }
                _ => {}
            }
        }
    }
    let mut rows = Vec::new();
    if let Some(list) = child(root, "SimpleCodeList") {
        for row in list
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "Row")
        {
            let mut values = Vec::new();
            for (i, v) in row
                .children()
                .filter(|c| c.is_element() && c.tag_name().name() == "Value")
                .enumerate()
            {
                let column = v
                    .attribute("ColumnRef")
                    .map(str::to_owned)
                    .or_else(|| columns.get(i).cloned());
                let Some(column) = column else {
                    continue;
                };
                let text = value(child(v, "SimpleValue")).unwrap_or_default();
                values.push((column, text));
            }
            rows.push(values);
        }
    }
    Ok(CodeList {
        canonical_uri,
        canonical_version_uri: value(child(ident, "CanonicalVersionUri")),
        version: value(child(ident, "Version")),
        columns,
        key_column,
        rows,
    })
}

/// All text inside an element.
fn element_text(node: Node<'_, '_>) -> String {
    node.descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect()
}
