//! Small helpers shared by the repositories: row decoding that hides the
//! differences between the two databases, and a dynamic query builder.

use crate::{Backend, StoreError, StoreResult};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row};

/// Reads a flag stored as BOOLEAN (PostgreSQL) or INTEGER 0/1 (SQLite).
pub(crate) fn flag(row: &AnyRow, col: &str) -> StoreResult<bool> {
    match row.try_get::<bool, _>(col) {
        Ok(b) => Ok(b),
        Err(_) => Ok(row.try_get::<i64, _>(col)? != 0),
    }
}

pub(crate) fn int(row: &AnyRow, col: &str) -> StoreResult<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}

pub(crate) fn opt_int(row: &AnyRow, col: &str) -> StoreResult<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(col)?)
}

pub(crate) fn float(row: &AnyRow, col: &str) -> StoreResult<f64> {
    Ok(row.try_get::<f64, _>(col)?)
}

pub(crate) fn text(row: &AnyRow, col: &str) -> StoreResult<String> {
    Ok(row.try_get::<String, _>(col)?)
}

pub(crate) fn opt_text(row: &AnyRow, col: &str) -> StoreResult<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}

/// Parses a stored enum value, reporting corruption rather than panicking.
pub(crate) fn parsed<T>(row: &AnyRow, col: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    let raw = text(row, col)?;
    parse(&raw).ok_or_else(|| StoreError::Corrupt(format!("{col} = {raw:?}")))
}

/// A bound value of a dynamically built query.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    Int(i64),
    Text(String),
}

/// Builds SQL with parameter markers in each backend's cheapest form: `$n` on
/// PostgreSQL, anonymous `?` on SQLite (named or numbered ones make SQLite's
/// parameter lookup quadratic in large multi-row statements).
#[derive(Debug)]
pub(crate) struct SqlBuilder {
    pub sql: String,
    params: Vec<Param>,
    backend: Backend,
}

impl SqlBuilder {
    pub fn new(backend: Backend, head: &str) -> Self {
        Self {
            sql: head.to_owned(),
            params: Vec::new(),
            backend,
        }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.sql.push_str(s);
        self
    }

    /// Appends a parameter marker bound to `p`.
    pub fn bind(&mut self, p: Param) -> &mut Self {
        self.params.push(p);
        match self.backend {
            Backend::Sqlite => self.sql.push('?'),
            Backend::Postgres => {
                self.sql.push('$');
                self.sql.push_str(&self.params.len().to_string());
            }
        }
        self
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.sql);
        for p in &self.params {
            q = match p {
                Param::Int(i) => q.bind(*i),
                Param::Text(t) => q.bind(t.as_str()),
            };
        }
        q
    }
}
