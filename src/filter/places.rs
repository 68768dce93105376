//! Country names in French, English and Arabic: what tells a subject from
//! a passing mention. "Morocco" in a list of five countries, or in a text
//! whose title names Qatar, is not what the text is about. Topic models
//! see where countries are named and how many sit next to each facet's
//! match; scores read a facet named among other countries as a passing
//! mention.
//!
//! Written out here, not taken from a crate: the gazetteer crates found
//! cover English names (and ISO codes) only, and what is needed is the
//! forms news in these three languages use, folded as veille folds words.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::filter::Token;

/// Words that name a country (or a group of countries, or a capital that
/// stands for one), in French, English and Arabic, as written.
const NAMES: &str = "
algerie algeria algerien algerienne algerian alger algiers
tunisie tunisia tunisien tunisienne tunisian tunis
egypte egypt egyptien egyptienne egyptian caire cairo
libye libya libyen libyan tripoli mauritanie mauritania nouakchott
arabie saoudite saudi riyad riyadh emirats emirates emirati abou abu dhabi dubai duba
qatar qatari doha koweit kuwait bahrein bahrain oman jordanie jordan amman liban lebanon beyrouth beirut
irak iraq syrie syria turquie turkey turkiye ankara istanbul iran israel palestine yemen
france francais francaise french paris espagne spain espagnol spanish madrid barcelone barcelona
portugal lisbonne lisbon italie italy rome allemagne germany berlin belgique belgium bruxelles brussels
pays-bas netherlands neerlandais dutch royaume-uni britain british londres london irlande ireland
suisse switzerland geneve geneva autriche austria pologne poland suede sweden norvege norway danemark denmark
finlande finland grece greece russie russia moscou moscow ukraine europe europeen europeenne european
etats-unis usa americain americaine american washington canada canadien canadian montreal ottawa mexique mexico
bresil brazil argentine argentina chili chile colombie colombia
chine china chinois chinoise chinese pekin beijing japon japan japonais japanese tokyo
coree korea seoul inde india indien indian delhi pakistan indonesie indonesia singapour singapore
vietnam malaisie malaysia philippines thailande thailand australie australia
quebec davos bangkok addis abeba bletchley hiroshima osaka new-york seville
senegal dakar nigeria nigerian lagos kenya nairobi rwanda kigali ghana accra
ethiopie ethiopia afrique-du-sud cote ivoire abidjan cameroun cameroon mali niger tanzanie tanzania
ouganda uganda zambie zambia zimbabwe angola mozambique madagascar soudan sudan tchad chad benin togo
الجزائر الجزائرية تونس التونسية مصر المصرية القاهرة ليبيا موريتانيا
السعودية الرياض الإمارات الامارات الإماراتية دبي أبوظبي قطر الدوحة الكويت البحرين عمان الأردن لبنان
العراق سوريا تركيا إيران فلسطين اليمن
فرنسا الفرنسية باريس إسبانيا الإسبانية مدريد البرتغال إيطاليا ألمانيا بلجيكا بروكسل هولندا بريطانيا لندن
سويسرا جنيف روسيا أوكرانيا أوروبا الأوروبي الأوروبية
الولايات المتحدة الأمريكية الأميركية واشنطن كندا البرازيل
الصين الصينية بكين اليابان كوريا الهند باكستان إندونيسيا سنغافورة
السنغال داكار نيجيريا كينيا نيروبي رواندا غانا إثيوبيا
";

/// The names, folded as the analyser folds words.
static COUNTRIES: LazyLock<HashSet<String>> = LazyLock::new(|| {
    crate::filter::analyze::surfaces(NAMES)
        .into_iter()
        .collect()
});

/// Whether a token names a country.
pub fn is_country(token: &Token) -> bool {
    COUNTRIES.contains(&token.surface)
}

/// Positions of the tokens that name a country, outside `except` (the
/// facet matches, so a place facet's own "maroc" is not counted).
pub fn country_positions(tokens: &[Token], except: &[usize]) -> Vec<usize> {
    tokens
        .iter()
        .enumerate()
        .filter(|(i, t)| is_country(t) && !except.contains(i))
        .map(|(i, _)| i)
        .collect()
}

/// How many country names sit within `window` tokens of a position in
/// `at`: Morocco in "l'Égypte, la Jordanie, le Maroc et la Tunisie" has
/// three.
pub fn countries_near(countries: &[usize], at: &[usize], window: usize) -> usize {
    countries
        .iter()
        .filter(|&&c| at.iter().any(|&p| c.abs_diff(p) <= window && c != p))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::analyze::{Stemming, analyze};

    #[test]
    fn names_in_three_languages_are_found_as_the_analyser_folds_them() {
        let tokens = analyze(
            "Étaient présents l'Égypte, la Jordanie, le Maroc et la Tunisie ; مصر",
            Stemming::French,
        );
        let maroc = tokens.iter().position(|t| t.surface == "maroc").unwrap();
        let found = country_positions(&tokens, &[maroc]);
        assert!(found.len() >= 4, "{found:?} in {tokens:?}");
        assert!(countries_near(&found, &[maroc], 6) >= 2);
    }
}
