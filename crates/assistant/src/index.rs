//! The tantivy index of the knowledge base: derived data, rebuilt from the
//! database whenever it is missing, stale or of an older shape.
//!
//! Every article is indexed twice: once whole (title, path and all its text,
//! which tells what the article is about) and once per section (heading and
//! text, which tells where the answer is). A question is scored against
//! both; an article ranks by its best section plus its whole-article score.

use crate::Article;
use crate::answer::{Hit, Question};
use crate::markdown::{self, Section};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

/// Bumped whenever the schema or the way text is indexed changes: an index
/// of another version is rebuilt.
const SHAPE: u32 = 2;

/// Memory for one indexing run; tantivy needs at least 15 MB per thread.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index is being written by another process; try again")]
    Busy,
}

pub type IndexResult<T> = Result<T, IndexError>;

#[derive(Debug, Clone, Copy)]
struct Fields {
    // Both kinds of document.
    article_id: Field,
    // Whole articles.
    /// "article" on whole-article documents.
    kind: Field,
    a_title: Field,
    a_path: Field,
    a_all: Field,
    // Sections.
    s_article: Field,
    s_ordinal: Field,
    s_slug: Field,
    s_title: Field,
    s_anchor: Field,
    s_heading: Field,
    s_text: Field,
    s_steps: Field,
    /// The section's distinct stemmed words, so coverage needs no
    /// re-analysis at question time.
    s_terms: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let stemmed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("en_stem")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let stemmed_stored = stemmed.clone().set_stored();
    let fields = Fields {
        article_id: b.add_u64_field("article_id", INDEXED | STORED | FAST),
        kind: b.add_text_field("kind", STRING),
        a_title: b.add_text_field("a_title", stemmed.clone()),
        a_path: b.add_text_field("a_path", stemmed.clone()),
        a_all: b.add_text_field("a_all", stemmed.clone()),
        s_article: b.add_u64_field("s_article", INDEXED | STORED),
        s_ordinal: b.add_u64_field("s_ordinal", STORED),
        s_slug: b.add_text_field("s_slug", STRING | STORED),
        s_title: b.add_text_field("s_title", stemmed_stored.clone()),
        s_anchor: b.add_text_field("s_anchor", STRING | STORED),
        s_heading: b.add_text_field("s_heading", stemmed_stored.clone()),
        s_text: b.add_text_field("s_text", stemmed_stored),
        s_steps: b.add_text_field("s_steps", STORED),
        s_terms: b.add_text_field("s_terms", STORED),
    };
    (b.build(), fields)
}

/// What the index remembers about itself in each commit.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Stamp {
    shape: u32,
    revision: i64,
}

/// The knowledge base's search index.
pub struct KbIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    analyzer: Mutex<TextAnalyzer>,
    /// Serializes writers within this process.
    writing: Mutex<()>,
    dir: Option<PathBuf>,
}

impl std::fmt::Debug for KbIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KbIndex").field("dir", &self.dir).finish()
    }
}

impl KbIndex {
    /// Opens the index in `dir`, creating it when missing and starting over
    /// when it is unreadable or of another shape (it is derived data).
    pub fn open(dir: &Path) -> IndexResult<Self> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let index = match Index::open_in_dir(dir) {
            Ok(index) if stamp_of(&index).is_some_and(|s| s.shape == SHAPE) => index,
            Ok(_) | Err(_) if dir_has_files(dir) => {
                tracing::info!(dir = %dir.display(), "search index is of another version; rebuilding");
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                Index::create_in_dir(dir, schema)?
            }
            _ => Index::create_in_dir(dir, schema)?,
        };
        Self::from_index(index, fields, Some(dir.to_path_buf()))
    }

    /// An index in memory, for tests and one-off evaluations.
    pub fn in_memory() -> IndexResult<Self> {
        let (schema, fields) = schema();
        Self::from_index(Index::create_in_ram(schema), fields, None)
    }

    fn from_index(index: Index, fields: Fields, dir: Option<PathBuf>) -> IndexResult<Self> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let analyzer = index.tokenizer_for_field(fields.s_text)?;
        Ok(Self {
            index,
            reader,
            fields,
            analyzer: Mutex::new(analyzer),
            writing: Mutex::new(()),
            dir,
        })
    }

    /// The knowledge-base revision the index reflects; 0 when empty or new.
    pub fn revision(&self) -> i64 {
        stamp_of(&self.index).map_or(0, |s| s.revision)
    }

    /// Applies changed and deleted articles and records `revision`, in one
    /// commit: a reader sees all of it or none of it.
    pub fn apply(&self, changed: &[Article], deleted: &[i64], revision: i64) -> IndexResult<()> {
        self.write(revision, |writer, fields| {
            for id in deleted.iter().copied().chain(changed.iter().map(|a| a.id)) {
                writer.delete_term(Term::from_field_u64(fields.article_id, id_u64(id)));
            }
            for article in changed {
                add_article(writer, fields, article, &|t| self.analyze(t))?;
            }
            Ok(())
        })
    }

    /// Replaces the whole index with `articles`, in one commit.
    pub fn rebuild(&self, articles: &[Article], revision: i64) -> IndexResult<()> {
        self.write(revision, |writer, fields| {
            writer.delete_all_documents()?;
            for article in articles {
                add_article(writer, fields, article, &|t| self.analyze(t))?;
            }
            Ok(())
        })
    }

    fn write(
        &self,
        revision: i64,
        work: impl FnOnce(&IndexWriter, &Fields) -> IndexResult<()>,
    ) -> IndexResult<()> {
        let _one = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let mut writer: IndexWriter = match self.index.writer_with_num_threads(1, WRITER_MEMORY) {
            Ok(w) => w,
            Err(tantivy::TantivyError::LockFailure(..)) => return Err(IndexError::Busy),
            Err(e) => return Err(e.into()),
        };
        if let Err(e) = work(&writer, &self.fields) {
            // Nothing of a failed run becomes visible.
            let _ = writer.rollback();
            return Err(e);
        }
        let stamp = serde_json::json!({ "shape": SHAPE, "revision": revision }).to_string();
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&stamp);
        prepared.commit()?;
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Makes commits by other processes visible.
    pub fn refresh(&self) -> IndexResult<()> {
        self.reader.reload()?;
        Ok(())
    }

    /// How many articles are indexed.
    pub fn articles(&self) -> u64 {
        let searcher = self.reader.searcher();
        // Every article has exactly one whole-article document.
        let query = TermQuery::new(
            Term::from_field_text(self.fields.kind, "article"),
            IndexRecordOption::Basic,
        );
        searcher
            .search(&query, &tantivy::collector::Count)
            .map_or(0, |n| n as u64)
    }

    /// Lower-cased, stemmed tokens of `text`, as the index sees them.
    pub fn analyze(&self, text: &str) -> Vec<String> {
        let mut analyzer = self.analyzer.lock().unwrap_or_else(|p| p.into_inner());
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// The sections that best answer `question`, grouped so that each
    /// article appears once at its best section's place; at most `limit`
    /// articles, each with up to `per_article` sections.
    pub fn search(&self, question: &Question, limit: usize) -> IndexResult<Retrieval> {
        let text = format!("{}\n{}", question.subject, question.description);
        let searcher = self.reader.searcher();
        let terms = self.query_terms(&searcher, &text)?;
        if terms.is_empty() {
            return Ok(Retrieval::default());
        }
        let f = self.fields;

        // Whole articles: what each article is about.
        let article_query = self.query_over(
            &terms,
            &[(f.a_title, 1.5), (f.a_path, 1.0), (f.a_all, 1.0)],
            &[(f.a_all, 2.5), (f.a_title, 2.0)],
        );
        let mut article_scores: HashMap<i64, f32> = HashMap::new();
        for (score, addr) in
            searcher.search(&article_query, &TopDocs::with_limit(100).order_by_score())?
        {
            let ids = searcher
                .segment_reader(addr.segment_ord)
                .fast_fields()
                .u64("article_id")?;
            if let Some(id) = ids.first(addr.doc_id).and_then(|v| i64::try_from(v).ok()) {
                article_scores.insert(id, score);
            }
        }

        // Sections: where the answer is.
        let section_query = self.query_over(
            &terms,
            &[(f.s_title, 1.0), (f.s_heading, 2.0), (f.s_text, 1.0)],
            &[(f.s_text, 1.5), (f.s_heading, 2.0)],
        );
        let found = searcher.search(
            &section_query,
            &TopDocs::with_limit(SECTIONS).order_by_score(),
        )?;
        let top_article = article_scores.values().copied().fold(0.0_f32, f32::max);
        let top_section = found.first().map_or(0.0, |(s, _)| *s);
        let weights = Weights::new(&terms);

        // Each section's score is scaled by how much of the question it
        // covers, so a section holding every word beats one that repeats a
        // single word of the title.
        let mut best: HashMap<i64, Vec<Hit>> = HashMap::new();
        for (score, addr) in found {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let mut hit = self.hit_of(&doc, score);
            let terms = doc
                .get_first(f.s_terms)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let tokens: HashSet<&str> = terms.split(' ').collect();
            hit.coverage = weights.coverage(&tokens);
            hit.score = score / top_section.max(1e-6) * coord(hit.coverage);
            best.entry(hit.article_id).or_default().push(hit);
        }
        let mut ranked: Vec<(i64, f32)> = best
            .iter_mut()
            .map(|(id, hits)| {
                hits.sort_by(|a, b| b.score.total_cmp(&a.score));
                let whole = article_scores.get(id).copied().unwrap_or(0.0) / top_article.max(1e-6);
                (*id, hits[0].score + ARTICLE_WEIGHT * whole)
            })
            .collect();
        // Articles found whole but with no strong section still count.
        for (id, whole) in &article_scores {
            if !best.contains_key(id) {
                ranked.push((*id, ARTICLE_WEIGHT * whole / top_article.max(1e-6)));
            }
        }
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(limit);

        let mut articles = Vec::with_capacity(ranked.len());
        for (id, score) in ranked {
            let sections = match best.remove(&id) {
                Some(mut hits) => {
                    hits.truncate(PER_ARTICLE);
                    hits
                }
                None => self.first_section(&searcher, id)?.into_iter().collect(),
            };
            if !sections.is_empty() {
                articles.push(RankedArticle { score, sections });
            }
        }
        Ok(Retrieval {
            terms,
            articles,
            top_section,
        })
    }

    fn first_section(&self, searcher: &Searcher, id: i64) -> IndexResult<Option<Hit>> {
        let q = TermQuery::new(
            Term::from_field_u64(self.fields.s_article, id_u64(id)),
            IndexRecordOption::Basic,
        );
        let docs = searcher.search(&q, &TopDocs::with_limit(64).order_by_score())?;
        let mut first: Option<(u64, Hit)> = None;
        for (_, addr) in docs {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let ordinal = doc
                .get_first(self.fields.s_ordinal)
                .and_then(|v| v.as_u64())
                .unwrap_or(u64::MAX);
            if first.as_ref().is_none_or(|(o, _)| ordinal < *o) {
                first = Some((ordinal, self.hit_of(&doc, 0.0)));
            }
        }
        Ok(first.map(|(_, h)| h))
    }

    fn hit_of(&self, doc: &TantivyDocument, score: f32) -> Hit {
        let f = self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        Hit {
            article_id: u64_of(doc, f.s_article).unwrap_or_default(),
            slug: text(f.s_slug),
            title: text(f.s_title),
            anchor: text(f.s_anchor),
            heading: first_line(&text(f.s_heading)),
            text: text(f.s_text),
            steps: serde_json::from_str(&text(f.s_steps)).unwrap_or_default(),
            score,
            coverage: 0.0,
        }
    }

    /// The question's distinct meaningful terms with their weights (inverse
    /// document frequency over sections); unknown words are kept for fuzzy
    /// matching.
    fn query_terms(&self, searcher: &Searcher, text: &str) -> IndexResult<Vec<QueryTerm>> {
        let raw = self.analyze_with_positions(text);
        let total = searcher.num_docs().max(1) as f32;
        let mut terms: Vec<QueryTerm> = Vec::new();
        let mut previous: Option<(usize, String)> = None;
        for (position, token) in raw {
            if is_stopword(&token) || token.len() > 40 {
                previous = None;
                continue;
            }
            if let Some(t) = terms.iter_mut().find(|t| t.text == token) {
                t.count += 1;
            } else {
                let df = searcher.doc_freq(&Term::from_field_text(self.fields.s_text, &token))?
                    + searcher.doc_freq(&Term::from_field_text(self.fields.s_heading, &token))?
                    + searcher.doc_freq(&Term::from_field_text(self.fields.a_title, &token))?;
                let idf = ((total - df as f32 + 0.5) / (df as f32 + 0.5) + 1.0).ln();
                terms.push(QueryTerm {
                    text: token.clone(),
                    idf,
                    known: df > 0,
                    count: 1,
                    follows: None,
                });
            }
            if let Some((p, prev)) = &previous
                && *p + 1 == position
                && let Some(t) = terms.iter_mut().find(|t| t.text == token)
                && t.follows.is_none()
            {
                t.follows = Some(prev.clone());
            }
            previous = Some((position, token));
            if terms.len() >= MAX_TERMS {
                break;
            }
        }
        // A word the knowledge base never uses is either a typo (matched
        // fuzzily) or off topic; it counts, but not more than the question's
        // rarest known word does, or a small knowledge base would refuse
        // everything.
        let known_max = terms
            .iter()
            .filter(|t| t.known)
            .map(|t| t.idf)
            .fold(0.0_f32, f32::max);
        if known_max > 0.0 {
            for t in terms.iter_mut().filter(|t| !t.known) {
                t.idf = t.idf.min(known_max * UNKNOWN_WEIGHT);
            }
        }
        Ok(terms)
    }

    fn analyze_with_positions(&self, text: &str) -> Vec<(usize, String)> {
        let mut analyzer = self.analyzer.lock().unwrap_or_else(|p| p.into_inner());
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.position, t.text.clone()));
        }
        out
    }

    /// One query: every term in every field with its boost, phrases of
    /// adjacent terms, and fuzzy matches for words the index does not know.
    fn query_over(
        &self,
        terms: &[QueryTerm],
        fields: &[(Field, f32)],
        phrase_fields: &[(Field, f32)],
    ) -> BooleanQuery {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in terms {
            for (field, boost) in fields {
                let term = Term::from_field_text(*field, &t.text);
                let q: Box<dyn Query> = if t.known {
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
                } else if t.text.chars().count() >= 5 && !t.text.chars().any(|c| c.is_ascii_digit())
                {
                    let distance = if t.text.chars().count() >= 9 { 2 } else { 1 };
                    Box::new(FuzzyTermQuery::new(term, distance, true))
                } else {
                    continue;
                };
                clauses.push((Occur::Should, Box::new(BoostQuery::new(q, *boost))));
            }
            // A phrase of two common words says little and costs much.
            let phrase = t.follows.as_ref().filter(|prev| {
                terms
                    .iter()
                    .find(|p| &p.text == *prev)
                    .is_some_and(|p| p.known && t.known && p.idf.max(t.idf) >= PHRASE_MIN_IDF)
            });
            if let Some(prev) = phrase {
                for (field, boost) in phrase_fields {
                    let phrase = PhraseQuery::new(vec![
                        Term::from_field_text(*field, prev),
                        Term::from_field_text(*field, &t.text),
                    ]);
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(phrase), *boost)),
                    ));
                }
            }
        }
        BooleanQuery::new(clauses)
    }
}

/// How much the whole-article score adds to the best section's (both
/// normalized to the best of their kind).
const ARTICLE_WEIGHT: f32 = 0.3;
/// The weight of an unknown word relative to the rarest known one
/// (measured on a real documentation site: higher refuses more off-topic
/// questions, lower refuses fewer good ones).
const UNKNOWN_WEIGHT: f32 = 1.0;
/// Sections scored per question.
const SECTIONS: usize = 150;
/// Phrases are matched when one of their words is at least this rare
/// (about one section in eight).
const PHRASE_MIN_IDF: f32 = 2.0;
/// Sections kept per article for the answer.
const PER_ARTICLE: usize = 3;
/// Words of a question that are searched; the rest is noise for ranking.
const MAX_TERMS: usize = 64;

/// How coverage scales a section's score: a section with half the
/// question's weight keeps about a third of its score.
fn coord(coverage: f32) -> f32 {
    (0.25 + coverage).powi(2) / 1.5625
}

/// The question's terms and their weights, for measuring how much of the
/// question a text covers.
#[derive(Debug)]
pub struct Weights<'a> {
    terms: &'a [QueryTerm],
    total: f32,
}

impl<'a> Weights<'a> {
    pub fn new(terms: &'a [QueryTerm]) -> Self {
        Self {
            terms,
            total: terms.iter().map(|t| t.idf.max(0.0)).sum(),
        }
    }

    /// The share (0..=1) of the question's weight found in `tokens`; a word
    /// the index does not know counts when a token is one or two edits away
    /// (a typo).
    pub fn coverage(&self, tokens: &HashSet<&str>) -> f32 {
        if self.total <= 0.0 {
            return 0.0;
        }
        let found: f32 = self
            .terms
            .iter()
            .filter(|t| {
                tokens.contains(t.text.as_str())
                    || (!t.known && tokens.iter().any(|tok| within_typo(&t.text, tok)))
            })
            .map(|t| t.idf.max(0.0))
            .sum();
        (found / self.total).clamp(0.0, 1.0)
    }
}

/// Whether `b` is a plausible typo of `a`: one edit for short words, two
/// for long ones, never for very short ones.
fn within_typo(a: &str, b: &str) -> bool {
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la < 4 || lb < 4 {
        return false;
    }
    let max = if la >= 8 { 2 } else { 1 };
    if la.abs_diff(lb) > max {
        return false;
    }
    levenshtein(a, b, max) <= max
}

/// Edit distance with transpositions counted as one, stopping early past `max`.
fn levenshtein(a: &str, b: &str, max: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// A question's term, stemmed.
#[derive(Debug, Clone)]
pub struct QueryTerm {
    pub text: String,
    pub idf: f32,
    /// Whether the index holds it; unknown words are matched fuzzily.
    pub known: bool,
    pub count: u32,
    /// The term right before it in the question, for phrase matching.
    pub follows: Option<String>,
}

/// An article the index found, with its best sections, best first.
#[derive(Debug, Clone)]
pub struct RankedArticle {
    pub score: f32,
    pub sections: Vec<Hit>,
}

/// What the index found for a question.
#[derive(Debug, Clone, Default)]
pub struct Retrieval {
    pub terms: Vec<QueryTerm>,
    pub articles: Vec<RankedArticle>,
    /// The best raw section score.
    pub top_section: f32,
}

fn add_article(
    writer: &IndexWriter,
    f: &Fields,
    article: &Article,
    analyze: &dyn Fn(&str) -> Vec<String>,
) -> IndexResult<()> {
    let id = id_u64(article.id);
    let sections = markdown::sections(&article.body);
    let mut whole = TantivyDocument::default();
    whole.add_u64(f.article_id, id);
    whole.add_text(f.kind, "article");
    whole.add_text(f.a_title, &article.title);
    whole.add_text(f.a_path, path_words(article));
    let mut all = String::new();
    for s in &sections {
        all.push_str(&s.heading);
        all.push('\n');
        all.push_str(&s.text);
        all.push('\n');
    }
    whole.add_text(f.a_all, &all);
    writer.add_document(whole)?;
    for (ordinal, section) in sections.iter().enumerate() {
        writer.add_document(section_doc(f, article, ordinal, section, analyze))?;
    }
    if sections.is_empty() {
        // An article without text can still be found by its title.
        let empty = Section {
            anchor: String::new(),
            heading: String::new(),
            level: 0,
            trail: Vec::new(),
            text: String::new(),
            steps: Vec::new(),
        };
        writer.add_document(section_doc(f, article, 0, &empty, analyze))?;
    }
    Ok(())
}

fn section_doc(
    f: &Fields,
    article: &Article,
    ordinal: usize,
    s: &Section,
    analyze: &dyn Fn(&str) -> Vec<String>,
) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_u64(f.article_id, id_u64(article.id));
    doc.add_u64(f.s_article, id_u64(article.id));
    doc.add_u64(f.s_ordinal, ordinal as u64);
    doc.add_text(f.s_slug, &article.slug);
    doc.add_text(f.s_title, &article.title);
    doc.add_text(f.s_anchor, &s.anchor);
    // The heading first (shown), then the headings above it (searched).
    let mut heading = s.heading.clone();
    for t in &s.trail {
        heading.push('\n');
        heading.push_str(t);
    }
    let mut terms: Vec<String> = Vec::new();
    for part in [article.title.as_str(), heading.as_str(), s.text.as_str()] {
        terms.extend(analyze(part));
    }
    terms.sort_unstable();
    terms.dedup();
    doc.add_text(f.s_terms, terms.join(" "));
    doc.add_text(f.s_heading, &heading);
    doc.add_text(f.s_text, &s.text);
    doc.add_text(
        f.s_steps,
        serde_json::to_string(&s.steps).unwrap_or_else(|_| "[]".into()),
    );
    doc
}

/// Words of an article's place in the documentation: its path says which
/// product and side (buyers, sellers) it is about.
fn path_words(article: &Article) -> String {
    let path = article.source_path.as_deref().unwrap_or(&article.slug);
    path.split(['/', '-', '_', ' ', '.'])
        .filter(|w| !w.is_empty() && *w != "index")
        .collect::<Vec<_>>()
        .join(" ")
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_owned()
}

fn u64_of(doc: &TantivyDocument, field: Field) -> Option<i64> {
    doc.get_first(field)
        .and_then(|v| v.as_u64())
        .and_then(|v| i64::try_from(v).ok())
}

fn id_u64(id: i64) -> u64 {
    u64::try_from(id).unwrap_or_default()
}

fn stamp_of(index: &Index) -> Option<Stamp> {
    let metas = index.load_metas().ok()?;
    serde_json::from_str(metas.payload.as_deref()?).ok()
}

fn dir_has_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some())
}

/// Words that carry no meaning for retrieval (after stemming).
fn is_stopword(token: &str) -> bool {
    STOPWORDS.binary_search(&token).is_ok()
        || token.len() < 2 && !token.chars().all(|c| c.is_ascii_digit())
}

/// Sorted, stemmed as the index stems.
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "ani", "anyth", "are", "as", "at",
    "be", "becaus", "been", "befor", "being", "between", "both", "but", "by", "can", "could",
    "did", "do", "doe", "don", "dure", "each", "even", "ever", "for", "from", "get", "got", "had",
    "has", "have", "he", "her", "here", "hi", "how", "i", "if", "in", "into", "is", "it", "it'",
    "its", "just", "know", "let", "like", "may", "me", "might", "more", "most", "much", "must",
    "my", "need", "no", "not", "now", "of", "on", "onc", "one", "onli", "or", "other", "our",
    "out", "over", "pleas", "same", "see", "seem", "shall", "she", "should", "so", "some",
    "someth", "still", "such", "than", "thank", "that", "the", "their", "them", "then", "there",
    "these", "they", "thing", "this", "those", "through", "to", "too", "tri", "under", "until",
    "up", "us", "use", "veri", "via", "want", "was", "way", "we", "were", "what", "when", "where",
    "whether", "whi", "which", "while", "who", "will", "with", "within", "without", "work",
    "would", "yes", "yet", "you", "your",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_one_or_two_edits() {
        assert!(within_typo("reopn", "reopen"));
        assert!(within_typo("closd", "close"));
        assert!(
            within_typo("recieve", "receive"),
            "a transposition is one edit"
        );
        assert!(within_typo("accomodation", "accommodation"));
        assert!(!within_typo("pay", "day"), "too short to guess");
        assert!(!within_typo("hotel", "motels"), "two edits on a short word");
        assert_eq!(levenshtein("kitten", "sitting", 5), 3);
    }

    #[test]
    fn stopwords_are_sorted_for_binary_search() {
        assert!(
            STOPWORDS.windows(2).all(|w| w[0] < w[1]),
            "{:?}",
            STOPWORDS.windows(2).find(|w| w[0] >= w[1])
        );
        assert!(is_stopword("the"));
        assert!(is_stopword("whi"));
        assert!(!is_stopword("booking"));
    }
}
