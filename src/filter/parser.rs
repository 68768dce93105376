//! Recursive-descent parser for the query language.
//!
//! ```text
//! query   := or
//! or      := and ("OR" and)*
//! and     := near (["AND"] near)*
//! near    := unary [("NEAR" | "NEAR/n") unary]
//! unary   := ("NOT" | "-") unary | primary
//! primary := "(" or ")" | field ":" primary | "since:" when | "before:" when
//!          | "lang:" code | '"' words '"' | word ["*"] | "/" regex "/"
//! ```

use chrono::{DateTime, NaiveDate, Utc};

use super::analyze::{Stemming, stem_folded, surfaces};
use super::{Field, Pattern, Query, QueryError, Term, TermKind, TimeBound};

/// Words a `NEAR` without `/n` allows between its sides.
pub const DEFAULT_NEAR: u32 = 10;

/// Compiled size limit for `/regex/` (the regex crate's default is 10 MiB).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Phrase(String),
    Word(String),
    Minus,
    /// `name:` (the name in lower case).
    Field(String),
    Regex(String),
}

struct Lexed {
    token: Token,
    position: usize,
}

const FIELD_NAMES: [&str; 9] = [
    "text", "title", "source", "tag", "lang", "author", "url", "since", "before",
];

fn lex(query: &str) -> Result<Vec<Lexed>, QueryError> {
    let chars: Vec<char> = query.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let push = |out: &mut Vec<Lexed>, token, position| out.push(Lexed { token, position });
    while let Some(&c) = chars.get(i) {
        let start = i;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                push(&mut out, Token::Open, start);
                i += 1;
            }
            ')' => {
                push(&mut out, Token::Close, start);
                i += 1;
            }
            '"' => {
                let rest = chars.get(i + 1..).unwrap_or_default();
                let end = rest.iter().position(|c| *c == '"').ok_or_else(|| {
                    QueryError::new(query, start, "unclosed quote: expected a closing '\"'")
                })?;
                let phrase: String = rest.iter().take(end).collect();
                push(&mut out, Token::Phrase(phrase), start);
                i += end + 2;
            }
            '/' => {
                let mut pattern = String::new();
                let mut j = i + 1;
                let mut closed = false;
                while let Some(&d) = chars.get(j) {
                    if d == '\\' && chars.get(j + 1) == Some(&'/') {
                        pattern.push('/');
                        j += 2;
                        continue;
                    }
                    if d == '/' {
                        closed = true;
                        break;
                    }
                    pattern.push(d);
                    j += 1;
                }
                if !closed {
                    return Err(QueryError::new(
                        query,
                        start,
                        "unclosed regular expression: expected a closing '/'",
                    ));
                }
                push(&mut out, Token::Regex(pattern), start);
                i = j + 1;
            }
            '-' => {
                push(&mut out, Token::Minus, start);
                i += 1;
            }
            _ => {
                while let Some(&d) = chars.get(i) {
                    if d.is_whitespace() || matches!(d, '(' | ')' | '"') {
                        break;
                    }
                    if d == ':' {
                        let name: String =
                            chars[start..i].iter().collect::<String>().to_lowercase();
                        if FIELD_NAMES.contains(&name.as_str()) {
                            break;
                        }
                    }
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if chars.get(i) == Some(&':') {
                    push(&mut out, Token::Field(word.to_lowercase()), start);
                    i += 1;
                } else {
                    push(&mut out, Token::Word(word), start);
                }
            }
        }
    }
    Ok(out)
}

/// How deeply parentheses, `NOT`s and fields may nest: far more than any
/// real query, and little enough that parsing (and every walk of the
/// query later) never runs out of stack on a hostile one.
const MAX_NESTING: usize = 100;

struct Parser<'a> {
    query: &'a str,
    tokens: Vec<Lexed>,
    at: usize,
    /// Levels of nesting open at this point.
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|l| &l.token)
    }

    fn position(&self) -> usize {
        self.tokens
            .get(self.at)
            .map_or(self.query.chars().count(), |l| l.position)
    }

    fn error(&self, message: &str) -> QueryError {
        QueryError::new(self.query, self.position(), message)
    }

    fn is_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w == kw)
    }

    fn near_keyword(&self) -> Option<Result<u32, String>> {
        let Some(Token::Word(w)) = self.peek() else {
            return None;
        };
        if w == "NEAR" {
            return Some(Ok(DEFAULT_NEAR));
        }
        let n = w.strip_prefix("NEAR/")?;
        Some(
            n.parse::<u32>()
                .ok()
                .filter(|n| *n <= 1000)
                .ok_or_else(|| format!("NEAR/{n}: expected a number of words from 0 to 1000")),
        )
    }

    fn or(&mut self, field: Field) -> Result<Query, QueryError> {
        let mut parts = vec![self.and(field)?];
        while self.is_keyword("OR") {
            self.at += 1;
            parts.push(self.and(field)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Query::Or(parts)
        })
    }

    fn and(&mut self, field: Field) -> Result<Query, QueryError> {
        let mut parts = vec![self.near(field)?];
        loop {
            match self.peek() {
                None | Some(Token::Close) => break,
                Some(Token::Word(w)) if w == "OR" => break,
                Some(Token::Word(w)) if w == "AND" => {
                    self.at += 1;
                    parts.push(self.near(field)?);
                }
                Some(_) => parts.push(self.near(field)?),
            }
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Query::And(parts)
        })
    }

    fn near(&mut self, field: Field) -> Result<Query, QueryError> {
        let left_at = self.position();
        let left = self.unary(field)?;
        let Some(distance) = self.near_keyword() else {
            return Ok(left);
        };
        let distance = distance.map_err(|m| self.error(&m))?;
        self.at += 1;
        let right_at = self.position();
        let right = self.unary(field)?;
        let side = |q: Query, at: usize| match q {
            Query::Term(t) if matches!(t.kind, TermKind::Phrase(_)) => Ok(t),
            _ => Err(QueryError::new(
                self.query,
                at,
                "NEAR joins a word or \"phrase\" on each side (no prefix*, group or NOT)",
            )),
        };
        let (left, right) = (side(left, left_at)?, side(right, right_at)?);
        if left.field != right.field {
            return Err(QueryError::new(
                self.query,
                right_at,
                "both sides of NEAR must look in the same field",
            ));
        }
        if self.near_keyword().is_some() {
            return Err(
                self.error("NEAR joins two words or phrases: use parentheses and AND to chain")
            );
        }
        Ok(Query::Near {
            left,
            right,
            distance,
        })
    }

    /// Runs `parse` one level deeper, or fails past [`MAX_NESTING`].
    fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<T, QueryError>,
    ) -> Result<T, QueryError> {
        if self.depth >= MAX_NESTING {
            return Err(self.error(&format!(
                "the query nests parentheses, NOT or fields more than {MAX_NESTING} levels deep"
            )));
        }
        self.depth += 1;
        let parsed = parse(self);
        self.depth -= 1;
        parsed
    }

    fn unary(&mut self, field: Field) -> Result<Query, QueryError> {
        self.nested(|p| {
            if p.is_keyword("NOT") || p.peek() == Some(&Token::Minus) {
                p.at += 1;
                return Ok(Query::Not(Box::new(p.unary(field)?)));
            }
            p.primary(field)
        })
    }

    fn primary(&mut self, field: Field) -> Result<Query, QueryError> {
        let Some(lexed) = self.tokens.get(self.at) else {
            return Err(self.error("unexpected end of query: expected a word, a \"phrase\" or '('"));
        };
        let position = lexed.position;
        let token = lexed.token.clone();
        match token {
            Token::Open => {
                self.at += 1;
                let inner = self.or(field)?;
                if self.peek() != Some(&Token::Close) {
                    return Err(self.error("expected ')'"));
                }
                self.at += 1;
                Ok(inner)
            }
            Token::Close => Err(self.error("unexpected ')': expected a word, a \"phrase\" or '('")),
            Token::Minus => Err(self.error("expected a word after '-'")),
            Token::Word(w) if w == "AND" || w == "OR" || w == "NEAR" || w.starts_with("NEAR/") => {
                Err(self.error(&format!(
                    "unexpected {w}: expected a word, a \"phrase\" or '(' before it"
                )))
            }
            Token::Field(name) => {
                self.at += 1;
                self.nested(|p| p.field_value(&name))
            }
            Token::Regex(source) => {
                self.at += 1;
                self.regex(field, source, position)
            }
            Token::Phrase(p) => {
                self.at += 1;
                let ws = surfaces(&p);
                if ws.is_empty() {
                    return Err(QueryError::new(self.query, position, "empty phrase"));
                }
                Ok(Query::Term(phrase_term(field, ws)))
            }
            Token::Word(w) => {
                self.at += 1;
                self.word(field, &w, position)
            }
        }
    }

    /// A `/regex/`, compiled case-insensitive within the size limit.
    fn regex(&self, field: Field, source: String, position: usize) -> Result<Query, QueryError> {
        let regex = regex::RegexBuilder::new(&source)
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| {
                let detail = e.to_string();
                let last = detail
                    .lines()
                    .last()
                    .unwrap_or("invalid")
                    .trim()
                    .to_string();
                QueryError::new(
                    self.query,
                    position,
                    format!("bad regular expression: {last}"),
                )
            })?;
        let required = match whole_word(&source) {
            Some(word) if matches!(field, Field::Text | Field::Title) => {
                Some(Box::new(self.word(field, word, position)?))
            }
            _ => None,
        };
        Ok(Query::Regex(Pattern {
            field,
            source,
            regex,
            required,
        }))
    }

    /// A word: a term, a `prefix*`, or (for "l'IA", "e-gov") the phrase of
    /// its pieces, which must follow each other.
    fn word(&self, field: Field, w: &str, position: usize) -> Result<Query, QueryError> {
        let (body, prefix) = match w.strip_suffix('*') {
            Some(s) => (s, true),
            None => (w, false),
        };
        let mut ws = surfaces(body);
        match (ws.len(), prefix) {
            (0, _) => Err(QueryError::new(
                self.query,
                position,
                format!("{w:?} has no letters or digits to match"),
            )),
            (1, true) => {
                let prefix = ws.remove(0);
                Ok(Query::Term(Term {
                    field,
                    text: format!("{prefix}*"),
                    kind: TermKind::Prefix {
                        prefix,
                        expansion: Vec::new(),
                    },
                }))
            }
            (_, true) => Err(QueryError::new(
                self.query,
                position,
                "a prefix* must be a single word",
            )),
            (_, false) => Ok(Query::Term(phrase_term(field, ws))),
        }
    }

    /// What follows `name:`.
    fn field_value(&mut self, name: &str) -> Result<Query, QueryError> {
        let field = match name {
            "text" => Field::Text,
            "title" => Field::Title,
            "source" => Field::Source,
            "tag" => Field::Tag,
            "author" => Field::Author,
            "url" => Field::Url,
            _ => {
                let value = match self.peek() {
                    Some(Token::Word(v)) => v.clone(),
                    _ => {
                        return Err(self.error(&format!(
                            "expected a value after {name}: (for example {})",
                            match name {
                                "lang" => "lang:fr",
                                "since" => "since:7d or since:2026-01-01",
                                _ => "before:2026-01-01",
                            }
                        )));
                    }
                };
                let value_at = self.position();
                self.at += 1;
                return match name {
                    "lang" => language(&value).map(Query::Lang).ok_or_else(|| {
                        QueryError::new(
                            self.query,
                            value_at,
                            format!("{value:?} is not a language code (expected fr, en, ar…)"),
                        )
                    }),
                    _ => {
                        let bound = time_bound(&value).ok_or_else(|| {
                            QueryError::new(
                                self.query,
                                value_at,
                                format!("{value:?} is not a time: expected a duration (7d, 12h, 2w) or a date (2026-01-01)"),
                            )
                        })?;
                        Ok(if name == "since" {
                            Query::Since(bound)
                        } else {
                            Query::Before(bound)
                        })
                    }
                };
            }
        };
        if matches!(self.peek(), None | Some(Token::Close)) {
            return Err(QueryError::new(
                self.query,
                self.position(),
                format!("expected a word, a \"phrase\" or '(' after {name}:"),
            ));
        }
        self.primary(field)
    }
}

/// The word of a pattern that is exactly one whole ASCII word between
/// word boundaries (`\bGITEX\b`, `\bia\b`): every match of it is that
/// word in the text, so an indexed word too (letters and digits are word
/// characters on both sides; anything else bounds a word on both).
fn whole_word(pattern: &str) -> Option<&str> {
    let word = pattern.strip_prefix(r"\b")?.strip_suffix(r"\b")?;
    (word.len() >= 2 && word.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(word)
}

/// A term for consecutive words in `field`, with one reading per stemming.
fn phrase_term(field: Field, words: Vec<String>) -> Term {
    let readings = if field.is_stemmed() {
        let mut readings: Vec<Vec<String>> = Vec::with_capacity(3);
        for stemming in [Stemming::None, Stemming::French, Stemming::English] {
            let reading: Vec<String> = words
                .iter()
                .map(|w| stem_folded(w, stemming).into_owned())
                .collect();
            if !readings.contains(&reading) {
                readings.push(reading);
            }
        }
        readings
    } else {
        vec![words.clone()]
    };
    Term {
        field,
        text: words.join(" "),
        kind: TermKind::Phrase(readings),
    }
}

/// A language code's primary subtag, lower case.
fn language(value: &str) -> Option<String> {
    let primary = value.split(['-', '_']).next()?.to_ascii_lowercase();
    ((2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic()))
        .then_some(primary)
}

/// `7d`, `12h` (a duration before now), `2026-01-01` (midnight UTC) or an
/// RFC 3339 instant.
fn time_bound(value: &str) -> Option<TimeBound> {
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Some(TimeBound::At(day.and_hms_opt(0, 0, 0)?.and_utc()));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(TimeBound::At(t.with_timezone(&Utc)));
    }
    crate::config::parse_duration(value).map(TimeBound::Ago)
}

pub(super) fn parse(query: &str) -> Result<Query, QueryError> {
    let tokens = lex(query)?;
    if tokens.is_empty() {
        return Err(QueryError::new(
            query,
            0,
            "empty query: expected at least one word",
        ));
    }
    let mut parser = Parser {
        query,
        tokens,
        at: 0,
        depth: 0,
    };
    let q = parser.or(Field::Text)?;
    if parser.at < parser.tokens.len() {
        return Err(parser.error("unexpected ')': no '(' to close"));
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::filter::{Field, Query, TermKind, TimeBound};

    #[test]
    fn hostile_nesting_is_an_error_not_a_stack_overflow() {
        let deep = |open: &str, n: usize, close: &str| {
            format!("{}maroc{}", open.repeat(n), close.repeat(n))
        };
        for query in [
            deep("(", 100_000, ")"),
            deep("NOT ", 100_000, ""),
            deep("-", 100_000, ""),
            deep("title:", 100_000, ""),
        ] {
            let e = parse(&query).unwrap_err();
            assert!(e.message.contains("100 levels"), "{e}");
        }
        // Real queries nest a few levels; forty is fine.
        assert!(parse(&deep("(", 40, ")")).is_ok());
        assert!(parse(&deep("NOT (", 40, ")")).is_ok());
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("maroc AND (ia OR").unwrap_err();
        assert_eq!(e.position, 16);
        assert!(e.message.contains("expected a word"), "{e}");
        let e = parse("maroc \"intelligence").unwrap_err();
        assert_eq!(e.position, 6);
        let e = parse("a b)").unwrap_err();
        assert_eq!(e.position, 3);
        assert!(e.to_string().contains("   ^"), "{e}");
        let e = parse("ia since:yesterdayish").unwrap_err();
        assert_eq!(e.position, 9);
        assert!(e.message.contains("not a time"), "{e}");
        let e = parse("a NEAR/x b").unwrap_err();
        assert_eq!(e.position, 2);
        let e = parse("reg* NEAR b").unwrap_err();
        assert_eq!(e.position, 0);
        assert!(e.message.contains("NEAR joins"), "{e}");
        let e = parse("/(unclosed/").unwrap_err();
        assert!(e.message.contains("bad regular expression"), "{e}");
        let e = parse("title:").unwrap_err();
        assert_eq!(e.position, 6);
    }

    fn word(q: &Query) -> (&Field, &str) {
        match q {
            Query::Term(t) => (&t.field, t.text.as_str()),
            other => panic!("not a term: {other:?}"),
        }
    }

    #[test]
    fn structure() {
        let Query::Or(parts) = parse("a b OR -c").unwrap() else {
            panic!("expected OR")
        };
        assert!(matches!(&parts[0], Query::And(ab) if ab.len() == 2));
        assert!(matches!(&parts[1], Query::Not(_)));
    }

    #[test]
    fn fields_times_and_near() {
        let Query::And(parts) =
            parse(r#"title:(maroc OR "l'IA") source:hespress lang:fr-MA since:7d before:2026-01-01 ia NEAR/3 gouvernance"#)
                .unwrap()
        else {
            panic!("expected AND")
        };
        let Query::Or(alts) = &parts[0] else { panic!() };
        assert_eq!(word(&alts[0]), (&Field::Title, "maroc"));
        assert_eq!(word(&alts[1]), (&Field::Title, "l ia"));
        assert_eq!(word(&parts[1]), (&Field::Source, "hespress"));
        assert_eq!(parts[2], Query::Lang("fr".into()));
        assert_eq!(
            parts[3],
            Query::Since(TimeBound::Ago(std::time::Duration::from_secs(7 * 86400)))
        );
        assert!(matches!(parts[4], Query::Before(TimeBound::At(_))));
        assert!(matches!(&parts[5], Query::Near { distance: 3, .. }));
    }

    #[test]
    fn urls_are_words_not_fields() {
        let q = parse("https://example.com/x").unwrap();
        assert_eq!(word(&q).0, &Field::Text);
        let q = parse(r"/\bIA\b/").unwrap();
        let Query::Regex(p) = q else { panic!() };
        assert!(p.regex.is_match("l'ia"));
    }

    #[test]
    fn words_carry_their_stems() {
        let Query::Term(t) = parse("régulations").unwrap() else {
            panic!()
        };
        let TermKind::Phrase(readings) = t.kind else {
            panic!()
        };
        assert!(
            readings.contains(&vec!["regul".to_string()]),
            "{readings:?}"
        );
        assert!(
            readings.contains(&vec!["regulations".to_string()]),
            "{readings:?}"
        );
    }
}
