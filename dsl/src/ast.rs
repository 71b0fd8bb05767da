//! The owned syntax tree of a `.form` file. Every node carries the [`Span`] it came
//! from; nothing here refers to pest. Produced by [`crate::parse`], consumed by the
//! compiler and the formatter.

use efa_core::expr::{BinOp, UnOp};

use crate::span::Span;

/// A name as written (`vorname`, `de`, `urkundenart`).
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it stands.
    pub span: Span,
}

/// A string literal with its escapes resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    /// The value after escapes.
    pub value: String,
    /// Where it stands, quotes included.
    pub span: Span,
}

/// A whole number as written (`100`).
#[derive(Debug, Clone, PartialEq)]
pub struct IntLit {
    /// The value.
    pub value: u64,
    /// Where it stands.
    pub span: Span,
}

/// A text: a string in the default language, then `LANG "..."` pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLit {
    /// The string in the form's default language.
    pub default: StrLit,
    /// Translations in order: language and string.
    pub translations: Vec<(Ident, StrLit)>,
    /// The whole text.
    pub span: Span,
}

/// A parsed file: either a form or an adaptation, plus its comments (for the formatter).
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// The document.
    pub doc: Document,
    /// Every `//` comment in source order.
    pub comments: Vec<Comment>,
}

/// A `// ...` comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// Text after `//`, without the line end.
    pub text: String,
    /// Where it stands, `//` included.
    pub span: Span,
}

/// The top-level declaration of a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    /// `form ID { ... }`.
    Form(FormDecl),
    /// `adapt "BASE.form.json" version "RANGE" { ... }`.
    Adapt(AdaptDecl),
}

/// `adapt "BASE.form.json" [version "RANGE"] { ... }`: another state's compiled form,
/// adapted (SPEC section 6).
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptDecl {
    /// Path of the base artifact, relative to the adaptation file.
    pub base: StrLit,
    /// Semver range the base's version must satisfy (`^1.2`).
    pub range: Option<StrLit>,
    /// Statements in source order.
    pub items: Vec<AdaptItem>,
    /// The whole declaration.
    pub span: Span,
}

/// One statement of an adaptation.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptItem {
    /// What it is.
    pub kind: AdaptItemKind,
    /// The whole statement.
    pub span: Span,
}

/// Where an addition goes relative to an existing item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Before the named item.
    Before,
    /// After the named item.
    After,
}

/// The statements of an adaptation.
#[derive(Debug, Clone, PartialEq)]
pub enum AdaptItemKind {
    /// `id NEW_ID`.
    Id(Ident),
    /// `publisher "HE"`.
    Publisher(StrLit),
    /// `version "1.2.0"`: the adaptation's own version (default: the base's).
    Version(StrLit),
    /// `title TEXT` (the form) or `title PATH TEXT` (a page or group).
    Title {
        /// The page id or group path; `None` for the form's title.
        target: Option<Vec<Ident>>,
        /// The new text.
        text: TextLit,
    },
    /// `description TEXT`.
    Description(TextLit),
    /// `set PARAM = EXPR`.
    Set {
        /// The parameter.
        name: Ident,
        /// Its new value.
        value: Expr,
    },
    /// `label PATH TEXT`.
    Label {
        /// The field or group.
        target: Vec<Ident>,
        /// The new text.
        text: TextLit,
    },
    /// `hint PATH TEXT`.
    Hint {
        /// The field or group.
        target: Vec<Ident>,
        /// The new text.
        text: TextLit,
    },
    /// `option LIST.KEY TEXT`.
    Option {
        /// The list.
        list: Ident,
        /// The option key.
        key: StrLit,
        /// The new text.
        text: TextLit,
    },
    /// `hide PATH`.
    Hide(Vec<Ident>),
    /// `add to TARGET [before|after ID] { BODY }`.
    AddTo {
        /// The page id or group path.
        target: Vec<Ident>,
        /// Where inside it (default: at the end).
        place: Option<(Placement, Ident)>,
        /// What to add.
        items: Vec<BodyItem>,
    },
    /// `add page ID TEXT [before|after PAGE] { BODY }`.
    AddPage {
        /// The new page.
        page: PageDecl,
        /// Where (default: after the last page).
        place: Option<(Placement, Ident)>,
    },
    /// `add check EXPR message TEXT` (form level).
    AddCheck(CheckDecl),
    /// `add list ID { ... }`.
    AddList(ListDecl),
    /// `add fee ID TEXT = EXPR`.
    AddFee(FeeDecl),
}

/// `form ID { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct FormDecl {
    /// The form id.
    pub id: Ident,
    /// Header entries and declarations in source order.
    pub items: Vec<FormItem>,
    /// The whole declaration.
    pub span: Span,
}

/// One entry of a form body.
#[derive(Debug, Clone, PartialEq)]
pub struct FormItem {
    /// What it is.
    pub kind: FormItemKind,
    /// The whole entry, keyword included.
    pub span: Span,
}

/// The kinds of form body entries.
#[derive(Debug, Clone, PartialEq)]
pub enum FormItemKind {
    /// `version "1.2.0"`.
    Version(StrLit),
    /// `title TEXT`.
    Title(TextLit),
    /// `description TEXT`.
    Description(TextLit),
    /// `leika "99063006000000"`.
    Leika(StrLit),
    /// `fim "S00000092" version "1.0"`.
    Fim(FimLit),
    /// `publisher "TH"`.
    Publisher(StrLit),
    /// `languages de, en`.
    Languages(Vec<Ident>),
    /// `param NAME: TYPE = EXPR`.
    Param(ParamDecl),
    /// `list ID [codelist "URN" [version "V"]] { ... }`.
    List(ListDecl),
    /// `page ID TEXT { ... }`.
    Page(PageDecl),
    /// `fee ID TEXT = EXPR`.
    Fee(FeeDecl),
    /// `check EXPR message TEXT` at form level.
    Check(CheckDecl),
}

/// `fim "ID" [version "V"]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FimLit {
    /// The FIM id.
    pub id: StrLit,
    /// Its version.
    pub version: Option<StrLit>,
}

/// A type as written: `text`, `choice(urkundenart)`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    /// The type keyword (checked by the compiler, so misspellings get a hint).
    pub name: Ident,
    /// The list argument of `choice(...)` / `multichoice(...)`.
    pub list: Option<Ident>,
    /// The whole type.
    pub span: Span,
}

/// `param NAME: TYPE = EXPR`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDecl {
    /// Parameter name.
    pub name: Ident,
    /// Declared type.
    pub ty: TypeExpr,
    /// Default value.
    pub value: Expr,
}

/// `list ID [codelist "URN" [version "V"]] { KEY TEXT ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListDecl {
    /// List id.
    pub id: Ident,
    /// Code list URN.
    pub codelist: Option<StrLit>,
    /// Code list version.
    pub codelist_version: Option<StrLit>,
    /// Options in order.
    pub options: Vec<OptionDecl>,
}

/// One option: a key (identifier, number or string such as `"001"`) and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionDecl {
    /// The key as submitted.
    pub key: StrLit,
    /// The text shown.
    pub text: TextLit,
    /// The whole option.
    pub span: Span,
}

/// `page ID TEXT { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct PageDecl {
    /// Page id.
    pub id: Ident,
    /// Title.
    pub title: TextLit,
    /// Content.
    pub items: Vec<BodyItem>,
}

/// `group ID [TEXT] [repeat MIN..[MAX]] { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDecl {
    /// Group id (data key).
    pub id: Ident,
    /// Legend.
    pub title: Option<TextLit>,
    /// Repeat bounds.
    pub repeat: Option<RepeatLit>,
    /// Content.
    pub items: Vec<BodyItem>,
}

/// `repeat MIN..MAX` or `repeat MIN..` (unbounded).
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatLit {
    /// Least items.
    pub min: IntLit,
    /// Most items.
    pub max: Option<IntLit>,
    /// The whole clause.
    pub span: Span,
}

/// One entry of a page or group body.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyItem {
    /// What it is.
    pub kind: BodyItemKind,
    /// The whole entry.
    pub span: Span,
}

/// The kinds of page and group body entries.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyItemKind {
    /// `field ID: TYPE { PROPS }`.
    Field(FieldDecl),
    /// `group ...`.
    Group(GroupDecl),
    /// `info TEXT`.
    Info(TextLit),
    /// `check EXPR message TEXT`.
    Check(CheckDecl),
    /// `visible when EXPR` (of the enclosing page or group).
    VisibleWhen(Expr),
    /// `hint TEXT` (of the enclosing group).
    Hint(TextLit),
    /// `fim "G..." [version "V"]` (of the enclosing group).
    Fim(FimLit),
}

/// `check EXPR message TEXT`.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckDecl {
    /// The condition.
    pub condition: Expr,
    /// The message.
    pub message: TextLit,
}

/// `fee ID TEXT = EXPR`.
#[derive(Debug, Clone, PartialEq)]
pub struct FeeDecl {
    /// Fee id.
    pub id: Ident,
    /// Label.
    pub label: TextLit,
    /// Amount.
    pub amount: Expr,
}

/// `field ID: TYPE { PROPS }`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    /// Field id (data key).
    pub id: Ident,
    /// Type.
    pub ty: TypeExpr,
    /// Properties in source order.
    pub props: Vec<Prop>,
}

/// One field property.
#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    /// What it is.
    pub kind: PropKind,
    /// The whole property, keyword included.
    pub span: Span,
    /// The keyword alone (`label`, `required`, ...).
    pub keyword: Span,
}

/// The field properties of SPEC section 2.
#[derive(Debug, Clone, PartialEq)]
pub enum PropKind {
    /// `label TEXT`.
    Label(TextLit),
    /// `hint TEXT`.
    Hint(TextLit),
    /// `required`.
    Required,
    /// `required when EXPR`.
    RequiredWhen(Expr),
    /// `visible when EXPR`.
    VisibleWhen(Expr),
    /// `min EXPR`.
    Min(Expr),
    /// `max EXPR`.
    Max(Expr),
    /// `minlength N`.
    MinLength(IntLit),
    /// `maxlength N`.
    MaxLength(IntLit),
    /// `pattern "REGEX" [message TEXT]`.
    Pattern {
        /// The regex.
        regex: StrLit,
        /// The message.
        message: Option<TextLit>,
    },
    /// `default EXPR`.
    Default(Expr),
    /// `value = EXPR`.
    Value(Expr),
    /// `prefill account.ATTRIBUTE`: the path after `prefill`.
    Prefill(Vec<Ident>),
    /// `fim "F..." [version "V"]`.
    Fim(FimLit),
    /// `accept "type", ...`.
    Accept(Vec<StrLit>),
    /// `maxsize N KB|MB`.
    MaxSize {
        /// The number.
        size: IntLit,
        /// `KB` or `MB` (checked by the compiler).
        unit: Ident,
    },
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it stands.
    pub span: Span,
}

/// Expression forms.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A number as written (`12`, `12.50`).
    Number(String),
    /// A string.
    Str(String),
    /// `true` / `false`.
    Bool(bool),
    /// A date literal `2024-05-01` as written (validated by the compiler).
    Date(String),
    /// A dotted reference: `art`, `anschrift.plz`, `kinder.name`.
    Path(Vec<Ident>),
    /// A function call `name(args)`.
    Call {
        /// The function name.
        name: Ident,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `-x`, `not x`.
    Unary {
        /// The operator.
        op: UnOp,
        /// The operand.
        arg: Box<Expr>,
    },
    /// `a OP b`.
    Binary {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `x in LIST`.
    In {
        /// The value.
        arg: Box<Expr>,
        /// The list: a list literal or a multichoice field.
        list: Box<Expr>,
    },
    /// `[a, b, c]`.
    List(Vec<Expr>),
}
