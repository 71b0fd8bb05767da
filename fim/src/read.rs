//! Reads an XDatenfelder 2.0 or 3.0 message into a small model of what the mapping
//! needs: groups, fields, their multiplicities, constraints, code lists and rules.
//! Everything the schema defines is checked structurally (allowed elements, at most
//! once where single-valued, required ids and names, valid codes); metadata that the
//! mapping does not use (dates, status, keywords, relations) is checked, not kept.

use roxmltree::Node;

use crate::xml::{qname, Occurs, Pos, Reader, Spec, Xml, NS_V2, NS_V3};
use crate::{ImportError, Warning, MAX_GROUP_DEPTH};

use Occurs::{Many, Once};

/// A document that was read.
#[derive(Debug)]
pub(crate) struct Doc {
    /// XDatenfelder 3.0 (else 2.0).
    pub v3: bool,
    /// What the message carries.
    pub root: Root,
}

/// The payload of the message.
#[derive(Debug)]
pub(crate) enum Root {
    /// A Stammdatenschema: header data and its top-level elements.
    Schema { meta: Meta, children: Vec<Child> },
    /// A Datenfeldgruppe message.
    Group(Group),
    /// A Datenfeld message.
    Field(Box<Field>),
}

/// What schemas, groups, fields and rules have in common.
#[derive(Debug, Default)]
pub(crate) struct Meta {
    pub id: String,
    pub version: Option<String>,
    pub name: String,
    /// `bezeichnungEingabe` (`bezeichnung` of a 3.0 schema).
    pub label: Option<String>,
    /// `hilfetextEingabe` (`hilfetext` of a schema).
    pub hint: Option<String>,
    pub rules: Vec<Rule>,
    pub pos: Pos,
}

impl Meta {
    /// The label shown to citizens: the input label, else the name.
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }
}

/// A rule (Regel): kept as a comment.
#[derive(Debug)]
pub(crate) struct Rule {
    pub id: String,
    pub version: Option<String>,
    pub name: String,
    /// The free-text rule (3.0 `freitextRegel`, 2.0 `definition`), else its description.
    pub text: Option<String>,
    /// The script (2.0 `script`, 3.0 `skript`).
    pub script: Option<String>,
    pub pos: Pos,
}

/// A Datenfeldgruppe.
#[derive(Debug)]
pub(crate) struct Group {
    pub meta: Meta,
    /// 3.0 `art` (the kind of group), if given.
    pub art: Option<String>,
    pub children: Vec<Child>,
}

/// An entry of a `struktur`: how often, and what.
#[derive(Debug)]
pub(crate) struct Child {
    pub min: u32,
    /// `None`: unbounded.
    pub max: Option<u32>,
    pub element: Element,
}

/// A group or a field.
#[derive(Debug)]
pub(crate) enum Element {
    Group(Group),
    Field(Box<Field>),
}

/// Feldart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Feldart {
    Input,
    Select,
    Label,
    Hidden,
    Locked,
}

/// Datentyp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Datentyp {
    Text,
    TextLatin,
    Date,
    Time,
    DateTime,
    Bool,
    Num,
    NumInt,
    NumCurrency,
    File,
    Obj,
}

impl Datentyp {
    pub fn code(self) -> &'static str {
        match self {
            Datentyp::Text => "text",
            Datentyp::TextLatin => "text_latin",
            Datentyp::Date => "date",
            Datentyp::Time => "time",
            Datentyp::DateTime => "datetime",
            Datentyp::Bool => "bool",
            Datentyp::Num => "num",
            Datentyp::NumInt => "num_int",
            Datentyp::NumCurrency => "num_currency",
            Datentyp::File => "file",
            Datentyp::Obj => "obj",
        }
    }
}

/// Praezisierung: every part as written; the mapping decides what fits.
#[derive(Debug, Default)]
pub(crate) struct Praez {
    pub min_length: Option<String>,
    pub max_length: Option<String>,
    pub min_value: Option<String>,
    pub max_value: Option<String>,
    pub pattern: Option<String>,
    pub pos: Pos,
}

/// A code-list reference.
#[derive(Debug, Default, Clone)]
pub(crate) struct CodelistRef {
    pub urn: Option<String>,
    pub version: Option<String>,
    pub version_uri: Option<String>,
}

/// A value of a 3.0 `werte` list.
#[derive(Debug)]
pub(crate) struct Wert {
    pub code: String,
    pub name: Option<String>,
    pub pos: Pos,
}

/// A Datenfeld.
#[derive(Debug)]
pub(crate) struct Field {
    pub meta: Meta,
    pub feldart: Feldart,
    pub datentyp: Datentyp,
    pub praez: Praez,
    /// `inhalt`: a default value, the text of a label, the value of a locked field.
    pub inhalt: Option<String>,
    pub codelist: Option<CodelistRef>,
    pub werte: Vec<Wert>,
    pub code_key: Option<String>,
    pub name_key: Option<String>,
    /// 3.0 `vorbefuellung` other than `keine`.
    pub prefill: Option<String>,
    pub max_size: Option<String>,
    pub media_types: Vec<String>,
}

// ------------------------------------------------------------------ element tables

const HEADER: Spec = &[
    ("nachrichtID", Once),
    ("erstellungszeitpunkt", Once),
    ("referenzID", Once),
];
const IDENT: Spec = &[("id", Once), ("version", Once)];

const V2_SCHEMA: Spec = &[
    ("identifikation", Once),
    ("name", Once),
    ("bezeichnungEingabe", Once),
    ("bezeichnungAusgabe", Once),
    ("beschreibung", Once),
    ("definition", Once),
    ("bezug", Once),
    ("status", Once),
    ("gueltigAb", Once),
    ("gueltigBis", Once),
    ("fachlicherErsteller", Once),
    ("versionshinweis", Once),
    ("freigabedatum", Once),
    ("veroeffentlichungsdatum", Once),
    ("hilfetext", Once),
    ("ableitungsmodifikationenStruktur", Once),
    ("ableitungsmodifikationenRepraesentation", Once),
    ("regel", Many),
    ("struktur", Many),
];
const V2_GROUP: Spec = &[
    ("identifikation", Once),
    ("name", Once),
    ("bezeichnungEingabe", Once),
    ("bezeichnungAusgabe", Once),
    ("beschreibung", Once),
    ("definition", Once),
    ("bezug", Once),
    ("status", Once),
    ("gueltigAb", Once),
    ("gueltigBis", Once),
    ("fachlicherErsteller", Once),
    ("versionshinweis", Once),
    ("freigabedatum", Once),
    ("veroeffentlichungsdatum", Once),
    ("schemaelementart", Once),
    ("hilfetextEingabe", Once),
    ("hilfetextAusgabe", Once),
    ("regel", Many),
    ("struktur", Many),
];
const V2_FIELD: Spec = &[
    ("identifikation", Once),
    ("name", Once),
    ("bezeichnungEingabe", Once),
    ("bezeichnungAusgabe", Once),
    ("beschreibung", Once),
    ("definition", Once),
    ("bezug", Once),
    ("status", Once),
    ("gueltigAb", Once),
    ("gueltigBis", Once),
    ("fachlicherErsteller", Once),
    ("versionshinweis", Once),
    ("freigabedatum", Once),
    ("veroeffentlichungsdatum", Once),
    ("schemaelementart", Once),
    ("hilfetextEingabe", Once),
    ("hilfetextAusgabe", Once),
    ("feldart", Once),
    ("datentyp", Once),
    ("praezisierung", Once),
    ("inhalt", Once),
    ("codelisteReferenz", Once),
    ("regel", Many),
];
const V2_RULE: Spec = &[
    ("identifikation", Once),
    ("name", Once),
    ("bezeichnungEingabe", Once),
    ("bezeichnungAusgabe", Once),
    ("beschreibung", Once),
    ("definition", Once),
    ("bezug", Once),
    ("status", Once),
    ("gueltigAb", Once),
    ("gueltigBis", Once),
    ("fachlicherErsteller", Once),
    ("versionshinweis", Once),
    ("freigabedatum", Once),
    ("veroeffentlichungsdatum", Once),
    ("script", Once),
];
const V2_STRUCT: Spec = &[("anzahl", Once), ("bezug", Once), ("enthaelt", Once)];
const V2_CODELIST: Spec = &[("identifikation", Once), ("genericodeIdentification", Once)];
const V2_GENERICODE: Spec = &[
    ("canonicalIdentification", Once),
    ("version", Once),
    ("canonicalVersionUri", Once),
];

const V3_SCHEMA: Spec = &[
    ("identifikation", Once),
    ("name", Once),
    ("beschreibung", Once),
    ("definition", Once),
    ("bezug", Many),
    ("freigabestatus", Once),
    ("statusGesetztAm", Once),
    ("statusGesetztDurch", Once),
    ("gueltigAb", Once),
    ("gueltigBis", Once),
    ("versionshinweis", Once),
    ("veroeffentlichungsdatum", Once),
    ("letzteAenderung", Once),
    ("relation", Many),
    ("stichwort", Many),
    ("bezeichnung", Once),
    ("hilfetext", Once),
    ("ableitungsmodifikationenStruktur", Once),
    ("ableitungsmodifikationenRepraesentation", Once),
    ("dokumentsteckbrief", Once),
    ("regel", Many),
    ("struktur", Many),
];
const V3_GROUP: Spec = &[
    ("identifikation", Once),
    ("name", Once),
    ("beschreibung", Once),
    ("definition", Once),
    ("bezug", Many),
    ("freigabestatus", Once),
    ("statusGesetztAm", Once),
    ("statusGesetztDurch", Once),
    ("gueltigAb", Once),
    ("gueltigBis", Once),
    ("versionshinweis", Once),
    ("veroeffentlichungsdatum", Once),
    ("letzteAenderung", Once),
    ("relation", Many),
    ("stichwort", Many),
    ("bezeichnungEingabe", Once),
    ("bezeichnungAusgabe", Once),
    ("schemaelementart", Once),
    ("hilfetextEingabe", Once),
    ("hilfetextAusgabe", Once),
    ("art", Once),
    ("regel", Many),
    ("struktur", Many),
];
const V3_FIELD: Spec = &[
    ("identifikation", Once),
    ("name", Once),
    ("beschreibung", Once),
    ("definition", Once),
    ("bezug", Many),
    ("freigabestatus", Once),
    ("statusGesetztAm", Once),
    ("statusGesetztDurch", Once),
    ("gueltigAb", Once),
    ("gueltigBis", Once),
    ("versionshinweis", Once),
    ("veroeffentlichungsdatum", Once),
    ("letzteAenderung", Once),
    ("relation", Many),
    ("stichwort", Many),
    ("bezeichnungEingabe", Once),
    ("bezeichnungAusgabe", Once),
    ("schemaelementart", Once),
    ("hilfetextEingabe", Once),
    ("hilfetextAusgabe", Once),
    ("feldart", Once),
    ("datentyp", Once),
    ("praezisierung", Once),
    ("inhalt", Once),
    ("vorbefuellung", Once),
    ("werte", Once),
    ("codelisteReferenz", Once),
    ("codeKey", Once),
    ("nameKey", Once),
    ("helpKey", Once),
    ("maxSize", Once),
    ("mediaType", Many),
    ("regel", Many),
];
const V3_RULE: Spec = &[
    ("identifikation", Once),
    ("name", Once),
    ("beschreibung", Once),
    ("freitextRegel", Once),
    ("bezug", Many),
    ("stichwort", Many),
    ("fachlicherErsteller", Once),
    ("letzteAenderung", Once),
    ("typ", Once),
    ("param", Many),
    ("ziel", Many),
    ("skript", Once),
    ("fehler", Many),
];
const V3_STRUCT: Spec = &[("anzahl", Once), ("bezug", Many), ("enthaelt", Once)];
const V3_CODELIST: Spec = &[
    ("canonicalIdentification", Once),
    ("version", Once),
    ("canonicalVersionUri", Once),
];
const V3_WERTE: Spec = &[("wert", Many)];
const V3_WERT: Spec = &[("code", Once), ("name", Once), ("hilfe", Once)];
const ENTHAELT: Spec = &[("datenfeld", Many), ("datenfeldgruppe", Many)];

// ------------------------------------------------------------------ code lists

const STATUS_V2: &[&str] = &["inVorbereitung", "aktiv", "inaktiv"];
const SCHEMAELEMENTART: &[&str] = &["ABS", "HAR", "RNG"];
const FELDART_V2: &[&str] = &["input", "select", "label"];
const FELDART_V3: &[&str] = &["input", "select", "label", "hidden", "locked"];
const DATENTYP_V2: &[&str] = &[
    "text",
    "date",
    "bool",
    "num",
    "num_int",
    "num_currency",
    "file",
    "obj",
];
const DATENTYP_V3: &[&str] = &[
    "text",
    "text_latin",
    "date",
    "time",
    "datetime",
    "bool",
    "num",
    "num_int",
    "num_currency",
    "file",
    "obj",
];
const ABL_STRUKTUR: &[&str] = &["0", "1", "2", "3"];
const ABL_REPRAESENTATION: &[&str] = &["0", "1"];
/// Freigabestatus (urn:xoev-de:xprozess:codeliste:status).
const FREIGABESTATUS: &[&str] = &["1", "2", "3", "4", "5", "6", "7", "8"];
const VORBEFUELLUNG: &[&str] = &["keine", "optional", "verpflichtend"];
const REGELTYP: &[&str] = &["K", "M", "V", "B"];

// ------------------------------------------------------------------ reading

/// Reads the message.
pub(crate) fn read(xml: &Xml<'_>, warnings: &mut Vec<Warning>) -> Result<Doc, ImportError> {
    let root = xml.doc.root_element();
    let v3 = match root.tag_name().namespace() {
        Some(NS_V2) => false,
        Some(NS_V3) => true,
        Some(other) => {
            let pos = xml.pos(root);
            return Err(ImportError {
                line: pos.line,
                column: pos.column,
                element: qname(root),
                message: format!(
                    "unknown namespace `{other}`; expected XDatenfelder 2.0 ({NS_V2}) or 3.0 ({NS_V3})"
                ),
            });
        }
        None => {
            let pos = xml.pos(root);
            return Err(ImportError {
                line: pos.line,
                column: pos.column,
                element: qname(root),
                message: format!(
                    "not an XDatenfelder document: the root element has no namespace; expected {NS_V2} or {NS_V3}"
                ),
            });
        }
    };
    let ns = if v3 { NS_V3 } else { NS_V2 };
    let prefix = root
        .lookup_prefix(ns)
        .filter(|p| !p.is_empty())
        .map(|p| format!("{p}:"))
        .unwrap_or_default();
    let r = Reader {
        xml,
        ns,
        v3,
        prefix,
    };
    let mut ctx = Ctx { r, warnings };
    let payload = match root.tag_name().name() {
        "xdatenfelder.stammdatenschema.0102" => "stammdatenschema",
        "xdatenfelder.datenfeldgruppe.0103" => "datenfeldgruppe",
        "xdatenfelder.datenfeld.0104" => "datenfeld",
        _ => {
            return Err(ctx.r.error(
                root,
                "unknown message type; expected xdatenfelder.stammdatenschema.0102, xdatenfelder.datenfeldgruppe.0103 or xdatenfelder.datenfeld.0104",
            ))
        }
    };
    let spec: Spec = match payload {
        "stammdatenschema" => &[("header", Once), ("stammdatenschema", Once)],
        "datenfeldgruppe" => &[("header", Once), ("datenfeldgruppe", Once)],
        _ => &[("header", Once), ("datenfeld", Once)],
    };
    let kids = ctx.r.kids(root, spec)?;
    let header = ctx.r.required(&kids, "header", root)?;
    ctx.r.kids(header, HEADER)?;
    let body = ctx.r.required(&kids, payload, root)?;
    let root = match payload {
        "stammdatenschema" => ctx.schema(body)?,
        "datenfeldgruppe" => Root::Group(ctx.group(body, 1)?),
        _ => Root::Field(Box::new(ctx.field(body)?)),
    };
    Ok(Doc { v3, root })
}

struct Ctx<'r, 'x, 'i> {
    r: Reader<'x, 'i>,
    warnings: &'r mut Vec<Warning>,
}

impl Ctx<'_, '_, '_> {
    fn warn(&mut self, pos: Pos, message: String) {
        self.warnings.push(Warning {
            line: pos.line,
            column: pos.column,
            message,
        });
    }

    /// `identifikation`: a non-empty id and an optional version.
    fn ident(
        &self,
        node: Node<'_, '_>,
        kids: &crate::xml::Kids<'_, '_>,
    ) -> Result<(String, Option<String>), ImportError> {
        let ident = self.r.required(kids, "identifikation", node)?;
        let ik = self.r.kids(ident, IDENT)?;
        let id = self.r.req_string(&ik, "id", ident)?;
        let version = self.r.opt_string(&ik, "version")?;
        Ok((id, version))
    }

    /// The parts every element has; checks the codes of the metadata.
    fn meta(
        &mut self,
        node: Node<'_, '_>,
        kids: &crate::xml::Kids<'_, '_>,
    ) -> Result<Meta, ImportError> {
        let (id, version) = self.ident(node, kids)?;
        let name = self.r.req_string(kids, "name", node)?;
        if let Some(n) = kids.one("status") {
            self.r.code(n, Some(STATUS_V2))?;
        }
        if let Some(n) = kids.one("freigabestatus") {
            self.r.code(n, Some(FREIGABESTATUS))?;
        }
        if let Some(n) = kids.one("schemaelementart") {
            self.r.code(n, Some(SCHEMAELEMENTART))?;
        }
        if let Some(n) = kids.one("ableitungsmodifikationenStruktur") {
            self.r.code(n, Some(ABL_STRUKTUR))?;
        }
        if let Some(n) = kids.one("ableitungsmodifikationenRepraesentation") {
            self.r.code(n, Some(ABL_REPRAESENTATION))?;
        }
        for name in [
            "beschreibung",
            "definition",
            "bezeichnungAusgabe",
            "hilfetextAusgabe",
            "fachlicherErsteller",
            "versionshinweis",
            "gueltigAb",
            "gueltigBis",
            "freigabedatum",
            "veroeffentlichungsdatum",
            "statusGesetztAm",
            "statusGesetztDurch",
            "letzteAenderung",
        ] {
            self.r.opt_string(kids, name)?;
        }
        if !self.r.v3 {
            self.r.opt_string(kids, "bezug")?;
        }
        let label_name = if kids.one("bezeichnung").is_some() {
            "bezeichnung"
        } else {
            "bezeichnungEingabe"
        };
        let label = self.r.opt_string(kids, label_name)?;
        let hint_name = if kids.one("hilfetext").is_some() {
            "hilfetext"
        } else {
            "hilfetextEingabe"
        };
        let hint = self.r.opt_string(kids, hint_name)?;
        let mut rules = Vec::new();
        for rule in kids.all("regel") {
            rules.push(self.rule(*rule)?);
        }
        Ok(Meta {
            id,
            version,
            name,
            label,
            hint,
            rules,
            pos: self.r.xml.pos(node),
        })
    }

    fn rule(&mut self, node: Node<'_, '_>) -> Result<Rule, ImportError> {
        let spec = if self.r.v3 { V3_RULE } else { V2_RULE };
        let kids = self.r.kids(node, spec)?;
        let (id, version) = self.ident(node, &kids)?;
        let name = self.r.req_string(&kids, "name", node)?;
        if let Some(n) = kids.one("status") {
            self.r.code(n, Some(STATUS_V2))?;
        }
        if let Some(n) = kids.one("typ") {
            self.r.code(n, Some(REGELTYP))?;
        }
        let beschreibung = self.r.opt_string(&kids, "beschreibung")?;
        let free = if self.r.v3 {
            self.r.opt_string(&kids, "freitextRegel")?
        } else {
            self.r.opt_string(&kids, "definition")?
        };
        let script = if self.r.v3 {
            self.r.opt_string(&kids, "skript")?
        } else {
            self.r.opt_string(&kids, "script")?
        };
        for name in [
            "bezeichnungEingabe",
            "bezeichnungAusgabe",
            "fachlicherErsteller",
            "versionshinweis",
            "gueltigAb",
            "gueltigBis",
            "freigabedatum",
            "veroeffentlichungsdatum",
            "letzteAenderung",
        ] {
            if kids.one(name).is_some() {
                self.r.opt_string(&kids, name)?;
            }
        }
        Ok(Rule {
            id,
            version,
            name,
            text: free.or(beschreibung),
            script,
            pos: self.r.xml.pos(node),
        })
    }

    fn schema(&mut self, node: Node<'_, '_>) -> Result<Root, ImportError> {
        let spec = if self.r.v3 { V3_SCHEMA } else { V2_SCHEMA };
        let kids = self.r.kids(node, spec)?;
        let meta = self.meta(node, &kids)?;
        let mut children = Vec::new();
        for s in kids.all("struktur") {
            children.push(self.structure(*s, 1)?);
        }
        Ok(Root::Schema { meta, children })
    }

    fn group(&mut self, node: Node<'_, '_>, depth: usize) -> Result<Group, ImportError> {
        if depth > MAX_GROUP_DEPTH {
            return Err(self.r.error(
                node,
                format!("groups are nested deeper than {MAX_GROUP_DEPTH} levels"),
            ));
        }
        let spec = if self.r.v3 { V3_GROUP } else { V2_GROUP };
        let kids = self.r.kids(node, spec)?;
        let meta = self.meta(node, &kids)?;
        let art = match kids.one("art") {
            Some(n) => Some(self.r.code(n, None)?),
            None => None,
        };
        let mut children = Vec::new();
        for s in kids.all("struktur") {
            children.push(self.structure(*s, depth + 1)?);
        }
        Ok(Group {
            meta,
            art,
            children,
        })
    }

    /// `struktur`: `anzahl` and exactly one element in `enthaelt`.
    fn structure(&mut self, node: Node<'_, '_>, depth: usize) -> Result<Child, ImportError> {
        let spec = if self.r.v3 { V3_STRUCT } else { V2_STRUCT };
        let kids = self.r.kids(node, spec)?;
        let anzahl = self.r.required(&kids, "anzahl", node)?;
        let (min, max) = self.anzahl(anzahl)?;
        if !self.r.v3 {
            self.r.opt_string(&kids, "bezug")?;
        }
        let contains = self.r.required(&kids, "enthaelt", node)?;
        let ck = self.r.kids(contains, ENTHAELT)?;
        let fields = ck.all("datenfeld");
        let groups = ck.all("datenfeldgruppe");
        let element = match (fields, groups) {
            ([f], []) => Element::Field(Box::new(self.field(*f)?)),
            ([], [g]) => Element::Group(self.group(*g, depth)?),
            ([], []) => {
                return Err(self.r.error(
                    contains,
                    format!(
                        "empty: expected one {} or {}",
                        self.r.q("datenfeld"),
                        self.r.q("datenfeldgruppe")
                    ),
                ))
            }
            _ => {
                let mut all: Vec<_> = fields.iter().chain(groups).copied().collect();
                all.sort_by_key(|n| n.range().start);
                return Err(self.r.error(
                    all[1],
                    format!(
                        "a second element in {}, which holds exactly one",
                        qname(contains)
                    ),
                ));
            }
        };
        Ok(Child { min, max, element })
    }

    /// `anzahl`: `MIN:MAX`, MAX a number or `*` (also `n`).
    fn anzahl(&self, node: Node<'_, '_>) -> Result<(u32, Option<u32>), ImportError> {
        let text = self.r.text(node)?;
        let text = text.trim();
        let bad = || {
            self.r.error(
                node,
                format!(
                    "invalid multiplicity `{text}`; expected MIN:MAX such as 0:1, 1:1, 0:* or 1:5"
                ),
            )
        };
        let (lo, hi) = text.split_once(':').ok_or_else(bad)?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(lo) {
            return Err(bad());
        }
        let min: u32 = lo.parse().map_err(|_| bad())?;
        let max = match hi {
            "*" | "n" | "N" => None,
            s if digits(s) => Some(s.parse::<u32>().map_err(|_| bad())?),
            _ => return Err(bad()),
        };
        match max {
            Some(0) => Err(self.r.error(
                node,
                format!("invalid multiplicity `{text}`: it allows no occurrence"),
            )),
            Some(max) if max < min => Err(self.r.error(
                node,
                format!("invalid multiplicity `{text}`: the minimum is above the maximum"),
            )),
            _ => Ok((min, max)),
        }
    }

    fn field(&mut self, node: Node<'_, '_>) -> Result<Field, ImportError> {
        let v3 = self.r.v3;
        let kids = self.r.kids(node, if v3 { V3_FIELD } else { V2_FIELD })?;
        let meta = self.meta(node, &kids)?;
        let feldart_node = self.r.required(&kids, "feldart", node)?;
        let feldart = match self
            .r
            .code(feldart_node, Some(if v3 { FELDART_V3 } else { FELDART_V2 }))?
            .as_str()
        {
            "input" => Feldart::Input,
            "select" => Feldart::Select,
            "label" => Feldart::Label,
            "hidden" => Feldart::Hidden,
            _ => Feldart::Locked,
        };
        let datentyp_node = self.r.required(&kids, "datentyp", node)?;
        let datentyp = match self
            .r
            .code(
                datentyp_node,
                Some(if v3 { DATENTYP_V3 } else { DATENTYP_V2 }),
            )?
            .as_str()
        {
            "text" => Datentyp::Text,
            "text_latin" => Datentyp::TextLatin,
            "date" => Datentyp::Date,
            "time" => Datentyp::Time,
            "datetime" => Datentyp::DateTime,
            "bool" => Datentyp::Bool,
            "num" => Datentyp::Num,
            "num_int" => Datentyp::NumInt,
            "num_currency" => Datentyp::NumCurrency,
            "file" => Datentyp::File,
            _ => Datentyp::Obj,
        };
        let praez = match kids.one("praezisierung") {
            None => Praez::default(),
            Some(p) if v3 => self.praez_v3(p)?,
            Some(p) => self.praez_v2(p)?,
        };
        let inhalt = match kids.one("inhalt") {
            None => None,
            Some(n) => {
                let t = self.r.text(n)?;
                (!t.trim().is_empty()).then_some(t)
            }
        };
        let codelist = match kids.one("codelisteReferenz") {
            None => None,
            Some(c) if v3 => {
                let ck = self.r.kids(c, V3_CODELIST)?;
                Some(CodelistRef {
                    urn: self.r.opt_string(&ck, "canonicalIdentification")?,
                    version: self.r.opt_string(&ck, "version")?,
                    version_uri: self.r.opt_string(&ck, "canonicalVersionUri")?,
                })
            }
            Some(c) => {
                let ck = self.r.kids(c, V2_CODELIST)?;
                if let Some(ident) = ck.one("identifikation") {
                    let ik = self.r.kids(ident, IDENT)?;
                    self.r.req_string(&ik, "id", ident)?;
                    self.r.opt_string(&ik, "version")?;
                }
                let gc = self.r.required(&ck, "genericodeIdentification", c)?;
                let gk = self.r.kids(gc, V2_GENERICODE)?;
                Some(CodelistRef {
                    urn: Some(self.r.req_string(&gk, "canonicalIdentification", gc)?),
                    version: self.r.opt_string(&gk, "version")?,
                    version_uri: self.r.opt_string(&gk, "canonicalVersionUri")?,
                })
            }
        };
        let mut werte = Vec::new();
        if let Some(w) = kids.one("werte") {
            let wk = self.r.kids(w, V3_WERTE)?;
            for wert in wk.all("wert") {
                let k = self.r.kids(*wert, V3_WERT)?;
                let code_node = self.r.required(&k, "code", *wert)?;
                let code = self.r.text(code_node)?.trim().to_owned();
                werte.push(Wert {
                    code,
                    name: self.r.opt_string(&k, "name")?,
                    pos: self.r.xml.pos(*wert),
                });
                self.r.opt_string(&k, "hilfe")?;
            }
        }
        let prefill = match kids.one("vorbefuellung") {
            Some(n) => Some(self.r.code(n, Some(VORBEFUELLUNG))?).filter(|c| c != "keine"),
            None => None,
        };
        self.r.opt_string(&kids, "helpKey")?;
        let mut media_types = Vec::new();
        for m in kids.all("mediaType") {
            let t = self.r.text(*m)?;
            if !t.trim().is_empty() {
                media_types.push(t.trim().to_owned());
            }
        }
        let field = Field {
            feldart,
            datentyp,
            praez,
            inhalt,
            codelist,
            werte,
            code_key: self.r.opt_string(&kids, "codeKey")?,
            name_key: self.r.opt_string(&kids, "nameKey")?,
            prefill,
            max_size: self.r.opt_string(&kids, "maxSize")?,
            media_types,
            meta,
        };
        Ok(field)
    }

    /// 3.0: the constraints are attributes; text inside is a note and ignored.
    fn praez_v3(&mut self, node: Node<'_, '_>) -> Result<Praez, ImportError> {
        if let Some(child) = node.children().find(|c| c.is_element()) {
            return Err(self
                .r
                .error(child, format!("unexpected element in {}", qname(node))));
        }
        let attr = |name: &str| {
            node.attribute(name)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Ok(Praez {
            min_length: attr("minLength"),
            max_length: attr("maxLength"),
            min_value: attr("minValue"),
            max_value: attr("maxValue"),
            pattern: node
                .attribute("pattern")
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
            pos: self.r.xml.pos(node),
        })
    }

    /// 2.0: the constraints are a JSON object in the text,
    /// `{"minLength":"1","maxLength":"120"}`. Text that is not such an object is kept
    /// out of the mapping with a warning.
    fn praez_v2(&mut self, node: Node<'_, '_>) -> Result<Praez, ImportError> {
        let pos = self.r.xml.pos(node);
        let raw = self.r.text(node)?;
        let raw = raw.trim();
        let mut praez = Praez {
            pos,
            ..Praez::default()
        };
        if raw.is_empty() {
            return Ok(praez);
        }
        let object = match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(serde_json::Value::Object(o)) => o,
            _ => {
                self.warn(
                    pos,
                    format!(
                        "praezisierung `{}` is not a JSON object of minLength, maxLength, minValue, maxValue, pattern; ignored",
                        crate::text::one_line(raw, 80)
                    ),
                );
                return Ok(praez);
            }
        };
        for (key, value) in object {
            let value = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Null => continue,
                other => other.to_string(),
            };
            let keep = if key == "pattern" {
                (!value.is_empty()).then_some(value)
            } else {
                Some(value.trim().to_owned()).filter(|v| !v.is_empty())
            };
            match key.as_str() {
                "minLength" => praez.min_length = keep,
                "maxLength" => praez.max_length = keep,
                "minValue" => praez.min_value = keep,
                "maxValue" => praez.max_value = keep,
                "pattern" => praez.pattern = keep,
                other => self.warn(
                    pos,
                    format!("praezisierung `{other}` is not known; ignored"),
                ),
            }
        }
        Ok(praez)
    }
}
