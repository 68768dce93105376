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
            url: None,
            aggregated: false,
            cluster_id,
            new,
        });
    }
    candidates
}

#[test]
fn an_aggregators_item_joins_the_outlets_report_of_the_same_url() {
    let mut candidates = Candidates::default();
    let outlet = "https://fr.hespress.com/123-strategie-ia.html";
    candidates.push(Candidate {
        id: 1,
        source_id: 1,
        sort_at: at(0),
        story_terms: "strate intell artif gouve maroc",
        url: Some(outlet),
        aggregated: false,
        cluster_id: None,
        new: false,
    });
    // Google News's item: no story terms (a title only), the same URL.
    candidates.push(Candidate {
        id: 2,
        source_id: 2,
        sort_at: at(3),
        story_terms: "",
        url: Some(outlet),
        aggregated: true,
        cluster_id: None,
        new: true,
    });
    // Another item without terms and another URL: alone.
    candidates.push(Candidate {
        id: 3,
        source_id: 2,
        sort_at: at(4),
        story_terms: "",
        url: Some("https://www.le360.ma/autre"),
        aggregated: true,
        cluster_id: None,
        new: true,
    });
    assert_eq!(candidates.assign(), vec![(1, 1), (2, 1)]);
}

#[test]
fn two_outlets_items_of_one_url_are_not_one_story_by_url_alone() {
    let mut candidates = Candidates::default();
    for (id, source_id, new) in [(1, 1, false), (2, 2, true)] {
        candidates.push(Candidate {
            id,
            source_id,
            sort_at: at(id),
            story_terms: "",
            url: Some("https://www.example.ma/rubrique/politique"),
            aggregated: false,
            cluster_id: None,
            new,
        });
    }
    assert!(candidates.assign().is_empty());
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

/// The assignment by its first definition: every article's keys in one
/// sorted (key, place) list, each new article compared with the newest
/// [`super::PER_KEY`] earlier entries of each of its keys.
fn assign_by_sorted_keys(c: &mut Candidates) -> Vec<(i64, i64)> {
    let keys: Vec<[u32; super::BANDS]> = c.recent.iter().map(|r| c.band_keys(r)).collect();
    let mut index: Vec<(u32, u32)> = keys
        .iter()
        .enumerate()
        .flat_map(|(i, keys)| keys.iter().map(move |k| (*k, i as u32)))
        .collect();
    index.sort_unstable();
    let mut updates = Vec::new();
    for (i, own_keys) in keys.iter().enumerate() {
        if !c.recent[i].new || c.recent[i].cluster_id.is_some() {
            continue;
        }
        let mut best: Option<(f64, usize)> = None;
        let mut compared: Vec<usize> = Vec::new();
        for &key in own_keys {
            let upper = index.partition_point(|&(k, j)| (k, j) < (key, i as u32));
            let lower = index.partition_point(|&(k, _)| k < key);
            for &(_, j) in index[lower..upper].iter().rev().take(super::PER_KEY) {
                let j = j as usize;
                if compared.contains(&j) {
                    continue;
                }
                compared.push(j);
                let similarity = c.similarity(i, j);
                if similarity >= super::SAME_STORY && best.is_none_or(|(s, _)| similarity > s) {
                    best = Some((similarity, j));
                }
            }
        }
        if let Some((_, j)) = best {
            c.join(i, j, &mut updates);
        }
    }
    updates
}

/// A window of generated reports: 60 stories told by 25 outlets over four
/// days, each report a story's words with some of its own, a few of them
/// old or already clustered.
fn generated_window() -> Vec<(i64, i64, i64, String, Option<i64>, bool)> {
    let mut state: u64 = 0x5eed;
    let mut next = move |bound: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    };
    (0..3_000)
        .map(|n| {
            let story = next(60);
            let mut words: Vec<String> = (0..14).map(|w| format!("s{story}w{w}")).collect();
            words.retain(|_| next(4) != 0);
            words.extend((0..next(10)).map(|_| format!("x{}", next(5_000))));
            let cluster = (next(50) == 0).then_some(n / 2);
            (
                n,
                next(25) as i64,
                next(96) as i64,
                words.join(" "),
                cluster,
                n >= 800 && next(10) != 0,
            )
        })
        .collect()
}

#[test]
fn the_latest_by_key_index_assigns_as_the_sorted_keys_did() {
    let rows = generated_window();
    let borrowed: Vec<Row<'_>> = rows
        .iter()
        .map(|(id, source, hours, terms, cluster, new)| {
            (*id, *source, *hours, terms.as_str(), *cluster, *new)
        })
        .collect();
    let expected = assign_by_sorted_keys(&mut candidates(&borrowed));
    assert!(
        expected.len() > 1_000,
        "the window should form stories: {}",
        expected.len()
    );
    let actual = candidates(&borrowed).assign();
    let first_difference = actual.iter().zip(&expected).position(|(a, e)| a != e);
    assert_eq!((actual.len(), first_difference), (expected.len(), None));
}
