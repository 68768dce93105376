//! RSS 0.90, 0.91, 0.92, 1.0 (RDF) and 2.0, read from the lenient tree,
//! with the extensions real feeds use: `content:encoded`, Dublin Core,
//! `media:*`, iTunes, `atom:link` and `xhtml:body`.

use super::date::parse_date;
use super::model::non_empty;
use super::text::{html, plain_text};
use super::xml::{Document, Element, ns};
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
fn html_of(el: Element) -> Option<String> {
    if el.has_child_elements() {
        html(&el.inner_html())
    } else {
        html(&el.text()).map(|h| with_base(el, h))
    }
}

fn first_html(parent: Element, candidates: &[(&[&str], &str)]) -> Option<String> {
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

pub(super) fn parse(root: Element) -> ParsedFeed {
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
    let items = item_elements.into_iter().map(item).collect();
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
        ),
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

fn item(el: Element) -> ParsedItem {
    let guid = el.child(RSS, "guid");
    let id = guid.and_then(|g| non_empty(&g.text())).or_else(|| {
        el.attrs()
            .find(|(n, l, _)| *n == ns::RDF && *l == "about")
            .and_then(|(_, _, v)| non_empty(v))
    });
    let permalink = guid
        .filter(|g| {
            !g.attr("isPermaLink")
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("false"))
        })
        .and_then(|g| non_empty(&g.text()))
        .filter(|g| g.starts_with("http://") || g.starts_with("https://"));
    let link = text_of(el, RSS, "link")
        .map(|l| resolve(el, &l))
        .or_else(|| alternate_link(el, &[ns::ATOM]))
        .or(permalink)
        .or_else(|| cdf_attr(el, "href").map(|h| resolve(el, &h)));
    let title = text_of(el, RSS, "title")
        .or_else(|| text_of(el, DC, "title"))
        .or_else(|| text_of(el, &[ns::MEDIA], "title"));
    // An item with both `<summary>` and `<description>`: the summary is the
    // summary and the description is the body (feedparser's reading).
    // Whichever of the two comes first is the summary.
    let description = first_html(el, &[(RSS, "description"), (DC, "description")]);
    let explicit_summary = el.child(RSS, "summary").and_then(html_of);
    let summary_first = || {
        el.elements()
            .find(|e| e.is(RSS, "summary") || e.is(RSS, "description"))
            .is_some_and(|e| e.is(RSS, "summary"))
    };
    let (summary, description_as_content) = match explicit_summary {
        Some(s) if summary_first() => (Some(s), description),
        Some(s) => (description, Some(s)),
        None => (
            description
                .or_else(|| first_html(el, &[(&[ns::ITUNES], "summary"), (RSS, "abstract")]))
                .or_else(|| media_description(el)),
            None,
        ),
    };
    ParsedItem {
        id,
        title: title.as_deref().and_then(plain_text),
        link,
        summary,
        content: first_html(
            el,
            &[
                (&[ns::CONTENT], "encoded"),
                (&[ns::XHTML], "body"),
                (RSS, "fullitem"),
            ],
        )
        .or(description_as_content),
        // Dublin Core's `dc:date` is the last change, as feedparser reads it;
        // it stands in for the publication date only when nothing else does.
        published: first_date(
            el,
            &[
                (RSS, "pubDate"),
                (DC, "issued"),
                (DC, "created"),
                (&[ns::ATOM], "published"),
                (DC, "date"),
            ],
        ),
        updated: first_date(
            el,
            &[(DC, "modified"), (DC, "date"), (&[ns::ATOM], "updated")],
        )
        .or_else(|| cdf_attr(el, "lastmod").and_then(|d| parse_date(&d))),
        authors: authors(el),
        categories: categories(el),
        enclosures: enclosures(el),
        language: el
            .lang()
            .map(str::to_string)
            .or_else(|| text_of(el, DC, "language")),
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

fn authors(el: Element) -> Vec<Person> {
    let mut people: Vec<Person> = el
        .children_named(RSS, "author")
        .chain(el.children_named(DC, "creator"))
        .chain(el.children_named(DC, "author"))
        .chain(el.children_named(&[ns::ITUNES], "author"))
        .filter_map(|a| Person::from_text(&a.text()))
        .collect();
    people.dedup();
    people
}

fn categories(el: Element) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if let Some(n) = plain_text(name)
            && !out.contains(&n)
        {
            out.push(n);
        }
    };
    // A made-up but common `<tags>a, b</tags>` element comes first.
    for tags in el.children_named(RSS, "tags") {
        tags.text().split(',').for_each(&mut add);
    }
    for (namespaces, name) in [
        (RSS, "category"),
        (DC, "subject"),
        (&[ns::MEDIA] as &[&str], "category"),
    ] {
        for category in el.children_named(namespaces, name) {
            add(&category.text());
        }
    }
    itunes_categories(el).iter().for_each(|c| add(c));
    out
}

/// `<itunes:category text="…">`, possibly nested for subcategories.
fn itunes_categories(el: Element) -> Vec<String> {
    let mut out = Vec::new();
    for c in el.children_named(&[ns::ITUNES], "category") {
        out.extend(c.attr("text").map(str::to_string));
        out.extend(itunes_categories(c));
    }
    out
}

fn enclosures(el: Element) -> Vec<Enclosure> {
    let mut out: Vec<Enclosure> = Vec::new();
    for e in el.children_named(RSS, "enclosure") {
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
    for link in el
        .children_named(&[ns::ATOM], "link")
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
