//! Tenant isolation: nothing of one organization reaches another's users,
//! whatever the endpoint, and the Company tab honours its setting.

use crate::helpers::*;
use frontdesk_domain::org::CompanyVisibility;
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

both_backends!(
    other_organization_sees_nothing,
    company_tab_for_admins_only,
    user_in_two_organizations,
);

const SECRET_SUBJECT: &str = "Alpha contract renegotiation";
const SECRET_TEXT: &str = "Our margin with the bed bank is 7.5 percent";
const SECRET_FILE: &str = "alpha-margins.log";

fn log_form(name: &str, bytes: &[u8]) -> Form {
    Form::new().part(
        "file",
        Part::bytes(bytes.to_vec())
            .file_name(name.to_owned())
            .mime_str("text/plain")
            .unwrap(),
    )
}

/// Not a success, and nothing of the case in the answer.
#[track_caller]
fn refused_without_leak(r: &Resp, allowed: &[u16], what: &str) {
    assert!(
        allowed.contains(&r.status.as_u16()),
        "{what}: expected one of {allowed:?}, got {} {}",
        r.status,
        r.text()
    );
    r.problem(r.status.as_u16());
    let body = r.text();
    for secret in [
        SECRET_SUBJECT,
        SECRET_TEXT,
        SECRET_FILE,
        "Ana Admin",
        A_ADMIN,
    ] {
        assert!(!body.contains(secret), "{what} leaked {secret:?}: {body}");
    }
}

async fn other_organization_sees_nothing(app: TestApp) {
    let w = app.world().await;
    let a_case = app
        .create_case(&w.a_admin, None, "billing", SECRET_SUBJECT, SECRET_TEXT)
        .await;
    let x = a_case["id"].as_i64().unwrap();
    let att = app
        .send(
            app.request(
                Method::POST,
                &format!("/api/v1/cases/{x}/attachments"),
                Some(&w.a_admin),
            )
            .multipart(log_form(SECRET_FILE, b"margin=7.5\n")),
        )
        .await
        .expect_status(201)
        .json();
    let att_url = att["url"].as_str().unwrap().to_owned();
    let b_case = app
        .create_case(
            &w.b_member,
            None,
            "customer_care",
            "Beta question",
            "Beta only",
        )
        .await;
    let y = b_case["id"].as_i64().unwrap();
    let before = app.case(&w.agent, x).await;

    let b = &w.b_member;
    let attempts: Vec<(&str, Resp, &[u16])> = vec![
        (
            "GET case",
            app.get(b, &format!("/api/v1/cases/{x}")).await,
            &[404][..],
        ),
        (
            "POST message",
            app.post(
                b,
                &format!("/api/v1/cases/{x}/messages"),
                json!({ "body": "hello from Beta" }),
            )
            .await,
            &[404][..],
        ),
        (
            "POST participant",
            app.post(
                b,
                &format!("/api/v1/cases/{x}/participants"),
                json!({ "email": "spy@beta.example" }),
            )
            .await,
            &[404][..],
        ),
        (
            "close",
            app.post_empty(b, &format!("/api/v1/cases/{x}/close")).await,
            &[404][..],
        ),
        (
            "reopen",
            app.post_empty(b, &format!("/api/v1/cases/{x}/reopen"))
                .await,
            &[404][..],
        ),
        (
            "upload",
            app.send(
                app.request(
                    Method::POST,
                    &format!("/api/v1/cases/{x}/attachments"),
                    Some(b),
                )
                .multipart(log_form("beta.log", b"from beta\n")),
            )
            .await,
            &[404][..],
        ),
        ("download", app.get(b, &att_url).await, &[404][..]),
        (
            "status",
            app.post(
                b,
                &format!("/api/v1/cases/{x}/status"),
                json!({ "status": "closed" }),
            )
            .await,
            &[403, 404][..],
        ),
        (
            "assign",
            app.post(
                b,
                &format!("/api/v1/cases/{x}/assign"),
                json!({ "assignee_id": null }),
            )
            .await,
            &[403, 404][..],
        ),
        (
            "escalate",
            app.post(
                b,
                &format!("/api/v1/cases/{x}/escalate"),
                json!({ "team": PRODUCT_TEAM }),
            )
            .await,
            &[403, 404][..],
        ),
    ];
    for (what, r, allowed) in &attempts {
        refused_without_leak(r, allowed, what);
    }
    // Absent, not forbidden: another organization's case looks exactly
    // like one that does not exist.
    let missing = app.get(b, "/api/v1/cases/999999").await.problem(404);
    let foreign = app.get(b, &format!("/api/v1/cases/{x}")).await.problem(404);
    assert_eq!(missing, foreign);
    // Lists and searches never show it.
    for params in [
        vec![("status", "all"), ("scope", "company")],
        vec![
            ("id", &*x.to_string()),
            ("status", "all"),
            ("scope", "company"),
        ],
        vec![
            ("q", "renegotiation"),
            ("status", "all"),
            ("scope", "company"),
        ],
        vec![
            ("category", "billing"),
            ("status", "all"),
            ("scope", "company"),
        ],
    ] {
        let got = app.list_ids(b, &params).await;
        assert!(!got.contains(&x), "{params:?} showed A's case: {got:?}");
    }
    assert_eq!(
        app.list_ids(b, &[("status", "all"), ("scope", "company")])
            .await,
        vec![y]
    );
    let a_list = app
        .list_ids(&w.a_admin, &[("status", "all"), ("scope", "company")])
        .await;
    assert_eq!(a_list, vec![x], "A's list never holds B's case");
    app.get(&w.a_admin, &format!("/api/v1/cases/{y}"))
        .await
        .problem(404);

    // Nothing changed on A's case.
    let after = app.case(&w.agent, x).await;
    assert_eq!(after["status"], "open");
    assert_eq!(after["messages"], before["messages"]);
    assert_eq!(after["participants"], before["participants"]);
    assert_eq!(after["attachments"], before["attachments"]);
    assert_eq!(after["events"], before["events"]);
    assert_eq!(after["updated_at"], before["updated_at"]);

    // A closed case is still absent to B (not "not closed"/"already").
    app.post_empty(&w.a_admin, &format!("/api/v1/cases/{x}/close"))
        .await
        .expect_status(200);
    refused_without_leak(
        &app.post_empty(b, &format!("/api/v1/cases/{x}/reopen"))
            .await,
        &[404],
        "reopen closed",
    );
    assert_eq!(app.case(&w.a_admin, x).await["reopened_as"], json!(null));

    // Staff outbox and queues are staff-only.
    app.get(b, "/api/v1/staff/outbox").await.problem(403);
    app.get(b, "/api/v1/staff/cases?status=all")
        .await
        .problem(403);

    app.shutdown().await;
}

async fn company_tab_for_admins_only(app: TestApp) {
    let w = app.world().await;
    app.app
        .set_company_visibility(w.org_a, CompanyVisibility::Admins)
        .await
        .unwrap();
    let private = app
        .create_case(&w.a_admin, None, "billing", SECRET_SUBJECT, SECRET_TEXT)
        .await["id"]
        .as_i64()
        .unwrap();
    let shared = app
        .send(
            app.request(Method::POST, "/api/v1/cases", Some(&w.a_admin))
                .json(&json!({
                    "category": "customer_care",
                    "subject": "Shared with Max",
                    "description": "Max takes part",
                    "participants": [A_MEMBER],
                })),
        )
        .await
        .expect_status(201)
        .json()["id"]
        .as_i64()
        .unwrap();
    let own = app
        .create_case(&w.a_member, None, "customer_care", "Max's own", "Mine")
        .await["id"]
        .as_i64()
        .unwrap();

    // The member sees what they requested or take part in, nothing else.
    let m = &w.a_member;
    refused_without_leak(
        &app.get(m, &format!("/api/v1/cases/{private}")).await,
        &[404],
        "GET private",
    );
    refused_without_leak(
        &app.post_empty(m, &format!("/api/v1/cases/{private}/close"))
            .await,
        &[404],
        "close private",
    );
    refused_without_leak(
        &app.post(
            m,
            &format!("/api/v1/cases/{private}/messages"),
            json!({ "body": "peek" }),
        )
        .await,
        &[404],
        "message private",
    );
    app.case(m, shared).await;
    let mut mine = app.list_ids(m, &[("status", "all")]).await;
    mine.sort_unstable();
    assert_eq!(mine, vec![shared, own]);
    let mut mine = app
        .list_ids(m, &[("status", "all"), ("scope", "mine")])
        .await;
    mine.sort_unstable();
    assert_eq!(mine, vec![shared, own]);
    let by_id = app
        .list_ids(m, &[("id", &private.to_string()), ("status", "all")])
        .await;
    assert!(by_id.is_empty());
    app.get(m, "/api/v1/cases?scope=company")
        .await
        .problem_with(403, "admins");
    // The admin sees the company's cases.
    let mut company = app
        .list_ids(&w.a_admin, &[("status", "all"), ("scope", "company")])
        .await;
    company.sort_unstable();
    assert_eq!(company, vec![private, shared, own]);
    app.case(&w.a_admin, own).await;

    // Back to everyone: the member sees the Company tab again at once.
    app.app
        .set_company_visibility(w.org_a, CompanyVisibility::Members)
        .await
        .unwrap();
    let mut company = app
        .list_ids(m, &[("status", "all"), ("scope", "company")])
        .await;
    company.sort_unstable();
    assert_eq!(company, vec![private, shared, own]);
    app.case(m, private).await;

    app.shutdown().await;
}

async fn user_in_two_organizations(app: TestApp) {
    let w = app.world().await;
    let in_a = app
        .create_case(&w.both, Some(ORG_A), "customer_care", "Kim for Alpha", "A")
        .await;
    assert_eq!(in_a["organization_id"], w.org_a.0);
    let in_b = app
        .send(
            app.request(
                Method::POST,
                &format!("/api/v1/cases?org={ORG_B}"),
                Some(&w.both),
            )
            .json(&json!({
                "category": "customer_care",
                "subject": "Kim for Beta",
                "description": "B",
            })),
        )
        .await
        .expect_status(201)
        .json();
    assert_eq!(in_b["organization_id"], w.org_b.0);
    assert_eq!(in_b["organization_name"], "Beta Tours");
    let (ca, cb) = (in_a["id"].as_i64().unwrap(), in_b["id"].as_i64().unwrap());
    // Without a header Kim acts in Alpha Travel.
    let default = app
        .create_case(&w.both, None, "billing", "Default org", "?")
        .await;
    assert_eq!(default["organization_id"], w.org_a.0);
    let cd = default["id"].as_i64().unwrap();

    let list_in = |org: &'static str| {
        let (appr, token) = (&app, &w.both);
        async move {
            let rb = appr
                .request(Method::GET, "/api/v1/cases", Some(token))
                .header("x-organization", org)
                .query(&[("status", "all"), ("scope", "company")]);
            let mut v = ids(appr.send(rb).await.expect_status(200).json()["items"]
                .as_array()
                .unwrap());
            v.sort_unstable();
            v
        }
    };
    assert_eq!(list_in(ORG_A).await, vec![ca, cd]);
    assert_eq!(list_in(ORG_B).await, vec![cb]);
    let mut default_list = app.list_ids(&w.both, &[("status", "all")]).await;
    default_list.sort_unstable();
    assert_eq!(default_list, vec![ca, cd]);

    // Each case only under its own organization.
    app.get_in(&w.both, ORG_A, &format!("/api/v1/cases/{cb}"))
        .await
        .problem(404);
    app.get(&w.both, &format!("/api/v1/cases/{cb}"))
        .await
        .problem(404);
    app.get_in(&w.both, ORG_B, &format!("/api/v1/cases/{ca}"))
        .await
        .problem(404);
    app.get_in(&w.both, ORG_B, &format!("/api/v1/cases/{cb}"))
        .await
        .expect_status(200);
    app.get(&w.both, &format!("/api/v1/cases/{cb}?org={ORG_B}"))
        .await
        .expect_status(200);
    app.send(
        app.request(
            Method::POST,
            &format!("/api/v1/cases/{cb}/messages"),
            Some(&w.both),
        )
        .header("x-organization", ORG_A)
        .json(&json!({ "body": "wrong hat" })),
    )
    .await
    .problem(404);
    assert_eq!(
        app.get_in(&w.both, ORG_B, &format!("/api/v1/cases/{cb}"))
            .await
            .json()["messages"],
        json!([])
    );

    // Colleagues of each organization see their own organization's case only.
    let a_company = app
        .list_ids(&w.a_admin, &[("status", "all"), ("scope", "company")])
        .await;
    assert!(a_company.contains(&ca) && !a_company.contains(&cb));
    let b_company = app
        .list_ids(&w.b_member, &[("status", "all"), ("scope", "company")])
        .await;
    assert_eq!(b_company, vec![cb]);

    app.shutdown().await;
}
