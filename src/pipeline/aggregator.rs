//! Google News links whose id does not embed the outlet's URL (ids made
//! since mid-2024) are resolved through Google's own endpoint, as its web
//! page does: the article page gives a signature and a timestamp
//! (`data-n-a-sg`, `data-n-a-ts`), and a `batchexecute` call (`Fbv4je`,
//! `garturlreq`) returns the URL. At most [`PER_SOURCE_AND_RUN`] links
//! are asked about per source and run, through the request-forgery guard;
//! answers are kept (`link_resolutions`), so a link is asked about once;
//! a link that cannot be resolved keeps the Google link and never fails
//! the run. The requests go to the link's own origin, so a server on
//! 127.0.0.1 speaking the same protocol stands in for Google in tests.

use std::collections::HashMap;

use chrono::Utc;
use url::Url;

use crate::config::SourceConfig;
use crate::fetch::{FetchRequest, Fetcher};
use crate::model::Article;
use crate::normalise::aggregator::google_article_id;
use crate::normalise::canonical_url;
use crate::store::{LinkResolution, Store, StoreError};

/// Links asked about online per source and run: Google limits the rate.
pub const PER_SOURCE_AND_RUN: usize = 10;

/// The context Google's page sends with each request (`garturlreq`), as
/// its web client does.
const REQUEST_CONTEXT: &str = r#"[["X","X",["X","X"],null,null,1,1,"US:en",null,1,null,null,null,null,null,0,1],"X","X",1,[1,1,1],1,1,null,0,0,null,0]"#;

/// Points the new articles of `source` whose link is a Google News link
/// at the outlet's own page, from what is known or by asking (within the
/// budget), then does the same for stored articles still waiting, with
/// what is left of the budget.
pub(super) async fn resolve_links(
    store: &Store,
    fetcher: &Fetcher,
    source: &SourceConfig,
    source_id: i64,
    articles: &mut [Article],
) -> Result<(), StoreError> {
    let mut budget = PER_SOURCE_AND_RUN;
    let waiting: Vec<String> = articles.iter().filter_map(waiting_link).collect();
    let resolved = resolve(store, fetcher, source, &waiting, &mut budget).await?;
    for article in articles.iter_mut() {
        if let Some(url) = waiting_link(article).and_then(|l| resolved.get(&l)) {
            point_at(article, url);
        }
    }
    resolve_stored(store, fetcher, source, source_id, budget).await
}

/// Points at most `budget` stored articles of `source` still waiting for
/// their outlet's link at it: after the new articles of a fetch that
/// brought a body, and on their own when the feed has not changed (so a
/// feed answering 304 does not leave them waiting).
pub(super) async fn resolve_stored(
    store: &Store,
    fetcher: &Fetcher,
    source: &SourceConfig,
    source_id: i64,
    mut budget: usize,
) -> Result<(), StoreError> {
    if budget == 0 {
        return Ok(());
    }
    // A partial index of aggregator items: no row is read for the
    // sources that have none.
    let stored = store.unresolved_links(source_id, budget).await?;
    let links: Vec<String> = stored.iter().map(|(_, l)| l.clone()).collect();
    let resolved = resolve(store, fetcher, source, &links, &mut budget).await?;
    for (id, link) in &stored {
        if let Some(url) = resolved.get(link) {
            let canonical = Url::parse(url)
                .map(|u| canonical_url(&u))
                .unwrap_or_default();
            store.set_outlet_link(*id, url, &canonical).await?;
        }
    }
    Ok(())
}

/// The article's aggregator link while it is still its link.
fn waiting_link(article: &Article) -> Option<String> {
    article
        .aggregator_link
        .clone()
        .filter(|a| article.link.as_deref() == Some(a.as_str()))
}

fn point_at(article: &mut Article, url: &str) {
    if let Ok(parsed) = Url::parse(url) {
        article.url = Some(canonical_url(&parsed));
        article.link = Some(parsed.to_string());
    }
}

/// Where each of `links` leads, as far as is known or can be asked now.
async fn resolve(
    store: &Store,
    fetcher: &Fetcher,
    source: &SourceConfig,
    links: &[String],
    budget: &mut usize,
) -> Result<HashMap<String, String>, StoreError> {
    let refs: Vec<&str> = links.iter().map(String::as_str).collect();
    let known = store.link_resolutions(&refs, Utc::now()).await?;
    let mut out = HashMap::new();
    for link in links {
        match known.get(link) {
            Some(LinkResolution::Resolved(url)) => {
                out.insert(link.clone(), url.clone());
            }
            Some(LinkResolution::RecentlyFailed) => {}
            None if *budget > 0 => {
                *budget -= 1;
                let answer = ask(fetcher, source, link).await;
                if let Err(why) = &answer {
                    tracing::info!("{}: cannot resolve {link}: {why}", source.name);
                }
                let url = answer.ok();
                store
                    .record_link_resolution(link, url.as_deref(), Utc::now())
                    .await?;
                if let Some(url) = url {
                    out.insert(link.clone(), url);
                }
            }
            None => {}
        }
    }
    Ok(out)
}

/// Asks the link's origin where the link leads.
async fn ask(fetcher: &Fetcher, source: &SourceConfig, link: &str) -> Result<String, String> {
    let link = Url::parse(link).map_err(|e| e.to_string())?;
    // The link was taken for Google News's when it was read: on
    // news.google.com, or on the host of the feed it came in.
    let id = google_article_id(&link, link.host_str())
        .ok_or("not a Google News article link")?
        .to_string();
    let (signature, timestamp) = signature(fetcher, source, &link, &id).await?;
    let endpoint = link
        .join("/_/DotsSplashUi/data/batchexecute")
        .map_err(|e| e.to_string())?;
    let form = batchexecute_form(&id, &timestamp, &signature);
    let body = fetcher
        .post_form_for_body(&endpoint, &source.url, form)
        .await
        .map_err(|e| e.to_string())?;
    let url = garturlres(&String::from_utf8_lossy(&body)).ok_or("no URL in the answer")?;
    match Url::parse(&url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(u.to_string()),
        _ => Err(format!("the answer is not a web address: {url:?}")),
    }
}

/// The article page's signature and timestamp.
async fn signature(
    fetcher: &Fetcher,
    source: &SourceConfig,
    link: &Url,
    id: &str,
) -> Result<(String, String), String> {
    let mut page = link.clone();
    page.set_path(&format!("/rss/articles/{id}"));
    let request = FetchRequest {
        user_agent: source.user_agent.clone(),
        derived_from: Some(source.url.clone()),
        ..FetchRequest::new(page)
    };
    let response = fetcher.fetch(&request).await.map_err(|e| e.to_string())?;
    let html = String::from_utf8_lossy(&response.body);
    let attribute = |name: &str| {
        let start = html.find(&format!("{name}=\""))? + name.len() + 2;
        let value = html.get(start..)?.split('"').next()?;
        (!value.is_empty()).then(|| html_escape::decode_html_entities(value).into_owned())
    };
    match (attribute("data-n-a-sg"), attribute("data-n-a-ts")) {
        (Some(signature), Some(timestamp)) => Ok((signature, timestamp)),
        _ => Err("the article page has no signature".into()),
    }
}

/// The form of one `garturlreq` call.
fn batchexecute_form(id: &str, timestamp: &str, signature: &str) -> String {
    let timestamp = timestamp
        .parse::<i64>()
        .map(serde_json::Value::from)
        .unwrap_or_else(|_| serde_json::Value::from(timestamp));
    let context: serde_json::Value =
        serde_json::from_str(REQUEST_CONTEXT).unwrap_or(serde_json::Value::Null);
    let inner = serde_json::json!(["garturlreq", context, id, timestamp, signature]);
    let envelope = serde_json::json!([[["Fbv4je", inner.to_string(), null, "generic"]]]);
    format!(
        "f.req={}",
        percent_encoding::utf8_percent_encode(
            &envelope.to_string(),
            percent_encoding::NON_ALPHANUMERIC
        )
    )
}

/// The URL in a `batchexecute` answer: after the `)]}'` guard line, rows
/// of JSON; the `wrb.fr` row of `Fbv4je` carries, as a JSON string,
/// `["garturlres", URL, …]`.
fn garturlres(answer: &str) -> Option<String> {
    let start = answer.find("[[")?;
    let mut rows =
        serde_json::Deserializer::from_str(answer.get(start..)?).into_iter::<serde_json::Value>();
    let rows = rows.next()?.ok()?;
    rows.as_array()?.iter().find_map(|row| {
        let row = row.as_array()?;
        if row.first()?.as_str()? != "wrb.fr" || row.get(1)?.as_str()? != "Fbv4je" {
            return None;
        }
        let payload: serde_json::Value = serde_json::from_str(row.get(2)?.as_str()?).ok()?;
        let payload = payload.as_array()?;
        (payload.first()?.as_str()? == "garturlres")
            .then(|| payload.get(1)?.as_str().map(str::to_string))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::{batchexecute_form, garturlres};

    #[test]
    fn an_answer_gives_its_url() {
        let answer = ")]}'\n\n[[\"wrb.fr\",\"Fbv4je\",\"[\\\"garturlres\\\",\\\"https://fr.hespress.com/123.html\\\",1]\",null,null,null,\"generic\"],[\"di\",42],[\"af.httprm\",41,\"-1\",7]]";
        assert_eq!(
            garturlres(answer).as_deref(),
            Some("https://fr.hespress.com/123.html")
        );
        assert_eq!(garturlres(")]}'\n\n[[\"er\",null]]"), None);
        assert_eq!(garturlres("<html>sorry</html>"), None);
    }

    #[test]
    fn the_form_carries_id_timestamp_and_signature() {
        let form = batchexecute_form("AU_yqL", "1733200000", "sig/+=");
        let decoded = percent_encoding::percent_decode_str(form.trim_start_matches("f.req="))
            .decode_utf8()
            .unwrap();
        let envelope: serde_json::Value = serde_json::from_str(&decoded).unwrap();
        let inner: serde_json::Value =
            serde_json::from_str(envelope[0][0][1].as_str().unwrap()).unwrap();
        assert_eq!(envelope[0][0][0], "Fbv4je");
        assert_eq!(inner[0], "garturlreq");
        assert_eq!(inner[2], "AU_yqL");
        assert_eq!(inner[3], 1_733_200_000);
        assert_eq!(inner[4], "sig/+=");
    }
}
