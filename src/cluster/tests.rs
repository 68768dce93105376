//! `assign` on fixed articles: who joins whom, and what is written.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::{Candidate, Candidates};

const STORY: &str = "rabat adopte strategie nationale intelligence artificielle gouvernance donnees ministere transition numerique";
const OTHER: &str = "casablanca match raja wydad derby championnat supporters stade victoire but";

fn at(hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::hours(hours)
}

/// (id, source, hours after the start, terms, cluster, new)
type Row<'a> = (i64, i64, i64, &'a str, Option<i64>, bool);

fn candidates(rows: &[Row<'_>]) -> Candidates {
    let mut candidates = Candidates::default();
    for &(id, source_id, hours, story_terms, cluster_id, new) in rows {
        candidates.push(Candidate {
            id,
            source_id,
            sort_at: at(hours),
            story_terms,
            cluster_id,
            new,
        });
    }
    candidates
}

#[test]
fn a_new_report_from_another_outlet_joins_the_earlier_one() {
    let mut c = candidates(&[
        (10, 1, 0, STORY, None, false),
        (11, 2, 3, STORY, None, true),
    ]);
    assert_eq!(c.assign(), vec![(10, 10), (11, 10)]);
    assert_eq!(c.new_in_clusters(), 1);
}

#[test]
fn an_existing_cluster_keeps_its_name_and_is_not_rewritten() {
    let mut c = candidates(&[
        (10, 1, 0, STORY, Some(7), false),
        (11, 2, 3, STORY, None, true),
    ]);
    assert_eq!(c.assign(), vec![(11, 7)]);
}

#[test]
fn the_same_outlet_twice_is_not_a_story() {
    let mut c = candidates(&[
        (10, 1, 0, STORY, None, false),
        (11, 1, 3, STORY, None, true),
    ]);
    assert!(c.assign().is_empty());
    assert_eq!(c.new_in_clusters(), 0);
}

#[test]
fn reports_further_apart_than_the_window_stay_apart() {
    let hours = (super::WINDOW_DAYS + 1) * 24;
    let mut c = candidates(&[
        (10, 1, 0, STORY, None, false),
        (11, 2, hours, STORY, None, true),
    ]);
    assert!(c.assign().is_empty());
}

#[test]
fn unrelated_texts_stay_apart_and_old_articles_are_not_clustered() {
    let mut c = candidates(&[
        (10, 1, 0, STORY, None, false),
        (11, 2, 1, OTHER, None, true),
        // Two old reports of one story: not new, so not clustered now.
        (12, 3, 1, OTHER, None, false),
    ]);
    assert!(c.assign().is_empty());
}

#[test]
fn two_new_reports_of_one_story_form_a_cluster_named_after_the_first() {
    let mut c = candidates(&[
        (20, 1, 0, OTHER, None, true),
        (21, 2, 1, STORY, None, true),
        (22, 3, 2, STORY, None, true),
        (23, 4, 3, STORY, None, true),
    ]);
    assert_eq!(c.assign(), vec![(21, 21), (22, 21), (23, 21)]);
    assert_eq!(c.new_in_clusters(), 3);
}
