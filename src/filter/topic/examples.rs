//! A topic's labelled examples: `topics/<slug>.jsonl`, one news item per
//! line (`title`, `summary` and/or `content`, `lang`, `relevant`, and
//! optionally `kind` and `source`). The format is the one of
//! `topics/README.md`; `veille topic label` appends to it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One labelled item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// Primary language subtag: `fr`, `en`, `ar`…
    pub lang: String,
    /// The outlet it appeared in (a `[[source]]` name), whose tags the
    /// model sees as it would see an article's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The curator's name for the case (`relevant`, `elsewhere`,
    /// `passing-mention`…): `veille topic eval` reports figures per kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether a reader of the topic wants it.
    pub relevant: bool,
    /// Plain-text title.
    pub title: String,
    /// Summary (plain text or HTML).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Article body (plain text or HTML).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// A topic's examples and the fingerprint of the file they came from.
#[derive(Debug, Clone)]
pub struct Examples {
    /// The items, in file order.
    pub items: Vec<Example>,
    /// SHA-256 of the file: a model is fitted again when it changes.
    pub hash: String,
    /// The file.
    pub path: PathBuf,
}

/// Why examples could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ExamplesError {
    /// The file could not be read.
    #[error("cannot read examples {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Some lines are not examples.
    #[error("{}: {}", path.display(), problems.join("; "))]
    Lines {
        /// The file.
        path: PathBuf,
        /// One message per bad line, naming it (`line 12: …`).
        problems: Vec<String>,
    },
    /// Both labels are needed to learn anything.
    #[error("{}: needs relevant and irrelevant examples ({relevant} relevant of {total})", path.display())]
    OneSided {
        /// The file.
        path: PathBuf,
        /// Relevant examples.
        relevant: usize,
        /// All examples.
        total: usize,
    },
}

/// Reads and checks the examples at `path`; every bad line is named.
pub fn load(path: &Path) -> Result<Examples, ExamplesError> {
    let bytes = std::fs::read(path).map_err(|source| ExamplesError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let mut items = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok(example) => items.push(example),
            Err(why) => problems.push(format!("line {}: {why}", n + 1)),
        }
    }
    if !problems.is_empty() {
        return Err(ExamplesError::Lines {
            path: path.to_path_buf(),
            problems,
        });
    }
    let relevant = items.iter().filter(|e| e.relevant).count();
    if relevant == 0 || relevant == items.len() {
        return Err(ExamplesError::OneSided {
            path: path.to_path_buf(),
            relevant,
            total: items.len(),
        });
    }
    Ok(Examples {
        items,
        hash: crate::normalise::hex_digest(&[&String::from_utf8_lossy(&bytes)]),
        path: path.to_path_buf(),
    })
}

fn parse_line(line: &str) -> Result<Example, String> {
    let example: Example = serde_json::from_str(line).map_err(|e| e.to_string())?;
    if example.title.trim().is_empty() {
        return Err("empty title".into());
    }
    if example.lang.trim().is_empty() {
        return Err("empty lang".into());
    }
    let has_text = [&example.summary, &example.content]
        .into_iter()
        .flatten()
        .any(|t| !t.trim().is_empty());
    if !has_text {
        return Err("needs a summary or a content".into());
    }
    Ok(example)
}

/// Appends one example to the file at `path` (creating it), as one line.
pub fn append(path: &Path, example: &Example) -> std::io::Result<()> {
    use std::io::Write;
    let line = serde_json::to_string(example).map_err(std::io::Error::other)?;
    let needs_newline = std::fs::read(path)
        .ok()
        .is_some_and(|b| b.last().is_some_and(|&c| c != b'\n'));
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    if needs_newline {
        file.write_all(b"\n")?;
    }
    file.write_all(line.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_are_named_by_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(
            &path,
            "{\"lang\":\"fr\",\"relevant\":true,\"title\":\"a\",\"summary\":\"b\"}\n\nnot json\n{\"lang\":\"fr\",\"relevant\":false,\"title\":\"c\"}\n{\"lang\":\"fr\",\"relevant\":false,\"title\":\"d\",\"summary\":\"e\",\"colour\":1}\n",
        )
        .unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("line 3: "), "{err}");
        assert!(
            err.contains("line 4: needs a summary or a content"),
            "{err}"
        );
        assert!(err.contains("line 5: unknown field `colour`"), "{err}");
        assert!(
            !err.contains("line 1:") && !err.contains("line 2:"),
            "{err}"
        );
    }

    #[test]
    fn appended_examples_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(
            &path,
            "{\"lang\":\"fr\",\"relevant\":true,\"title\":\"a\",\"summary\":\"b\"}",
        )
        .unwrap();
        let example = Example {
            lang: "en".into(),
            source: Some("Le Desk".into()),
            kind: None,
            relevant: false,
            title: "x".into(),
            summary: Some("y".into()),
            content: None,
        };
        append(&path, &example).unwrap();
        let read = load(&path).unwrap();
        assert_eq!(read.items.len(), 2);
        assert_eq!(read.items[1], example);
    }
}
