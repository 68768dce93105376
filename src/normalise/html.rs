//! HTML: sanitising with an allowlist (ammonia) and deriving plain text
//! (html5ever's tokenizer, which ammonia is built on).

use std::collections::HashSet;

use ammonia::{Builder, UrlRelative};
use std::cell::{Cell, RefCell};

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
    states::RawKind,
};
use url::Url;

use super::embeds::{allowed_video, drop_frames_without_source};

/// Largest inline `data:` image kept (a small icon or chart, not a payload).
const MAX_DATA_IMAGE_BYTES: usize = 8 * 1024;

fn is_data_url(value: &str) -> bool {
    value
        .trim_start()
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("data:"))
}

/// Sanitises feed HTML for display: no scripts, styles, forms, event
/// handlers or `javascript:` URLs; iframes only for allowlisted video
/// players (any other frame goes whole, content included); `data:` URLs only for small inline raster images; every
/// `href`/`src` absolute against `base`; links open with
/// `rel="noopener noreferrer"`.
pub fn sanitize_html(html: &str, base: &Url) -> String {
    Sanitizer::new(base).clean(html)
}

/// [`sanitize_html`]'s rules for one base URL, built once and used for
/// every item of a feed: building ammonia's allowlists (sets of tags,
/// attributes and schemes) cost as much as cleaning a short summary.
pub struct Sanitizer {
    builder: Builder<'static>,
}

impl Sanitizer {
    /// The rules, with relative links resolved against `base`.
    pub fn new(base: &Url) -> Self {
        let schemes: HashSet<&str> = ["http", "https", "mailto", "data"].into_iter().collect();
        let mut builder = Builder::default();
        builder
            .url_schemes(schemes)
            .add_tags(["iframe"])
            .add_tag_attributes(
                "iframe",
                ["src", "width", "height", "title", "allowfullscreen"],
            )
            .url_relative(UrlRelative::RewriteWithBase(base.clone()))
            .link_rel(Some("noopener noreferrer"))
            .attribute_filter(|element, attribute, value| match (element, attribute) {
                ("img", "src") if is_data_url(value) => {
                    let raster = value
                        .trim_start()
                        .get(..11)
                        .is_some_and(|p| p.eq_ignore_ascii_case("data:image/"))
                        && !value.to_ascii_lowercase().starts_with("data:image/svg");
                    (raster && value.len() <= MAX_DATA_IMAGE_BYTES).then(|| value.into())
                }
                (_, _) if is_data_url(value) => None,
                ("iframe", "src") => allowed_video(value).then(|| value.into()),
                _ => Some(value.into()),
            });
        Sanitizer { builder }
    }

    /// `html`, sanitised.
    pub fn clean(&self, html: &str) -> String {
        if is_inert_text(html) {
            return html.trim().to_string();
        }
        let mut cleaned = self.builder.clean(html).to_string();
        if cleaned.contains("<iframe") {
            cleaned = drop_frames_without_source(cleaned);
        }
        let trimmed = cleaned.trim();
        if trimmed.len() == cleaned.len() {
            cleaned
        } else {
            trimmed.to_string()
        }
    }
}

/// Whether `html` is text that sanitising and serialising would give back
/// unchanged: no markup or reference (`<`, `&`), nothing the serialiser
/// escapes (`>`, no-break space) and no character the HTML parser rewrites
/// (carriage returns, NUL and other controls, a byte-order mark). Many
/// summaries are such text, and skip the parse.
fn is_inert_text(html: &str) -> bool {
    html.chars().all(|c| {
        !matches!(
            c,
            '<' | '&' | '>' | '\u{a0}' | '\u{feff}' | '\u{7f}'..='\u{9f}'
        ) && (c >= ' ' || matches!(c, '\n' | '\t'))
    })
}

/// Block-level elements after which text gets a line break, so words of
/// adjacent paragraphs are not glued together.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "tr",
    "td",
    "th",
    "figcaption",
    "pre",
];

/// The plain text of HTML, for search, language detection and story
/// matching: text in document order, a line per block (paragraph, list
/// item, heading, cell, `<br>`), whitespace collapsed; scripts, styles
/// and `<noscript>` fallbacks left out.
///
/// Read from html5ever's tokens, without building a tree: every article
/// body goes through here, and the tree cost about a quarter of the work.
pub fn html_to_text(html: &str) -> String {
    let sink = TextSink {
        out: RefCell::new(String::with_capacity(html.len() / 2)),
        skipping: Cell::new(false),
        foreign_depth: Cell::new(0),
    };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let text = tokenizer.sink.out.take();
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Collects the text tokens of a document (see [`html_to_text`]).
struct TextSink {
    out: RefCell<String>,
    /// Inside a script, style or noscript element.
    skipping: Cell<bool>,
    /// How many `<svg>`/`<math>` elements are open: inside them CDATA
    /// sections are text (not comments) and `<style>` is not raw text, as
    /// a tree builder would tell the tokenizer.
    foreign_depth: Cell<u32>,
}

impl TokenSink for TextSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::CharacterTokens(text) if !self.skipping.get() => {
                self.out.borrow_mut().push_str(&text);
            }
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                if BLOCKS.contains(&name) {
                    self.out.borrow_mut().push('\n');
                }
                // As a browser's tree builder would, switch the tokenizer
                // to raw text inside these, so markup-like text there is
                // not read as tags.
                let raw = match name {
                    "script" => Some(RawKind::ScriptData),
                    "style" | "noscript" | "xmp" | "iframe" | "noembed" | "noframes" => {
                        Some(RawKind::Rawtext)
                    }
                    "textarea" | "title" => Some(RawKind::Rcdata),
                    _ => None,
                };
                let depth = self.foreign_depth.get();
                match (tag.kind, name) {
                    (TagKind::StartTag, "svg" | "math") if !tag.self_closing => {
                        self.foreign_depth.set(depth.saturating_add(1));
                    }
                    (TagKind::EndTag, "svg" | "math") => {
                        self.foreign_depth.set(depth.saturating_sub(1));
                    }
                    _ => {}
                }
                match (tag.kind, raw) {
                    (TagKind::StartTag, Some(kind)) if !tag.self_closing => {
                        self.skipping.set(!matches!(kind, RawKind::Rcdata));
                        if depth == 0 {
                            return TokenSinkResult::RawData(kind);
                        }
                    }
                    (TagKind::EndTag, Some(_)) => self.skipping.set(false),
                    _ => {}
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.foreign_depth.get() > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inert_text_skips_the_parse_and_comes_out_as_ammonia_would() {
        let base = Url::parse("https://e.ma/").unwrap();
        let sanitizer = super::Sanitizer::new(&base);
        let samples = [
            "  Le Maroc présente sa stratégie d'IA.  ",
            "الحكومة تقدم استراتيجيتها الوطنية\tللذكاء\nالاصطناعي",
            "\"Quoted\" 'text' = 100% [link] (x) {y} / \\ #tag @who",
            "emoji 🇲🇦 and ZWJ \u{200d} text",
        ];
        for text in samples {
            assert!(super::is_inert_text(text), "{text:?}");
            let slow = ammonia::Builder::default().clean(text).to_string();
            assert_eq!(sanitizer.clean(text), slow.trim(), "{text:?}");
        }
        // And on 20,000 strings drawn from a pool of awkward characters.
        let pool: Vec<char> = "aZ09 \t\n\"'=/\\`~!?;:,.()[]{}#%*+-_|^éàçÉœ«»“”’–—…ابتثجحخدذرزسشصضطظعغفقكلمنهويىةأإآؤئ\u{64b}\u{651}ـ\u{200f}\u{200d}\u{feff}\u{85}\u{fffe}\u{ffff}\u{c}\r\0🇲🇦€"
            .chars()
            .collect();
        let mut state: u64 = 0x5eed;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(state % 40) {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push(pool[(state >> 33) as usize % pool.len()]);
            }
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if super::is_inert_text(&text) {
                let slow = ammonia::Builder::default().clean(&text).to_string();
                assert_eq!(sanitizer.clean(&text), slow.trim(), "{text:?}");
            }
        }
        for not_inert in ["a < b", "AT&T", "a > b", "x\u{a0}y", "a\r\nb", "nul\0"] {
            assert!(!super::is_inert_text(not_inert), "{not_inert:?}");
        }
    }

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let base = Url::parse("https://news.example.ma/section/").unwrap();
        let out = sanitize_html(
            r#"<p onclick="x()">Hi <a href="/a?b=1">link</a><script>alert(1)</script><a href="javascript:evil()">j</a><img src="img.png"></p>"#,
            &base,
        );
        assert!(!out.contains("script"), "{out}");
        assert!(!out.contains("onclick"), "{out}");
        assert!(!out.contains("javascript"), "{out}");
        assert!(
            out.contains(r#"href="https://news.example.ma/a?b=1""#),
            "{out}"
        );
        assert!(
            out.contains(r#"src="https://news.example.ma/section/img.png""#),
            "{out}"
        );
        assert!(out.contains("noopener noreferrer"), "{out}");
    }

    #[test]
    fn video_iframes_and_small_data_images_only() {
        let base = Url::parse("https://news.example.ma/").unwrap();
        let small = format!("data:image/png;base64,{}", "A".repeat(100));
        let big = format!("data:image/png;base64,{}", "A".repeat(20_000));
        let html = format!(
            r#"<iframe src="https://www.youtube.com/embed/x"></iframe><iframe src="https://evil.example/x"></iframe><img src="{small}"><img src="{big}"><a href="data:text/html,boom">x</a><img src="data:image/svg+xml,<svg/>"><form><input></form>"#
        );
        let out = sanitize_html(&html, &base);
        assert!(
            out.contains(r#"src="https://www.youtube.com/embed/x""#),
            "{out}"
        );
        assert!(!out.contains("evil.example"), "{out}");
        assert_eq!(
            out.matches("<iframe").count(),
            1,
            "refused frame gone: {out}"
        );
        assert!(out.contains(&small), "small data image kept");
        assert!(
            !out.contains(&big) && out.len() < 5_000,
            "large data image dropped"
        );
        assert!(
            !out.contains("data:text/html") && !out.contains("svg+xml"),
            "{out}"
        );
        assert!(!out.contains("<form") && !out.contains("<input"), "{out}");
    }

    #[test]
    fn a_refused_frame_goes_with_its_content() {
        let base = Url::parse("https://news.example.ma/").unwrap();
        let out = sanitize_html(
            r#"<p>a</p><iframe src="https://evil.example/t" width="1"><p>Cliquez <a href="https://evil.example/">ici</a></p></iframe><iframe src="javascript:alert(1)"></iframe><iframe>sans source</iframe><p>b</p>"#,
            &base,
        );
        assert_eq!(out, "<p>a</p><p>b</p>");
        // Markup-like attribute values cannot fake a frame: the serialiser
        // escapes < and > in them, so the scan never starts inside one.
        let out = sanitize_html(
            r#"<img alt="<iframe>" src="a.png">x<iframe></iframe><a title="y onerror=alert(1) z" href="/b">b</a>"#,
            &base,
        );
        assert!(out.contains(r#"alt="&lt;iframe&gt;""#), "{out}");
        assert!(
            out.contains(r#"title="y onerror=alert(1) z""#) && out.contains(">b</a>"),
            "{out}"
        );
        assert!(!out.contains("<iframe"), "{out}");
    }

    #[test]
    fn text_keeps_paragraphs_apart() {
        assert_eq!(
            html_to_text("<p>Un&nbsp;deux</p><p>trois   quatre</p>"),
            "Un\u{a0}deux\ntrois quatre".replace('\u{a0}', " ")
        );
        // A block starts a line too; implied ends (`<p>a<p>b`) break lines.
        assert_eq!(html_to_text("x<div>a</div>y<br>z"), "x\na\ny\nz");
        assert_eq!(html_to_text("<p>a<p>b<ul><li>c<li>d</ul>"), "a\nb\nc\nd");
        // Scripts, styles and noscript fallbacks are not text, and what
        // looks like markup inside them is not read as tags.
        assert_eq!(
            html_to_text(
                "<p>IA</p><script>if (a < b) { x('<p>no</p>') }</script><style>p{}</style><noscript><img src=x>no</noscript><p>Maroc &amp; co</p>"
            ),
            "IA\nMaroc & co"
        );
        assert_eq!(
            html_to_text("<b>Gras</b> et <i>italique</i>"),
            "Gras et italique"
        );
        assert_eq!(html_to_text(""), "");
        // In inline SVG, CDATA is text and a style sheet is still not.
        assert_eq!(
            html_to_text(
                "<p>Fig.</p><svg><style>.a{}</style><text><![CDATA[Croissance]]></text></svg><p>fin</p>"
            ),
            "Fig.\nCroissance\nfin"
        );
        // Outside it, a CDATA section is a (bogus) comment, as in browsers.
        assert_eq!(html_to_text("a<![CDATA[b]]>c"), "ac");
    }
}
