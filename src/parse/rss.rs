//! RSS 0.90, 0.91, 0.92, 1.0 (RDF) and 2.0, read from the lenient tree,
//! with the extensions real feeds use: `content:encoded`, Dublin Core,
//! `media:*`, iTunes, `atom:link` and `xhtml:body`.

use std::borrow::Cow;

use super::date::parse_date;
use super::model::non_empty;
use super::text::{html, html_in_place, plain_text};
use super::xml::{Document, Element, name_hash, ns};
use super::{Enclosure, FeedFormat, ParsedFeed, ParsedItem, Person};
use crate::parse::common::{alternate_link, media_enclosures, resolve, with_base};

/// RSS elements live in no namespace (2.0), or in RSS 1.0's, 0.90's or
/// UserLand's.
const RSS: &[&str] = &["", ns::RSS10, ns::RSS090, ns::USERLAND, ns::USERLAND_RSS];
const DC: &[&str] = &[ns::DC, ns::DCTERMS];

fn text_of(parent: Element, namespaces: &[&str], name: &str) -> Option<String> {
    parent
        .child(namespaces, name)
        .and_then(|e| non_empty(&e.text()))
}

/// The HTML in a description-like element: escaped HTML arrives decoded as
/// text; "naked" markup arrives as child elements and is serialised back.
/// HTML in a CDATA section is borrowed from the document as it is.
fn html_of<'a>(el: Element<'_, 'a>) -> Option<Cow<'a, str>> {
    if el.has_child_elements() {
        html(&el.inner_html()).map(Cow::Owned)
    } else {
        let html = match el.source_text() {
            Some(source) => html_in_place(source),
            None => html(&el.text()).map(Cow::Owned),
        };
        html.map(|h| with_base(el, h))
    }
}

fn first_html<'a>(parent: Element<'_, 'a>, candidates: &[(&[&str], &str)]) -> Option<Cow<'a, str>> {
    candidates
        .iter()
        .find_map(|(n, name)| parent.child(n, name).and_then(html_of))
}

fn first_date(
    parent: Element,
    candidates: &[(&[&str], &str)],
) -> Option<chrono::DateTime<chrono::Utc>> {
    candidates
        .iter()
        .find_map(|(n, name)| parent.child(n, name).and_then(|e| parse_date(&e.text())))
}

/// RSS in a namespace veille does not know (`…/rss2.1`, a private
/// variant) is read as plain RSS: its elements are re-labelled.
pub(super) fn adopt_unknown_namespace(doc: &mut Document) {
    let namespace = doc.root().ns().to_string();
    if !RSS.contains(&namespace.as_str()) && namespace != ns::RDF {
        doc.relabel_namespace(&namespace, "");
    }
}

/// `sy:updatePeriod` (hourly … yearly) divided by `sy:updateFrequency`.
fn update_every(ch: Element) -> Option<u64> {
    let period = match text_of(ch, &[ns::SY], "updatePeriod")?
        .to_ascii_lowercase()
        .as_str()
    {
        "hourly" => 3_600,
        "daily" => 86_400,
        "weekly" => 7 * 86_400,
        "monthly" => 30 * 86_400,
        "yearly" => 365 * 86_400,
        _ => return None,
    };
    let frequency: u64 = text_of(ch, &[ns::SY], "updateFrequency")
        .and_then(|f| f.parse().ok())
        .filter(|f| *f > 0)
        .unwrap_or(1);
    Some(period / frequency)
}

/// CDF (Microsoft's Channel Definition Format) puts the link and date in
/// attributes: `<ITEM HREF="…" LASTMOD="…">`.
fn cdf_attr(el: Element, name: &str) -> Option<String> {
    el.attr(name).and_then(non_empty)
}

pub(super) fn parse<'a>(root: Element<'_, 'a>) -> ParsedFeed<'a> {
    let channel = if root.name().eq_ignore_ascii_case("channel") {
        Some(root)
    } else {
        root.child(RSS, "channel")
    };
    let ch = channel.unwrap_or(root.absent());
    // Counted first so the (large) item list is allocated once.
    let item_elements: Vec<Element> = ch
        .children_named(RSS, "item")
        .chain(root.children_named(RSS, "item"))
        .collect();
    let mut scratch = Vec::new();
    let items = item_elements
        .into_iter()
        .map(|e| item(e, &mut scratch))
        .collect();
    let title = text_of(ch, RSS, "title").or_else(|| text_of(ch, DC, "title"));
    let updated = first_date(
        ch,
        &[
            (RSS, "lastBuildDate"),
            (RSS, "pubDate"),
            (DC, "date"),
            (DC, "modified"),
            (&[ns::ATOM], "updated"),
        ],
    )
    .or_else(|| cdf_attr(ch, "lastmod").and_then(|d| parse_date(&d)));
    ParsedFeed {
        format: Some(FeedFormat::Rss),
        title: title.as_deref().and_then(plain_text),
        link: text_of(ch, RSS, "link")
            .map(|l| resolve(ch, &l))
            .or_else(|| alternate_link(ch, &[ns::ATOM]))
            .or_else(|| cdf_attr(ch, "href").map(|h| resolve(ch, &h))),
        description: first_html(
            ch,
            &[
                (RSS, "description"),
                (DC, "description"),
                (&[ns::ITUNES], "summary"),
                (&[ns::ITUNES], "subtitle"),
                (RSS, "abstract"),
            ],
        )
        .map(Cow::into_owned),
        language: text_of(ch, RSS, "language")
            .or_else(|| text_of(ch, DC, "language"))
            .or_else(|| ch.lang().or(root.lang()).map(str::to_string))
            .map(|l| l.replace('_', "-")),
        updated,
        authors: [
            (RSS, "managingEditor"),
            (RSS, "author"),
            (DC, "creator"),
            (DC, "author"),
            (&[ns::ITUNES] as &[&str], "author"),
        ]
        .iter()
        .find_map(|(n, name)| text_of(ch, n, name))
        .and_then(|t| Person::from_text(&t))
        .into_iter()
        .collect(),
        ttl_minutes: text_of(ch, RSS, "ttl").and_then(|t| t.parse().ok()),
        update_every_secs: update_every(ch),
        items,
        malformed: None,
    }
}

/// What an RSS item's child element is for the mapping below.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
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
    AtomLink,
}

const ROLES: usize = Role::AtomLink as usize + 1;

impl Role {
    /// The role of a child element, if the mapping uses it. Names compare
    /// without regard to ASCII case, as in every lookup of the tree.
    fn of(e: Element) -> Option<Role> {
        use Role::*;
        /// A name, its hash and the role it gives.
        type Entry = (&'static str, u32, Role);
        const fn entry(name: &'static str, role: Role) -> Entry {
            (name, name_hash(name), role)
        }
        const IN_RSS: &[Entry] = &[
            entry("guid", Guid),
            entry("link", Link),
            entry("title", Title),
            entry("description", Description),
            entry("summary", Summary),
            entry("abstract", Abstract),
            entry("fullitem", FullItem),
            entry("pubDate", PubDate),
            entry("author", Author),
            entry("tags", Tags),
            entry("category", Category),
            entry("enclosure", Enclosure),
        ];
        const IN_DC: &[Entry] = &[
            entry("title", DcTitle),
            entry("description", DcDescription),
            entry("issued", DcIssued),
            entry("created", DcCreated),
            entry("date", DcDate),
            entry("modified", DcModified),
            entry("language", DcLanguage),
            entry("creator", DcCreator),
            entry("author", DcAuthor),
            entry("subject", DcSubject),
        ];
        const IN_MEDIA: &[Entry] = &[entry("title", MediaTitle), entry("category", MediaCategory)];
        const IN_ITUNES: &[Entry] = &[
            entry("summary", ItunesSummary),
            entry("author", ItunesAuthor),
            entry("category", ItunesCategory),
        ];
        const IN_CONTENT: &[Entry] = &[entry("encoded", ContentEncoded)];
        const IN_XHTML: &[Entry] = &[entry("body", XhtmlBody)];
        const IN_ATOM: &[Entry] = &[
            entry("published", AtomPublished),
            entry("updated", AtomUpdated),
            entry("link", AtomLink),
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
        table
            .iter()
            .find(|(name, hash, _)| e.has_name(*hash, name))
            .map(|(_, _, role)| *role)
    }
}

/// An item's children sorted by role in one walk: the mapping asks for
/// some forty kinds of child, most of them absent, and walking the
/// children once per question was most of its cost.
struct Children<'s, 'd, 'a> {
    /// The first child of each role.
    first: [Option<Element<'d, 'a>>; ROLES],
    /// Children of the roles that repeat (authors, categories, enclosures),
    /// in document order.
    repeated: &'s [(Role, Element<'d, 'a>)],
}

impl<'s, 'd, 'a> Children<'s, 'd, 'a> {
    /// Sorts `item`'s children; `scratch` holds the repeated ones (one
    /// vector for all the items of a feed).
    fn of(item: Element<'d, 'a>, scratch: &'s mut Vec<(Role, Element<'d, 'a>)>) -> Self {
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

    fn first(&self, role: Role) -> Option<Element<'d, 'a>> {
        self.first.get(role as usize).copied().flatten()
    }

    /// All children of `role`, in document order.
    fn all(&self, role: Role) -> impl Iterator<Item = Element<'d, 'a>> + '_ {
        self.repeated
            .iter()
            .filter(move |(r, _)| *r == role)
            .map(|(_, e)| *e)
    }

    fn text(&self, role: Role) -> Option<String> {
        self.first(role).and_then(|e| non_empty(&e.text()))
    }

    /// The text of the first role in `roles` that has some besides
    /// whitespace, not copied when it need not be.
    fn first_text(&self, roles: &[Role]) -> Option<Cow<'d, str>> {
        roles.iter().find_map(|r| {
            self.first(*r)
                .map(|e| e.text())
                .filter(|t| !t.trim().is_empty())
        })
    }

    /// The HTML of the first role in `roles` that has some.
    fn html(&self, roles: &[Role]) -> Option<Cow<'a, str>> {
        roles.iter().find_map(|r| self.first(*r).and_then(html_of))
    }

    /// The date of the first role in `roles` that has a readable one.
    fn date(&self, roles: &[Role]) -> Option<chrono::DateTime<chrono::Utc>> {
        roles
            .iter()
            .find_map(|r| self.first(*r).and_then(|e| parse_date(&e.text())))
    }
}

fn item<'d, 'a>(el: Element<'d, 'a>, scratch: &mut Vec<(Role, Element<'d, 'a>)>) -> ParsedItem<'a> {
    use Role::*;
    let children = Children::of(el, scratch);
    let guid = children.first(Guid);
    let id = guid.and_then(|g| non_empty(&g.text())).or_else(|| {
        el.attrs()
            .find(|(n, l, _)| *n == ns::RDF && *l == "about")
            .and_then(|(_, _, v)| non_empty(v))
    });
    let permalink = || {
        guid.filter(|g| {
            !g.attr("isPermaLink")
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("false"))
        })
        .and_then(|g| non_empty(&g.text()))
        .filter(|g| g.starts_with("http://") || g.starts_with("https://"))
    };
    let link = children
        .first_text(&[Link])
        .map(|l| resolve(el, &l))
        .or_else(|| alternate_link(el, &[ns::ATOM]))
        .or_else(permalink)
        .or_else(|| cdf_attr(el, "href").map(|h| resolve(el, &h)));
    let title = children.first_text(&[Title, DcTitle, MediaTitle]);
    // An item with both `<summary>` and `<description>`: the summary is the
    // summary and the description is the body (feedparser's reading).
    // Whichever of the two comes first is the summary.
    let description = children.html(&[Description, DcDescription]);
    let explicit_summary = children.first(Summary).and_then(html_of);
    let summary_first = || match (children.first(Summary), children.first(Description)) {
        (Some(s), Some(d)) => s.precedes(d),
        (s, _) => s.is_some(),
    };
    let (summary, description_as_content) = match explicit_summary {
        Some(s) if summary_first() => (Some(s), description),
        Some(s) => (description, Some(s)),
        None => (
            description
                .or_else(|| children.html(&[ItunesSummary, Abstract]))
                .or_else(|| media_description(el).map(Cow::Owned)),
            None,
        ),
    };
    ParsedItem {
        id,
        title: title.as_deref().and_then(plain_text),
        link,
        summary,
        content: children
            .html(&[ContentEncoded, XhtmlBody, FullItem])
            .or(description_as_content),
        // Dublin Core's `dc:date` is the last change, as feedparser reads it;
        // it stands in for the publication date only when nothing else does.
        published: children.date(&[PubDate, DcIssued, DcCreated, AtomPublished, DcDate]),
        updated: children
            .date(&[DcModified, DcDate, AtomUpdated])
            .or_else(|| cdf_attr(el, "lastmod").and_then(|d| parse_date(&d))),
        authors: authors(&children),
        categories: categories(&children),
        enclosures: enclosures(el, &children),
        language: el
            .lang()
            .map(str::to_string)
            .or_else(|| children.text(DcLanguage)),
    }
}

/// `media:description`, directly in the item or in a `media:group`.
pub(super) fn media_description(el: Element) -> Option<String> {
    el.child(&[ns::MEDIA], "description")
        .or_else(|| {
            el.child(&[ns::MEDIA], "group")
                .and_then(|g| g.child(&[ns::MEDIA], "description"))
        })
        .and_then(|d| {
            if d.attr("type") == Some("html") {
                html(&d.text())
            } else {
                super::text::text_to_html(&d.text())
            }
        })
}

fn authors(children: &Children<'_, '_, '_>) -> Vec<Person> {
    let mut people: Vec<Person> = [
        Role::Author,
        Role::DcCreator,
        Role::DcAuthor,
        Role::ItunesAuthor,
    ]
    .into_iter()
    .flat_map(|role| children.all(role))
    .filter_map(|a| Person::from_text(&a.text()))
    .collect();
    people.dedup();
    people
}

fn categories(children: &Children<'_, '_, '_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if let Some(n) = plain_text(name)
            && !out.contains(&n)
        {
            out.push(n);
        }
    };
    // A made-up but common `<tags>a, b</tags>` element comes first.
    for tags in children.all(Role::Tags) {
        tags.text().split(',').for_each(&mut add);
    }
    for role in [Role::Category, Role::DcSubject, Role::MediaCategory] {
        for category in children.all(role) {
            add(&category.text());
        }
    }
    for category in children.all(Role::ItunesCategory) {
        itunes_categories(category).iter().for_each(|c| add(c));
    }
    out
}

/// `<itunes:category text="…">` and the subcategories nested in it.
fn itunes_categories(category: Element) -> Vec<String> {
    let mut out: Vec<String> = category
        .attr("text")
        .map(str::to_string)
        .into_iter()
        .collect();
    for sub in category.children_named(&[ns::ITUNES], "category") {
        out.extend(itunes_categories(sub));
    }
    out
}

fn enclosures(el: Element, children: &Children<'_, '_, '_>) -> Vec<Enclosure> {
    let mut out: Vec<Enclosure> = Vec::new();
    for e in children.all(Role::Enclosure) {
        let Some(url) = e.attr("url").and_then(non_empty) else {
            continue;
        };
        let url = resolve(e, &url);
        if out.iter().any(|x| x.url == url) {
            continue;
        }
        out.push(Enclosure {
            url,
            mime_type: e.attr("type").and_then(non_empty),
            length: e.attr("length").and_then(|l| l.trim().parse().ok()),
        });
    }
    let media = media_enclosures(el, &out);
    out.extend(media);
    for link in children
        .all(Role::AtomLink)
        .filter(|l| l.attr("rel") == Some("enclosure"))
    {
        if let Some(href) = link.attr("href").and_then(non_empty) {
            out.push(Enclosure {
                url: resolve(link, &href),
                mime_type: link.attr("type").and_then(non_empty),
                length: link.attr("length").and_then(|l| l.trim().parse().ok()),
            });
        }
    }
    out
}
