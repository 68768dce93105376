//! An RSS item's children sorted by what they are for, in one walk.

use std::borrow::Cow;

use super::super::date::parse_date;
use super::super::model::non_empty;
use super::super::xml::{Element, Named, named, ns};
use super::html_of;

/// What an RSS item's child element is for the mapping below.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Guid,
    Link,
    Title,
    DcTitle,
    MediaTitle,
    Description,
    DcDescription,
    Summary,
    ItunesSummary,
    Abstract,
    ContentEncoded,
    XhtmlBody,
    FullItem,
    PubDate,
    DcIssued,
    DcCreated,
    AtomPublished,
    DcDate,
    DcModified,
    AtomUpdated,
    DcLanguage,
    Author,
    DcCreator,
    DcAuthor,
    ItunesAuthor,
    Tags,
    Category,
    DcSubject,
    MediaCategory,
    ItunesCategory,
    Enclosure,
    Source,
    AtomLink,
}

const ROLES: usize = Role::AtomLink as usize + 1;

impl Role {
    /// The role of a child element, if the mapping uses it. Names compare
    /// without regard to ASCII case, as in every lookup of the tree.
    fn of(e: Element) -> Option<Role> {
        use Role::*;
        const IN_RSS: &[Named<Role>] = &[
            named("guid", Guid),
            named("link", Link),
            named("title", Title),
            named("description", Description),
            named("summary", Summary),
            named("abstract", Abstract),
            named("fullitem", FullItem),
            named("pubDate", PubDate),
            named("author", Author),
            named("tags", Tags),
            named("category", Category),
            named("enclosure", Enclosure),
            named("source", Source),
        ];
        const IN_DC: &[Named<Role>] = &[
            named("title", DcTitle),
            named("description", DcDescription),
            named("issued", DcIssued),
            named("created", DcCreated),
            named("date", DcDate),
            named("modified", DcModified),
            named("language", DcLanguage),
            named("creator", DcCreator),
            named("author", DcAuthor),
            named("subject", DcSubject),
        ];
        const IN_MEDIA: &[Named<Role>] =
            &[named("title", MediaTitle), named("category", MediaCategory)];
        const IN_ITUNES: &[Named<Role>] = &[
            named("summary", ItunesSummary),
            named("author", ItunesAuthor),
            named("category", ItunesCategory),
        ];
        const IN_CONTENT: &[Named<Role>] = &[named("encoded", ContentEncoded)];
        const IN_XHTML: &[Named<Role>] = &[named("body", XhtmlBody)];
        const IN_ATOM: &[Named<Role>] = &[
            named("published", AtomPublished),
            named("updated", AtomUpdated),
            named("link", AtomLink),
        ];
        const NONE: u32 = 0;
        const RSS10: u32 = ns::id(ns::RSS10);
        const RSS090: u32 = ns::id(ns::RSS090);
        const USERLAND: u32 = ns::id(ns::USERLAND);
        const USERLAND_RSS: u32 = ns::id(ns::USERLAND_RSS);
        const DC: u32 = ns::id(ns::DC);
        const DCTERMS: u32 = ns::id(ns::DCTERMS);
        const MEDIA: u32 = ns::id(ns::MEDIA);
        const ITUNES: u32 = ns::id(ns::ITUNES);
        const CONTENT: u32 = ns::id(ns::CONTENT);
        const XHTML: u32 = ns::id(ns::XHTML);
        const ATOM: u32 = ns::id(ns::ATOM);
        // The namespace groups of `RSS` and `DC`, compared as ids.
        let table = match e.ns_id() {
            NONE | RSS10 | RSS090 | USERLAND | USERLAND_RSS => IN_RSS,
            DC | DCTERMS => IN_DC,
            MEDIA => IN_MEDIA,
            ITUNES => IN_ITUNES,
            CONTENT => IN_CONTENT,
            XHTML => IN_XHTML,
            ATOM => IN_ATOM,
            _ => return None,
        };
        e.role_in(table)
    }
}

/// An item's children sorted by role in one walk: the mapping asks for
/// some forty kinds of child, most of them absent, and walking the
/// children once per question was most of its cost.
pub(super) struct Children<'s, 'd, 'a> {
    /// The first child of each role.
    first: [Option<Element<'d, 'a>>; ROLES],
    /// Children of the roles that repeat (authors, categories, enclosures),
    /// in document order.
    repeated: &'s [(Role, Element<'d, 'a>)],
}

impl<'s, 'd, 'a> Children<'s, 'd, 'a> {
    /// Sorts `item`'s children; `scratch` holds the repeated ones (one
    /// vector for all the items of a feed).
    pub(super) fn of(item: Element<'d, 'a>, scratch: &'s mut Vec<(Role, Element<'d, 'a>)>) -> Self {
        scratch.clear();
        let mut first = [None; ROLES];
        for e in item.elements() {
            let Some(role) = Role::of(e) else { continue };
            if let Some(slot) = first.get_mut(role as usize)
                && slot.is_none()
            {
                *slot = Some(e);
            }
            if matches!(
                role,
                Role::Author
                    | Role::DcCreator
                    | Role::DcAuthor
                    | Role::ItunesAuthor
                    | Role::Tags
                    | Role::Category
                    | Role::DcSubject
                    | Role::MediaCategory
                    | Role::ItunesCategory
                    | Role::Enclosure
                    | Role::AtomLink
            ) {
                scratch.push((role, e));
            }
        }
        Children {
            first,
            repeated: scratch,
        }
    }

    pub(super) fn first(&self, role: Role) -> Option<Element<'d, 'a>> {
        self.first.get(role as usize).copied().flatten()
    }

    /// All children of `role`, in document order.
    pub(super) fn all(&self, role: Role) -> impl Iterator<Item = Element<'d, 'a>> + '_ {
        self.repeated
            .iter()
            .filter(move |(r, _)| *r == role)
            .map(|(_, e)| *e)
    }

    pub(super) fn text(&self, role: Role) -> Option<String> {
        self.first(role).and_then(|e| non_empty(&e.text()))
    }

    /// The text of the first role in `roles` that has some besides
    /// whitespace, not copied when it need not be.
    pub(super) fn first_text(&self, roles: &[Role]) -> Option<Cow<'d, str>> {
        roles.iter().find_map(|r| {
            self.first(*r)
                .map(|e| e.text())
                .filter(|t| !t.trim().is_empty())
        })
    }

    /// The HTML of the first role in `roles` that has some.
    pub(super) fn html(&self, roles: &[Role]) -> Option<Cow<'a, str>> {
        roles.iter().find_map(|r| self.first(*r).and_then(html_of))
    }

    /// The date of the first role in `roles` that has a readable one.
    pub(super) fn date(&self, roles: &[Role]) -> Option<chrono::DateTime<chrono::Utc>> {
        roles
            .iter()
            .find_map(|r| self.first(*r).and_then(|e| parse_date(&e.text())))
    }
}
