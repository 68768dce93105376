//! Sitemaps in the shapes outlets publish them.

use super::*;

/// WordPress with Yoast SEO's news sitemap.
const YOAST_NEWS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="//www.example.ma/main-sitemap.xsl"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
	<url>
		<loc>https://www.example.ma/fr/2026/12/02/ia-et-emploi/</loc>
		<news:news>
			<news:publication>
				<news:name>Example FR</news:name>
				<news:language>fr</news:language>
			</news:publication>
			<news:publication_date>2026-12-02T09:15:00+01:00</news:publication_date>
			<news:title><![CDATA[IA et emploi : ce que prévoit la feuille de route]]></news:title>
			<news:keywords>IA, emploi, Maroc</news:keywords>
		</news:news>
	</url>
	<url>
		<loc>https://www.example.ma/fr/2026/12/03/cndp-donnees/</loc>
		<news:news>
			<news:publication><news:name>Example FR</news:name><news:language>fr</news:language></news:publication>
			<news:publication_date>2026-12-03T11:00:00+01:00</news:publication_date>
			<news:title>La CNDP &amp; les données : l&#8217;avis rendu</news:title>
		</news:news>
	</url>
</urlset>"#;

/// Arc XP's news sitemap: prefixed root, dates in UTC.
const ARC_NEWS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ns0:urlset xmlns:ns0="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:n="http://www.google.com/schemas/sitemap-news/0.9">
<ns0:url><ns0:loc>https://news.example.com/africa/2026/12/03/morocco-ai-law/</ns0:loc><ns0:lastmod>2026-12-03T10:00:00.000Z</ns0:lastmod>
<n:news><n:publication><n:name>Example News</n:name><n:language>en</n:language></n:publication><n:publication_date>2026-12-03T08:30:00.000Z</n:publication_date><n:title>Morocco drafts an AI law</n:title></n:news></ns0:url>
</ns0:urlset>"#;

/// A sitemap index pointing to daily files.
const INDEX: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://www.example.ma/sitemap-2026-12-01.xml</loc><lastmod>2026-12-01T23:59:00Z</lastmod></sitemap>
<sitemap><loc>https://www.example.ma/sitemap-2026-12-03.xml.gz</loc><lastmod>2026-12-03T12:00:00Z</lastmod></sitemap>
<sitemap><loc>https://www.example.ma/sitemap-2026-12-02.xml</loc><lastmod>2026-12-02T23:59:00Z</lastmod></sitemap>
</sitemapindex>"#;

#[test]
fn a_yoast_news_sitemap_gives_titles_dates_languages_and_keywords() {
    let sitemap = parse_sitemap(YOAST_NEWS.as_bytes()).unwrap();
    assert!(sitemap.news);
    let feed = sitemap.into_feed();
    let titles: Vec<&str> = feed
        .items
        .iter()
        .filter_map(|i| i.title.as_deref())
        .collect();
    assert_eq!(
        titles,
        [
            "La CNDP & les données : l\u{2019}avis rendu",
            "IA et emploi : ce que prévoit la feuille de route"
        ],
        "newest first, entities and CDATA read"
    );
    let first = &feed.items[1];
    assert_eq!(
        first.link.as_deref(),
        Some("https://www.example.ma/fr/2026/12/02/ia-et-emploi/")
    );
    assert_eq!(
        first.published.unwrap().to_rfc3339(),
        "2026-12-02T08:15:00+00:00"
    );
    assert_eq!(first.language.as_deref(), Some("fr"));
    assert_eq!(first.categories, ["IA", "emploi", "Maroc"]);
}

#[test]
fn an_arc_sitemap_with_other_prefixes_reads_the_same() {
    let feed = parse_sitemap(ARC_NEWS.as_bytes()).unwrap().into_feed();
    assert_eq!(feed.items.len(), 1);
    assert_eq!(
        feed.items[0].title.as_deref(),
        Some("Morocco drafts an AI law")
    );
    assert_eq!(feed.items[0].language.as_deref(), Some("en"));
}

#[test]
fn an_index_lists_its_files_and_a_plain_sitemap_gets_titles_from_urls() {
    let index = parse_sitemap(INDEX.as_bytes()).unwrap();
    assert!(index.urls.is_empty());
    assert_eq!(index.children.len(), 3);
    assert_eq!(
        index.children[1].0,
        "https://www.example.ma/sitemap-2026-12-03.xml.gz"
    );
    let plain = r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <url><loc>https://www.example.ma/2026/12/03/le-maroc-adopte-sa-strategie-ia.html</loc><lastmod>2026-12-03</lastmod></url>
        <url><loc>https://www.example.ma/</loc></url></urlset>"#;
    let feed = parse_sitemap(plain.as_bytes()).unwrap().into_feed();
    assert_eq!(
        feed.items[0].title.as_deref(),
        Some("Le maroc adopte sa strategie ia")
    );
    assert!(parse_sitemap(b"<rss version=\"2.0\"><channel/></rss>").is_err());
    assert!(
        parse_sitemap(b"<?xml version=\"1.0\"?><urlset/>")
            .unwrap()
            .urls
            .is_empty()
    );
    let twice = r#"<urlset><url><loc>https://e.ma/a</loc><lastmod>2026-12-01</lastmod></url>
        <url><loc>https://e.ma/a</loc><lastmod>2026-12-02</lastmod></url></urlset>"#;
    let feed = parse_sitemap(twice.as_bytes()).unwrap().into_feed();
    assert_eq!(feed.items.len(), 1, "a page listed twice is one item");
    assert!(parse_sitemap(b"not xml <<<").is_err());
}

#[test]
fn gzip_is_read_and_bombs_are_refused() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(YOAST_NEWS.as_bytes()).unwrap();
    let body = gz.finish().unwrap();
    let plain = gunzip(body.clone(), 1 << 20).unwrap();
    assert_eq!(plain, YOAST_NEWS.as_bytes());
    assert!(
        gunzip(body, 100).is_err(),
        "over the limit once decompressed"
    );
    assert_eq!(gunzip(b"<urlset/>".to_vec(), 10).unwrap(), b"<urlset/>");
}

#[test]
fn robots_txt_names_its_sitemaps() {
    let base = url::Url::parse("https://www.example.ma/robots.txt").unwrap();
    let robots = "User-agent: *\nDisallow: /wp-admin/\n\nSitemap: https://www.example.ma/sitemap_index.xml\n\
                  sitemap: /news-sitemap.xml # Yoast News\nSITEMAP:https://www.example.ma/sitemap_index.xml\nSitemap: ftp://x/y\n";
    let found: Vec<String> = robots_sitemaps(robots, &base)
        .iter()
        .map(|u| u.to_string())
        .collect();
    assert_eq!(
        found,
        [
            "https://www.example.ma/sitemap_index.xml",
            "https://www.example.ma/news-sitemap.xml"
        ]
    );
}
