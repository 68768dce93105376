//! Entities a document declares in its internal DTD subset
//! (`<!DOCTYPE rss [<!ENTITY id "tag:example.com,">]>`), expanded within
//! a budget.
//!
//! Only internal general entities with a literal value are read: parameter
//! entities (`%name;`) and external ones (`SYSTEM`/`PUBLIC`) are never
//! fetched or followed. A value may use entities declared before it; each
//! value is expanded once, at its declaration, and may not grow past
//! [`MAX_VALUE`], so the exponential "billion laughs" declarations stop at
//! their first oversized level and stay unexpanded. Uses are budgeted too
//! ([`Entities::take`]): a document cannot make the reader write much more
//! text than it is long.

use std::borrow::Cow;

use super::entities::resolve;

/// Longest expanded value of one declared entity.
pub(super) const MAX_VALUE: usize = 16 * 1024;

/// Most entities read from one document.
const MAX_DECLARED: usize = 256;

/// The entities of one document, with what expanding them may still cost.
#[derive(Default)]
pub(super) struct Entities {
    declared: Vec<(Box<str>, Box<str>)>,
    /// Entities refused for their size; one that uses them is refused too.
    refused: Vec<Box<str>>,
    /// Bytes that uses of declared entities may still add to the document.
    budget: usize,
    /// The first entity whose use found the budget spent.
    over_budget: Option<Box<str>>,
}

impl Entities {
    /// Reads the declarations of a `<!DOCTYPE …>` body (what follows
    /// `<!DOCTYPE `); `note` hears of each declaration refused.
    pub(super) fn declare(
        &mut self,
        doctype: &str,
        source_len: usize,
        mut note: impl FnMut(String),
    ) {
        self.budget = source_len.max(64 * 1024);
        let Some(open) = doctype.find('[') else {
            return;
        };
        let mut rest = doctype.get(open + 1..).unwrap_or_default();
        while let Some(at) = rest.find("<!") {
            rest = rest.get(at + 2..).unwrap_or_default();
            if let Some(comment) = rest.strip_prefix("--") {
                rest = comment.split_once("-->").map_or("", |(_, after)| after);
                continue;
            }
            let Some(decl) = rest.strip_prefix("ENTITY") else {
                continue;
            };
            let (parsed, after) = entity_declaration(decl);
            rest = after;
            let Some((name, literal)) = parsed else {
                continue;
            };
            if self.declared.len() >= MAX_DECLARED {
                note(format!(
                    "more than {MAX_DECLARED} entities declared; &{name}; and later ones ignored"
                ));
                return;
            }
            if self.lookup(name).is_some() {
                // The first declaration binds (XML 1.0, 4.2).
                continue;
            }
            match self.expand(literal) {
                Some(value) => self.declared.push((name.into(), value.into())),
                None => {
                    note(format!(
                        "entity &{name}; expands beyond {} KiB; not expanded",
                        MAX_VALUE / 1024
                    ));
                    self.refused.push(name.into());
                }
            }
        }
    }

    /// What a reference to a declared entity stands for: its value,
    /// charged to the budget, or, once the budget is spent, the reference
    /// as written (see [`Entities::over_budget`]). `None` for a name the
    /// document did not declare.
    pub(super) fn take(&mut self, name: &str) -> Option<Cow<'_, str>> {
        let index = self.declared.iter().position(|(n, _)| &**n == name)?;
        let value = &self.declared.get(index)?.1;
        if value.len() > self.budget {
            self.over_budget.get_or_insert_with(|| name.into());
            return Some(Cow::Owned(format!("&{name};")));
        }
        self.budget -= value.len();
        Some(Cow::Borrowed(value))
    }

    /// The first entity left unexpanded because uses had spent the budget.
    pub(super) fn over_budget(&self) -> Option<&str> {
        self.over_budget.as_deref()
    }

    fn lookup(&self, name: &str) -> Option<&str> {
        self.declared
            .iter()
            .find(|(n, _)| &**n == name)
            .map(|(_, v)| &**v)
    }

    /// A literal value with its references replaced: character references
    /// and XML's five, entities declared earlier, HTML's named ones; an
    /// unknown name is kept as written. `None` past [`MAX_VALUE`] or when
    /// it uses a refused entity.
    fn expand(&self, literal: &str) -> Option<String> {
        let mut out = String::with_capacity(literal.len().min(MAX_VALUE));
        let mut rest = literal;
        while let Some(at) = rest.find('&') {
            out.push_str(rest.get(..at)?);
            let after = rest.get(at + 1..)?;
            let name = after
                .find(';')
                .filter(|end| (1..=32).contains(end))
                .and_then(|end| after.get(..end))
                .filter(|name| !name.contains([' ', '&', '<']));
            match name {
                Some(name) => {
                    if self.refused.iter().any(|r| &**r == name) {
                        return None;
                    }
                    match self.lookup(name) {
                        Some(value) => out.push_str(value),
                        None => out.push_str(&resolve(name)),
                    }
                    rest = after.get(name.len() + 1..)?;
                }
                None => {
                    out.push('&');
                    rest = after;
                }
            }
            if out.len() > MAX_VALUE {
                return None;
            }
        }
        out.push_str(rest);
        (out.len() <= MAX_VALUE).then_some(out)
    }
}

/// Reads `name "value">` (after `<!ENTITY`): the name and literal value of
/// an internal general entity, or `None` for parameter and external
/// entities and broken declarations; and the text after the declaration.
fn entity_declaration(decl: &str) -> (Option<(&str, &str)>, &str) {
    let body = decl.trim_start();
    if body.len() == decl.len() || body.starts_with('%') {
        return (None, skip_to_end(body));
    }
    let name_end = body
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '>'))
        .unwrap_or(body.len());
    let (name, after_name) = body.split_at(name_end);
    let value = after_name.trim_start();
    let Some(quote) = value.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
        // SYSTEM / PUBLIC: external, never fetched.
        return (None, skip_to_end(value));
    };
    let quoted = value.get(1..).unwrap_or_default();
    let Some((literal, after)) = quoted.split_once(quote) else {
        return (None, "");
    };
    (
        Some((name, literal)).filter(|_| !name.is_empty()),
        skip_to_end(after),
    )
}

/// The text after the next `>`.
fn skip_to_end(text: &str) -> &str {
    text.split_once('>').map_or("", |(_, after)| after)
}

#[cfg(test)]
mod tests {
    use super::{Entities, MAX_VALUE};

    fn declare(doctype: &str) -> (Entities, Vec<String>) {
        let mut entities = Entities::default();
        let mut notes = Vec::new();
        entities.declare(doctype, 1000, |n| notes.push(n));
        (entities, notes)
    }

    #[test]
    fn internal_entities_are_read_and_expanded() {
        let (mut e, notes) = declare(
            r#"rss [
              <!-- <!ENTITY commented "no"> -->
              <!ENTITY id "tag:example.com,">
              <!ENTITY full '&id;2006 &amp; caf&eacute; &#233; &unknown;'>
              <!ENTITY id "second declaration ignored">
              <!ENTITY % param "ignored">
              <!ENTITY ext SYSTEM "http://example.com/never-fetched">
            ]"#,
        );
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(e.take("id").as_deref(), Some("tag:example.com,"));
        assert_eq!(
            e.take("full").as_deref(),
            Some("tag:example.com,2006 & café é &unknown;")
        );
        for absent in ["commented", "param", "ext", "nothing"] {
            assert_eq!(e.take(absent), None, "{absent}");
        }
    }

    #[test]
    fn billion_laughs_stops_at_the_first_oversized_level() {
        let mut doctype = String::from("lolz [<!ENTITY lol0 \"lol\">");
        for level in 1..=9 {
            let prev = format!("&lol{};", level - 1);
            doctype.push_str(&format!("<!ENTITY lol{level} \"{}\">", prev.repeat(10)));
        }
        doctype.push(']');
        let (mut e, notes) = declare(&doctype);
        // 3 × 10^4 bytes is past the limit: lol4 and everything above it,
        // which uses it, stay undefined (noted once each).
        assert!(3 * 10usize.pow(4) > MAX_VALUE);
        assert_eq!(e.take("lol3").map(|v| v.len()), Some(3000));
        assert_eq!(e.take("lol4"), None);
        assert_eq!(e.take("lol9"), None);
        assert_eq!(notes.len(), 6, "{notes:?}");
        assert!(notes[0].contains("&lol4;"), "{notes:?}");
    }

    #[test]
    fn uses_are_budgeted() {
        let mut e = Entities::default();
        e.declare(
            &format!("r [<!ENTITY big \"{}\">]", "x".repeat(10_000)),
            100,
            |_| {},
        );
        // Budget: at least 64 KiB, so six uses of 10,000 bytes fit, the
        // seventh does not.
        for _ in 0..6 {
            assert_eq!(e.take("big").map(|v| v.len()), Some(10_000));
        }
        assert_eq!(e.over_budget(), None);
        assert_eq!(e.take("big").as_deref(), Some("&big;"));
        assert_eq!(e.over_budget(), Some("big"));
    }
}
