//! The queries `docs/query.md` shows must be valid, and its table of
//! examples must hold.

use std::path::Path;

use veille::filter::Query;

fn docs() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/query.md")).unwrap()
}

#[test]
fn every_example_query_in_the_docs_parses() {
    let docs = docs();
    let examples = docs
        .split("## Examples")
        .nth(1)
        .and_then(|s| s.split("```text\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("an Examples block");
    let queries: Vec<&str> = examples
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.trim().is_empty())
        .collect();
    assert!(queries.len() >= 6, "{queries:?}");
    for q in queries {
        if let Err(e) = Query::parse(q) {
            panic!("docs/query.md example {q:?} does not parse: {e}");
        }
    }
}

#[test]
fn the_error_shown_in_the_docs_is_the_real_one() {
    let err = Query::parse("maroc AND (ia OR").unwrap_err().to_string();
    let first_line = err.lines().next().unwrap();
    assert!(
        docs().contains(first_line),
        "docs/query.md shows another error than {first_line:?}"
    );
}
