//! Statements as values: the SQL text and its parameters, built once for
//! both backends. Placeholders are numbered (`$1`, `$2`…), which SQLite
//! and PostgreSQL both read; each backend binds a parameter as its own
//! column type wants it (a timestamp is RFC 3339 text in SQLite and a
//! `TIMESTAMPTZ` in PostgreSQL, JSON is text or `JSONB`).

use std::borrow::Cow;

use chrono::{DateTime, Utc};

/// One parameter of a [`Statement`].
#[derive(Debug, Clone)]
pub(crate) enum Param<'a> {
    Int(Option<i64>),
    Real(Option<f64>),
    Bool(Option<bool>),
    Text(Option<Cow<'a, str>>),
    /// Stored to the second on both backends, so that they order, compare
    /// and publish the same values.
    Time(Option<DateTime<Utc>>),
    /// JSON text, for the columns PostgreSQL keeps as `JSONB`.
    Json(Cow<'a, str>),
}

/// JSON text to bind as a [`Param::Json`].
pub(crate) struct Json<'a>(pub Cow<'a, str>);

/// A value that can be bound to a statement.
pub(crate) trait IntoParam<'a> {
    fn into_param(self) -> Param<'a>;
}

macro_rules! into_param {
    ($variant:ident: $($t:ty => $conv:expr),* $(,)?) => {$(
        impl<'a> IntoParam<'a> for $t {
            fn into_param(self) -> Param<'a> {
                #[allow(clippy::redundant_closure_call)]
                Param::$variant(($conv)(self))
            }
        }
    )*};
}

into_param!(Int:
    i64 => Some,
    Option<i64> => |v| v,
    i32 => |v| Some(i64::from(v)),
    Option<i32> => |v: Option<i32>| v.map(i64::from),
    u32 => |v| Some(i64::from(v)),
    Option<u16> => |v: Option<u16>| v.map(i64::from),
    u64 => |v| Some(i64::try_from(v).unwrap_or(i64::MAX)),
    usize => |v| Some(i64::try_from(v).unwrap_or(i64::MAX)),
);
into_param!(Real: f64 => Some, Option<f64> => |v| v);
into_param!(Bool: bool => Some);
into_param!(Time: DateTime<Utc> => Some, Option<DateTime<Utc>> => |v| v);
into_param!(Text:
    &'a str => |v| Some(Cow::Borrowed(v)),
    &'a String => |v: &'a String| Some(Cow::Borrowed(v.as_str())),
    Option<&'a str> => |v: Option<&'a str>| v.map(Cow::Borrowed),
    String => |v| Some(Cow::Owned(v)),
    Option<String> => |v: Option<String>| v.map(Cow::Owned),
    Cow<'a, str> => Some,
);

impl<'a> IntoParam<'a> for Json<'a> {
    fn into_param(self) -> Param<'a> {
        Param::Json(self.0)
    }
}

/// SQL text with its parameters, ready for either backend.
#[derive(Debug, Clone)]
pub(crate) struct Statement<'a> {
    pub(super) sql: Cow<'static, str>,
    pub(super) params: Vec<Param<'a>>,
}

impl<'a> Statement<'a> {
    /// A statement of fixed text.
    pub(crate) fn new(sql: &'static str) -> Statement<'a> {
        Statement {
            sql: Cow::Borrowed(sql),
            params: Vec::new(),
        }
    }

    /// A statement whose text was built at run time (multi-row inserts,
    /// compiled queries). Only veille's own text goes in it; values are
    /// always parameters.
    pub(crate) fn built(sql: String) -> Statement<'a> {
        Statement {
            sql: Cow::Owned(sql),
            params: Vec::new(),
        }
    }

    /// Adds the next parameter (`$1` first).
    pub(crate) fn bind(mut self, value: impl IntoParam<'a>) -> Statement<'a> {
        self.params.push(value.into_param());
        self
    }

    /// Adds the next parameter, for loops.
    pub(crate) fn push(&mut self, value: impl IntoParam<'a>) {
        self.params.push(value.into_param());
    }
}

/// `count` rows of `columns` numbered placeholders each, starting at
/// `$first`: `($1, $2), ($3, $4)` for a multi-row `VALUES`.
pub(crate) fn value_rows(count: usize, columns: usize, first: usize) -> String {
    let mut out = String::with_capacity(count * columns * 6);
    for row in 0..count {
        if row > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for column in 0..columns {
            if column > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(first + row * columns + column).to_string());
        }
        out.push(')');
    }
    out
}

/// `$first, $first + 1, …`, `count` of them, for an `IN (…)` list.
pub(crate) fn placeholders(count: usize, first: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_rows_are_numbered_across_rows() {
        assert_eq!(value_rows(2, 3, 2), "($2, $3, $4), ($5, $6, $7)");
        assert_eq!(value_rows(0, 3, 1), "");
    }
}
