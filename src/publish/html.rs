//! Pages for people: `{dir}/index.html` lists every topic with its latest
//! items, subscribe links and a 30-day chart; `{dir}/{slug}/index.html`
//! shows one topic. Self-contained (no external assets, no script), light
//! and dark, and right-to-left text (Arabic) is laid out by the browser
//! through `dir="auto"`.

use std::fmt::Write;
use std::path::Path;

use super::chart::per_day_svg;
use super::{PublishError, PublishItem, write};
use crate::model::OutputFormat;

/// One topic as the pages show it.
#[derive(Debug, Clone)]
pub struct TopicSummary {
    /// Folder name.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Formats published.
    pub formats: Vec<OutputFormat>,
    /// Matching articles per day, oldest first, over the last 30 days.
    pub per_day: Vec<u32>,
}

const STYLE: &str = "
:root { color-scheme: light dark; --fg: #1d1d1f; --bg: #fbfbf8; --muted: #6a6a6a; --accent: #0b5cad; --rule: #ddd; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8e8e6; --bg: #161618; --muted: #9a9a9a; --accent: #7db4ff; --rule: #333; } }
body { font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Naskh Arabic', sans-serif; color: var(--fg); background: var(--bg); max-width: 52rem; margin: 0 auto; padding: 1.5rem 1rem 4rem; }
a { color: var(--accent); }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { font-size: 1.25rem; margin: 2.2rem 0 .2rem; }
.muted, .meta { color: var(--muted); } .meta { font-size: .85rem; }
.subscribe a { margin-inline-end: .6rem; font-size: .9rem; }
ol { list-style: none; padding: 0; } li { padding: .55rem 0; border-bottom: 1px solid var(--rule); }
li p { margin: .2rem 0 0; }
.video iframe { display: block; max-width: 100%; border: 0; margin: .4rem 0 0; }
.chart { display: block; margin: .5rem 0; color: var(--accent); } .chart rect { fill: currentColor; opacity: .75; } .chart line { stroke: var(--rule); }
";

fn esc(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

fn attr(text: &str) -> String {
    html_escape::encode_double_quoted_attribute(text).into_owned()
}

fn page(title: &str, head_links: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n{head_links}<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

fn subscribe_links(topic: &TopicSummary, prefix: &str) -> String {
    topic
        .formats
        .iter()
        .map(|f| {
            format!(
                "<a href=\"{prefix}{}\" type=\"{}\">{}</a>",
                f.file_name(),
                f.mime_type(),
                f.label()
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn alternate_links(topic: &TopicSummary, prefix: &str) -> String {
    topic
        .formats
        .iter()
        .map(|f| {
            format!(
                "<link rel=\"alternate\" type=\"{}\" title=\"{} ({})\" href=\"{prefix}{}\">\n",
                f.mime_type(),
                attr(&topic.title),
                f.label(),
                f.file_name()
            )
        })
        .collect()
}

/// Plain-text excerpt of an item, for the list.
fn excerpt(item: &PublishItem, max_chars: usize) -> String {
    let text = item
        .stored
        .article
        .summary
        .as_deref()
        .map(crate::normalise::html_to_text)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| item.stored.article.content_text.clone());
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

/// The item's first video player (YouTube, Vimeo, Dailymotion), as the
/// sanitiser kept it: a page of excerpts still shows the video a report is
/// about.
fn push_video_player(item: &PublishItem, out: &mut String) {
    let art = &item.stored.article;
    let player = [art.content.as_deref(), art.summary.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|html| crate::normalise::video_players(html).first().copied());
    if let Some(player) = player {
        let _ = write!(out, "<div class=\"video\">{player}</div>");
    }
}

fn item_html(item: &PublishItem, out: &mut String) {
    let a = &item.stored;
    let art = &a.article;
    let lang = art
        .language
        .as_deref()
        .map(|l| format!(" lang=\"{}\"", attr(l)))
        .unwrap_or_default();
    let title = match &art.link {
        Some(link) => format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            attr(link),
            esc(&art.title)
        ),
        None => esc(&art.title),
    };
    let mut outlets = a.outlet_name().to_string();
    if !item.also_reported_by.is_empty() {
        outlets.push_str(&format!(" (also: {})", item.also_reported_by.join(", ")));
    }
    let _ = write!(
        out,
        "<li dir=\"auto\"{lang}><strong dir=\"auto\">{title}</strong><div class=\"meta\" dir=\"auto\">{} · <time datetime=\"{}\">{}</time></div>",
        esc(&outlets),
        crate::model::rfc3339(a.sort_at),
        a.sort_at.format("%Y-%m-%d %H:%M UTC")
    );
    let text = excerpt(item, 280);
    if !text.is_empty() {
        let _ = write!(out, "<p dir=\"auto\">{}</p>", esc(&text));
    }
    push_video_player(item, out);
    out.push_str("</li>\n");
}

/// Writes `{dir}/index.html`: every topic with its `latest` items.
pub fn publish_index(
    dir: &Path,
    topics: &[(TopicSummary, Vec<PublishItem>)],
) -> Result<bool, PublishError> {
    let mut body = String::from(
        "<header><h1>veille</h1><p class=\"muted\">Topic feeds. Subscribe to each in your reader, or to <a href=\"feeds.opml\">all of them (OPML)</a> and the <a href=\"health/atom.xml\">source health feed</a>.</p></header>\n",
    );
    let mut head = String::new();
    for (topic, latest) in topics {
        head.push_str(&alternate_links(topic, &format!("{}/", topic.slug)));
        let _ = write!(
            body,
            "<section>\n<h2 dir=\"auto\"><a href=\"{slug}/index.html\">{}</a></h2>\n<p class=\"muted\" dir=\"auto\">{}</p>\n<div class=\"subscribe\">{}</div>\n{}\n<ol>\n",
            esc(&topic.title),
            esc(&topic.description),
            subscribe_links(topic, &format!("{}/", topic.slug)),
            per_day_svg(&topic.per_day, &topic.title),
            slug = attr(&topic.slug),
        );
        for item in latest {
            item_html(item, &mut body);
        }
        if latest.is_empty() {
            body.push_str("<li class=\"muted\">No matching articles yet.</li>\n");
        }
        body.push_str("</ol>\n</section>\n");
    }
    std::fs::create_dir_all(dir).map_err(|source| PublishError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    write::write_if_changed(
        &dir.join("index.html"),
        page("veille: topic feeds", &head, &body).as_bytes(),
    )
}

/// Writes `{dir}/{slug}/index.html` with every published item of a topic.
pub fn publish_topic_page(
    dir: &Path,
    topic: &TopicSummary,
    items: &[PublishItem],
) -> Result<bool, PublishError> {
    let mut body = format!(
        "<header><p><a href=\"../index.html\">← all topics</a></p><h1 dir=\"auto\">{}</h1><p class=\"muted\" dir=\"auto\">{}</p><div class=\"subscribe\">{}</div>{}</header>\n<ol>\n",
        esc(&topic.title),
        esc(&topic.description),
        subscribe_links(topic, ""),
        per_day_svg(&topic.per_day, &topic.title)
    );
    for item in items {
        item_html(item, &mut body);
    }
    body.push_str("</ol>\n");
    let folder = dir.join(&topic.slug);
    std::fs::create_dir_all(&folder).map_err(|source| PublishError::Io {
        path: folder.clone(),
        source,
    })?;
    let html = page(&topic.title, &alternate_links(topic, ""), &body);
    write::write_if_changed(&folder.join("index.html"), html.as_bytes())
}
