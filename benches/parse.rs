//! Parse throughput on a large generated feed, beside raw quick-xml event
//! reading of the same bytes (the upper bound for any XML-based parser).
//!
//! Run with `cargo bench --bench parse`; figures go in the README's
//! performance section. A plain harness (no framework): each measurement is
//! the best of several runs, in MB/s of input.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::time::{Duration, Instant};

use quick_xml::Reader;
use quick_xml::events::Event;

const ITEMS: usize = 5_000;

/// The two ways news feeds carry HTML.
#[derive(Clone, Copy)]
enum Style {
    /// HTML escaped with entities (`&lt;p&gt;`), accents as numeric
    /// references: the most events per byte, the worst case for any parser.
    Escaped,
    /// Markup escaped (`&lt;p&gt;`) but letters as raw UTF-8: how most
    /// escaped feeds are written.
    EscapedMarkup,
    /// HTML in CDATA sections with raw UTF-8, as WordPress writes it.
    Cdata,
}

/// An RSS 2.0 feed of `ITEMS` items with ~2 KB of HTML each, in French
/// and Arabic.
fn rss_feed(style: Style) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel><title>Bench</title><link>https://bench.example.ma/</link><description>bench</description>\n",
    );
    let description = html_body(style);
    for i in 0..ITEMS {
        s.push_str(&format!(
            "<item><title>Article {i} : l&apos;IA au Maroc</title><link>https://bench.example.ma/a/{i}?utm_source=rss</link>\
             <guid isPermaLink=\"false\">bench-{i}</guid><pubDate>Thu, 05 Feb 2026 10:{:02}:00 +0100</pubDate>\
             <dc:creator>R&#233;daction</dc:creator><category>Tech</category><description>{}</description>\
             <content:encoded><![CDATA[<p>Full text {i}</p>]]></content:encoded></item>\n",
            i % 60,
            description
        ));
    }
    s.push_str("</channel></rss>\n");
    s
}

/// The same articles as an Atom 1.0 feed: entries with an HTML summary
/// and content, author, dates, a category term and an alternate link.
fn atom_feed(style: Style) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\">\n<title>Bench</title><id>urn:bench</id><updated>2026-02-05T10:00:00Z</updated><link rel=\"alternate\" href=\"https://bench.example.ma/\"/>\n",
    );
    let body = html_body(style);
    for i in 0..ITEMS {
        s.push_str(&format!(
            "<entry><title type=\"html\">Article {i} : l&apos;IA au Maroc</title><link rel=\"alternate\" type=\"text/html\" href=\"https://bench.example.ma/a/{i}?utm_source=rss\"/>\
             <id>urn:bench:{i}</id><published>2026-02-05T10:{:02}:00+01:00</published><updated>2026-02-05T11:{:02}:00+01:00</updated>\
             <author><name>R&#233;daction</name><email>redaction@bench.example.ma</email></author><category term=\"Tech\"/>\
             <summary type=\"html\"><![CDATA[<p>Summary {i}</p>]]></summary><content type=\"html\">{body}</content></entry>\n",
            i % 60,
            i % 60,
        ));
    }
    s.push_str("</feed>\n");
    s
}

/// ~2 KB of French and Arabic HTML, carried as `style` says.
fn html_body(style: Style) -> String {
    let escaped = "&lt;p&gt;Le minist&#232;re de la Transition num&#233;rique a pr&#233;sent&#233; &lt;a href=&quot;/ia&quot;&gt;la strat&#233;gie&lt;/a&gt; nationale de l&apos;intelligence artificielle &amp; de la gouvernance des donn&#233;es. الحكومة تقدم استراتيجيتها الوطنية للذكاء الاصطناعي.&lt;/p&gt;\n";
    let raw = "<p>Le ministère de la Transition numérique a présenté <a href=\"/ia\">la stratégie</a> nationale de l'intelligence artificielle & de la gouvernance des données. الحكومة تقدم استراتيجيتها الوطنية للذكاء الاصطناعي.</p>\n";
    match style {
        Style::Escaped => escaped.repeat(5),
        Style::EscapedMarkup => html_escape::encode_text(raw).repeat(5),
        Style::Cdata => format!("<![CDATA[{}]]>", raw.repeat(5)),
    }
}

fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn raw_quick_xml(text: &str) -> usize {
    let mut reader = Reader::from_str(text);
    let mut events = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => events += 1,
        }
    }
    events
}

fn main() {
    // For profiling: `VEILLE_BENCH_PARSE_ONLY=N perf record …` runs only the
    // parser, N times (20 if N is not a number), on the escaped RSS input
    // (VEILLE_BENCH_CDATA=1 or VEILLE_BENCH_MARKUP=1 for the other styles,
    // VEILLE_BENCH_ATOM=1 for Atom); VEILLE_BENCH_RAW=1 runs raw quick-xml
    // instead, for comparison, and VEILLE_BENCH_NORMALISE=1 normalisation.
    if let Some(rounds) = std::env::var_os("VEILLE_BENCH_PARSE_ONLY") {
        let rounds = rounds.to_str().and_then(|r| r.parse().ok()).unwrap_or(20);
        let style = if std::env::var_os("VEILLE_BENCH_CDATA").is_some() {
            Style::Cdata
        } else if std::env::var_os("VEILLE_BENCH_MARKUP").is_some() {
            Style::EscapedMarkup
        } else {
            Style::Escaped
        };
        let feed = if std::env::var_os("VEILLE_BENCH_ATOM").is_some() {
            atom_feed(style)
        } else {
            rss_feed(style)
        };
        let raw = std::env::var_os("VEILLE_BENCH_RAW").is_some();
        if std::env::var_os("VEILLE_BENCH_NORMALISE").is_some() {
            // Normalisation only, of one parse, `rounds` times.
            let parsed = veille::parse::parse_feed(feed.as_bytes(), None).ok();
            let url = url::Url::parse("https://bench.example.ma/feed").ok();
            if let (Some(p), Some(u)) = (&parsed, &url) {
                let ctx = veille::normalise::SourceContext {
                    feed_url: u,
                    language: None,
                };
                for _ in 0..rounds {
                    black_box(veille::normalise::normalise_feed(p, &ctx));
                }
            }
            return;
        }
        for _ in 0..rounds {
            if raw {
                black_box(raw_quick_xml(black_box(&feed)));
            } else {
                black_box(veille::parse::parse_feed(black_box(feed.as_bytes()), None).ok());
            }
        }
        return;
    }
    let styles = [
        ("escaped HTML, accents as entities", Style::Escaped),
        ("escaped HTML, raw UTF-8", Style::EscapedMarkup),
        ("CDATA, raw UTF-8", Style::Cdata),
    ];
    for (name, style) in styles {
        measure(
            &format!("RSS 2.0, {ITEMS} items, {name}"),
            &rss_feed(style),
            |bytes| rss::Channel::read_from(bytes).is_ok(),
        );
        println!();
    }
    for (name, style) in styles {
        measure(
            &format!("Atom 1.0, {ITEMS} entries, {name}"),
            &atom_feed(style),
            |bytes| atom_syndication::Feed::read_from(bytes).is_ok(),
        );
        println!();
    }
}

/// Times raw quick-xml, veille's parser and `strict` (the design crate for
/// the format, as a reference) on `feed`, then veille's normalisation.
fn measure(name: &str, feed: &str, strict_reader: impl Fn(&[u8]) -> bool) {
    let mb = feed.len() as f64 / 1e6;
    let rate = |d: Duration| mb / d.as_secs_f64();
    // The machine is shared: measurements alternate between the three
    // readers, and each keeps its best of many rounds, so a noisy moment
    // hits them alike.
    let (mut raw, mut parse, mut strict) = (Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..15 {
        raw = raw.min(best_of(1, || {
            black_box(raw_quick_xml(black_box(feed)));
        }));
        parse = parse.min(best_of(1, || {
            black_box(veille::parse::parse_feed(black_box(feed.as_bytes()), None).ok());
        }));
        strict = strict.min(best_of(1, || {
            black_box(strict_reader(black_box(feed.as_bytes())));
        }));
    }
    let parsed = veille::parse::parse_feed(feed.as_bytes(), None).ok();
    let url = url::Url::parse("https://bench.example.ma/feed").ok();
    let normalise = best_of(3, || {
        if let (Some(p), Some(u)) = (&parsed, &url) {
            let ctx = veille::normalise::SourceContext {
                feed_url: u,
                language: None,
            };
            black_box(veille::normalise::normalise_feed(p, &ctx));
        }
    });
    let items = parsed.as_ref().map_or(0, |p| p.items.len());
    println!("input: {name}, {mb:.1} MB ({items} read)");
    let line = |what: &str, d: Duration| {
        println!(
            "  {what:<28} {:>7.1} ms  {:>6.0} MB/s  ({:.2} of raw)",
            d.as_secs_f64() * 1e3,
            rate(d),
            raw.as_secs_f64() / d.as_secs_f64()
        )
    };
    line("raw quick-xml events", raw);
    line("veille parse", parse);
    line("design crate (strict, ref.)", strict);
    line("veille normalise", normalise);
    line("veille parse + normalise", parse + normalise);
}
