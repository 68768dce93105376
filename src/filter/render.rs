//! A query written back out: the canonical one-line form, and the tree
//! `veille search --explain` prints with each word's stems.

use std::fmt;

use super::{Field, Query, Term, TermKind, TimeBound};

fn field_prefix(field: Field) -> String {
    match field {
        Field::Text => String::new(),
        other => format!("{}:", other.name()),
    }
}

fn term_text(term: &Term) -> String {
    let body = match &term.kind {
        TermKind::Prefix { .. } => term.text.clone(),
        TermKind::Phrase(_) if term.text.contains(' ') => format!("\"{}\"", term.text),
        TermKind::Phrase(_) => term.text.clone(),
    };
    format!("{}{body}", field_prefix(term.field))
}

fn bound(b: &TimeBound) -> String {
    match b {
        TimeBound::At(t) => crate::model::rfc3339(*t),
        TimeBound::Ago(d) => format!("{}s", d.as_secs()),
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::Term(t) => write!(f, "{}", term_text(t)),
            Query::Near {
                left,
                right,
                distance,
            } => write!(
                f,
                "{} NEAR/{distance} {}",
                term_text(left),
                term_text(right)
            ),
            Query::Regex(p) => write!(f, "{}/{}/", field_prefix(p.field), p.source),
            Query::Lang(l) => write!(f, "lang:{l}"),
            Query::Since(b) => write!(f, "since:{}", bound(b)),
            Query::Before(b) => write!(f, "before:{}", bound(b)),
            Query::And(qs) | Query::Or(qs) => {
                let sep = if matches!(self, Query::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                write!(f, "(")?;
                for (i, q) in qs.iter().enumerate() {
                    if i > 0 {
                        write!(f, "{sep}")?;
                    }
                    write!(f, "{q}")?;
                }
                write!(f, ")")
            }
            Query::Not(q) => write!(f, "NOT {q}"),
        }
    }
}

impl Query {
    /// The parsed query as an indented tree, with the stems each word
    /// stands for: the first part of `--explain`.
    pub fn explain_tree(&self) -> String {
        let mut out = String::new();
        tree(self, 0, &mut out);
        out
    }
}

fn tree(q: &Query, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    match q {
        Query::And(qs) | Query::Or(qs) => {
            out.push_str(&format!(
                "{pad}{}\n",
                if matches!(q, Query::And(_)) {
                    "AND"
                } else {
                    "OR"
                }
            ));
            for q in qs {
                tree(q, depth + 1, out);
            }
        }
        Query::Not(inner) => {
            out.push_str(&format!("{pad}NOT\n"));
            tree(inner, depth + 1, out);
        }
        Query::Term(t) => out.push_str(&format!("{pad}{}{}\n", term_text(t), forms(t))),
        Query::Near {
            left,
            right,
            distance,
        } => out.push_str(&format!(
            "{pad}{}{} NEAR/{distance} {}{}\n",
            term_text(left),
            forms(left),
            term_text(right),
            forms(right)
        )),
        other => out.push_str(&format!("{pad}{other}\n")),
    }
}

/// ` → stems: a | b`, when stemming changes anything.
fn forms(term: &Term) -> String {
    match &term.kind {
        TermKind::Phrase(readings) => {
            let shown: Vec<String> = readings.iter().map(|r| r.join(" ")).collect();
            if shown.len() == 1 && shown[0] == term.text {
                String::new()
            } else {
                format!("  [stems: {}]", shown.join(" | "))
            }
        }
        TermKind::Prefix { expansion, .. } if !expansion.is_empty() => {
            format!("  [also: {}]", expansion.join(" | "))
        }
        TermKind::Prefix { .. } => String::new(),
    }
}
