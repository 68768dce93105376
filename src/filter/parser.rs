//! Recursive-descent parser for the query language.
//!
//! ```text
//! query   := or
//! or      := and ("OR" and)*
//! and     := unary (["AND"] unary)*
//! unary   := ("NOT" | "-") unary | primary
//! primary := "(" or ")" | '"' words '"' | word ["*"]
//! ```

use super::{Query, QueryError};
use crate::normalise::words;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Phrase(String),
    Word(String),
    Minus,
}

struct Lexed {
    token: Token,
    position: usize,
}

fn lex(query: &str) -> Result<Vec<Lexed>, QueryError> {
    let chars: Vec<char> = query.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Lexed {
                    token: Token::Open,
                    position: start,
                });
                i += 1;
            }
            ')' => {
                out.push(Lexed {
                    token: Token::Close,
                    position: start,
                });
                i += 1;
            }
            '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| *c == '"')
                    .ok_or_else(|| {
                        QueryError::new(query, start, "unclosed quote: expected a closing '\"'")
                    })?;
                let phrase: String = chars[i + 1..i + 1 + end].iter().collect();
                out.push(Lexed {
                    token: Token::Phrase(phrase),
                    position: start,
                });
                i += end + 2;
            }
            '-' => {
                out.push(Lexed {
                    token: Token::Minus,
                    position: start,
                });
                i += 1;
            }
            _ => {
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '(' | ')' | '"')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                out.push(Lexed {
                    token: Token::Word(word),
                    position: start,
                });
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    query: &'a str,
    tokens: Vec<Lexed>,
    at: usize,
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

    fn or(&mut self) -> Result<Query, QueryError> {
        let mut parts = vec![self.and()?];
        while self.is_keyword("OR") {
            self.at += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Query::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Query, QueryError> {
        let mut parts = vec![self.unary()?];
        loop {
            match self.peek() {
                None | Some(Token::Close) => break,
                Some(Token::Word(w)) if w == "OR" => break,
                Some(Token::Word(w)) if w == "AND" => {
                    self.at += 1;
                    parts.push(self.unary()?);
                }
                Some(_) => parts.push(self.unary()?),
            }
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Query::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Query, QueryError> {
        if self.is_keyword("NOT") || self.peek() == Some(&Token::Minus) {
            self.at += 1;
            return Ok(Query::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Query, QueryError> {
        let Some(lexed) = self.tokens.get(self.at) else {
            return Err(self.error("unexpected end of query: expected a word, a \"phrase\" or '('"));
        };
        let position = lexed.position;
        let token = lexed.token.clone();
        match token {
            Token::Open => {
                self.at += 1;
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err(self.error("expected ')'"));
                }
                self.at += 1;
                Ok(inner)
            }
            Token::Close => Err(self.error("unexpected ')': expected a word, a \"phrase\" or '('")),
            Token::Minus => Err(self.error("expected a word after '-'")),
            Token::Word(w) if w == "AND" || w == "OR" => Err(self.error(&format!(
                "unexpected {w}: expected a word, a \"phrase\" or '(' before it"
            ))),
            Token::Phrase(p) => {
                self.at += 1;
                let ws = words(&p);
                if ws.is_empty() {
                    return Err(QueryError::new(self.query, position, "empty phrase"));
                }
                Ok(Query::Phrase(ws))
            }
            Token::Word(w) => {
                self.at += 1;
                let (stem, prefix) = match w.strip_suffix('*') {
                    Some(s) => (s, true),
                    None => (w.as_str(), false),
                };
                let mut ws = words(stem);
                match (ws.len(), prefix) {
                    (0, _) => Err(QueryError::new(
                        self.query,
                        position,
                        format!("{w:?} has no letters or digits to match"),
                    )),
                    (1, true) => Ok(Query::Prefix(ws.remove(0))),
                    (1, false) => Ok(Query::Word(ws.remove(0))),
                    (_, true) => Err(QueryError::new(
                        self.query,
                        position,
                        "a prefix* must be a single word",
                    )),
                    // "l'IA" or "e-gov": the pieces must follow each other.
                    (_, false) => Ok(Query::Phrase(ws)),
                }
            }
        }
    }
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
    };
    let q = parser.or()?;
    if parser.at < parser.tokens.len() {
        return Err(parser.error("unexpected ')': no '(' to close"));
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::filter::Query;

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
    }

    #[test]
    fn structure() {
        assert_eq!(
            parse("a b OR -c").unwrap(),
            Query::Or(vec![
                Query::And(vec![Query::Word("a".into()), Query::Word("b".into())]),
                Query::Not(Box::new(Query::Word("c".into())))
            ])
        );
    }
}
