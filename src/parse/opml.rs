//! OPML subscription lists (what readers export), read leniently.

use super::xml::{Element, parse_document};

/// One feed in an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    /// `text` or `title`.
    pub title: String,
    /// `xmlUrl`.
    pub xml_url: String,
    /// `language`, when given.
    pub language: Option<String>,
    /// The titles of the folders it sits in (used as tags).
    pub folders: Vec<String>,
}

/// The feeds listed in an OPML document, in order, folders flattened.
pub fn parse_opml(bytes: &[u8]) -> Result<Vec<OpmlFeed>, String> {
    let text = String::from_utf8_lossy(bytes);
    let document = parse_document(&text)?;
    if !document.root().name().eq_ignore_ascii_case("opml") {
        return Err(format!(
            "not OPML: the root element is <{}>",
            crate::untrusted::name(document.root().name())
        ));
    }
    let mut feeds = Vec::new();
    if let Some(body) = document.root().child(&[""], "body") {
        collect(body, &mut Vec::new(), &mut feeds);
    }
    Ok(feeds)
}

fn collect(el: Element<'_, '_>, folders: &mut Vec<String>, out: &mut Vec<OpmlFeed>) {
    for outline in el.children_named(&[""], "outline") {
        // Titles become source names in config.toml, shown on terminals.
        let title = outline
            .attr("text")
            .or(outline.attr("title"))
            .map(crate::untrusted::one_line_name)
            .unwrap_or_default();
        match outline
            .attr("xmlUrl")
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            Some(url) => out.push(OpmlFeed {
                title: if title.is_empty() {
                    url.to_string()
                } else {
                    title
                },
                xml_url: url.to_string(),
                language: outline
                    .attr("language")
                    .map(crate::untrusted::one_line_name),
                folders: folders.clone(),
            }),
            None => {
                folders.push(title);
                collect(outline, folders, out);
                folders.pop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_opml;

    #[test]
    fn names_lose_control_characters_and_line_breaks() {
        let opml = "<opml version=\"2.0\"><body><outline text=\"&#27;[2JEvil\n  Feed\u{202e}\" xmlUrl=\"https://e.org/rss\"/></body></opml>";
        let feeds = parse_opml(opml.as_bytes()).unwrap();
        assert_eq!(feeds[0].title, "[2JEvil Feed");
        let not_opml = parse_opml(b"<\x1b[2Jrss/>").unwrap_err();
        assert!(!not_opml.contains('\u{1b}'), "{not_opml}");
    }

    #[test]
    fn nested_folders() {
        let opml = br#"<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
            <outline text="Fran&#231;ais"><outline text="TelQuel" type="rss" xmlUrl="https://telquel.ma/feed" language="fr"/></outline>
            <outline text="Loose" xmlUrl="https://e.org/rss"/></body></opml>"#;
        let feeds = parse_opml(opml).unwrap();
        assert_eq!(feeds.len(), 2);
        assert_eq!(feeds[0].title, "TelQuel");
        assert_eq!(feeds[0].folders, ["Français"]);
        assert_eq!(feeds[0].language.as_deref(), Some("fr"));
        assert!(feeds[1].folders.is_empty());
    }
}
