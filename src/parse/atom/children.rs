//! An Atom feed's or entry's children sorted by what they are for, in one
//! walk (as for RSS items: asking the tree once per field walked the
//! children a dozen times per entry, and the feed's children, every entry
//! among them, several times).

use super::super::date::parse_date;
use super::super::xml::{Element, Named, name_hash, named, ns};

/// What a child of `<feed>` or `<entry>` is for the mapping.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Id,
    Title,
    Subtitle,
    Tagline,
    Link,
    Summary,
    Content,
    Published,
    Issued,
    Created,
    Updated,
    Modified,
    Author,
    Category,
    Entry,
    DcDate,
    DcModified,
    DcCreator,
    DcSubject,
    MediaTitle,
    /// Any other Media RSS element (`media:content`, `media:group`…):
    /// only whether there is one matters.
    Media,
}

const ROLES: usize = Role::Media as usize + 1;

impl Role {
    /// The role of a child element, if the mapping uses it; names compare
    /// without regard to ASCII case, as in every lookup of the tree.
    fn of(e: Element) -> Option<Role> {
        use Role::*;
        const IN_ATOM: &[Named<Role>] = &[
            named("entry", Entry),
            named("id", Id),
            named("title", Title),
            named("link", Link),
            named("summary", Summary),
            named("content", Content),
            named("published", Published),
            named("updated", Updated),
            named("author", Author),
            named("category", Category),
            named("subtitle", Subtitle),
            named("tagline", Tagline),
            named("issued", Issued),
            named("created", Created),
            named("modified", Modified),
        ];
        const IN_DC: &[Named<Role>] = &[
            named("date", DcDate),
            named("modified", DcModified),
            named("creator", DcCreator),
            named("subject", DcSubject),
        ];
        const NONE: u32 = 0;
        const ATOM: u32 = ns::id(ns::ATOM);
        const ATOM03: u32 = ns::id(ns::ATOM03);
        const DC: u32 = ns::id(ns::DC);
        const DCTERMS: u32 = ns::id(ns::DCTERMS);
        const MEDIA: u32 = ns::id(ns::MEDIA);
        // Atom 1.0, 0.3 and undeclared (some 0.3 feeds declare nothing).
        let table = match e.ns_id() {
            ATOM | ATOM03 | NONE => IN_ATOM,
            DC | DCTERMS => IN_DC,
            MEDIA => {
                const TITLE: u32 = name_hash("title");
                return Some(if e.has_name(TITLE, "title") {
                    MediaTitle
                } else {
                    Media
                });
            }
            _ => return None,
        };
        e.role_in(table)
    }
}

/// Whether `e` is in Atom 1.0's or 0.3's namespace, or in none (some 0.3
/// feeds declare nothing).
pub(super) fn is_atom(e: Element) -> bool {
    const ATOM: u32 = ns::id(ns::ATOM);
    const ATOM03: u32 = ns::id(ns::ATOM03);
    matches!(e.ns_id(), ATOM | ATOM03 | 0)
}

/// The children of one element, sorted by role.
pub(super) struct Children<'s, 'd, 'a> {
    /// Where in `found` the first and the last child of each role are
    /// (`u32::MAX`: none); indices keep this small to build per entry.
    first: [u32; ROLES],
    last: [u32; ROLES],
    /// Every child with a role, in document order.
    found: &'s [(Role, Element<'d, 'a>)],
}

impl<'s, 'd, 'a> Children<'s, 'd, 'a> {
    /// Sorts `parent`'s children; `scratch` holds them (one vector for all
    /// the entries of a feed).
    pub(super) fn of(
        parent: Element<'d, 'a>,
        scratch: &'s mut Vec<(Role, Element<'d, 'a>)>,
    ) -> Self {
        scratch.clear();
        let mut first = [u32::MAX; ROLES];
        let mut last = [u32::MAX; ROLES];
        for e in parent.elements() {
            let Some(role) = Role::of(e) else { continue };
            let Ok(at) = u32::try_from(scratch.len()) else {
                break;
            };
            if let Some(slot) = first.get_mut(role as usize)
                && *slot == u32::MAX
            {
                *slot = at;
            }
            if let Some(slot) = last.get_mut(role as usize) {
                *slot = at;
            }
            scratch.push((role, e));
        }
        Children {
            first,
            last,
            found: scratch,
        }
    }

    fn at(&self, index: Option<&u32>) -> Option<Element<'d, 'a>> {
        self.found.get(*index? as usize).map(|(_, e)| *e)
    }

    pub(super) fn first(&self, role: Role) -> Option<Element<'d, 'a>> {
        self.at(self.first.get(role as usize))
    }

    fn last(&self, role: Role) -> Option<Element<'d, 'a>> {
        self.at(self.last.get(role as usize))
    }

    pub(super) fn has(&self, role: Role) -> bool {
        self.first(role).is_some()
    }

    /// All children of `role`, in document order.
    pub(super) fn all(&self, role: Role) -> impl Iterator<Item = Element<'d, 'a>> + Clone + '_ {
        let from = self.first.get(role as usize).map_or(0, |at| *at as usize);
        self.found
            .get(from..)
            .unwrap_or_default()
            .iter()
            .filter(move |(r, _)| *r == role)
            .map(|(_, e)| *e)
    }

    /// The first readable date among `roles`, in order: of an Atom element
    /// that repeats, the last one counts (as in feedparser); `fallback`, a
    /// Dublin Core role, is read from its first element.
    pub(super) fn date(
        &self,
        roles: &[Role],
        fallback: Role,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        roles
            .iter()
            .find_map(|r| self.last(*r).and_then(|d| parse_date(&d.text())))
            .or_else(|| self.first(fallback).and_then(|d| parse_date(&d.text())))
    }
}
