//! Atom 1.0 and 0.3, read from the lenient tree. Atom 0.3's names
//! (`tagline`, `issued`, `modified`, `url`) and its `mode="escaped"` /
//! `"base64"` content are read too.

use std::borrow::Cow;

use base64::Engine;

use super::model::non_empty;
use super::text::{html, html_in_place, plain_text, text_to_html};
use super::xml::{Document, Element, Named, named, ns};
use super::{Enclosure, FeedFormat, ParsedFeed, ParsedItem, Person};
use crate::parse::common::{
    alternate_among, carried_html, media_enclosures, resolve, websub_among,
};

mod children;

use children::{Children, Role};

/// Whether an Atom 1.0 `type` is a MIME type whose content is base64
/// (RFC 4287 §4.1.3.3: neither text nor XML).
fn is_binary_mime(kind: &str) -> bool {
    kind.contains('/')
        && !kind.starts_with("text/")
        && !kind.ends_with("+xml")
        && !kind.ends_with("/xml")
}

/// `value` in ASCII lower case, copied only when it has capitals (an
/// attribute read for every title, summary and content).
fn lowercase(value: &str) -> Cow<'_, str> {
    if value.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(value.to_ascii_lowercase())
    } else {
        Cow::Borrowed(value)
    }
}

/// A text construct's value and whether it is HTML; text that is a span of
/// the document (a CDATA section, text without entities) is borrowed.
fn text_construct<'a>(el: Element<'_, 'a>) -> Option<(Cow<'a, str>, bool)> {
    let kind = lowercase(el.attr("type").unwrap_or("text").trim());
    // Atom 0.3 only.
    let mode = el.attr("mode").map(|m| lowercase(m.trim()));
    let mode = mode.as_deref().unwrap_or("xml");
    // Atom 1.0's three types first, without searching inside them.
    let (is_html_type, is_xml_type, is_binary) = match &*kind {
        "text" => (false, false, false),
        "html" => (true, false, false),
        "xhtml" => (false, true, false),
        other => (
            other.contains("html"),
            other.contains("xml"),
            is_binary_mime(other),
        ),
    };
    let is_html_type = is_html_type || mode == "escaped";
    if mode == "base64" || is_binary {
        let cleaned: String = el.text().split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(cleaned)
            .ok()?;
        // Decoded bytes are passed on as markup, as feedparser does.
        return Some((
            Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
            kind != "text" && kind != "text/plain" || mode == "base64",
        ));
    }
    if let Some(div) = escaped_html_in_div(el, &kind) {
        return Some((carried_html(div, Cow::Owned(div.text().into_owned())), true));
    }
    if is_xml_type || el.has_child_elements() {
        // Atom 1.0 `xhtml` wraps the content in one XHTML <div>, which is
        // not part of it.
        let only_div = el
            .elements()
            .next()
            .filter(|d| kind == "xhtml" && d.name() == "div" && el.elements().count() == 1);
        let markup = match only_div {
            Some(div) => div.inner_html(),
            None => el.inner_html(),
        };
        return Some((Cow::Owned(markup), true));
    }
    let text = match el.source_text() {
        Some(source) => Cow::Borrowed(source),
        None => Cow::Owned(el.text().into_owned()),
    };
    Some(if is_html_type {
        (carried_html(el, text), true)
    } else {
        (text, false)
    })
}

/// TypePad and others wrote `type="html"` content as an XHTML `<div>`
/// holding escaped HTML: the div is a wrapper and its text is the HTML the
/// author meant (`Example &lt;b&gt;Atom&lt;/b&gt;` is bold "Atom").
fn escaped_html_in_div<'e, 'a>(el: Element<'e, 'a>, kind: &str) -> Option<Element<'e, 'a>> {
    if !matches!(kind, "html" | "text/html") {
        return None;
    }
    let mut children = el.elements();
    let div = children.next()?;
    let is_wrapper = children.next().is_none()
        && div.name() == "div"
        && div.ns() == ns::XHTML
        && !div.has_child_elements();
    is_wrapper.then_some(div)
}

fn title_of(el: Option<Element>) -> Option<String> {
    let (value, is_html) = text_construct(el?)?;
    if is_html {
        plain_text(&value)
    } else {
        let t = value.split_whitespace().collect::<Vec<_>>().join(" ");
        (!t.is_empty()).then_some(t)
    }
}

fn html_value<'a>(el: Option<Element<'_, 'a>>) -> Option<Cow<'a, str>> {
    match text_construct(el?)? {
        (Cow::Borrowed(source), true) => html_in_place(source),
        (value, true) => html(&value).map(Cow::Owned),
        (value, false) => text_to_html(&value).map(Cow::Owned),
    }
}

/// An Atom person construct, its children read in one walk; Atom 0.3's
/// `url` and `homepage` stand in for `uri`.
fn person(p: Element) -> Person {
    const FIELDS: &[Named<usize>] = &[
        named("name", 0),
        named("email", 1),
        named("uri", 2),
        named("url", 3),
        named("homepage", 4),
    ];
    let mut found = [None; FIELDS.len()];
    for e in p.elements().filter(|e| children::is_atom(*e)) {
        if let Some(slot) = e.role_in(FIELDS).and_then(|at| found.get_mut(at)) {
            slot.get_or_insert(e);
        }
    }
    let text = |at: usize| {
        found
            .get(at)
            .copied()
            .flatten()
            .and_then(|e: Element| non_empty(&e.text()))
    };
    Person {
        name: text(0),
        email: text(1),
        uri: text(2)
            .or_else(|| text(3))
            .or_else(|| text(4))
            .map(|u| resolve(p, &u)),
    }
}

/// The authors of a feed or entry: Atom `<author>`s, else Dublin Core
/// creators.
fn people(children: &Children<'_, '_, '_>) -> Vec<Person> {
    let mut out: Vec<Person> = children
        .all(Role::Author)
        .map(person)
        .filter(|p| p.name.is_some() || p.email.is_some() || p.uri.is_some())
        .collect();
    if out.is_empty() {
        out = children
            .all(Role::DcCreator)
            .filter_map(|c| Person::from_text(&c.text()))
            .collect();
    }
    out
}

/// A `<feed>` in a namespace veille does not know (a draft or private
/// Atom variant) is read as Atom 0.3: its elements are re-labelled.
pub(super) fn adopt_unknown_namespace(doc: &mut Document) {
    if !children::is_atom(doc.root()) {
        let namespace = doc.root().ns().to_string();
        doc.relabel_namespace(&namespace, ns::ATOM03);
    }
}

pub(super) fn parse<'a>(root: Element<'_, 'a>) -> ParsedFeed<'a> {
    use Role::*;
    let mut scratch = Vec::new();
    let children = Children::of(root, &mut scratch);
    // Counted first so the (large) item list is allocated once.
    let entries: Vec<Element> = children.all(Entry).collect();
    let mut entry_scratch = Vec::new();
    let items = entries
        .into_iter()
        .map(|e| entry(e, root.lang(), &mut entry_scratch))
        .collect();
    ParsedFeed {
        format: Some(FeedFormat::Atom),
        title: title_of(children.first(Title)),
        link: alternate_among(children.all(Link)),
        description: html_value(children.first(Subtitle).or(children.first(Tagline)))
            .map(Cow::into_owned),
        language: root.lang().map(|l| l.replace('_', "-")),
        updated: children.date(&[Updated, Modified], DcModified),
        authors: people(&children),
        ttl_minutes: None,
        update_every_secs: None,
        items,
        malformed: None,
        websub: websub_among(children.all(Link)),
    }
}

/// A standalone entry document (root `<entry>`, RFC 4287 section 4.1.2):
/// a feed of that one item with no feed-level metadata, as feedparser
/// reads it.
pub(super) fn parse_entry_document<'a>(root: Element<'_, 'a>) -> ParsedFeed<'a> {
    let mut scratch = Vec::new();
    let mut item = entry(root, None, &mut scratch);
    item.language = root.lang().map(|l| l.replace('_', "-"));
    ParsedFeed {
        format: Some(FeedFormat::Atom),
        language: item.language.clone(),
        items: vec![item],
        ..ParsedFeed::default()
    }
}

/// The entry's categories (`term`, else `label`) and Dublin Core
/// subjects, each once, in order.
fn categories(children: &Children) -> Vec<String> {
    use Role::*;
    let mut categories: Vec<String> = Vec::new();
    let terms = children
        .all(Category)
        .filter_map(|c| c.attr("term").or(c.attr("label")).map(Cow::Borrowed))
        .chain(children.all(DcSubject).map(|s| s.text()));
    for term in terms {
        if let Some(t) = plain_text(&term)
            && !categories.contains(&t)
        {
            categories.push(t);
        }
    }
    categories
}

/// The entry's `<link rel="enclosure">`s.
fn link_enclosures(children: &Children) -> Vec<Enclosure> {
    children
        .all(Role::Link)
        .filter(|l| l.attr("rel") == Some("enclosure"))
        .filter_map(|l| {
            Some(Enclosure {
                url: resolve(l, &non_empty(l.attr("href")?)?),
                mime_type: l.attr("type").and_then(non_empty),
                length: l.attr("length").and_then(|n| n.trim().parse().ok()),
            })
        })
        .collect()
}

/// An entry; `feed_lang` is the feed's `xml:lang`, which an entry
/// inherits and need not repeat.
fn entry<'d, 'a>(
    el: Element<'d, 'a>,
    feed_lang: Option<&str>,
    scratch: &mut Vec<(Role, Element<'d, 'a>)>,
) -> ParsedItem<'a> {
    use Role::*;
    let children = Children::of(el, scratch);
    let content = children
        .first(Content)
        .filter(|c| c.attr("src").is_none() || !c.text().trim().is_empty());
    let mut enclosures = link_enclosures(&children);
    // YouTube and podcast hosts put the video and its picture in Media RSS.
    let has_media = children.has(Media);
    if has_media {
        let media = media_enclosures(el, &enclosures);
        enclosures.extend(media);
    }
    let id = children.first(Id).and_then(|i| non_empty(&i.text()));
    // An entry without a link whose id is a web address: that address is
    // its permalink (as an RSS permalink guid is). `urn:` and `tag:` ids are
    // not links, though feedparser copies them into `link` too.
    let link = alternate_among(children.all(Link)).or_else(|| {
        id.as_deref()
            .filter(|id| id.starts_with("https://") || id.starts_with("http://"))
            .map(str::to_string)
    });
    ParsedItem {
        id,
        title: title_of(children.first(Title)).or_else(|| {
            children
                .first(MediaTitle)
                .and_then(|t| plain_text(&t.text()))
        }),
        link,
        summary: html_value(children.first(Summary)).or_else(|| {
            has_media
                .then(|| super::rss::media_description(el).map(Cow::Owned))
                .flatten()
        }),
        content: html_value(content),
        published: children.date(&[Published, Issued, Created], DcDate),
        updated: children.date(&[Updated, Modified], DcModified),
        authors: people(&children),
        categories: categories(&children),
        enclosures,
        language: el
            .lang()
            .filter(|lang| Some(*lang) != feed_lang)
            .map(str::to_string),
        source: None,
    }
}
