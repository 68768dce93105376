//! `veille topic eval SLUG` and `veille topic label SLUG UID LABEL`.

use std::fmt::Write;
use std::path::Path;

use super::{Exit, load_config};
use crate::filter::topic::eval::{Confusion, Evaluation};
use crate::pipeline::topics::{self, TopicError};

pub(super) fn eval(path: &Path, slug: &str, json: bool) -> Exit {
    let config = match load_config(path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match topics::evaluate(&config, slug) {
        Ok(report) if json => {
            super::output::print(&format!(
                "{}\n",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            ));
            Exit::Ok
        }
        Ok(report) => {
            super::output::print_text(&describe(slug, &report));
            Exit::Ok
        }
        Err(e) => fail(&e),
    }
}

pub(super) async fn label(path: &Path, slug: &str, uid: &str, relevant: bool) -> Exit {
    let config = match load_config(path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match topics::label(&config, slug, uid, relevant).await {
        Ok(example) => {
            super::output::print_text(&format!(
                "{slug}: labelled {} \"{}\"; the model is fitted again at the next run\n",
                if relevant { "relevant" } else { "irrelevant" },
                example.title
            ));
            Exit::Ok
        }
        Err(e) => fail(&e),
    }
}

fn fail(e: &TopicError) -> Exit {
    eprintln!("veille: {e}");
    match e {
        TopicError::NoSuchFeed(_)
        | TopicError::NoExamples(_)
        | TopicError::NoSuchArticle(_)
        | TopicError::Examples(_)
        | TopicError::Query { .. } => Exit::Usage,
        _ => Exit::Fatal,
    }
}

fn figures(c: &Confusion) -> String {
    format!(
        "precision {:.3}  recall {:.3}  F1 {:.3}  ({} published of {})",
        c.precision(),
        c.recall(),
        c.f1(),
        c.true_positives + c.false_positives,
        c.total()
    )
}

/// The report, as a person reads it.
fn describe(slug: &str, r: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{slug}: {} examples, {}-fold cross-validation, threshold {:.2}",
        r.examples,
        crate::filter::topic::eval::FOLDS,
        r.threshold
    );
    let _ = writeln!(out, "  query alone:   {}", figures(&r.query));
    let _ = writeln!(out, "  query + model: {}", figures(&r.model));
    for (title, groups) in [("by language", &r.by_language), ("by kind", &r.by_kind)] {
        let _ = writeln!(out, "{title} (query alone | query + model):");
        for (name, (query, model)) in groups {
            let _ = writeln!(
                out,
                "  {name:<18} n={:<4} published {:>3} | {:>3}   P {:.2} R {:.2} | P {:.2} R {:.2}",
                query.total(),
                query.true_positives + query.false_positives,
                model.true_positives + model.false_positives,
                query.precision(),
                query.recall(),
                model.precision(),
                model.recall()
            );
        }
    }
    let _ = writeln!(out, "misclassified ({}):", r.misclassified.len());
    for m in &r.misclassified {
        let _ = writeln!(
            out,
            "  #{:<4} {} {:<16} p={:.2}{} [{}] {}",
            m.index,
            if m.relevant { "missed " } else { "wrongly" },
            m.kind.as_deref().unwrap_or("-"),
            m.probability,
            if m.matches_query {
                ""
            } else {
                " (query did not match)"
            },
            m.lang,
            m.title
        );
    }
    out
}
