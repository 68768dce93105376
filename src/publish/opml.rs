//! OPML 2.0 writing: subscription lists readers import in one click.

/// One outline.
#[derive(Debug, Clone)]
pub struct OpmlEntry {
    /// Display title.
    pub title: String,
    /// The feed URL.
    pub xml_url: String,
    /// The site or page for people, if any.
    pub html_url: Option<String>,
    /// Language, if known.
    pub language: Option<String>,
    /// Folder (first tag), if any.
    pub folder: Option<String>,
}

fn attr(value: &str) -> String {
    html_escape::encode_double_quoted_attribute(value).into_owned()
}

/// Renders an OPML document; entries with a folder are grouped under it,
/// in first-seen order.
pub fn render_opml(title: &str, entries: &[OpmlEntry]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n",
    );
    out.push_str(&format!(
        "    <title>{}</title>\n  </head>\n  <body>\n",
        html_escape::encode_text(title)
    ));
    let outline = |e: &OpmlEntry, indent: &str| {
        let mut line = format!(
            "{indent}<outline type=\"rss\" text=\"{}\" title=\"{}\" xmlUrl=\"{}\"",
            attr(&e.title),
            attr(&e.title),
            attr(&e.xml_url)
        );
        if let Some(h) = &e.html_url {
            line.push_str(&format!(" htmlUrl=\"{}\"", attr(h)));
        }
        if let Some(l) = &e.language {
            line.push_str(&format!(" language=\"{}\"", attr(l)));
        }
        line.push_str("/>\n");
        line
    };
    let mut folders: Vec<&str> = Vec::new();
    for e in entries {
        if let Some(f) = e.folder.as_deref().filter(|f| !folders.contains(f)) {
            folders.push(f);
        }
    }
    for e in entries.iter().filter(|e| e.folder.is_none()) {
        out.push_str(&outline(e, "    "));
    }
    for folder in folders {
        out.push_str(&format!(
            "    <outline text=\"{}\" title=\"{}\">\n",
            attr(folder),
            attr(folder)
        ));
        for e in entries
            .iter()
            .filter(|e| e.folder.as_deref() == Some(folder))
        {
            out.push_str(&outline(e, "      "));
        }
        out.push_str("    </outline>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}
