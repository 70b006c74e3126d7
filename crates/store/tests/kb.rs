//! Knowledge-base stories, each on SQLite and on PostgreSQL: articles, the
//! listing, the revision counter the search index follows, and re-import.
#![allow(clippy::unwrap_used)]

#[macro_use]
#[allow(dead_code)]
mod common;

use frontdesk_domain::Timestamp;
use frontdesk_store::kb::{ArticleInput, ImportCounts};
use frontdesk_store::{Store, StoreError};
use std::collections::BTreeSet;

stories! {
    articles_round_trip_and_conflict,
    articles_list_by_category_in_pages,
    changes_since_follow_inserts_updates_and_deletes,
    import_of_five_thousand_articles,
    import_picks_free_slugs_and_spares_portal_articles,
}

const T0: Timestamp = Timestamp(1_700_000_000_000);

fn at(offset_ms: i64) -> Timestamp {
    Timestamp(T0.0 + offset_ms)
}

fn article(slug: &str, title: &str, category: &str) -> ArticleInput {
    ArticleInput {
        slug: slug.into(),
        title: title.into(),
        category: category.into(),
        body: format!("# {title}\n\nAbout {title}."),
        source_path: None,
        source_url: None,
        content_hash: format!("hash-{slug}-1"),
    }
}

fn imported(n: usize, version: u32) -> ArticleInput {
    ArticleInput {
        slug: format!("guides/article-{n:05}"),
        title: format!("Article {n:05}"),
        category: format!("Category {:02}", n % 20),
        body: format!(
            "# Article {n}\n\nVersion {version}. {}",
            "Text. ".repeat(40)
        ),
        source_path: Some(format!("guides/article-{n:05}.md")),
        source_url: n
            .is_multiple_of(2)
            .then(|| format!("https://docs.example/guides/{n}")),
        content_hash: format!("h{n}-v{version}"),
    }
}

async fn insert(store: &Store, a: &ArticleInput, now: Timestamp) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let row = tx.insert_article(a, now).await.unwrap();
    tx.commit().await.unwrap();
    row.id
}

async fn import(
    store: &Store,
    batch: &[ArticleInput],
    prune: bool,
    now: Timestamp,
) -> ImportCounts {
    let mut tx = store.begin().await.unwrap();
    let counts = tx.import_articles(batch, prune, now).await.unwrap();
    tx.commit().await.unwrap();
    counts
}

// ----------------------------------------------------------------- stories

async fn articles_round_trip_and_conflict(store: Store) {
    assert_eq!(store.kb_revision().await.unwrap(), 0);
    let mut a = article("cases/reopen", "Reopening a case", "Cases");
    a.source_path = Some("cases/reopen.md".into());
    a.source_url = Some("https://docs.example/cases/reopen".into());
    let b = article("billing/vat", "VAT on invoices", "Billing");

    // Two inserts in one transaction are one revision.
    let mut tx = store.begin().await.unwrap();
    let row_a = tx.insert_article(&a, at(1)).await.unwrap();
    let row_b = tx.insert_article(&b, at(1)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.kb_revision().await.unwrap(), 1);
    assert_eq!((row_a.revision, row_b.revision), (1, 1));
    assert_eq!(row_a.slug, "cases/reopen");
    assert_eq!(row_a.source_path.as_deref(), Some("cases/reopen.md"));
    assert_eq!(
        row_a.source_url.as_deref(),
        Some("https://docs.example/cases/reopen")
    );
    assert_eq!(row_a.content_hash, "hash-cases/reopen-1");
    assert_eq!((row_a.created_at, row_a.updated_at), (at(1), at(1)));
    assert_eq!(row_b.source_path, None);
    assert_eq!(store.article(row_a.id).await.unwrap(), Some(row_a.clone()));
    assert_eq!(
        store.article_by_slug("billing/vat").await.unwrap(),
        Some(row_b.clone())
    );
    assert_eq!(store.article(row_a.id + row_b.id + 10).await.unwrap(), None);
    assert_eq!(store.article_by_slug("nope").await.unwrap(), None);

    // A taken slug or source path is a conflict and changes nothing.
    let mut tx = store.begin().await.unwrap();
    let dup = tx
        .insert_article(&article("cases/reopen", "Other", "Cases"), at(2))
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let mut same_path = article("cases/reopen-2", "Other", "Cases");
    same_path.source_path = a.source_path.clone();
    let dup = tx.insert_article(&same_path, at(2)).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    drop(tx);
    assert_eq!(store.kb_revision().await.unwrap(), 1);

    // Update replaces the fields, keeps created_at, stamps a new revision.
    let mut changed = article("billing/vat-rates", "VAT rates", "Billing");
    changed.content_hash = "hash-2".into();
    let mut tx = store.begin().await.unwrap();
    let updated = tx
        .update_article(row_b.id, &changed, at(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        tx.update_article(9_999, &changed, at(5)).await.unwrap(),
        None
    );
    tx.commit().await.unwrap();
    assert_eq!(updated.id, row_b.id);
    assert_eq!(updated.slug, "billing/vat-rates");
    assert_eq!(updated.title, "VAT rates");
    assert_eq!(updated.content_hash, "hash-2");
    assert_eq!((updated.created_at, updated.updated_at), (at(1), at(5)));
    assert_eq!(updated.revision, 2);
    assert_eq!(store.article_by_slug("billing/vat").await.unwrap(), None);
    assert_eq!(store.article(row_b.id).await.unwrap(), Some(updated));

    let mut tx = store.begin().await.unwrap();
    let taken = tx
        .update_article(row_b.id, &article("cases/reopen", "X", "Cases"), at(6))
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    drop(tx);

    // A transaction that finds nothing to change costs no revision.
    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.update_article(9_999, &changed, at(7)).await.unwrap(),
        None
    );
    assert!(!tx.delete_article(9_999).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(store.kb_revision().await.unwrap(), 2);

    let mut tx = store.begin().await.unwrap();
    assert!(tx.delete_article(row_a.id).await.unwrap());
    assert!(!tx.delete_article(row_a.id).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(store.kb_revision().await.unwrap(), 3);
    assert_eq!(store.article(row_a.id).await.unwrap(), None);
    // The slug and path are free again.
    let again = insert(&store, &a, at(8)).await;
    assert_ne!(again, row_a.id, "ids are never reused");
}

async fn articles_list_by_category_in_pages(store: Store) {
    // 25 articles over three categories, inserted out of order; two share
    // a title, so the id breaks the tie.
    let mut expected = Vec::new();
    for n in [
        7, 3, 11, 0, 24, 19, 5, 14, 1, 22, 9, 16, 2, 20, 13, 8, 4, 23, 17, 6, 10, 21, 12, 15, 18,
    ] {
        let category = ["Billing", "Cases", "Integrations"][n % 3];
        let title = if n == 4 || n == 7 {
            "Same title".to_owned()
        } else {
            format!("Title {n:02}")
        };
        let mut a = article(&format!("a-{n}"), &title, category);
        if n.is_multiple_of(5) {
            a.source_path = Some(format!("docs/a-{n}.md"));
            a.source_url = Some(format!("https://docs.example/a-{n}"));
        }
        let id = insert(&store, &a, at(n as i64)).await;
        expected.push((category.to_owned(), title, id, format!("a-{n}")));
    }
    expected.sort();
    assert_eq!(store.kb_revision().await.unwrap(), 25);

    // Every page continues after the last row of the one before.
    let mut seen = Vec::new();
    let mut after: Option<(String, String, i64)> = None;
    loop {
        let page = store
            .list_articles(
                None,
                after.as_ref().map(|(c, t, i)| (c.as_str(), t.as_str(), *i)),
                10,
            )
            .await
            .unwrap();
        assert!(page.len() <= 10);
        let Some(last) = page.last() else { break };
        after = Some((last.category.clone(), last.title.clone(), last.id));
        seen.extend(page);
    }
    let got: Vec<_> = seen
        .iter()
        .map(|s| (s.category.clone(), s.title.clone(), s.id, s.slug.clone()))
        .collect();
    assert_eq!(got, expected);
    let first = seen.iter().find(|s| s.slug == "a-10").unwrap();
    assert_eq!(
        first.source_url.as_deref(),
        Some("https://docs.example/a-10")
    );
    assert_eq!(first.updated_at, at(10));

    // One category, in pages of 3.
    let cases: Vec<_> = expected.iter().filter(|e| e.0 == "Cases").collect();
    let mut seen = Vec::new();
    let mut after: Option<(String, String, i64)> = None;
    loop {
        let page = store
            .list_articles(
                Some("Cases"),
                after.as_ref().map(|(c, t, i)| (c.as_str(), t.as_str(), *i)),
                3,
            )
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.category.clone(), last.title.clone(), last.id));
        seen.extend(page.into_iter().map(|s| s.id));
    }
    assert_eq!(seen, cases.iter().map(|e| e.2).collect::<Vec<_>>());
    assert!(
        store
            .list_articles(Some("Nothing"), None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        store.article_categories().await.unwrap(),
        vec![
            ("Billing".to_owned(), 9),
            ("Cases".to_owned(), 8),
            ("Integrations".to_owned(), 8)
        ]
    );

    // By ids: in the order asked, missing ones left out, each once.
    let ids = [expected[5].2, 99_999, expected[0].2, expected[5].2];
    let rows = store.articles_by_ids(&ids).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![expected[5].2, expected[0].2]
    );
    assert!(store.articles_by_ids(&[]).await.unwrap().is_empty());

    // Source paths of every article; empty for portal articles.
    let paths = store.article_source_paths().await.unwrap();
    assert_eq!(paths.len(), 25);
    assert!(paths.windows(2).all(|w| w[0].0 < w[1].0));
    let a10 = paths.iter().find(|p| p.2 == "a-10").unwrap();
    assert_eq!(a10.1, "docs/a-10.md");
    let a11 = paths.iter().find(|p| p.2 == "a-11").unwrap();
    assert_eq!(a11.1, "");
}

async fn changes_since_follow_inserts_updates_and_deletes(store: Store) {
    let empty = store.kb_changes_since(0).await.unwrap();
    assert_eq!(empty.revision, 0);
    assert!(empty.changed.is_empty() && empty.deleted.is_empty());

    let a = insert(&store, &article("a", "A", "X"), at(1)).await;
    let b = insert(&store, &article("b", "B", "X"), at(2)).await;
    let c = insert(&store, &article("c", "C", "Y"), at(3)).await;
    let all = store.kb_changes_since(0).await.unwrap();
    assert_eq!(all.revision, 3);
    assert_eq!(
        all.changed
            .iter()
            .map(|r| (r.id, r.revision))
            .collect::<Vec<_>>(),
        vec![(a, 1), (b, 2), (c, 3)]
    );
    assert_eq!(all.changed[1], store.article(b).await.unwrap().unwrap());
    let since_2 = store.kb_changes_since(2).await.unwrap();
    assert_eq!(
        since_2.changed.iter().map(|r| r.id).collect::<Vec<_>>(),
        [c]
    );

    // An update and a delete in one transaction: one revision.
    let mut tx = store.begin().await.unwrap();
    tx.update_article(a, &article("a", "A again", "X"), at(4))
        .await
        .unwrap()
        .unwrap();
    assert!(tx.delete_article(b).await.unwrap());
    tx.commit().await.unwrap();
    let after = store.kb_changes_since(3).await.unwrap();
    assert_eq!(after.revision, 4);
    assert_eq!(after.changed.len(), 1);
    assert_eq!((after.changed[0].id, after.changed[0].revision), (a, 4));
    assert_eq!(after.changed[0].title, "A again");
    assert_eq!(after.deleted, vec![b]);
    assert_eq!(
        common::raw_i64(&format!(
            "SELECT revision FROM kb_tombstones WHERE article_id = {b}"
        ))
        .await,
        4
    );

    // Nothing new: nothing returned. A full read lists tombstones too.
    let none = store.kb_changes_since(4).await.unwrap();
    assert_eq!(none.revision, 4);
    assert!(none.changed.is_empty() && none.deleted.is_empty());
    let full = store.kb_changes_since(0).await.unwrap();
    assert_eq!(
        full.changed.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![a, c]
    );
    assert_eq!(full.deleted, vec![b]);
}

async fn import_of_five_thousand_articles(store: Store) {
    let portal = insert(&store, &article("welcome", "Welcome", "General"), at(0)).await;
    let batch: Vec<ArticleInput> = (0..5_000).map(|n| imported(n, 1)).collect();
    let started = std::time::Instant::now();
    let counts = import(&store, &batch, true, at(100)).await;
    eprintln!(
        "{}: imported 5,000 articles in {:?}",
        store.backend().name(),
        started.elapsed()
    );
    assert_eq!(
        counts,
        ImportCounts {
            created: 5_000,
            updated: 0,
            unchanged: 0,
            deleted: 0
        }
    );
    assert_eq!(store.kb_revision().await.unwrap(), 2, "one bump per import");
    let first = store.kb_changes_since(1).await.unwrap();
    assert_eq!(first.revision, 2);
    assert_eq!(first.changed.len(), 5_000);
    assert!(first.changed.iter().all(|r| r.revision == 2));
    let a7 = store
        .article_by_slug("guides/article-00007")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a7.title, "Article 00007");
    assert_eq!(a7.source_path.as_deref(), Some("guides/article-00007.md"));
    assert_eq!(a7.source_url, None);
    assert_eq!(a7.content_hash, "h7-v1");
    assert_eq!((a7.created_at, a7.updated_at), (at(100), at(100)));
    let a8 = store
        .article_by_slug("guides/article-00008")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        a8.source_url.as_deref(),
        Some("https://docs.example/guides/8")
    );

    // The same folder again: nothing to do, not even a revision.
    let again = import(&store, &batch, true, at(150)).await;
    assert_eq!(again.unchanged, 5_000);
    assert_eq!((again.created, again.updated, again.deleted), (0, 0, 0));
    assert_eq!(store.kb_revision().await.unwrap(), 2);

    // Ten articles changed, five files gone.
    let changed: BTreeSet<usize> = (0..10).map(|k| k * 450 + 3).collect();
    let gone: BTreeSet<usize> = (0..5).map(|k| k * 999 + 1).collect();
    let second: Vec<ArticleInput> = (0..5_000)
        .filter(|n| !gone.contains(n))
        .map(|n| imported(n, if changed.contains(&n) { 2 } else { 1 }))
        .collect();
    let started = std::time::Instant::now();
    let counts = import(&store, &second, true, at(200)).await;
    eprintln!(
        "{}: re-imported 4,995 articles in {:?}",
        store.backend().name(),
        started.elapsed()
    );
    assert_eq!(
        counts,
        ImportCounts {
            created: 0,
            updated: 10,
            unchanged: 4_985,
            deleted: 5
        }
    );
    assert_eq!(store.kb_revision().await.unwrap(), 3);

    let delta = store.kb_changes_since(2).await.unwrap();
    assert_eq!(delta.revision, 3);
    let changed_slugs: BTreeSet<String> = delta.changed.iter().map(|r| r.slug.clone()).collect();
    let expected: BTreeSet<String> = changed
        .iter()
        .map(|n| format!("guides/article-{n:05}"))
        .collect();
    assert_eq!(changed_slugs, expected);
    for r in &delta.changed {
        assert_eq!(r.revision, 3);
        assert_eq!((r.created_at, r.updated_at), (at(100), at(200)));
        assert!(r.body.contains("Version 2."), "{}", r.body);
        assert!(r.content_hash.ends_with("-v2"));
    }
    let gone_ids: Vec<i64> = first
        .changed
        .iter()
        .filter(|r| {
            gone.iter()
                .any(|n| r.source_path.as_deref() == Some(&format!("guides/article-{n:05}.md")))
        })
        .map(|r| r.id)
        .collect();
    assert_eq!(gone_ids.len(), 5);
    assert_eq!(delta.deleted, gone_ids);
    for id in &gone_ids {
        assert_eq!(store.article(*id).await.unwrap(), None);
    }
    assert_eq!(
        common::raw_i64("SELECT COUNT(*) FROM kb_tombstones WHERE revision = 3").await,
        5
    );

    // Unchanged articles keep their revision and time.
    let a7 = store
        .article_by_slug("guides/article-00007")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((a7.revision, a7.updated_at), (2, at(100)));
    assert_eq!(
        common::raw_i64("SELECT COUNT(*) FROM kb_articles WHERE revision = 2").await,
        4_985
    );
    // The portal article is never pruned.
    assert!(store.article(portal).await.unwrap().is_some());
    assert_eq!(
        store.kb_changes_since(0).await.unwrap().changed.len(),
        4_996
    );
}

async fn import_picks_free_slugs_and_spares_portal_articles(store: Store) {
    let portal = insert(&store, &article("setup", "Setup", "General"), at(0)).await;
    let mut first = imported(1, 1);
    first.slug = "setup".into();
    let mut second = imported(2, 1);
    second.slug = "setup".into();
    let third = imported(3, 1);
    let counts = import(
        &store,
        &[first.clone(), second.clone(), third.clone()],
        false,
        at(10),
    )
    .await;
    assert_eq!(counts.created, 3);
    let slug_of = async |path: &str| {
        store
            .article_source_paths()
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.1 == path)
            .map(|p| p.2)
    };
    assert_eq!(
        slug_of("guides/article-00001.md").await.as_deref(),
        Some("setup-2")
    );
    assert_eq!(
        slug_of("guides/article-00002.md").await.as_deref(),
        Some("setup-3")
    );
    assert_eq!(store.article(portal).await.unwrap().unwrap().slug, "setup");

    // Without prune, missing files stay; a changed article keeps its slug.
    let mut changed = first.clone();
    changed.content_hash = "new".into();
    changed.title = "Setup, again".into();
    let counts = import(&store, &[changed], false, at(20)).await;
    assert_eq!(
        counts,
        ImportCounts {
            created: 0,
            updated: 1,
            unchanged: 0,
            deleted: 0
        }
    );
    let row = store.article_by_slug("setup-2").await.unwrap().unwrap();
    assert_eq!(row.title, "Setup, again");

    // With prune, only imported articles not in the batch go; a new file
    // may take the slug of one pruned in the same import.
    let mut moved = imported(4, 1);
    moved.slug = third.slug.clone();
    let counts = import(&store, &[first.clone(), moved], true, at(30)).await;
    assert_eq!(
        counts,
        ImportCounts {
            created: 1,
            updated: 1,
            unchanged: 0,
            deleted: 2
        }
    );
    assert_eq!(
        slug_of("guides/article-00004.md").await,
        Some(third.slug.clone())
    );
    assert!(store.article(portal).await.unwrap().is_some());
    assert_eq!(store.article_source_paths().await.unwrap().len(), 3);

    // A path twice, or none, is refused.
    let mut tx = store.begin().await.unwrap();
    let twice = tx
        .import_articles(&[first.clone(), first.clone()], false, at(40))
        .await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    let none = tx
        .import_articles(&[article("x", "X", "Y")], false, at(40))
        .await;
    assert!(none.is_err());
}
