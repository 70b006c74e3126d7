//! `frontdesk kb …`: importing documentation, measuring AIna, rebuilding
//! the index.

use anyhow::Context;
use frontdesk_app::App;
use frontdesk_assistant::answer::Question;
use frontdesk_assistant::{eval, import};
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

/// Imports a documentation folder; files that cannot be read are reported
/// by name and skipped, the rest is imported.
pub async fn import(
    app: &App,
    dir: &Path,
    base_url: Option<&str>,
    prune: bool,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let dir_owned = dir.to_path_buf();
    let base = base_url.map(str::to_owned);
    let report = tokio::task::spawn_blocking(move || import::read_dir(&dir_owned, base.as_deref()))
        .await?
        .with_context(|| format!("cannot read {}", dir.display()))?;
    for s in &report.skipped {
        eprintln!("skipped {}: {}", s.path.display(), s.reason);
    }
    if report.articles.is_empty() {
        anyhow::bail!("no articles found in {}", dir.display());
    }
    let parsed = started.elapsed();
    let counts = app.import_articles(&report.articles, prune).await?;
    println!(
        "imported {} articles from {} in {:.1} s (parsing {:.1} s): {} new, {} updated, {} unchanged, {} removed, {} skipped",
        report.articles.len(),
        dir.display(),
        started.elapsed().as_secs_f64(),
        parsed.as_secs_f64(),
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.deleted,
        report.skipped.len()
    );
    Ok(())
}

/// Asks every question of a JSON Lines file and prints recall@1/3/5, MRR,
/// the honesty figures and, with `verbose`, each miss.
pub async fn eval(app: &App, file: &Path, verbose: bool) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let questions =
        eval::parse_questions(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    if questions.is_empty() {
        anyhow::bail!("{} holds no questions", file.display());
    }
    app.sync_index().await?;
    // References name articles by id; the file names them by source path.
    let paths: HashMap<i64, String> = app
        .store
        .article_source_paths()
        .await?
        .into_iter()
        .map(|(id, path, slug)| (id, if path.is_empty() { slug } else { path }))
        .collect();
    let mut outcomes = Vec::with_capacity(questions.len());
    let mut latencies = Vec::with_capacity(questions.len());
    for q in &questions {
        let started = Instant::now();
        let reply = app
            .kb
            .engine
            .ask(&Question {
                subject: q.question.clone(),
                description: String::new(),
            })
            .await?;
        latencies.push(started.elapsed());
        outcomes.push(eval::Outcome {
            answered: reply.answered,
            articles: reply
                .answer
                .references
                .iter()
                .map(|r| paths.get(&r.article_id).cloned().unwrap_or_default())
                .collect(),
        });
    }
    let s = eval::score(&questions, &outcomes);
    if verbose {
        for m in &s.misses {
            println!("MISS  {}", m.question);
            println!("      expected {:?}", m.expected);
            let rank = m.rank.map_or("-".to_owned(), |r| r.to_string());
            println!(
                "      rank {rank}, answered {}, got {:?}",
                m.answered, m.got
            );
        }
        println!();
    }
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1000.0
    };
    println!(
        "{} questions: {} answerable, {} out of scope ({} articles indexed)",
        questions.len(),
        s.answerable,
        s.out_of_scope,
        app.kb.index().articles()
    );
    println!(
        "recall@1 {:.3}  recall@3 {:.3}  recall@5 {:.3}  MRR {:.3}",
        s.recall_at_1, s.recall_at_3, s.recall_at_5, s.mrr
    );
    println!(
        "out of scope answered false: {:.0}%  answerable wrongly answered false: {:.0}%",
        s.honest_refusals * 100.0,
        s.wrong_refusals * 100.0
    );
    println!(
        "answer time: p50 {:.1} ms, p99 {:.1} ms",
        pct(0.5),
        pct(0.99)
    );
    Ok(())
}

/// Seeds the demo's help center: frontdesk's own articles, embedded in the
/// binary and imported like any documentation folder.
pub async fn seed_help_center(app: &App) -> anyhow::Result<usize> {
    let mut articles = Vec::new();
    for (name, raw) in crate::help::ARTICLES {
        let path = name.trim_end_matches(".md");
        let article = import::parse_file(path, raw, None)
            .map_err(|e| anyhow::anyhow!("help article {name}: {e}"))?;
        articles.push(article);
    }
    app.import_articles(&articles, false).await?;
    Ok(articles.len())
}
