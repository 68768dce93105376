//! The tree builder on broken, namespaced and hostile documents.
use super::parse_document;

#[test]
fn recovers_undefined_entities_bare_ampersands_and_truncation() {
    let doc = parse_document("<rss><channel><title>Caf&eacute; & th&eacute;</title><item><title>One</title></item><item><title>Tw").unwrap();
    let channel = doc.root().elements().next().unwrap();
    assert_eq!(channel.elements().next().unwrap().text(), "Café & thé");
    assert_eq!(channel.elements().count(), 3);
    assert!(doc.malformed.is_some());
}

#[test]
fn namespaces_base_and_lang_are_inherited() {
    let doc = parse_document(
        r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://e.org/a/" xml:lang="fr"><entry xml:base="b/"><x:y xmlns:x="urn:x"/></entry></feed>"#,
    )
    .unwrap();
    assert!(doc.malformed.is_none());
    let entry = doc.root().elements().next().unwrap();
    assert_eq!(entry.ns(), "http://www.w3.org/2005/Atom");
    assert_eq!(entry.base(), Some("http://e.org/a/b/"));
    assert_eq!(entry.lang(), Some("fr"));
    assert_eq!(entry.elements().next().unwrap().ns(), "urn:x");
}

#[test]
fn mojibake_from_references_is_repaired_text_as_written_is_not() {
    let doc = parse_document(
        "<r><a>caf&#195;&#169; &amp; co</a><b>caf\u{c3}\u{a9} &amp; co</b><c>&lt;p&gt;d&#233;j&#224;</c></r>",
    )
    .unwrap();
    let texts: Vec<String> = doc
        .root()
        .elements()
        .map(|e| e.text().into_owned())
        .collect();
    assert_eq!(texts, ["café & co", "caf\u{c3}\u{a9} & co", "<p>déjà"]);
}

#[test]
fn lookups_find_names_in_any_case_and_only_in_the_namespaces_asked() {
    let doc = parse_document(
        r#"<rss xmlns:dc="http://purl.org/dc/elements/1.1/"><item>t1<TITLE>A</TITLE><dc:title>B</dc:title><category>x</category>t2<Category>y</Category></item></rss>"#,
    )
    .unwrap();
    let item = doc.root().elements().next().unwrap();
    let dc: &[&str] = &["http://purl.org/dc/elements/1.1/"];
    assert_eq!(item.child(&[""], "title").unwrap().text(), "A");
    assert_eq!(item.child(dc, "title").unwrap().text(), "B");
    assert!(item.child(dc, "category").is_none());
    assert!(item.child(&[""], "link").is_none());
    let categories: Vec<String> = item
        .children_named(&[""], "category")
        .map(|c| c.text().into_owned())
        .collect();
    assert_eq!(categories, ["x", "y"]);
    assert_eq!(item.text(), "t1ABxt2y");
    assert_eq!(item.elements().count(), 4);
}

#[test]
fn known_namespaces_have_the_ids_adapters_compare_with() {
    use super::ns;
    // The Atom URI is misspelt (trailing slash) as some feeds do.
    let doc = parse_document(
        r#"<rss xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:a="http://www.w3.org/2005/Atom/"><dc:creator/><a:link/><x/><y:z xmlns:y="urn:y"/></rss>"#,
    )
    .unwrap();
    let ids: Vec<u32> = doc.root().elements().map(|e| e.ns_id()).collect();
    assert_eq!(ids[..3], [ns::id(ns::DC), ns::id(ns::ATOM), 0]);
    assert!(ids[3] as usize > ns::KNOWN.len());
    for uri in ns::KNOWN {
        assert_eq!(ns::KNOWN[ns::id(uri) as usize - 1], *uri);
    }
}

#[test]
fn deep_nesting_is_refused() {
    let deep = "<a>".repeat(10_000);
    assert!(parse_document(&deep).is_err());
}

#[test]
fn billion_laughs_is_not_expanded() {
    let mut doc = String::from(r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">"#);
    for level in 1..=9 {
        let uses = format!("&lol{};", level - 1).repeat(10);
        doc.push_str(&format!("<!ENTITY lol{level} \"{uses}\">"));
    }
    doc.push_str("]><rss><a>&lol9;</a><b>&lol2;</b></rss>");
    let parsed = parse_document(&doc).unwrap();
    let mut children = parsed.root().elements();
    assert_eq!(children.next().unwrap().text(), "&lol9;");
    assert_eq!(children.next().unwrap().text(), "lol".repeat(100));
    assert!(parsed.malformed.as_deref().unwrap().contains("&lol4;"));
}

#[test]
fn declared_entities_are_expanded_in_text_and_attributes() {
    let doc = r#"<!DOCTYPE rss [
  <!ENTITY id "tag:example.com,">
]>
<rss><guid>&id;2006-05-04:/blog/</guid><t>&#233;&amp;</t><link href="&id;x?a=1&amp;b=2"/></rss>"#;
    let parsed = parse_document(doc).unwrap();
    assert!(parsed.malformed.is_none(), "{:?}", parsed.malformed);
    let link = parsed.root().elements().nth(2).unwrap();
    assert_eq!(link.attr("href"), Some("tag:example.com,x?a=1&b=2"));
    let mut children = parsed.root().elements();
    assert_eq!(
        children.next().unwrap().text(),
        "tag:example.com,2006-05-04:/blog/"
    );
    assert_eq!(children.next().unwrap().text(), "é&");
}
