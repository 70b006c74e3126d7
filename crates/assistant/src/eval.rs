//! Measuring AIna: recall@k and MRR of the articles an answer references,
//! and how honestly it refuses questions the knowledge base cannot answer.

use serde::Deserialize;

/// One line of a question file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalQuestion {
    pub question: String,
    /// Source paths (or slugs) of the articles that answer it; empty when
    /// the knowledge base does not.
    pub expected: Vec<String>,
}

/// Reads a JSON Lines question file; blank lines are skipped, a malformed
/// line is an error naming its number.
pub fn parse_questions(text: &str) -> Result<Vec<EvalQuestion>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// What AIna did with one question.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub answered: bool,
    /// The referenced articles' source paths (or slugs), in answer order.
    pub articles: Vec<String>,
}

/// A question whose expected article was not first.
#[derive(Debug, Clone)]
pub struct Miss {
    pub question: String,
    pub expected: Vec<String>,
    pub got: Vec<String>,
    pub answered: bool,
    /// 1-based rank of the first expected article, if referenced at all.
    pub rank: Option<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Scores {
    pub answerable: usize,
    pub out_of_scope: usize,
    pub recall_at_1: f64,
    pub recall_at_3: f64,
    pub recall_at_5: f64,
    pub mrr: f64,
    /// Share of out-of-scope questions answered `false` (higher is better).
    pub honest_refusals: f64,
    /// Share of answerable questions wrongly answered `false` (lower is better).
    pub wrong_refusals: f64,
    pub misses: Vec<Miss>,
}

fn normalize(path: &str) -> &str {
    let p = path.trim().trim_start_matches('/');
    p.strip_suffix(".md").unwrap_or(p)
}

/// Scores outcomes against questions (same order).
pub fn score(questions: &[EvalQuestion], outcomes: &[Outcome]) -> Scores {
    let mut s = Scores::default();
    let (mut hits1, mut hits3, mut hits5, mut rr) = (0usize, 0usize, 0usize, 0.0f64);
    let (mut refused_oos, mut refused_answerable) = (0usize, 0usize);
    for (q, o) in questions.iter().zip(outcomes) {
        if q.expected.is_empty() {
            s.out_of_scope += 1;
            if !o.answered {
                refused_oos += 1;
            }
            continue;
        }
        s.answerable += 1;
        if !o.answered {
            refused_answerable += 1;
        }
        let mut distinct: Vec<&str> = Vec::new();
        if o.answered {
            for a in &o.articles {
                let a = normalize(a);
                if !distinct.contains(&a) {
                    distinct.push(a);
                }
            }
        }
        let rank = distinct
            .iter()
            .position(|a| q.expected.iter().any(|e| normalize(e) == *a))
            .map(|i| i + 1);
        if let Some(r) = rank {
            hits1 += usize::from(r <= 1);
            hits3 += usize::from(r <= 3);
            hits5 += usize::from(r <= 5);
            rr += 1.0 / r as f64;
        }
        if rank != Some(1) {
            s.misses.push(Miss {
                question: q.question.clone(),
                expected: q.expected.clone(),
                got: distinct.iter().take(5).map(|a| (*a).to_owned()).collect(),
                answered: o.answered,
                rank,
            });
        }
    }
    let n = s.answerable.max(1) as f64;
    s.recall_at_1 = hits1 as f64 / n;
    s.recall_at_3 = hits3 as f64 / n;
    s.recall_at_5 = hits5 as f64 / n;
    s.mrr = rr / n;
    s.honest_refusals = refused_oos as f64 / s.out_of_scope.max(1) as f64;
    s.wrong_refusals = refused_answerable as f64 / n;
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(expected: &[&str]) -> EvalQuestion {
        EvalQuestion {
            question: "q".into(),
            expected: expected.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn o(answered: bool, articles: &[&str]) -> Outcome {
        Outcome {
            answered,
            articles: articles.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn recall_and_mrr_count_distinct_articles_in_order() {
        let questions = [q(&["a"]), q(&["b", "x"]), q(&["c"]), q(&[]), q(&[])];
        let outcomes = [
            o(true, &["a", "b"]),
            // Several sections of one article count once: "x" is 3rd.
            o(true, &["d", "d", "e", "/x.md"]),
            // Refused: nothing counts even if listed.
            o(false, &["c"]),
            o(false, &[]),
            o(true, &["a"]),
        ];
        let s = score(&questions, &outcomes);
        assert_eq!((s.answerable, s.out_of_scope), (3, 2));
        assert!((s.recall_at_1 - 1.0 / 3.0).abs() < 1e-9);
        assert!((s.recall_at_3 - 2.0 / 3.0).abs() < 1e-9);
        assert!((s.mrr - (1.0 + 1.0 / 3.0) / 3.0).abs() < 1e-9);
        assert!((s.honest_refusals - 0.5).abs() < 1e-9);
        assert!((s.wrong_refusals - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(s.misses.len(), 2);
        assert_eq!(s.misses[0].rank, Some(3));
    }

    #[test]
    fn malformed_lines_are_named() {
        let err =
            parse_questions("{\"question\":\"a\",\"expected\":[]}\n\nnot json\n").unwrap_err();
        assert!(err.starts_with("line 3:"), "{err}");
    }
}
