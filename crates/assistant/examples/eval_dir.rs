//! Measures retrieval without a database: imports a documentation folder
//! into an in-memory index and scores a question file.
//!
//! `cargo run --release -p frontdesk-assistant --example eval_dir -- DIR QUESTIONS.jsonl [-v]`

use frontdesk_assistant::answer::{Question, extractive};
use frontdesk_assistant::index::KbIndex;
use frontdesk_assistant::{Article, eval, import};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(file)) = (args.first(), args.get(1)) else {
        eprintln!("usage: eval_dir DIR QUESTIONS.jsonl [-v]");
        std::process::exit(2);
    };
    let verbose = args.iter().any(|a| a == "-v");
    let started = Instant::now();
    let report = import::read_dir(std::path::Path::new(dir), None)?;
    let parse = started.elapsed();
    let articles: Vec<Article> = report
        .articles
        .into_iter()
        .enumerate()
        .map(|(i, a)| Article {
            id: i as i64 + 1,
            slug: a.slug,
            title: a.title,
            category: a.category,
            body: a.body,
            source_path: Some(a.source_path),
            source_url: a.source_url,
            updated_at: 0,
        })
        .collect();
    let index = KbIndex::in_memory()?;
    index.rebuild(&articles, 1)?;
    eprintln!(
        "{} articles ({} skipped), parsed in {:.2}s, indexed in {:.2}s",
        articles.len(),
        report.skipped.len(),
        parse.as_secs_f64(),
        (started.elapsed() - parse).as_secs_f64()
    );
    let questions = eval::parse_questions(&std::fs::read_to_string(file)?)?;
    let mut outcomes = Vec::new();
    let mut ranked = Vec::new();
    let mut times = Vec::new();
    for q in &questions {
        let t = Instant::now();
        let retrieval = index.search(
            &Question {
                subject: q.question.clone(),
                description: String::new(),
            },
            10,
        )?;
        let reply = extractive(&retrieval, |t| index.analyze(t));
        ranked.push(eval::Outcome {
            answered: true,
            articles: retrieval
                .articles
                .iter()
                .map(|a| {
                    articles[(a.sections[0].article_id - 1) as usize]
                        .source_path
                        .clone()
                        .unwrap_or_default()
                })
                .collect(),
        });
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        outcomes.push(eval::Outcome {
            answered: reply.answered,
            articles: reply
                .answer
                .references
                .iter()
                .map(|r| {
                    articles[(r.article_id - 1) as usize]
                        .source_path
                        .clone()
                        .unwrap_or_default()
                })
                .collect(),
        });
        if verbose {
            let expected = if q.expected.is_empty() { "OUT" } else { "in" };
            eprintln!(
                "conf {:.2} answered {} [{expected}] {}",
                reply.confidence,
                reply.answered,
                q.question.chars().take(70).collect::<String>()
            );
        }
    }
    let r = eval::score(&questions, &ranked);
    println!(
        "retrieval alone: r@1 {:.3} r@3 {:.3} r@5 {:.3} MRR {:.3}",
        r.recall_at_1, r.recall_at_3, r.recall_at_5, r.mrr
    );
    let s = eval::score(&questions, &outcomes);
    if verbose {
        for m in &r.misses {
            println!(
                "MISS {:?} rank {:?} answered {}\n  want {:?}\n  got  {:?}",
                m.question, m.rank, m.answered, m.expected, m.got
            );
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "r@1 {:.3} r@3 {:.3} r@5 {:.3} MRR {:.3} | OOS refused {:.0}% | answerable refused {:.0}% | p50 {:.1} ms p99 {:.1} ms",
        s.recall_at_1,
        s.recall_at_3,
        s.recall_at_5,
        s.mrr,
        s.honest_refusals * 100.0,
        s.wrong_refusals * 100.0,
        times[times.len() / 2],
        times[(times.len() * 99 / 100).min(times.len() - 1)]
    );
    Ok(())
}
