//! pest's parse tree to the owned AST, in one pass over its [flat form](super::tree).
//!
//! The grammar guarantees the shape of every node; where a child is nonetheless missing
//! the conversion reports an internal error instead of panicking. Values that pest
//! accepts but that are still wrong (unknown escapes, numbers beyond `u64`, expressions
//! nested too deeply) are collected as diagnostics while the tree is built, so one run
//! reports all of them.

use std::iter::Peekable;

use efa_core::expr::{BinOp, UnOp};
use pest::iterators::Pairs;

use super::lex::MAX_NESTING;
use super::tree::{Children, NodeId, Tree};
use super::Rule;
use crate::ast::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};

/// The deepest expression tree built (operators, calls and lists all count one level).
/// Long flat chains such as `a + b + c + ...` grow the tree by one level per operator;
/// this keeps every recursive walk over the tree (including `Drop`) shallow.
pub const MAX_EXPR_DEPTH: usize = 256;

/// How tightly an operator binds, loosest first: `or`, `and`, `not`, comparisons and
/// `in`, `+ -`, `* /`, unary `-`. All infix operators are left-associative. `None` for
/// operands.
fn binding_power(rule: Rule) -> Option<u8> {
    use Rule::*;
    Some(match rule {
        op_or => 1,
        op_and => 2,
        op_not => 3,
        op_eq | op_ne | op_lt | op_le | op_gt | op_ge | op_in => 4,
        op_add | op_sub => 5,
        op_mul | op_div => 6,
        op_neg => 7,
        _ => return None,
    })
}

/// Whether `rule` is a prefix operator.
fn is_prefix(rule: Rule) -> bool {
    matches!(rule, Rule::op_neg | Rule::op_not)
}

/// Converts the `file` pair (pest's only top-level one) into the document.
pub(super) fn lower_file(
    pairs: Pairs<'_, Rule>,
    src: &str,
    file: FileId,
) -> Result<Document, Vec<Diagnostic>> {
    let tree = Tree::new(pairs);
    let mut cx = Lower {
        tree: &tree,
        src,
        file,
        errors: Vec::new(),
    };
    let decl = tree.root().and_then(|root| {
        tree.children(root)
            .find(|&p| matches!(cx.rule(p), Rule::form_decl | Rule::adapt_decl))
    });
    let doc = decl.and_then(|p| match cx.rule(p) {
        Rule::form_decl => cx.form(p).map(Document::Form),
        _ => cx.adapt(p).map(Document::Adapt),
    });
    match doc {
        Some(doc) if cx.errors.is_empty() => Ok(doc),
        Some(_) => Err(cx.errors),
        None => {
            cx.errors.push(Diagnostic::new(
                Code::Syntax,
                Span::new(file, 0, src.len().min(1)),
                "internal error: the parser produced an unexpected tree; please report this form",
            ));
            Err(cx.errors)
        }
    }
}

/// Punctuation and keywords: tokens that carry no content of their own.
fn is_token(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        lbrace
            | rbrace
            | lparen
            | call_open
            | rparen
            | lbracket
            | rbracket
            | colon
            | comma
            | assign
            | dotdot
            | dot
            | EOI
            | kw_adapt
            | kw_id
            | kw_set
            | kw_option
            | kw_hide
            | kw_add
            | kw_to
            | kw_before
            | kw_after
            | kw_form
            | kw_version
            | kw_fim_version
            | kw_title
            | kw_description
            | kw_leika
            | kw_fim
            | kw_publisher
            | kw_languages
            | kw_param
            | kw_list
            | kw_codelist
            | kw_page
            | kw_fee
            | kw_field
            | kw_group
            | kw_repeat
            | kw_info
            | kw_check
            | kw_message
            | kw_visible
            | kw_when
            | kw_hint
            | kw_label
            | kw_required
            | kw_min
            | kw_max
            | kw_minlength
            | kw_maxlength
            | kw_pattern
            | kw_default
            | kw_value
            | kw_prefill
            | kw_accept
            | kw_maxsize
    )
}

/// `before|after ID` of an addition.
type Place = (Placement, Ident);

/// Expression result while building: the node and the depth of its tree.
type Built = (Expr, usize);

/// The operands and operators of one `expr`, as [`Lower::pratt`] consumes them.
struct ExprSeq<'t> {
    /// The children of the `expr` not yet arranged.
    seq: Peekable<Children<'t>>,
    /// The depth at which its operands are lowered.
    depth: usize,
    /// The whole `expr`.
    whole: Span,
    /// Whether the tree was cut at [`MAX_EXPR_DEPTH`].
    failed: bool,
}

struct Lower<'t> {
    tree: &'t Tree,
    src: &'t str,
    file: FileId,
    errors: Vec<Diagnostic>,
}

impl<'t> Lower<'t> {
    fn rule(&self, n: NodeId) -> Rule {
        self.tree.node(n).rule
    }

    fn span(&self, n: NodeId) -> Span {
        let node = self.tree.node(n);
        Span {
            file: self.file,
            start: node.start,
            end: node.end,
        }
    }

    /// The source text matched by `n`.
    fn str_of(&self, n: NodeId) -> &'t str {
        let node = self.tree.node(n);
        &self.src[node.start as usize..node.end as usize]
    }

    /// The first child of `n`: the one alternative of a choice rule such as `form_item`.
    fn first(&self, n: NodeId) -> Option<NodeId> {
        self.tree.children(n).next()
    }

    /// The children of `n` that carry content (no punctuation, no keywords).
    fn kids(&self, n: NodeId) -> impl Iterator<Item = NodeId> + Clone + 't {
        let tree = self.tree;
        tree.children(n)
            .filter(move |&k| !is_token(tree.node(k).rule))
    }

    fn error(&mut self, code: Code, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.errors.push(Diagnostic::new(code, span, message));
        let last = self.errors.len() - 1;
        &mut self.errors[last]
    }

    // ------------------------------------------------------------ form

    fn form(&mut self, n: NodeId) -> Option<FormDecl> {
        let span = self.span(n);
        let mut it = self.kids(n);
        let id = self.ident(it.next()?);
        let mut items = Vec::new();
        for item in it {
            // `form_item` wraps exactly one `f_*`.
            let entry = self.first(item)?;
            items.push(self.form_item(entry)?);
        }
        Some(FormDecl { id, items, span })
    }

    fn form_item(&mut self, n: NodeId) -> Option<FormItem> {
        let span = self.span(n);
        let rule = self.rule(n);
        let mut it = self.kids(n);
        let kind = match rule {
            Rule::f_version => FormItemKind::Version(self.string(it.next()?)),
            Rule::f_title => FormItemKind::Title(self.text(it.next()?)?),
            Rule::f_description => FormItemKind::Description(self.text(it.next()?)?),
            Rule::f_leika => FormItemKind::Leika(self.string(it.next()?)),
            Rule::f_fim => FormItemKind::Fim(self.fim(it.next()?)?),
            Rule::f_publisher => FormItemKind::Publisher(self.string(it.next()?)),
            Rule::f_languages => FormItemKind::Languages(it.map(|p| self.ident(p)).collect()),
            Rule::f_param => {
                let name = self.ident(it.next()?);
                let ty = self.type_expr(it.next()?)?;
                let value = self.expr(it.next()?, 0).0;
                FormItemKind::Param(ParamDecl { name, ty, value })
            }
            Rule::f_list => {
                let id = self.ident(it.next()?);
                let mut codelist = None;
                let mut codelist_version = None;
                let mut options = Vec::new();
                for p in it {
                    match self.rule(p) {
                        Rule::codelist => {
                            let mut c = self.kids(p);
                            codelist = Some(self.string(c.next()?));
                            codelist_version = c.next().map(|v| self.string(v));
                        }
                        Rule::list_option => options.push(self.option(p)?),
                        _ => return None,
                    }
                }
                FormItemKind::List(ListDecl {
                    id,
                    codelist,
                    codelist_version,
                    options,
                })
            }
            Rule::f_page => {
                let id = self.ident(it.next()?);
                let title = self.text(it.next()?)?;
                let items = self.body(it)?;
                FormItemKind::Page(PageDecl { id, title, items })
            }
            Rule::f_fee => {
                let id = self.ident(it.next()?);
                let label = self.text(it.next()?)?;
                let amount = self.expr(it.next()?, 0).0;
                FormItemKind::Fee(FeeDecl { id, label, amount })
            }
            Rule::f_check => {
                let condition = self.expr(it.next()?, 0).0;
                let message = self.text(it.next()?)?;
                FormItemKind::Check(CheckDecl { condition, message })
            }
            _ => return None,
        };
        Some(FormItem { kind, span })
    }

    // ------------------------------------------------------------ adaptations

    fn adapt(&mut self, n: NodeId) -> Option<AdaptDecl> {
        let span = self.span(n);
        let mut base = None;
        let mut range = None;
        let mut items = Vec::new();
        for p in self.kids(n) {
            match self.rule(p) {
                Rule::string if base.is_none() => base = Some(self.string(p)),
                Rule::string => range = Some(self.string(p)),
                Rule::adapt_item => items.push(self.adapt_item(self.first(p)?)?),
                _ => return None,
            }
        }
        Some(AdaptDecl {
            base: base?,
            range,
            items,
            span,
        })
    }

    /// A dotted path such as `anschrift.plz`.
    fn path(&mut self, n: NodeId) -> Vec<Ident> {
        self.kids(n).map(|p| self.ident(p)).collect()
    }

    /// The optional `before|after ID` and the body of an `add to` or `add page`.
    fn placed_body(
        &mut self,
        nodes: impl Iterator<Item = NodeId>,
    ) -> Option<(Option<Place>, Vec<BodyItem>)> {
        let mut place = None;
        let mut body = Vec::new();
        for p in nodes {
            match self.rule(p) {
                Rule::placement => place = Some(self.placement(p)?),
                Rule::body_item => body.push(self.body_item(self.first(p)?)?),
                _ => return None,
            }
        }
        Some((place, body))
    }

    fn placement(&mut self, n: NodeId) -> Option<(Placement, Ident)> {
        let inner = self.first(n)?;
        let how = match self.rule(inner) {
            Rule::place_before => Placement::Before,
            _ => Placement::After,
        };
        let id = self.ident(self.kids(inner).next()?);
        Some((how, id))
    }

    fn adapt_item(&mut self, n: NodeId) -> Option<AdaptItem> {
        let span = self.span(n);
        let rule = self.rule(n);
        let mut it = self.kids(n);
        let kind = match rule {
            Rule::a_id => AdaptItemKind::Id(self.ident(it.next()?)),
            Rule::a_publisher => AdaptItemKind::Publisher(self.string(it.next()?)),
            Rule::a_version => AdaptItemKind::Version(self.string(it.next()?)),
            Rule::a_title => {
                let first = it.next()?;
                if self.rule(first) == Rule::dotted {
                    let target = Some(self.path(first));
                    AdaptItemKind::Title {
                        target,
                        text: self.text(it.next()?)?,
                    }
                } else {
                    AdaptItemKind::Title {
                        target: None,
                        text: self.text(first)?,
                    }
                }
            }
            Rule::a_description => AdaptItemKind::Description(self.text(it.next()?)?),
            Rule::a_set => {
                let name = self.ident(it.next()?);
                let value = self.expr(it.next()?, 0).0;
                AdaptItemKind::Set { name, value }
            }
            Rule::a_label => {
                let target = self.path(it.next()?);
                AdaptItemKind::Label {
                    target,
                    text: self.text(it.next()?)?,
                }
            }
            Rule::a_hint => {
                let target = self.path(it.next()?);
                AdaptItemKind::Hint {
                    target,
                    text: self.text(it.next()?)?,
                }
            }
            Rule::a_option => {
                let list = self.ident(it.next()?);
                let key_node = self.first(it.next()?)?;
                let key = match self.rule(key_node) {
                    Rule::string => self.string(key_node),
                    _ => StrLit {
                        value: self.str_of(key_node).to_string(),
                        span: self.span(key_node),
                    },
                };
                AdaptItemKind::Option {
                    list,
                    key,
                    text: self.text(it.next()?)?,
                }
            }
            Rule::a_hide => AdaptItemKind::Hide(self.path(it.next()?)),
            Rule::a_add_to => {
                let target = self.path(it.next()?);
                let (place, items) = self.placed_body(it)?;
                AdaptItemKind::AddTo {
                    target,
                    place,
                    items,
                }
            }
            Rule::a_add_page => {
                let id = self.ident(it.next()?);
                let title = self.text(it.next()?)?;
                let (place, body) = self.placed_body(it)?;
                AdaptItemKind::AddPage {
                    page: PageDecl {
                        id,
                        title,
                        items: body,
                    },
                    place,
                }
            }
            Rule::a_add_check => {
                let condition = self.expr(it.next()?, 0).0;
                let message = self.text(it.next()?)?;
                AdaptItemKind::AddCheck(CheckDecl { condition, message })
            }
            Rule::a_add_list | Rule::a_add_fee => {
                let inner = self.form_item(it.next()?)?;
                match inner.kind {
                    FormItemKind::List(l) => AdaptItemKind::AddList(l),
                    FormItemKind::Fee(f) => AdaptItemKind::AddFee(f),
                    _ => return None,
                }
            }
            _ => return None,
        };
        Some(AdaptItem { kind, span })
    }

    fn option(&mut self, n: NodeId) -> Option<OptionDecl> {
        let span = self.span(n);
        let mut it = self.kids(n);
        let key_node = self.first(it.next()?)?;
        let key = match self.rule(key_node) {
            Rule::string => self.string(key_node),
            _ => StrLit {
                value: self.str_of(key_node).to_string(),
                span: self.span(key_node),
            },
        };
        let text = self.text(it.next()?)?;
        Some(OptionDecl { key, text, span })
    }

    fn fim(&mut self, n: NodeId) -> Option<FimLit> {
        let mut it = self.kids(n);
        let id = self.string(it.next()?);
        let version = it.next().map(|v| self.string(v));
        Some(FimLit { id, version })
    }

    fn type_expr(&mut self, n: NodeId) -> Option<TypeExpr> {
        let span = self.span(n);
        let mut it = self.kids(n);
        let name = self.ident(it.next()?);
        let list = it.next().map(|p| self.ident(p));
        Some(TypeExpr { name, list, span })
    }

    // ------------------------------------------------------------ pages and groups

    fn body(&mut self, items: impl Iterator<Item = NodeId> + Clone) -> Option<Vec<BodyItem>> {
        let mut out = Vec::with_capacity(items.clone().count());
        for item in items {
            out.push(self.body_item(self.first(item)?)?);
        }
        Some(out)
    }

    fn body_item(&mut self, n: NodeId) -> Option<BodyItem> {
        let span = self.span(n);
        let rule = self.rule(n);
        let mut it = self.kids(n);
        let kind = match rule {
            Rule::b_field => {
                let id = self.ident(it.next()?);
                let ty = self.type_expr(it.next()?)?;
                // Sized up front: properties are large, and fields have several.
                let mut props = Vec::with_capacity(it.clone().count());
                for p in it {
                    props.push(self.prop(self.first(p)?)?);
                }
                BodyItemKind::Field(FieldDecl { id, ty, props })
            }
            Rule::b_group => {
                let id = self.ident(it.next()?);
                let mut title = None;
                let mut repeat = None;
                let mut items = Vec::new();
                for p in it {
                    match self.rule(p) {
                        Rule::text => title = Some(self.text(p)?),
                        Rule::repeat => repeat = Some(self.repeat(p)?),
                        Rule::body_item => items.push(self.body_item(self.first(p)?)?),
                        _ => return None,
                    }
                }
                BodyItemKind::Group(GroupDecl {
                    id,
                    title,
                    repeat,
                    items,
                })
            }
            Rule::b_info => BodyItemKind::Info(self.text(it.next()?)?),
            Rule::b_check => {
                let condition = self.expr(it.next()?, 0).0;
                let message = self.text(it.next()?)?;
                BodyItemKind::Check(CheckDecl { condition, message })
            }
            Rule::b_visible => BodyItemKind::VisibleWhen(self.expr(it.next()?, 0).0),
            Rule::b_hint => BodyItemKind::Hint(self.text(it.next()?)?),
            Rule::b_fim => BodyItemKind::Fim(self.fim(it.next()?)?),
            _ => return None,
        };
        Some(BodyItem { kind, span })
    }

    fn repeat(&mut self, n: NodeId) -> Option<RepeatLit> {
        let span = self.span(n);
        let mut it = self.kids(n);
        let min = self.int(it.next()?);
        let max = it.next().map(|p| self.int(p));
        Some(RepeatLit { min, max, span })
    }

    // ------------------------------------------------------------ properties

    fn prop(&mut self, n: NodeId) -> Option<Prop> {
        let span = self.span(n);
        let rule = self.rule(n);
        // The keyword is the first token; `fim` sits inside its `fim_lit`, which is
        // also the content.
        let mut inner = self.tree.children(n);
        let first = inner.next()?;
        let (keyword, content) = match self.rule(first) {
            Rule::fim_lit => (self.span(self.first(first)?), Some(first)),
            _ => (self.span(first), None),
        };
        let tree = self.tree;
        let mut it = content
            .into_iter()
            .chain(inner.filter(move |&k| !is_token(tree.node(k).rule)));
        let kind = match rule {
            Rule::p_label => PropKind::Label(self.text(it.next()?)?),
            Rule::p_hint => PropKind::Hint(self.text(it.next()?)?),
            Rule::p_required => match it.next() {
                Some(condition) => PropKind::RequiredWhen(self.expr(condition, 0).0),
                None => PropKind::Required,
            },
            Rule::p_visible => PropKind::VisibleWhen(self.expr(it.next()?, 0).0),
            Rule::p_min => PropKind::Min(self.expr(it.next()?, 0).0),
            Rule::p_max => PropKind::Max(self.expr(it.next()?, 0).0),
            Rule::p_minlength => PropKind::MinLength(self.int(it.next()?)),
            Rule::p_maxlength => PropKind::MaxLength(self.int(it.next()?)),
            Rule::p_pattern => {
                let regex = self.string(it.next()?);
                let message = match it.next() {
                    Some(p) => Some(self.text(p)?),
                    None => None,
                };
                PropKind::Pattern { regex, message }
            }
            Rule::p_default => PropKind::Default(self.expr(it.next()?, 0).0),
            Rule::p_value => PropKind::Value(self.expr(it.next()?, 0).0),
            Rule::p_prefill => {
                PropKind::Prefill(self.kids(it.next()?).map(|p| self.ident(p)).collect())
            }
            Rule::p_fim => PropKind::Fim(self.fim(it.next()?)?),
            Rule::p_accept => PropKind::Accept(it.map(|p| self.string(p)).collect()),
            Rule::p_maxsize => {
                let size = self.int(it.next()?);
                let unit = self.ident(it.next()?);
                PropKind::MaxSize { size, unit }
            }
            _ => return None,
        };
        Some(Prop {
            kind,
            span,
            keyword,
        })
    }

    // ------------------------------------------------------------ literals

    fn ident(&mut self, n: NodeId) -> Ident {
        Ident {
            name: self.str_of(n).to_string(),
            span: self.span(n),
        }
    }

    fn int(&mut self, n: NodeId) -> IntLit {
        let span = self.span(n);
        let value = match self.str_of(n).parse::<u64>() {
            Ok(v) => v,
            Err(_) => {
                self.error(
                    Code::Syntax,
                    span,
                    format!("this number is too large (at most {})", u64::MAX),
                );
                0
            }
        };
        IntLit { value, span }
    }

    /// A `string` node: its escapes resolved; bad escapes are reported.
    fn string(&mut self, n: NodeId) -> StrLit {
        let span = self.span(n);
        let value = match self
            .tree
            .children(n)
            .find(|&k| self.rule(k) == Rule::str_body)
        {
            Some(body) => {
                let start = self.tree.node(body).start as usize;
                self.unescape(self.str_of(body), start)
            }
            None => String::new(),
        };
        StrLit { value, span }
    }

    fn unescape(&mut self, body: &str, offset: usize) -> String {
        if !body.contains('\\') {
            return body.to_owned();
        }
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((j, e)) = chars.next() else {
                // The grammar never ends a body on a lone backslash.
                break;
            };
            match e {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                'u' => {
                    // `\u{X}` .. `\u{XXXXXX}`
                    let rest = &body[j + 1..];
                    let close = rest.find('}');
                    let digits = match (rest.strip_prefix('{'), close) {
                        (Some(_), Some(close)) => Some(&rest[1..close]),
                        _ => None,
                    };
                    let ok = digits.filter(|d| {
                        (1..=6).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_hexdigit())
                    });
                    match ok {
                        Some(d) => {
                            let end = j + 1 + d.len() + 2;
                            // Skip the `{digits}` just read.
                            while chars.peek().is_some_and(|&(k, _)| k < end) {
                                chars.next();
                            }
                            let span = Span::new(self.file, offset + i, offset + end);
                            match u32::from_str_radix(d, 16).ok().and_then(char::from_u32) {
                                Some(ch) => out.push(ch),
                                None => {
                                    self.error(
                                        Code::Syntax,
                                        span,
                                        format!("`\\u{{{d}}}` is not a valid character code"),
                                    )
                                    .hints
                                    .push(
                                        "character codes are Unicode scalar values, at most 10FFFF and not D800 to DFFF"
                                            .into(),
                                    );
                                }
                            }
                        }
                        None => {
                            let end = j + e.len_utf8();
                            let span = Span::new(self.file, offset + i, offset + end);
                            self.error(
                                Code::Syntax,
                                span,
                                "expected a character code in braces after `\\u`, such as `\\u{00E4}`",
                            )
                            .hints
                            .push("write 1 to 6 hexadecimal digits between `{` and `}`".into());
                        }
                    }
                }
                other => {
                    let span = Span::new(self.file, offset + i, offset + j + other.len_utf8());
                    let shown = if other.is_control() || other.is_whitespace() {
                        format!("\\ followed by U+{:04X}", other as u32)
                    } else {
                        format!("`\\{other}`")
                    };
                    self.error(
                        Code::Syntax,
                        span,
                        format!("unknown escape {shown} in a text"),
                    )
                    .hints
                    .push(
                        "texts take the escapes `\\\"`, `\\\\`, `\\n` and `\\u{...}`; write `\\\\` for a backslash"
                            .into(),
                    );
                }
            }
        }
        out
    }

    /// A `text` or `list_text` node.
    fn text(&mut self, n: NodeId) -> Option<TextLit> {
        let span = self.span(n);
        let mut it = self.kids(n);
        let default = self.string(it.next()?);
        let mut translations = Vec::with_capacity(it.clone().count());
        for t in it {
            let mut tk = self.kids(t);
            let lang = self.ident(tk.next()?);
            let s = self.string(tk.next()?);
            translations.push((lang, s));
        }
        Some(TextLit {
            default,
            translations,
            span,
        })
    }

    // ------------------------------------------------------------ expressions

    fn placeholder(span: Span) -> Built {
        (
            Expr {
                kind: ExprKind::List(Vec::new()),
                span,
            },
            1,
        )
    }

    fn too_deep(&mut self, span: Span) {
        self.error(
            Code::TooComplex,
            span,
            format!("nested too deeply (more than {MAX_NESTING} levels)"),
        )
        .hints
        .push("split the expression into smaller parts, for example with computed fields (`value = ...`)".into());
    }

    /// An `expr` node. `depth` counts the expression levels around it (brackets and
    /// prefix operators), which bounds the recursion here and in `pratt`.
    fn expr(&mut self, n: NodeId, depth: usize) -> Built {
        let span = self.span(n);
        if depth >= MAX_NESTING {
            self.too_deep(span);
            return Self::placeholder(span);
        }
        // Most expressions are a single operand: no operators to arrange.
        let mut children = self.tree.children(n);
        if let (Some(only), None) = (children.next(), children.next()) {
            return self.operand(only, depth + 1);
        }
        // Each prefix operator is one level of recursion in `pratt`.
        let mut run = 0;
        let mut longest = 0;
        for p in self.tree.children(n) {
            if is_prefix(self.rule(p)) {
                run += 1;
                longest = longest.max(run);
                if depth + run >= MAX_NESTING {
                    let s = self.span(p);
                    self.too_deep(s);
                    return Self::placeholder(span);
                }
            } else {
                run = 0;
            }
        }
        let mut seq = ExprSeq {
            seq: self.tree.children(n).peekable(),
            depth: depth + 1 + longest,
            whole: span,
            failed: false,
        };
        let built = self.pratt(&mut seq, 0);
        // The grammar alternates operands and operators, so precedence uses them all.
        debug_assert!(seq.seq.next().is_none(), "operators left over in {span:?}");
        let failed = seq.failed;
        if failed {
            self.error(
                Code::TooComplex,
                span,
                format!("this expression is too long (its operators nest more than {MAX_EXPR_DEPTH} levels)"),
            )
            .hints
            .push("split it into smaller parts, for example with computed fields (`value = ...`)".into());
            return Self::placeholder(span);
        }
        built
    }

    /// Arranges the operands and operators of an `expr` by precedence (Pratt parsing,
    /// as pest's `PrattParser` does it): the expression from the next operand on, taking
    /// in operators that bind more tightly than `rbp`.
    fn pratt(&mut self, seq: &mut ExprSeq<'t>, rbp: u8) -> Built {
        let Some(first) = seq.seq.next() else {
            // The grammar puts an operand after every operator.
            return Self::placeholder(seq.whole);
        };
        let mut lhs = match self.rule(first) {
            rule @ (Rule::op_not | Rule::op_neg) => {
                // A prefix operator takes in operators that bind at least as tightly.
                let rbp = binding_power(rule).map_or(0, |p| p.saturating_sub(1));
                let (arg, d) = self.pratt(seq, rbp);
                let span = Span {
                    file: self.file,
                    start: self.tree.node(first).start,
                    end: arg.span.end,
                };
                let op = if rule == Rule::op_not {
                    UnOp::Not
                } else {
                    UnOp::Neg
                };
                let kind = ExprKind::Unary {
                    op,
                    arg: Box::new(arg),
                };
                (Expr { kind, span }, d + 1)
            }
            _ => self.operand(first, seq.depth),
        };
        while let Some(&next) = seq.seq.peek() {
            let rule = self.rule(next);
            // After an operand comes an infix operator (the grammar alternates them).
            let Some(power) = binding_power(rule).filter(|_| !is_prefix(rule)) else {
                break;
            };
            if power <= rbp {
                break;
            }
            seq.seq.next();
            let rhs = self.pratt(seq, power);
            lhs = Self::infix(lhs, rule, rhs, &mut seq.failed);
        }
        lhs
    }

    /// `lhs OP rhs`, or a placeholder (and `failed` set) where the tree would grow
    /// deeper than [`MAX_EXPR_DEPTH`].
    fn infix((lhs, ld): Built, op: Rule, (rhs, rd): Built, failed: &mut bool) -> Built {
        let d = ld.max(rd) + 1;
        let span = lhs.span.to(rhs.span);
        if d > MAX_EXPR_DEPTH {
            // Cut the tree here so that it never grows deeper; reported by `expr`.
            *failed = true;
            return Self::placeholder(span);
        }
        let kind = match op {
            Rule::op_in => ExprKind::In {
                arg: Box::new(lhs),
                list: Box::new(rhs),
            },
            rule => ExprKind::Binary {
                op: binop(rule),
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
        };
        (Expr { kind, span }, d)
    }

    fn operand(&mut self, n: NodeId, depth: usize) -> Built {
        let span = self.span(n);
        let leaf = |kind| (Expr { kind, span }, 1);
        match self.rule(n) {
            Rule::number => leaf(ExprKind::Number(self.str_of(n).to_string())),
            Rule::date => leaf(ExprKind::Date(self.str_of(n).to_string())),
            Rule::bool => leaf(ExprKind::Bool(self.str_of(n) == "true")),
            Rule::string => {
                let s = self.string(n);
                leaf(ExprKind::Str(s.value))
            }
            Rule::dotted => {
                let ids = self.kids(n).map(|p| self.ident(p)).collect();
                leaf(ExprKind::Path(ids))
            }
            Rule::paren => match self.kids(n).next() {
                Some(inner) => {
                    let (mut e, d) = self.expr(inner, depth);
                    e.span = span;
                    (e, d)
                }
                None => Self::placeholder(span),
            },
            Rule::list_lit => {
                let mut d = 0;
                let mut items = Vec::new();
                for p in self.kids(n) {
                    let (e, ed) = self.expr(p, depth);
                    d = d.max(ed);
                    items.push(e);
                }
                (
                    Expr {
                        kind: ExprKind::List(items),
                        span,
                    },
                    d + 1,
                )
            }
            Rule::call => {
                let mut it = self.kids(n);
                let Some(name) = it.next() else {
                    return Self::placeholder(span);
                };
                let name = self.ident(name);
                let mut d = 0;
                let mut args = Vec::new();
                for p in it {
                    let (e, ed) = self.expr(p, depth);
                    d = d.max(ed);
                    args.push(e);
                }
                (
                    Expr {
                        kind: ExprKind::Call { name, args },
                        span,
                    },
                    d + 1,
                )
            }
            _ => Self::placeholder(span),
        }
    }
}

fn binop(rule: Rule) -> BinOp {
    match rule {
        Rule::op_or => BinOp::Or,
        Rule::op_and => BinOp::And,
        Rule::op_eq => BinOp::Eq,
        Rule::op_ne => BinOp::Ne,
        Rule::op_lt => BinOp::Lt,
        Rule::op_le => BinOp::Le,
        Rule::op_gt => BinOp::Gt,
        Rule::op_ge => BinOp::Ge,
        Rule::op_add => BinOp::Add,
        Rule::op_sub => BinOp::Sub,
        Rule::op_mul => BinOp::Mul,
        _ => BinOp::Div,
    }
}
