//! The help center and the article editor: browsing, search, article pages
//! whose heading ids are AIna's anchors, hostile Markdown rendered inert,
//! administrators only in the editor, CSRF on every post.

use super::client::{PageSession, csrf_of};
use crate::helpers::{TestApp, both_backends};
use serde_json::{Value, json};

both_backends!(
    browse_search_and_article_pages,
    article_anchors_are_the_ones_aina_links_to,
    hostile_markdown_is_inert_on_the_page_and_in_the_preview,
    only_administrators_reach_the_editor,
    an_administrator_writes_and_edits_through_the_forms,
    editor_posts_without_the_csrf_token_change_nothing,
);

const REOPENING: &str = "A closed case cannot receive new messages.\n\n\
## Reopen a closed case\n\n\
To continue the conversation of a closed case:\n\n\
1. Open the case from the dashboard.\n\
2. Press **Reopen case**.\n\
3. Describe what still does not work and submit.\n\n\
### What the new case shows\n\n\
A new case is created that shows the original history.\n\n\
## Reopen a closed case\n\n\
A second heading with the same words gets its own anchor.\n";

const STATUSES: &str = "## Pending Seller\n\n\
The seller must act before the access can work, for example by enabling your credentials.\n\n\
## Not Working\n\nA test failed; the connection case explains which one.\n";

const HOSTILE: &str = "Invoices are monthly.\n\n\
<script>alert('x')</script>\n\n\
## Pay <img src=x onerror=alert(1)>\n\n\
[click me](javascript:alert(1)) and [spaced](java\tscript:alert(2)) \
<a href=\"javascript:alert(3)\">raw link</a>\n\n\
![pic](javascript:alert(4)) <svg onload=alert(5)>\n\n\
<iframe src=\"https://evil.example\"></iframe>\n";

/// A page session whose CSRF token is read from the help center (every
/// signed-in person can open it, whatever their start page is).
async fn session(app: &TestApp, token: &str) -> PageSession {
    let mut s = app.page_session(token).await;
    if s.csrf.is_empty() {
        s.csrf = csrf_of(&app.page(&s, "/kb").await.text());
    }
    assert!(!s.csrf.is_empty(), "a CSRF token on the help center");
    s
}

async fn write(app: &TestApp, admin: &str, body: Value) -> Value {
    app.post(admin, "/api/v1/kb/articles", body)
        .await
        .expect_status(201)
        .json()
}

/// The rendered article body of an article page (or a preview).
fn body_of(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"));
    let rest = &html[start..];
    let end = rest
        .find("</article>")
        .or_else(|| rest.find("</section>"))
        .unwrap_or(rest.len());
    rest[..end].to_owned()
}

/// Nothing of the hostile article became markup: every real tag (text
/// shows `<` as `&lt;`, so each `<` opens one) is harmless.
#[track_caller]
fn assert_inert(fragment: &str) {
    for tag in fragment.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("").to_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("");
        assert!(
            !["script", "img", "svg", "iframe", "object", "embed", "style"].contains(&name),
            "<{tag}> is markup in: {fragment}"
        );
        assert!(
            !tag.contains("javascript:") && !tag.contains("script:"),
            "<{tag}> carries a script URL in: {fragment}"
        );
        assert!(
            !tag.split_whitespace()
                .skip(1)
                .any(|attr| attr.starts_with("on")),
            "<{tag}> carries an event handler in: {fragment}"
        );
    }
    assert!(
        fragment.contains("&lt;script&gt;") || fragment.contains("&#60;script&#62;"),
        "the script is shown as text: {fragment}"
    );
}

async fn browse_search_and_article_pages(app: TestApp) {
    let w = app.world().await;
    let reopening = write(
        &app,
        &w.admin,
        json!({ "title": "Reopening a closed case", "slug": "cases/reopening",
                "category": "Cases", "body": REOPENING }),
    )
    .await;
    write(
        &app,
        &w.admin,
        json!({ "title": "Connection statuses", "category": "Connections", "body": STATUSES }),
    )
    .await;
    let s = session(&app, &w.a_member).await;

    // The front page: every category with its articles, and a search box.
    let front = app.page(&s, "/kb").await.expect_status(200).text();
    assert!(front.contains("aria-current=\"page\">Help center<"), "nav");
    assert!(front.contains("data-category=\"Cases\""));
    assert!(front.contains("data-category=\"Connections\""));
    assert!(front.contains("href=\"/kb/cases/reopening\""));
    assert!(front.contains("href=\"/kb/connection-statuses\""));
    assert!(front.contains("action=\"/kb/search\""));

    // One category.
    let cases = app
        .page(&s, "/kb?category=Cases")
        .await
        .expect_status(200)
        .text();
    assert!(cases.contains("href=\"/kb/cases/reopening\""));
    assert!(!cases.contains("href=\"/kb/connection-statuses\""));
    let nothing = app.page(&s, "/kb?category=Nope").await.expect_status(200);
    assert!(nothing.text().contains("No articles in this category"));

    // Search: title, category and the section, linked to its anchor.
    let found = app
        .page(&s, "/kb/search?q=reopen+closed+case")
        .await
        .expect_status(200)
        .text();
    assert!(found.contains("data-testid=\"kb-result\""));
    assert!(found.contains("Reopening a closed case"));
    assert!(found.contains("href=\"/kb?category=Cases\""), "{found}");
    assert!(
        found.contains("href=\"/kb/cases/reopening#reopen-a-closed-case\""),
        "{found}"
    );
    let api = app
        .get(&w.a_member, "/api/v1/kb/search?q=reopen+closed+case")
        .await
        .json();
    assert!(found.contains(&format!(
        "href=\"{}\"",
        api["items"][0]["url"].as_str().unwrap()
    )));
    let none = app
        .page(&s, "/kb/search?q=apple+pay+checkout")
        .await
        .expect_status(200)
        .text();
    assert!(none.contains("data-testid=\"kb-no-results\""));
    let empty = app.page(&s, "/kb/search?q=").await.expect_status(200);
    assert!(!empty.text().contains("data-testid=\"kb-result\""));
    let long = app
        .page(&s, &format!("/kb/search?q={}", "a".repeat(1200)))
        .await
        .expect_status(200);
    assert!(long.text().contains("role=\"alert\""));

    // The article: a slug with '/', breadcrumbs, category, date, contents.
    let page = app
        .page(&s, "/kb/cases/reopening")
        .await
        .expect_status(200)
        .text();
    assert!(page.contains("<h1 id=\"Article-title\">Reopening a closed case</h1>"));
    let crumbs = body_of(&page, "data-testid=\"breadcrumbs\"");
    assert!(crumbs.contains("href=\"/kb\""));
    assert!(crumbs.contains("<a href=\"/kb?category=Cases\">Cases</a>"));
    assert!(page.contains("data-testid=\"kb-updated\""));
    let updated = reopening["updated_at"].as_str().unwrap();
    assert!(
        page.contains(&format!("datetime=\"{}", &updated[..16])),
        "the updated date {updated}"
    );
    let toc = body_of(&page, "data-testid=\"kb-toc\"");
    for anchor in reopening["sections"].as_array().unwrap() {
        let a = anchor["anchor"].as_str().unwrap();
        assert!(toc.contains(&format!("href=\"#{a}\"")), "{a} in {toc}");
        assert!(page.contains(&format!("id=\"{a}\"")), "{a} on the page");
    }
    assert!(page.contains("<li>Press <strong>Reopen case</strong>.</li>"));
    // Partners get no editor link.
    assert!(!page.contains("/admin/kb/"));

    // Unknown or malformed slugs: a 404 page.
    for path in ["/kb/cases/nope", "/kb/Bad_Slug", "/kb/cases//reopening"] {
        let r = app.page(&s, path).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(r.text().contains("Not found"), "{path}");
    }

    // Staff read the help center too; administrators get an edit link.
    let agent = session(&app, &w.agent).await;
    app.page(&agent, "/kb/cases/reopening")
        .await
        .expect_status(200);
    let admin = session(&app, &w.admin).await;
    let as_admin = app
        .page(&admin, "/kb/cases/reopening")
        .await
        .expect_status(200)
        .text();
    assert!(as_admin.contains(&format!("href=\"/admin/kb/{}/edit\"", reopening["id"])));

    // Not signed in: sign in first.
    let anon = PageSession {
        cookie: String::new(),
        csrf: String::new(),
    };
    assert_eq!(app.page(&anon, "/kb/cases/reopening").await.status, 303);
    app.shutdown().await;
}

async fn article_anchors_are_the_ones_aina_links_to(app: TestApp) {
    let w = app.world().await;
    write(
        &app,
        &w.admin,
        json!({ "title": "Reopening a closed case", "slug": "cases/reopening",
                "category": "Cases", "body": REOPENING }),
    )
    .await;
    write(
        &app,
        &w.admin,
        json!({ "title": "Connection statuses", "category": "Connections", "body": STATUSES }),
    )
    .await;
    let s = session(&app, &w.a_member).await;
    let mut cited = 0;
    for (subject, description) in [
        (
            "How do I reopen a closed case?",
            "Our case was closed but the problem came back.",
        ),
        (
            "Connection stuck in Pending Seller",
            "What must the seller do before the access works?",
        ),
    ] {
        let reply = app
            .post(
                &w.a_member,
                "/api/v1/assistant/ask",
                json!({ "subject": subject, "description": description }),
            )
            .await
            .expect_status(200)
            .json();
        let references = reply["answer"]["references"].as_array().unwrap();
        cited += references.len();
        for r in references {
            let url = r["url"].as_str().unwrap();
            let (path, anchor) = url.split_once('#').expect("a section link");
            let page = app.page(&s, path).await.expect_status(200).text();
            let body = body_of(&page, "data-testid=\"kb-body\"");
            assert!(
                body.contains(&format!("id=\"{anchor}\"")),
                "AIna's {url} lands on a heading: {body}"
            );
            assert!(
                page.contains(&format!("href=\"#{anchor}\"")),
                "and the contents list it"
            );
        }
    }
    assert!(cited > 0, "AIna cited sections");
    // The same anchors as the API's section list, duplicates included.
    let article = app
        .get(&w.a_member, "/api/v1/kb/by-slug/cases/reopening")
        .await
        .expect_status(200)
        .json();
    let anchors: Vec<&str> = article["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["anchor"].as_str().unwrap())
        .collect();
    assert_eq!(anchors.len(), 3);
    assert_ne!(
        anchors[0], anchors[2],
        "repeated headings get distinct anchors"
    );
    let page = app.page(&s, "/kb/cases/reopening").await.text();
    let body = body_of(&page, "data-testid=\"kb-body\"");
    let ids: Vec<&str> = body
        .match_indices(" id=\"")
        .map(|(i, m)| {
            let rest = &body[i + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(ids, anchors);
    app.shutdown().await;
}

async fn hostile_markdown_is_inert_on_the_page_and_in_the_preview(app: TestApp) {
    let w = app.world().await;
    let admin = session(&app, &w.admin).await;
    // Written through the editor.
    let saved = app
        .submit(
            &admin,
            "/admin/kb/new",
            &[
                ("title", "Invoices <script>alert(1)</script>"),
                ("slug", "billing/invoices"),
                ("category", "Billing <b>x</b>"),
                ("body", HOSTILE),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert_eq!(saved.location(), "/kb/billing/invoices");

    for token in [&w.a_member, &w.admin] {
        let s = session(&app, token).await;
        let page = app
            .page(&s, "/kb/billing/invoices")
            .await
            .expect_status(200)
            .text();
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(!page.contains("<b>x</b>"));
        assert!(
            page.contains("Invoices &lt;script&gt;") || page.contains("Invoices &#60;script&#62;")
        );
        assert_inert(&body_of(&page, "data-testid=\"kb-body\""));
        assert!(page.contains("Invoices are monthly."));
        // The browse and search pages escape the title too.
        let front = app.page(&s, "/kb").await.text();
        assert!(!front.contains("<script>alert") && !front.contains("<b>x</b>"));
        let found = app.page(&s, "/kb/search?q=invoices+monthly").await.text();
        assert!(found.contains("data-testid=\"kb-result\""), "{found}");
        assert!(!found.contains("<script>alert") && !found.contains("<b>x</b>"));
    }

    // The htmx preview fragment.
    let fragment = app
        .submit(&admin, "/admin/kb/preview", &[("body", HOSTILE)])
        .await
        .expect_status(200)
        .text();
    assert!(fragment.contains("data-testid=\"preview\""));
    assert!(!fragment.contains("<html"), "a fragment, not a page");
    assert_inert(&fragment);
    // The preview without JavaScript: the whole form with the preview.
    let page = app
        .submit(
            &admin,
            "/admin/kb/new",
            &[
                ("title", "Draft"),
                ("category", "Billing"),
                ("body", HOSTILE),
                ("action", "preview"),
            ],
        )
        .await
        .expect_status(200)
        .text();
    assert_inert(&body_of(&page, "data-testid=\"preview\""));
    // The textarea keeps the Markdown, escaped.
    let textarea = body_of(&page, "name=\"body\"");
    assert!(
        textarea.contains("script&gt;alert(") || textarea.contains("script&#62;alert("),
        "{textarea}"
    );
    assert!(!page.contains("<script>alert"));
    // Previewing saved nothing.
    let list = app.get(&w.admin, "/api/v1/kb/articles").await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    app.shutdown().await;
}

async fn only_administrators_reach_the_editor(app: TestApp) {
    let w = app.world().await;
    let article = write(
        &app,
        &w.admin,
        json!({ "title": "Billing basics", "category": "Billing", "body": "## Invoices\n\nMonthly." }),
    )
    .await;
    let id = article["id"].as_i64().unwrap();
    let edit = format!("/admin/kb/{id}/edit");
    let delete = format!("/admin/kb/{id}/delete");
    for token in [&w.a_member, &w.a_admin, &w.agent, &w.product] {
        let s = session(&app, token).await;
        for path in ["/admin/kb", "/admin/kb/new", edit.as_str()] {
            let r = app.page(&s, path).await;
            assert_eq!(r.status, 403, "{path}");
            assert!(!r.text().contains("Billing basics"));
        }
        let fields = [
            ("title", "Taken over"),
            ("category", "Billing"),
            ("body", "x"),
            ("action", "save"),
        ];
        assert_eq!(app.submit(&s, "/admin/kb/new", &fields).await.status, 403);
        assert_eq!(app.submit(&s, &edit, &fields).await.status, 403);
        assert_eq!(
            app.submit(&s, "/admin/kb/preview", &[("body", "# Hi")])
                .await
                .status,
            403
        );
        assert_eq!(app.submit(&s, &delete, &[]).await.status, 403);
        let page = app.page(&s, "/kb").await.text();
        assert!(!page.contains("href=\"/admin/kb"), "no editor links");
    }
    let list = app.get(&w.admin, "/api/v1/kb/articles").await.json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["title"], "Billing basics");
    app.shutdown().await;
}

async fn an_administrator_writes_and_edits_through_the_forms(app: TestApp) {
    let w = app.world().await;
    let s = session(&app, &w.admin).await;
    let empty = app.page(&s, "/admin/kb").await.expect_status(200).text();
    assert!(empty.contains("data-testid=\"kb-admin-empty\""));
    assert!(empty.contains("href=\"/admin/kb/new\""));
    let form = app
        .page(&s, "/admin/kb/new")
        .await
        .expect_status(200)
        .text();
    assert!(form.contains("name=\"body\""));
    assert!(form.contains("hx-post=\"/admin/kb/preview\""));
    assert!(form.contains("name=\"action\" value=\"preview\""));

    // Invalid input: the form again, with messages and the text kept.
    let body = "Intro line.\n\n## Upload logs\n\n1. Open the case.\n2. Attach the file.\n";
    let bad = app
        .submit(
            &s,
            "/admin/kb/new",
            &[
                ("title", ""),
                ("slug", "Not A Slug"),
                ("category", "Cases"),
                ("body", body),
                ("action", "save"),
            ],
        )
        .await
        .expect_status(422)
        .text();
    assert!(bad.contains("id=\"kb-title-error\""));
    assert!(bad.contains("id=\"kb-slug-error\""));
    assert!(bad.contains("value=\"Not A Slug\""));
    assert!(bad.contains("value=\"Cases\""));
    assert!(
        bad.contains("Intro line.\n\n## Upload logs\n\n1. Open the case."),
        "{bad}"
    );

    // Saved: the article page shows it.
    let ok = app
        .submit(
            &s,
            "/admin/kb/new",
            &[
                ("title", "Uploading logs"),
                ("slug", ""),
                ("category", "Cases"),
                ("body", body),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.text());
    assert_eq!(ok.location(), "/kb/uploading-logs");
    let page = app
        .page(&s, "/kb/uploading-logs")
        .await
        .expect_status(200)
        .text();
    assert!(page.contains("Uploading logs"));
    assert!(
        page.contains("<h2 id=\"upload-logs\">Upload logs</h2>"),
        "{page}"
    );
    assert!(page.contains("<li>Attach the file.</li>"));
    let article = app
        .get(&w.a_member, "/api/v1/kb/by-slug/uploading-logs")
        .await
        .expect_status(200)
        .json();
    let id = article["id"].as_i64().unwrap();
    let member = session(&app, &w.a_member).await;
    app.page(&member, "/kb/uploading-logs")
        .await
        .expect_status(200);

    // The list, its filter, and the edit form holding the article.
    let list = app.page(&s, "/admin/kb").await.expect_status(200).text();
    assert!(list.contains(&format!("data-article-id=\"{id}\"")));
    let filtered = app.page(&s, "/admin/kb?q=nothing+like+it").await.text();
    assert!(!filtered.contains(&format!("data-article-id=\"{id}\"")));
    let by_word = app.page(&s, "/admin/kb?q=LOGS&category=Cases").await.text();
    assert!(by_word.contains(&format!("data-article-id=\"{id}\"")));
    let edit = format!("/admin/kb/{id}/edit");
    let form = app.page(&s, &edit).await.expect_status(200).text();
    assert!(form.contains("value=\"Uploading logs\""));
    assert!(form.contains("value=\"uploading-logs\""));
    assert!(form.contains("## Upload logs"));
    assert!(form.contains(&format!("action=\"/admin/kb/{id}/delete\"")));
    assert!(form.contains("data-confirm="));

    // A preview while editing changes nothing yet.
    let previewed = app
        .submit(
            &s,
            &edit,
            &[
                ("title", "Uploading log files"),
                ("slug", "cases/logs"),
                ("category", "Cases"),
                ("body", "## Attach logs\n\nZip them first."),
                ("action", "preview"),
            ],
        )
        .await
        .expect_status(200)
        .text();
    assert!(previewed.contains("<h2 id=\"attach-logs\">Attach logs</h2>"));
    assert!(previewed.contains("value=\"Uploading log files\""));
    app.page(&s, "/kb/uploading-logs").await.expect_status(200);

    // Saving the edit moves the article.
    let saved = app
        .submit(
            &s,
            &edit,
            &[
                ("title", "Uploading log files"),
                ("slug", "cases/logs"),
                ("category", "Cases"),
                ("body", "## Attach logs\n\nZip them first."),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert_eq!(saved.location(), "/kb/cases/logs");
    let page = app
        .page(&member, "/kb/cases/logs")
        .await
        .expect_status(200)
        .text();
    assert!(page.contains("Uploading log files"));
    assert!(page.contains("Zip them first."));
    assert_eq!(app.page(&member, "/kb/uploading-logs").await.status, 404);

    // A slug another article has: the form again, nothing changed.
    write(
        &app,
        &w.admin,
        json!({ "title": "Other", "slug": "other", "category": "Cases", "body": "x" }),
    )
    .await;
    let taken = app
        .submit(
            &s,
            &edit,
            &[
                ("title", "Uploading log files"),
                ("slug", "other"),
                ("category", "Cases"),
                ("body", "Changed"),
                ("action", "save"),
            ],
        )
        .await
        .expect_status(422)
        .text();
    assert!(taken.contains("id=\"kb-slug-error\""));
    assert!(taken.contains("Changed"));
    let still = app
        .get(&w.admin, &format!("/api/v1/kb/articles/{id}"))
        .await
        .json();
    assert_eq!(still["slug"], "cases/logs");

    // Unknown ids are not found.
    assert_eq!(app.page(&s, "/admin/kb/999999/edit").await.status, 404);
    assert_eq!(app.page(&s, "/admin/kb/abc/edit").await.status, 404);

    // Deleting.
    let gone = app.submit(&s, &format!("/admin/kb/{id}/delete"), &[]).await;
    assert_eq!(gone.status, 303);
    assert_eq!(gone.location(), "/admin/kb");
    assert_eq!(app.page(&member, "/kb/cases/logs").await.status, 404);
    app.get(&w.admin, &format!("/api/v1/kb/articles/{id}"))
        .await
        .expect_status(404);
    app.shutdown().await;
}

async fn editor_posts_without_the_csrf_token_change_nothing(app: TestApp) {
    let w = app.world().await;
    let article = write(
        &app,
        &w.admin,
        json!({ "title": "Kept", "category": "Cases", "body": "Original." }),
    )
    .await;
    let id = article["id"].as_i64().unwrap();
    let s = session(&app, &w.admin).await;
    let fields = [
        ("title", "Forged"),
        ("category", "Cases"),
        ("body", "Forged."),
        ("action", "save"),
    ];
    let wrong = [
        ("title", "Forged"),
        ("category", "Cases"),
        ("body", "Forged."),
        ("action", "save"),
        ("csrf", "0123456789abcdef0123456789abcdef"),
    ];
    for path in [
        "/admin/kb/new".to_owned(),
        format!("/admin/kb/{id}/edit"),
        format!("/admin/kb/{id}/delete"),
        "/admin/kb/preview".to_owned(),
    ] {
        let r = app.submit_raw(&s, &path, &fields).await;
        assert_eq!(r.status, 403, "{path}");
        assert!(r.text().contains("This form has expired"));
        assert_eq!(
            app.submit_raw(&s, &path, &wrong).await.status,
            403,
            "{path}"
        );
    }
    let list = app.get(&w.admin, "/api/v1/kb/articles").await.json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["title"], "Kept");
    let kept = app
        .get(&w.admin, &format!("/api/v1/kb/articles/{id}"))
        .await
        .json();
    assert_eq!(kept["body"], "Original.");
    app.shutdown().await;
}
