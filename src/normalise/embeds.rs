//! Embedded frames (`<iframe>`) in sanitised HTML.
//!
//! ammonia can drop an attribute but not the element that carried it, so a
//! refused player's `src` went and an empty `<iframe></iframe>` stayed. Here
//! such frames are removed whole, and a kept video player can be written as
//! a plain link for the RSS and Atom feeds, whose validators (and many
//! readers) refuse iframes.
//!
//! The input is always ammonia's output (html5ever's serialiser), whose
//! form is fixed: lower-case tag names, every attribute value in double
//! quotes with `"`, `<` and `>` escaped (so no `<iframe` can appear inside
//! one), comments removed, and an iframe's content as raw text ended by the
//! first `</iframe>`. So a scan is exact here, where it would not be on
//! arbitrary HTML; a test in `html.rs` holds the serialiser to it.

use std::borrow::Cow;
use std::ops::Range;

use url::Url;

/// Hosts whose embedded video players (`<iframe>`) are kept.
pub(super) const VIDEO_HOSTS: &[&str] = &[
    "www.youtube.com",
    "youtube.com",
    "www.youtube-nocookie.com",
    "player.vimeo.com",
    "www.dailymotion.com",
    "geo.dailymotion.com",
];

/// Whether `src` is an allowlisted video player.
pub(super) fn allowed_video(src: &str) -> bool {
    Url::parse(src).is_ok_and(|u| {
        u.scheme() == "https" && u.host_str().is_some_and(|h| VIDEO_HOSTS.contains(&h))
    })
}

/// One `<iframe …>…</iframe>` of serialised HTML.
struct Frame {
    /// Bytes of the whole element, content and end tag included.
    range: Range<usize>,
    /// Its `src`, unescaped.
    src: Option<String>,
    /// Its `title`, unescaped.
    title: Option<String>,
}

/// `html` without the iframes whose `src` the sanitiser refused (they have
/// none left), content included.
pub(super) fn drop_frames_without_source(html: String) -> String {
    match rewrite_frames(&html, |frame| frame.src.as_ref().map(|_| None)) {
        Cow::Borrowed(_) => html,
        Cow::Owned(rewritten) => rewritten,
    }
}

/// Sanitised HTML with each video player written as a link to the video
/// (titled when the player has a title), and any frame without a source
/// removed: the form RSS and Atom feeds publish.
pub fn video_frames_as_links(html: &str) -> Cow<'_, str> {
    rewrite_frames(html, |frame| {
        let src = frame.src.as_deref()?;
        let label = match &frame.title {
            Some(title) if !title.trim().is_empty() => format!("Video: {}", title.trim()),
            _ => "Video".to_string(),
        };
        Some(Some(format!(
            "<a href=\"{}\">{}</a>",
            html_escape::encode_double_quoted_attribute(&watch_url(src)),
            html_escape::encode_text(&label)
        )))
    })
}

/// The video players of sanitised HTML, as written there (each a whole
/// `<iframe …></iframe>` with an allowlisted `src`): the HTML pages show
/// them under an item's excerpt.
pub fn video_players(html: &str) -> Vec<&str> {
    let mut players = Vec::new();
    let mut from = 0;
    while let Some(frame) = next_frame(html, from) {
        from = frame.range.end;
        if frame.src.as_deref().is_some_and(allowed_video) {
            players.extend(html.get(frame.range));
        }
    }
    players
}

/// Rewrites every frame of `html`: `decide` gives `None` to remove it,
/// `Some(None)` to keep it as it is, `Some(Some(text))` to replace it.
fn rewrite_frames(html: &str, decide: impl Fn(&Frame) -> Option<Option<String>>) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(frame) = next_frame(html, from) {
        from = frame.range.end;
        let replacement = match decide(&frame) {
            Some(None) => continue,
            Some(Some(text)) => text,
            None => String::new(),
        };
        out.push_str(html.get(copied..frame.range.start).unwrap_or_default());
        out.push_str(&replacement);
        copied = frame.range.end;
    }
    if copied == 0 {
        return Cow::Borrowed(html);
    }
    out.push_str(html.get(copied..).unwrap_or_default());
    Cow::Owned(out)
}

/// The first frame starting at or after byte `from`.
fn next_frame(html: &str, from: usize) -> Option<Frame> {
    let rest = html.get(from..)?;
    let mut offset = 0;
    loop {
        let found = rest.get(offset..)?.find("<iframe")? + offset;
        let after_name = found + "<iframe".len();
        if matches!(rest.as_bytes().get(after_name), Some(b' ' | b'>')) {
            let start = from + found;
            return Some(read_frame(html, start, start + "<iframe".len()));
        }
        offset = after_name;
    }
}

/// The frame whose start tag begins at `start`; `cursor` is just past its
/// name.
fn read_frame(html: &str, start: usize, mut cursor: usize) -> Frame {
    let bytes = html.as_bytes();
    let (mut src, mut title) = (None, None);
    while let Some(&byte) = bytes.get(cursor) {
        match byte {
            b'>' => {
                cursor += 1;
                break;
            }
            b' ' => cursor += 1,
            _ => {
                let (name, value, next) = read_attribute(html, cursor);
                match name {
                    "src" => src = value,
                    "title" => title = value,
                    _ => {}
                }
                cursor = next;
            }
        }
    }
    let end = html
        .get(cursor..)
        .and_then(|content| content.find("</iframe>"))
        .map_or(html.len(), |at| cursor + at + "</iframe>".len());
    Frame {
        range: start..end,
        src,
        title,
    }
}

/// The attribute at `at`: its name, its unescaped value (when it has one)
/// and the byte after it.
fn read_attribute(html: &str, at: usize) -> (&str, Option<String>, usize) {
    let rest = html.get(at..).unwrap_or_default();
    let name_len = rest.find(['=', ' ', '>']).unwrap_or(rest.len());
    let name = rest.get(..name_len).unwrap_or_default();
    let Some(quoted) = rest.get(name_len..).and_then(|r| r.strip_prefix("=\"")) else {
        return (name, None, at + name_len.max(1));
    };
    let value_len = quoted.find('"').unwrap_or(quoted.len());
    let value = quoted.get(..value_len).unwrap_or_default();
    let next = at + name_len + 2 + value_len + 1;
    (
        name,
        Some(html_escape::decode_html_entities(value).into_owned()),
        next,
    )
}

/// The page of the video a player shows, where the host's URL scheme is
/// known (YouTube, Vimeo, Dailymotion); else the player's own URL.
fn watch_url(player: &str) -> String {
    let Ok(url) = Url::parse(player) else {
        return player.to_string();
    };
    let host = url.host_str().unwrap_or_default();
    let segments: Vec<&str> = url
        .path_segments()
        .map(Iterator::collect)
        .unwrap_or_default();
    let query = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    let page = match (host, segments.as_slice()) {
        (h, ["embed", id]) if h.contains("youtube") && !id.is_empty() && *id != "videoseries" => {
            let start = query("start").filter(|s| s.bytes().all(|b| b.is_ascii_digit()));
            Some(match start {
                Some(s) if !s.is_empty() => format!("https://www.youtube.com/watch?v={id}&t={s}"),
                _ => format!("https://www.youtube.com/watch?v={id}"),
            })
        }
        ("player.vimeo.com", ["video", id]) if !id.is_empty() => {
            Some(format!("https://vimeo.com/{id}"))
        }
        ("www.dailymotion.com", ["embed", "video", id]) if !id.is_empty() => {
            Some(format!("https://www.dailymotion.com/video/{id}"))
        }
        ("geo.dailymotion.com", _) => {
            query("video").map(|id| format!("https://www.dailymotion.com/video/{id}"))
        }
        _ => None,
    };
    page.and_then(|p| Url::parse(&p).ok())
        .map_or_else(|| player.to_string(), String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_without_source_go_whole_and_others_stay() {
        let html = r#"<p>a</p><iframe width="1">&lt;p&gt;x</iframe><iframe src="https://www.youtube.com/embed/x"></iframe><iframe></iframe>b"#.to_string();
        assert_eq!(
            drop_frames_without_source(html),
            r#"<p>a</p><iframe src="https://www.youtube.com/embed/x"></iframe>b"#
        );
        let plain = "<p>an <iframes> lookalike</p>".to_string();
        assert_eq!(drop_frames_without_source(plain.clone()), plain);
    }

    #[test]
    fn players_become_links_to_their_videos() {
        let html = concat!(
            r#"<p>x</p><iframe src="https://www.youtube.com/embed/dQw4?si=a&amp;start=30" title="Entretien &amp; débat" width="5"></iframe>"#,
            r#"<iframe src="https://player.vimeo.com/video/769"></iframe>"#,
            r#"<iframe src="https://www.dailymotion.com/embed/video/x8a"></iframe>"#,
            r#"<iframe src="https://geo.dailymotion.com/player.html?video=x9b"></iframe>"#,
            r#"<iframe src="https://www.youtube-nocookie.com/embed/abc"></iframe><iframe></iframe>"#
        );
        assert_eq!(
            video_frames_as_links(html),
            concat!(
                r#"<p>x</p><a href="https://www.youtube.com/watch?v=dQw4&amp;t=30">Video: Entretien &amp; débat</a>"#,
                r#"<a href="https://vimeo.com/769">Video</a>"#,
                r#"<a href="https://www.dailymotion.com/video/x8a">Video</a>"#,
                r#"<a href="https://www.dailymotion.com/video/x9b">Video</a>"#,
                r#"<a href="https://www.youtube.com/watch?v=abc">Video</a>"#
            )
        );
        assert!(matches!(
            video_frames_as_links("<p>no frame</p>"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn players_are_listed_as_written() {
        let html = r#"<p>x</p><iframe src="https://player.vimeo.com/video/1" width="5"></iframe><iframe src="https://other.example/"></iframe><iframe></iframe>"#;
        assert_eq!(
            video_players(html),
            [r#"<iframe src="https://player.vimeo.com/video/1" width="5"></iframe>"#]
        );
    }

    #[test]
    fn an_unterminated_frame_runs_to_the_end() {
        assert_eq!(
            drop_frames_without_source("a<iframe title=\"t".to_string()),
            "a"
        );
        assert_eq!(drop_frames_without_source("a<iframe>b".to_string()), "a");
    }
}
