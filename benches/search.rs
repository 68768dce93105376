//! Topic queries on a large archive: ingest with indexing, each topic
//! query answered from the index, and publishing 20 topic feeds.
//!
//! Run with `cargo bench --bench search` (1,000,000 articles; set
//! `VEILLE_BENCH_ARTICLES` for another size). The archive is generated:
//! news-like text in French, English and Arabic over 365 days, from 200
//! sources, with topic words (Morocco, AI, governance, football…) at
//! realistic rates and a long tail of rare words. Articles go in as
//! `veille run` stores them: analysed for the index in parallel
//! (`PreparedArticles`), then `Store::commit_fetch`, 1,000 per commit.
//! Figures go in the README's performance section.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use chrono::Utc;
use veille::filter::Query;
use veille::model::Article;
use veille::store::{FetchRecord, NewSource, PreparedArticles, Store};

const SOURCES: usize = 200;
const PER_COMMIT: usize = 1_000;

/// The 20 topics: the 4 shipped ones and 16 more a user might write.
const EXTRA_TOPICS: [&str; 16] = [
    "(maroc OR morocco OR المغرب) (football OR botola OR كرة)",
    "\"intelligence artificielle\" OR \"artificial intelligence\" OR \"الذكاء الاصطناعي\"",
    "title:(ia OR ai) (regulation OR loi OR law)",
    "régul* (données OR data OR المعطيات)",
    "\"intelligence artificielle\" NEAR/5 gouvernance",
    "lang:ar (الحكومة OR وزارة) الذكاء",
    "source:src-7 OR source:src-42",
    "(economie OR economy OR اقتصاد) -football",
    "(energie OR energy OR الطاقة) (solaire OR solar OR renouvelable)",
    "(cybersecurite OR cybersecurity OR السيبراني)",
    "tag:tech (startup* OR innovation)",
    "casablanca OR rabat OR الرباط",
    "(eau OR water OR الماء) (secheresse OR drought OR الجفاف)",
    "/\\bGITEX\\b/ maroc",
    "(education OR enseignement OR التعليم) reform*",
    "since:7d (maroc OR morocco)",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    /// Zipf-like: low indexes much more often.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

const FR: &str = "le la les de des du un une et en à au aux pour par sur dans avec ce cette qui que est sont a ont été plus selon après lors entre contre sans sous leur leurs nouveau nouvelle premier grand ministre gouvernement pays ville région projet programme secteur marché prix hausse baisse année mois semaine jour président conseil national public privé entreprise société économie développement investissement croissance emploi jeunes femmes enfants santé hôpital école université étudiants formation recherche culture festival musique film cinéma tourisme agriculture eau sécheresse pluie énergie solaire renouvelable transport train autoroute port aéroport sécurité police justice tribunal loi réforme parlement élections parti politique international coopération accord visite sommet réunion conférence rapport étude chiffres données numérique digital technologie innovation startup internet réseau téléphone mobile banque crédit inflation budget finances impôts commerce export import industrie automobile textile phosphate mines pêche";
const EN: &str = "the a an of to in and for on with by at from as is are was were has have had be been will would could new first more after over under against between during year month week day government minister president country city region project plan sector market price rise fall people young women children health hospital school university students training research culture festival music film tourism agriculture water drought rain energy solar renewable transport rail highway port airport security police court justice law reform parliament election party policy international cooperation agreement visit summit meeting conference report study figures data digital technology innovation startup internet network phone mobile bank credit inflation budget finance tax trade export import industry car textile phosphate mining fishing";
const AR: &str = "في من على إلى عن مع بعد قبل بين حول خلال هذا هذه التي الذي كما أن إن قد لا ما هو هي الحكومة الوزير رئيس البلاد المدينة الجهة مشروع برنامج القطاع السوق الأسعار ارتفاع انخفاض السنة الشهر الأسبوع اليوم الشباب النساء الأطفال الصحة المستشفى المدرسة الجامعة الطلبة التكوين البحث الثقافة المهرجان الموسيقى السينما السياحة الفلاحة الماء الجفاف الأمطار الطاقة الشمسية المتجددة النقل القطار الطريق الميناء المطار الأمن الشرطة العدالة المحكمة القانون الإصلاح البرلمان الانتخابات الحزب السياسة الدولي التعاون الاتفاق الزيارة القمة الاجتماع المؤتمر التقرير الدراسة الأرقام المعطيات الرقمي التكنولوجيا الابتكار الإنترنت الشبكة الهاتف البنك القرض التضخم الميزانية المالية الضرائب التجارة التصدير الاستيراد الصناعة السيارات النسيج الفوسفاط المعادن الصيد";

struct Topic {
    percent: u64,
    fr: &'static [&'static str],
    en: &'static [&'static str],
    ar: &'static [&'static str],
}

const TOPICS: [Topic; 6] = [
    Topic {
        percent: 30,
        fr: &["Maroc", "marocain", "Rabat", "Casablanca", "Royaume"],
        en: &["Morocco", "Moroccan", "Rabat", "Casablanca"],
        ar: &["المغرب", "المغربية", "بالمغرب", "الرباط"],
    },
    Topic {
        percent: 8,
        fr: &[
            "intelligence artificielle",
            "IA",
            "IA générative",
            "algorithmes",
        ],
        en: &[
            "artificial intelligence",
            "AI",
            "generative AI",
            "algorithms",
        ],
        ar: &["الذكاء الاصطناعي", "بالذكاء الاصطناعي", "الخوارزميات"],
    },
    Topic {
        percent: 15,
        fr: &[
            "gouvernance",
            "régulation",
            "réglementation",
            "loi",
            "éthique",
            "stratégie",
        ],
        en: &[
            "governance",
            "regulation",
            "law",
            "ethics",
            "strategy",
            "policy",
        ],
        ar: &["حوكمة", "تنظيم", "قانون", "أخلاقيات", "استراتيجية"],
    },
    Topic {
        percent: 8,
        fr: &["football", "Botola", "Wydad", "Raja", "Lions de l'Atlas"],
        en: &["football", "World Cup", "Atlas Lions"],
        ar: &["كرة القدم", "الوداد", "الرجاء", "المنتخب"],
    },
    Topic {
        percent: 6,
        fr: &["cybersécurité", "DGSSI", "données personnelles", "CNDP"],
        en: &["cybersecurity", "data protection", "personal data"],
        ar: &["الأمن السيبراني", "المعطيات الشخصية"],
    },
    Topic {
        percent: 5,
        fr: &["GITEX", "startup", "innovation", "numérique"],
        en: &["GITEX", "startups", "innovation"],
        ar: &["جيتكس", "الشركات الناشئة", "الابتكار"],
    },
];

/// Words of the first `FUNCTION_WORDS[lang]` entries of each list are
/// function words (articles, prepositions…); the rest are content words.
const FUNCTION_WORDS: [usize; 3] = [37, 26, 23];

struct Generator {
    rng: Rng,
    fr: Vec<&'static str>,
    en: Vec<&'static str>,
    ar: Vec<&'static str>,
}

/// Content words: the listed ones first (the most frequent), then a long
/// tail of 200,000 others (names, places, rarer words), Zipf-distributed,
/// so that a common content word such as "gouvernement" is in a good share
/// of articles and most words are in few, as in real news text.
const TAIL_WORDS: usize = 200_000;

impl Generator {
    fn text(&mut self, lang: &str, words: usize, topics: &[&'static str]) -> String {
        let (pool, function) = match lang {
            "fr" => (&self.fr, FUNCTION_WORDS[0]),
            "en" => (&self.en, FUNCTION_WORDS[1]),
            _ => (&self.ar, FUNCTION_WORDS[2]),
        };
        let content = &pool[function..];
        let mut out: Vec<String> = Vec::with_capacity(words + topics.len());
        for _ in 0..words {
            if self.rng.chance(45) {
                out.push(pool[self.rng.below(function)].to_string());
                continue;
            }
            let rank = self.rng.zipf(content.len() + TAIL_WORDS);
            match content.get(rank) {
                Some(w) => out.push((*w).to_string()),
                None => out.push(format!("w{}", rank - content.len())),
            }
        }
        for t in topics {
            let at = self.rng.below(out.len() + 1);
            out.insert(at, (*t).to_string());
        }
        out.join(" ")
    }

    fn article(&mut self, n: usize, published: chrono::DateTime<Utc>) -> Article {
        let lang = match self.rng.below(100) {
            0..45 => "fr",
            45..75 => "en",
            _ => "ar",
        };
        let mut title_topics = Vec::new();
        let mut body_topics = Vec::new();
        for topic in &TOPICS {
            if self.rng.chance(topic.percent) {
                let words = match lang {
                    "fr" => topic.fr,
                    "en" => topic.en,
                    _ => topic.ar,
                };
                let word = words[self.rng.below(words.len())];
                if self.rng.chance(40) {
                    title_topics.push(word);
                }
                body_topics.push(word);
            }
        }
        let title_words = 6 + self.rng.below(6);
        let title = self.text(lang, title_words, &title_topics);
        let body_words = 50 + self.rng.below(60);
        let content_text = self.text(lang, body_words, &body_topics);
        Article {
            dedup_key: format!("guid:{n}"),
            guid: Some(n.to_string()),
            url: Some(format!("https://news{}.example.ma/{n}", n % SOURCES)),
            link: Some(format!("https://news{}.example.ma/{n}", n % SOURCES)),
            title,
            summary: None,
            content: None,
            content_text,
            published_at: Some(published),
            language: Some(lang.to_string()),
            content_hash: format!("h{n}"),
            ..Article::default()
        }
    }
}

/// The shipped feeds' models, fitted from their examples (not timed), by
/// slug.
fn shipped_models() -> std::collections::HashMap<String, veille::filter::topic::TopicModel> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = veille::config::Config::load(&root.join("config.toml")).expect("shipped config");
    let mut out = std::collections::HashMap::new();
    for feed in &config.feeds {
        let Some(path) = &feed.examples else { continue };
        let examples = veille::filter::topic::examples::load(path).expect("examples");
        let query = Query::parse(&feed.query).expect("query");
        let prepared = veille::pipeline::topics::prepare(&config, &query, &examples);
        let model = veille::filter::topic::fit(&examples, &prepared).expect("fit");
        out.insert(feed.slug.clone(), model);
    }
    out
}

fn shipped_topics() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = veille::config::Config::load(&root.join("config.toml")).expect("shipped config");
    config
        .feeds
        .into_iter()
        .map(|f| (f.slug, f.query))
        .collect()
}

/// Times each topic query as publishing runs it; prints each and returns
/// the slowest.
async fn time_topics(
    db: &std::path::Path,
    topics: &[(String, String)],
    models: &std::collections::HashMap<String, veille::filter::topic::TopicModel>,
    now: chrono::DateTime<Utc>,
) -> Duration {
    // Each topic query: compile, newest 100 (400 for deduplicating
    // feeds), and the 30-day counts, as publishing does. Best of 3.
    let store = Store::open_sqlite(db).await.expect("reopen");
    println!(
        "topic queries (best of 3: compile, the month's matches, the newest 100 items; \
         for feeds with a model, 300 candidates judged by score and model instead):"
    );
    let mut worst = Duration::ZERO;
    for (slug, text) in topics {
        let mut best = Duration::MAX;
        let mut found = 0;
        let mut per_month = 0;
        let mut parts = [Duration::MAX; 3];
        for _ in 0..3 {
            let t = Instant::now();
            let mut query = Query::parse(text).expect("query");
            let compiled = store.compile_query(&mut query, now).await.expect("compile");
            let t1 = t.elapsed();
            if std::env::var_os("VEILLE_BENCH_SQL").is_some() {
                println!("{slug}: {}", compiled.explain());
            }
            // As publishing does: one lookup over the month gives the
            // chart's counts and usually the items; sparse topics widen.
            let month_start = now - chrono::Duration::days(30);
            let reading = if models.contains_key(slug) { 300 } else { 100 };
            let month = store
                .match_summary(&compiled, month_start, month_start, reading)
                .await
                .expect("match");
            per_month = month.total;
            let t2 = t.elapsed();
            found = if let Some(model) = models.get(slug) {
                // As publishing a feed with a model does: three candidates
                // per wanted item, analysed, scored with the index's word
                // statistics, and judged by the model.
                let t_search = Instant::now();
                let candidates = if month.newest.len() >= reading {
                    let ids: Vec<i64> = month.newest.iter().map(|(id, _)| *id).collect();
                    store.articles_by_id(&ids).await.expect("articles")
                } else {
                    store
                        .search_beyond(&compiled, None, reading, month_start, month.newest)
                        .await
                        .expect("search")
                };
                let searched = t_search.elapsed();
                let analysed: Vec<_> = candidates
                    .iter()
                    .map(|a| {
                        let doc = veille::pipeline::collect::document(a, now);
                        let matches = veille::filter::score::facet_matches(&query, &doc);
                        (doc, matches)
                    })
                    .collect();
                let analysed_at = t_search.elapsed();
                let stems = veille::pipeline::collect::matched_stems(
                    analysed.iter().map(|(_, m)| m.as_slice()),
                );
                let stats = store.term_stats(&stems, now).await.expect("stats");
                let counted = t_search.elapsed();
                if std::env::var_os("VEILLE_BENCH_PARTS").is_some() {
                    println!(
                        "    {slug}: search {:.1} ms, analysis {:.1} ms, {} stems counted {:.1} ms",
                        secs(searched) * 1000.0,
                        secs(analysed_at - searched) * 1000.0,
                        stems.len(),
                        secs(counted - analysed_at) * 1000.0
                    );
                }
                analysed
                    .iter()
                    .filter(|(d, m)| {
                        veille::filter::topic::judge(
                            Some(model),
                            d,
                            m,
                            &|s| stats.specificity(s),
                            false,
                        )
                        .passes(0.0)
                    })
                    .count()
                    .min(100)
            } else if month.newest.len() >= 100 {
                let ids: Vec<i64> = month.newest.iter().map(|(id, _)| *id).collect();
                store.articles_by_id(&ids).await.expect("articles").len()
            } else {
                store
                    .search_beyond(&compiled, None, 100, month_start, month.newest)
                    .await
                    .expect("search")
                    .len()
            };
            let t3 = t.elapsed();
            if t3 < best {
                parts = [t1, t2 - t1, t3 - t2];
            }
            best = best.min(t3);
        }
        worst = worst.max(best);
        println!(
            "  {:>7.1} ms (compile {:.1}, month {:.1}, items {:.1})  {found:>3} items, {per_month:>6} in 30 days  {slug}",
            secs(best) * 1000.0,
            secs(parts[0]) * 1000.0,
            secs(parts[1]) * 1000.0,
            secs(parts[2]) * 1000.0
        );
    }
    println!("slowest topic query: {:.1} ms", secs(worst) * 1000.0);
    store.close().await;
    worst
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let total: usize = std::env::var("VEILLE_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    // VEILLE_BENCH_DB keeps the generated database there, for a look with sqlite3.
    let db = std::env::var_os("VEILLE_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("veille.db"));
    // VEILLE_BENCH_REUSE=1 with an existing VEILLE_BENCH_DB skips the
    // ingest and times the queries only (for trying changes; report full runs).
    let reuse = std::env::var_os("VEILLE_BENCH_REUSE").is_some() && db.exists();
    if !reuse {
        let _ = std::fs::remove_file(&db);
    }
    let store = Store::open_sqlite(&db).await.expect("open");
    let names: Vec<String> = (0..SOURCES).map(|i| format!("src-{i}")).collect();
    let urls: Vec<String> = (0..SOURCES)
        .map(|i| format!("https://news{i}.example.ma/feed"))
        .collect();
    let tags = [vec!["news".to_string()], vec!["tech".to_string()]];
    let new_sources: Vec<NewSource> = (0..SOURCES)
        .map(|i| NewSource {
            name: &names[i],
            url: &urls[i],
            kind: "feed",
            tags: &tags[i % 2],
            language: None,
            enabled: true,
            fingerprint: "bench",
        })
        .collect();
    let states = store
        .sync_sources(&new_sources, Utc::now())
        .await
        .expect("sources");

    // Ingest: the archive in chronological order, 1,000 articles a commit.
    let now = Utc::now();
    let start_day = now - chrono::Duration::days(365);
    let span = (now - start_day).num_seconds() as f64;
    let mut generator = Generator {
        rng: Rng(0x9E37_79B9_7F4A_7C15),
        fr: FR.split(' ').collect(),
        en: EN.split(' ').collect(),
        ar: AR.split(' ').collect(),
    };
    println!("search bench: generating and ingesting {total} articles from {SOURCES} sources");
    let mut generating = Duration::ZERO;
    let mut storing = Duration::ZERO;
    let mut n = 0;
    let mut commit = 0;
    // Generated a slice at a time (not timed), then committed with two
    // commits in flight, as `veille run` commits several sources at once:
    // one analyses its articles while the other holds the write lock.
    if reuse {
        println!("reusing {} (ingest not timed)", db.display());
        n = total;
    }
    while n < total {
        let mut pending = Vec::new();
        while n < total && pending.len() < 100 {
            let batch = PER_COMMIT.min(total - n);
            let t = Instant::now();
            let articles: Vec<Article> = (n..n + batch)
                .map(|i| {
                    let at = start_day
                        + chrono::Duration::seconds((span * i as f64 / total as f64) as i64);
                    generator.article(i, at)
                })
                .collect();
            generating += t.elapsed();
            // Committed when its newest article was fetched: the archive is
            // built over the year, as cron would have built it.
            let fetched_at = start_day
                + chrono::Duration::seconds((span * (n + batch) as f64 / total as f64) as i64)
                + chrono::Duration::minutes(5);
            let name = &names[commit % SOURCES];
            let record = FetchRecord {
                items_seen: batch as u64,
                ..FetchRecord::succeeded(
                    states[name].id,
                    name.clone(),
                    urls[commit % SOURCES].clone(),
                    fetched_at,
                )
            };
            pending.push((record, articles));
            n += batch;
            commit += 1;
        }
        let t = Instant::now();
        let mut in_flight = tokio::task::JoinSet::new();
        for (record, articles) in pending {
            if in_flight.len() >= 2 {
                in_flight.join_next().await.expect("task").expect("join");
            }
            let store = store.clone();
            in_flight.spawn(async move {
                let name = record.source_name.clone();
                let prepared =
                    tokio::task::spawn_blocking(move || PreparedArticles::new(&name, articles))
                        .await
                        .expect("analysis");
                store
                    .commit_fetch(&record, &prepared)
                    .await
                    .expect("commit");
            });
        }
        while let Some(done) = in_flight.join_next().await {
            done.expect("join");
        }
        storing += t.elapsed();
        println!(
            "  {n} articles, {:.0} articles/s so far",
            n as f64 / secs(storing)
        );
    }
    store.close().await;
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(db.with_extension("db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!(
        "ingest with indexing: {total} articles in {:.1} s = {:.0} articles/s (text generation, {:.1} s, not counted); database {:.0} MiB after checkpoint",
        secs(storing),
        total as f64 / secs(storing),
        secs(generating),
        size as f64 / 1048576.0
    );

    // As `veille run` does once a day after fetching (an archive built by
    // cron over a year has had it done every day).
    let store = Store::open_sqlite(&db).await.expect("reopen");
    let t = Instant::now();
    store
        .optimize_search_index_if_due(Utc::now() + chrono::Duration::days(2))
        .await
        .expect("optimize");
    println!("daily index optimization: {:.1} s", secs(t.elapsed()));
    store.close().await;

    // Queries are timed on the database at rest: the kernel's write-back
    // of the freshly written file would otherwise compete for the disk.
    let _ = std::process::Command::new("sync").status();

    let mut topics = shipped_topics();
    for (i, q) in EXTRA_TOPICS.iter().enumerate() {
        topics.push((format!("topic-{i}"), (*q).to_string()));
    }
    let models = shipped_models();
    time_topics(&db, &topics, &models, now).await;

    // Publishing the 20 feeds (files, topic pages, index), as `veille publish`.
    let mut config = format!(
        "[database]\nurl = \"sqlite://{}\"\n\n[publish]\ndir = \"public\"\nbase_url = \"https://example.org/\"\n\n",
        db.display()
    );
    for i in 0..SOURCES {
        config.push_str(&format!(
            "[[source]]\nname = \"{}\"\nurl = \"{}\"\ntags = [\"{}\"]\n\n",
            names[i],
            urls[i],
            tags[i % 2][0]
        ));
    }
    for (slug, query) in &topics {
        config.push_str(&format!(
            "[[feed]]\nslug = \"{slug}\"\ntitle = \"{slug}\"\nquery = '''{query}'''\n\n"
        ));
    }
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config).expect("config");
    let config = veille::config::Config::load(&path).expect("load config");
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        veille::pipeline::run(
            &config,
            veille::pipeline::RunOptions {
                fetch: false,
                publish: true,
                all: false,
            },
            &veille::pipeline::Silent,
        )
        .await
        .expect("publish");
        best = best.min(t.elapsed());
    }
    println!(
        "publish {} topic feeds: {:.2} s (best of 3)",
        topics.len(),
        secs(best)
    );
    if std::env::var_os("VEILLE_BENCH_PRUNE").is_some() {
        prune_half(&db, &path, &topics, &models, now).await;
    }
}

/// Size of the SQLite file and its WAL.
fn database_size(db: &std::path::Path) -> u64 {
    let len = |p: std::path::PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    len(db.to_path_buf()) + len(db.with_extension("db-wal"))
}

/// `VEILLE_BENCH_PRUNE=1`: prunes the older half of the archive as
/// `veille prune` does (`max_age` of half the year; each source's newest
/// 50 and the 20 feeds' items kept), then times the topic queries again.
async fn prune_half(
    db: &std::path::Path,
    config_path: &std::path::Path,
    topics: &[(String, String)],
    models: &std::collections::HashMap<String, veille::filter::topic::TopicModel>,
    now: chrono::DateTime<Utc>,
) {
    let mut text = std::fs::read_to_string(config_path).expect("config");
    text.push_str("\n[retention]\nmax_age = \"183d\"\n");
    std::fs::write(config_path, text).expect("config");
    let config = veille::config::Config::load(config_path).expect("load config");
    let before = database_size(db);
    let options = |dry_run| veille::pipeline::PruneOptions {
        dry_run,
        list: false,
    };
    let t = Instant::now();
    let dry = veille::pipeline::prune(&config, options(true))
        .await
        .expect("dry run");
    println!(
        "prune --dry-run: {} articles of {} sources in {:.1} s",
        dry.articles,
        dry.sources.len(),
        secs(t.elapsed())
    );
    let t = Instant::now();
    let report = veille::pipeline::prune(&config, options(false))
        .await
        .expect("prune");
    let took = t.elapsed();
    let after = database_size(db);
    println!(
        "prune: {} articles and {} history rows in {:.1} s; database {:.0} MiB -> {:.0} MiB",
        report.articles,
        report.history,
        secs(took),
        before as f64 / 1048576.0,
        after as f64 / 1048576.0
    );
    let _ = std::process::Command::new("sync").status();
    println!("topic queries after the prune:");
    let worst = time_topics(db, topics, models, now).await;
    println!(
        "slowest topic query after the prune: {:.1} ms",
        secs(worst) * 1000.0
    );
}
