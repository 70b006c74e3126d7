//! Filing a case through AIna (each of the three choices), closing and
//! reopening, and a staff member working a case through every status.

use crate::helpers::{A_MEMBER, AGENT, TestApp};
use crate::{sign_in, sign_out, start};
use serde_json::json;

/// A help article AIna can answer "reset the API password" from.
async fn seed_article(app: &TestApp, admin: &str) {
    app.post(
        admin,
        "/api/v1/kb/articles",
        json!({
            "title": "Resetting your API password",
            "slug": "help/api-password",
            "category": "Account",
            "body": "## Reset the API password\n\n\
                     Partners reset the API password of their test environment themselves:\n\n\
                     1. Open Settings and choose API access.\n\
                     2. Press Reset password and confirm.\n\
                     3. Update the password in your system within 24 hours.\n"
        }),
    )
    .await
    .expect_status(201);
}

/// Waits until the case has `status` (the page posted and redirected).
async fn wait_status(app: &TestApp, token: &str, id: i64, status: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        if app.case(token, id).await["status"] == status {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "case #{id} never became {status}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn ask(b: &crate::webdriver::Browser, subject: &str, description: &str) {
    b.go("/cases/new").await;
    b.fill("#subject", subject).await;
    b.fill("#description", description).await;
    b.click("[data-testid=ask]").await;
    b.find("[data-testid=answer]").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filing_a_case_through_each_of_aina_s_three_choices() {
    let Some((app, w, b)) = start().await else {
        return;
    };
    seed_article(&app, &w.admin).await;
    sign_in(&b, A_MEMBER).await;

    // 1. "Yes, it solved my issue": no case.
    ask(
        &b,
        "How do I reset the API password?",
        "Our test API password expired.",
    )
    .await;
    let answer = b.text("[data-testid=answer]").await;
    assert!(
        answer.contains("Reset password"),
        "the steps are shown: {answer}"
    );
    let link = b.find("[data-testid=sources] a").await;
    let href = b.attr(&link, "href").await.unwrap();
    assert!(
        href.contains("/kb/help/api-password#"),
        "a link to the exact section: {href}"
    );
    b.screenshot("aina-answer").await;
    b.click("[data-testid=choice-solved]").await;
    b.find("[data-testid=solved]").await;
    assert_eq!(
        app.list_ids(&w.a_member, &[("status", "all")]).await,
        Vec::<i64>::new()
    );

    // 2. "Go back and rephrase": the text is kept.
    ask(&b, "API password reset", "It says expired since Monday.").await;
    b.click("[data-testid=choice-rephrase]").await;
    b.find("[data-testid=ask-form]").await;
    let subject = b.find("#subject").await;
    assert_eq!(
        b.eval("return document.getElementById('subject').value;")
            .await,
        "API password reset"
    );
    let _ = subject;
    assert_eq!(
        b.eval("return document.getElementById('description').value;")
            .await,
        "It says expired since Monday."
    );

    // 3. "No, I still need help": the prefilled form, a log, a participant.
    b.fill(
        "#description",
        "Reset did not work: error 500 on the Reset button.",
    )
    .await;
    b.click("[data-testid=ask]").await;
    b.find("[data-testid=answer]").await;
    b.click("[data-testid=choice-need-help]").await;
    b.find("[data-testid=case-form]").await;
    assert_eq!(
        b.eval("return document.getElementById('subject').value;")
            .await,
        "API password reset"
    );
    b.fill("#participants", "ops@alpha.example").await;
    let log = std::env::temp_dir().join(format!("fd-browser-{}.log", std::process::id()));
    std::fs::write(&log, "2026-11-23 10:00 POST /reset -> 500\n").unwrap();
    b.attach("#files", &log).await;
    b.screenshot("case-form").await;
    b.click("[data-testid=submit-case]").await;
    let created = b.find("[data-testid=case-created]").await;
    let id: i64 = b
        .attr(&created, "data-case-id")
        .await
        .unwrap()
        .parse()
        .unwrap();
    b.wait_for_text(&format!("#{id}")).await;
    b.screenshot("case-created").await;
    let case = app.case(&w.a_member, id).await;
    assert_eq!(case["subject"], "API password reset");
    assert_eq!(case["attachments"].as_array().unwrap().len(), 1);
    assert_eq!(case["participants"][0], "ops@alpha.example");
    // Agents see what AIna already suggested, as an internal note.
    let staff_view = app.case(&w.agent, id).await;
    assert!(
        staff_view["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["internal"] == true && m["author_name"] == "AIna"),
        "AIna's answer is an internal note: {staff_view}"
    );
    std::fs::remove_file(log).ok();
    b.quit().await;
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_work_a_case_through_every_status_and_the_partner_reopens_it() {
    let Some((app, w, b)) = start().await else {
        return;
    };
    let id = app
        .create_case(
            &w.a_member,
            None,
            "customer_care",
            "Static content missing",
            "Hotel 42 has no images.",
        )
        .await["id"]
        .as_i64()
        .unwrap();

    // Staff: In progress, an internal note, a question to the partner.
    sign_in(&b, AGENT).await;
    b.go(&format!("/cases/{id}")).await;
    b.find("[data-testid=staff-panel]").await;
    b.screenshot("staff-case").await;
    b.click("[data-testid=status-in-progress] button").await;
    wait_status(&app, &w.agent, id, "in_progress").await;
    b.find("[data-testid=reply-form]").await;
    b.click("input[name=visibility][value=internal]").await;
    b.fill(
        "#reply-body",
        "Internal: supplier feed 42 failed on Monday.",
    )
    .await;
    b.click("[data-testid=reply-form] button[type=submit]")
        .await;
    b.wait_for_text("supplier feed 42 failed").await;
    b.click("[data-testid=status-feedback] summary").await;
    b.fill(
        "[data-testid=status-feedback] textarea",
        "Which hotel codes are affected?",
    )
    .await;
    b.click("[data-testid=status-feedback] button[type=submit]")
        .await;
    wait_status(&app, &w.agent, id, "feedback_required").await;
    sign_out(&b).await;

    // Partner: answers (back to In progress); never sees the internal note.
    sign_in(&b, A_MEMBER).await;
    b.go(&format!("/cases/{id}")).await;
    b.wait_for_text("Which hotel codes are affected?").await;
    assert!(
        !b.source().await.contains("supplier feed 42"),
        "internal notes stay internal"
    );
    b.fill("#reply-body", "Codes 42 and 43.").await;
    b.click("[data-testid=reply-form] button[type=submit]")
        .await;
    b.wait_for_text("Codes 42 and 43.").await;
    wait_status(&app, &w.a_member, id, "in_progress").await;
    sign_out(&b).await;

    // Staff: resolve with a solution, then close.
    sign_in(&b, AGENT).await;
    b.go(&format!("/cases/{id}")).await;
    b.click("[data-testid=status-resolve] summary").await;
    b.fill(
        "[data-testid=status-resolve] textarea",
        "The feed was re-imported; images are back.",
    )
    .await;
    b.click("[data-testid=status-resolve] button[type=submit]")
        .await;
    wait_status(&app, &w.agent, id, "resolved").await;
    b.find("[data-testid=status-close]").await;
    b.click("[data-testid=status-close] summary").await;
    b.click("[data-testid=status-close] button[type=submit]")
        .await;
    b.accept_dialog().await;
    wait_status(&app, &w.agent, id, "closed").await;
    sign_out(&b).await;

    // Partner: reopens; the new case shows the original history.
    sign_in(&b, A_MEMBER).await;
    b.go(&format!("/cases/{id}")).await;
    b.click("[data-testid=reopen-case]").await;
    b.find("[data-testid=case-history]").await;
    let path = b.path().await;
    let new_id: i64 = path.trim_start_matches("/cases/").parse().unwrap();
    assert_ne!(new_id, id);
    let history = b.text("[data-testid=case-history]").await;
    assert!(
        history.contains("images are back"),
        "the original conversation: {history}"
    );
    b.screenshot("reopened-case").await;

    // And closes the new one from the dashboard row.
    b.go("/cases").await;
    b.click(&format!("tr[data-case-id='{new_id}'] form button"))
        .await;
    b.accept_dialog().await;
    b.wait_for_text(&format!("Case #{new_id} is closed")).await;
    assert_eq!(app.case(&w.a_member, new_id).await["status"], "closed");
    b.quit().await;
    app.shutdown().await;
}
