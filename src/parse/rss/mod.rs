//! RSS 0.90, 0.91, 0.92, 1.0 (RDF) and 2.0, read from the lenient tree,
//! with the extensions real feeds use: `content:encoded`, Dublin Core,
//! `media:*`, iTunes, `atom:link` and `xhtml:body`.

use std::borrow::Cow;

use super::date::parse_date;
use super::model::non_empty;
use super::text::{html, html_in_place, plain_text};
use super::xml::{Document, Element, ns};
use super::{Enclosure, FeedFormat, ItemSource, ParsedFeed, ParsedItem, Person};
use crate::parse::common::{alternate_link, carried_html, media_enclosures, resolve, websub_among};

mod children;

use children::{Children, Role};

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
        html.map(|h| carried_html(el, h))
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
        updated: channel_updated(ch),
        authors: channel_author(ch).into_iter().collect(),
        ttl_minutes: text_of(ch, RSS, "ttl").and_then(|t| t.parse().ok()),
        update_every_secs: update_every(ch),
        items,
        malformed: None,
        websub: websub_among(ch.children_named(&[ns::ATOM], "link")),
    }
}

/// When the channel last changed, by the first of its date elements.
fn channel_updated(ch: Element) -> Option<chrono::DateTime<chrono::Utc>> {
    first_date(
        ch,
        &[
            (RSS, "lastBuildDate"),
            (RSS, "pubDate"),
            (DC, "date"),
            (DC, "modified"),
            (&[ns::ATOM], "updated"),
        ],
    )
    .or_else(|| cdf_attr(ch, "lastmod").and_then(|d| parse_date(&d)))
}

/// The channel's editor or author, by the first element that names one.
fn channel_author(ch: Element) -> Option<Person> {
    [
        (RSS, "managingEditor"),
        (RSS, "author"),
        (DC, "creator"),
        (DC, "author"),
        (&[ns::ITUNES] as &[&str], "author"),
    ]
    .iter()
    .find_map(|(n, name)| text_of(ch, n, name))
    .and_then(|t| Person::from_text(&t))
}

fn item<'d, 'a>(el: Element<'d, 'a>, scratch: &mut Vec<(Role, Element<'d, 'a>)>) -> ParsedItem<'a> {
    use Role::*;
    let children = Children::of(el, scratch);
    let (id, link) = id_and_link(el, &children);
    let title = children.first_text(&[Title, DcTitle, MediaTitle]);
    let (summary, description_as_content) = summary_and_body(el, &children);
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
        source: item_source(el, &children),
    }
}

/// RSS `<source url="…">Name</source>`: the outlet an aggregator's item
/// comes from (its `url` made absolute).
fn item_source(el: Element, children: &Children) -> Option<ItemSource> {
    let source = children.first(Role::Source)?;
    let name = plain_text(&source.text())?;
    let url = source
        .attr("url")
        .and_then(non_empty)
        .map(|u| resolve(el, &u))
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    Some(ItemSource { name, url })
}

/// The item's id (its `guid`, or RDF's `about`) and its link: `<link>`,
/// an Atom alternate link, a `guid` that is a permalink, or CDF's `href`.
fn id_and_link(el: Element, children: &Children) -> (Option<String>, Option<String>) {
    use Role::*;
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
    (id, link)
}

/// The item's summary, and a description that is its body. An item with
/// both `<summary>` and `<description>`: whichever comes first is the
/// summary and the other the body (feedparser's reading).
fn summary_and_body<'a>(
    el: Element<'_, 'a>,
    children: &Children<'_, '_, 'a>,
) -> (Option<Cow<'a, str>>, Option<Cow<'a, str>>) {
    use Role::*;
    let description = children.html(&[Description, DcDescription]);
    let explicit_summary = children.first(Summary).and_then(html_of);
    let summary_first = || match (children.first(Summary), children.first(Description)) {
        (Some(s), Some(d)) => s.precedes(d),
        (s, _) => s.is_some(),
    };
    match explicit_summary {
        Some(s) if summary_first() => (Some(s), description),
        Some(s) => (description, Some(s)),
        None => (
            description
                .or_else(|| children.html(&[ItunesSummary, Abstract]))
                .or_else(|| media_description(el).map(Cow::Owned)),
            None,
        ),
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
