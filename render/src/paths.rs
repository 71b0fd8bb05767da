//! Data paths: JSON Pointers (`/kinder/1/name`) as validation reports them, the dotted
//! input names of SPEC section 7 (`kinder.1.name`), element ids (`f-kinder-1-name`), and
//! which page of a form holds a path.

use efa_core::model::{FormModel, Item, Page};
use efa_core::{Form, ValidationError};

/// Splits a JSON Pointer into its unescaped tokens (`""` gives none).
pub(crate) fn pointer_tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Joins tokens into a JSON Pointer.
pub(crate) fn pointer(tokens: &[String]) -> String {
    tokens
        .iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// The input name of a path: its tokens joined with dots (`anschrift.plz`, `kinder.1.name`).
pub(crate) fn input_name(tokens: &[String]) -> String {
    tokens.join(".")
}

/// The element id of a path: `f-` and the tokens joined with `-`. Characters other than
/// ASCII letters, digits and `_` are written as `_xHH_` so that ids stay safe in URLs,
/// CSS selectors and attributes, and distinct paths give distinct ids.
pub(crate) fn element_id(tokens: &[String]) -> String {
    let mut id = String::from("f");
    for t in tokens {
        id.push('-');
        for c in t.chars() {
            if c.is_ascii_alphanumeric() || c == '_' {
                id.push(c);
            } else {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    id.push_str(&format!("_x{b:02X}_"));
                }
            }
        }
    }
    id
}

/// The page whose content holds the top-level data key `key`.
pub(crate) fn page_of_key<'m>(model: &'m FormModel, key: &str) -> Option<&'m Page> {
    model.pages.iter().find(|p| {
        p.items.iter().any(|i| match i {
            Item::Field(f) => f.id == key,
            Item::Group(g) => g.id == key,
            _ => false,
        })
    })
}

/// The id of the page that holds the value at a JSON Pointer (`/anschrift/plz` is on the
/// page that holds the group `anschrift`), or `None` for `""` and for keys the form does
/// not define.
///
/// Pages are layout only, so the first token of a path names a field or group of
/// exactly one page.
pub fn page_of_pointer<'f>(form: &'f Form, pointer: &str) -> Option<&'f str> {
    let tokens = pointer_tokens(pointer);
    let first = tokens.first()?;
    page_of_key(form.model(), first).map(|p| p.id.as_str())
}

/// Whether a check's message is this error's message (in any language of the form).
fn check_message_matches(item: &Item, message: &str) -> bool {
    matches!(item, Item::Check(c) if c.message.values().any(|m| m == message))
}

/// The page a failed `check` with path `""` is shown on: the first page holding a check
/// (directly, not in a group) whose message is the error's message; for a check of the
/// whole form ([`FormModel::checks`], an adaptation's `add check`), the last page holding
/// a field it reads, where the citizen has entered all of them. `None` when neither
/// applies (the review page shows it).
pub(crate) fn page_of_form_check<'m>(model: &'m FormModel, message: &str) -> Option<&'m Page> {
    if let Some(p) = model
        .pages
        .iter()
        .find(|p| p.items.iter().any(|i| check_message_matches(i, message)))
    {
        return Some(p);
    }
    let check = model
        .checks
        .iter()
        .find(|c| c.message.values().any(|m| m == message))?;
    let mut last: Option<usize> = None;
    check.condition.for_each_ref(&mut |r| {
        let first = r.split('.').next().unwrap_or(r);
        if let Some(i) = model.pages.iter().position(|p| {
            p.items.iter().any(|i| match i {
                Item::Field(f) => f.id == first,
                Item::Group(g) => g.id == first,
                _ => false,
            })
        }) {
            last = Some(last.map_or(i, |l| l.max(i)));
        }
    });
    last.map(|i| &model.pages[i])
}

/// The errors of a validation result that belong on one page, as a server shows them
/// after that page was submitted:
///
/// - an error whose path points into a field or group of the page (the first token of
///   the path names it: pages are layout only);
/// - a failed `check` with path `""` whose message is that of a check placed on the
///   page (a check inside a group has the group's path and is covered above), or of a
///   check of the whole form (an adaptation's `add check`) whose last field it reads is
///   on the page.
///
/// Errors about keys the form does not define (`unknown`) belong to no page and are
/// dropped, as are errors of other pages. The order is kept.
pub fn errors_for_page(
    form: &Form,
    page_id: &str,
    errors: &[ValidationError],
) -> Vec<ValidationError> {
    let model = form.model();
    errors
        .iter()
        .filter(|e| {
            if e.code == efa_core::ErrorCode::Unknown {
                return false;
            }
            let page = if e.path.is_empty() {
                page_of_form_check(model, &e.message).map(|p| p.id.as_str())
            } else {
                page_of_pointer(form, &e.path)
            };
            page == Some(page_id)
        })
        .cloned()
        .collect()
}

/// The JSON Pointer of a field referred to by an expression (`kinder.name`, dotted, no
/// item indices) as seen from a place inside the data (`context`, pointer tokens that may
/// hold item indices): every repeated group on the way takes the index the context has.
pub(crate) fn ref_pointer(dotted: &str, context: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut ctx = context.iter().peekable();
    let mut matching = true;
    for seg in dotted.split('.') {
        out.push(seg.to_owned());
        if matching {
            match ctx.next() {
                Some(c) if c == seg => {
                    if let Some(idx) = ctx.peek() {
                        if idx.parse::<usize>().is_ok() {
                            out.push((*idx).clone());
                            ctx.next();
                        }
                    }
                }
                _ => matching = false,
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn ids_and_names() {
        let t = toks(&["kinder", "1", "name"]);
        assert_eq!(element_id(&t), "f-kinder-1-name");
        assert_eq!(input_name(&t), "kinder.1.name");
        assert_eq!(pointer(&t), "/kinder/1/name");
        assert_eq!(pointer_tokens("/kinder/1/name"), t);
        assert_eq!(element_id(&toks(&["a b\"<"])), "f-a_x20_b_x22__x3C_");
        assert!(pointer_tokens("").is_empty());
    }

    #[test]
    fn refs_take_the_context_index() {
        assert_eq!(
            ref_pointer("kinder.name", &toks(&["kinder", "2"])),
            toks(&["kinder", "2", "name"])
        );
        assert_eq!(ref_pointer("art", &toks(&["kinder", "2"])), toks(&["art"]));
        assert_eq!(
            ref_pointer("eintrag.datum", &toks(&["eintrag"])),
            toks(&["eintrag", "datum"])
        );
        assert_eq!(ref_pointer("email", &[]), toks(&["email"]));
    }
}
