//! `frontdesk demo`: believable demo data, created through the same use
//! cases the API calls, so every case has its mails, audit and timers.

use frontdesk_app::{App, AppResult, Caller};
use frontdesk_domain::cases::CaseStatus;
use frontdesk_domain::org::{CompanyVisibility, MemberRole, TeamKind};
use frontdesk_domain::{CaseId, EmailAddress};
use frontdesk_store::orgs::NewOrganization;

/// The one password of every demo account (documented in the README).
pub const DEMO_PASSWORD: &str = "frontdesk-demo";

/// (email, name, role description)
pub const SIGN_INS: [(&str, &str, &str); 10] = [
    ("admin@frontdesk.localhost", "Alex Admin", "administrator"),
    (
        "care@frontdesk.localhost",
        "Carmen Care",
        "staff: Customer Care",
    ),
    (
        "connect@frontdesk.localhost",
        "Conor Connect",
        "staff: Connectivity",
    ),
    (
        "billing@frontdesk.localhost",
        "Bianca Billing",
        "staff: Billing",
    ),
    (
        "product@frontdesk.localhost",
        "Pablo Product",
        "staff: Hotel-X product team",
    ),
    (
        "ana@aurora-travel.example",
        "Ana López",
        "partner admin: Aurora Travel (buyer), member of Blue Lagoon Tours",
    ),
    (
        "ben@aurora-travel.example",
        "Ben Okafor",
        "partner member: Aurora Travel (buyer)",
    ),
    (
        "carla@bluelagoon.example",
        "Carla Rossi",
        "partner admin: Blue Lagoon Tours (buyer)",
    ),
    (
        "sam@sunrise-hotels.example",
        "Sam Whitfield",
        "partner member: Sunrise Hotels (seller)",
    ),
    (
        "nora@nomad-ota.example",
        "Nora Lind",
        "partner member: Nomad OTA (buyer, no contract)",
    ),
];

struct Org(&'static str, &'static str, bool, bool, bool, bool);

const ORGS: [Org; 6] = [
    // code, name, buyer, seller, active, contract
    Org("aurora-travel", "Aurora Travel", true, false, true, true),
    Org(
        "blue-lagoon-tours",
        "Blue Lagoon Tours",
        true,
        false,
        true,
        true,
    ),
    Org("nomad-ota", "Nomad OTA", true, false, true, false),
    Org("sunrise-hotels", "Sunrise Hotels", false, true, true, true),
    Org("palm-bedbank", "Palm Bed Bank", true, true, true, true),
    Org(
        "old-coast-hotels",
        "Old Coast Hotels",
        false,
        true,
        false,
        true,
    ),
];

/// Seeds once; a second run finds the data and leaves it alone.
/// Returns whether anything was created.
pub async fn seed(app: &App) -> AppResult<bool> {
    if app
        .store
        .organization_by_code("aurora-travel")
        .await?
        .is_some()
    {
        return Ok(false);
    }
    for Org(code, name, buyer, seller, active, contract) in ORGS {
        app.create_organization(NewOrganization {
            code: code.into(),
            name: name.into(),
            is_buyer: buyer,
            is_seller: seller,
            active,
            commercial_contract: contract,
            company_visibility: CompanyVisibility::Members,
        })
        .await?;
    }
    app.create_team("hotel-x", "Hotel-X product team", TeamKind::Product)
        .await?;
    app.create_team("inventory", "Inventory product team", TeamKind::Product)
        .await?;
    for (i, (email, name, _)) in SIGN_INS.iter().enumerate() {
        app.create_user(email, name, Some(DEMO_PASSWORD), i == 0)
            .await?;
    }
    for (email, team) in [
        ("care@frontdesk.localhost", "customer-care"),
        ("connect@frontdesk.localhost", "connectivity"),
        ("billing@frontdesk.localhost", "billing"),
        ("product@frontdesk.localhost", "hotel-x"),
    ] {
        app.add_staff(email, team).await?;
    }
    for (email, org, role) in [
        (
            "ana@aurora-travel.example",
            "aurora-travel",
            MemberRole::Admin,
        ),
        (
            "ana@aurora-travel.example",
            "blue-lagoon-tours",
            MemberRole::Member,
        ),
        (
            "ben@aurora-travel.example",
            "aurora-travel",
            MemberRole::Member,
        ),
        (
            "carla@bluelagoon.example",
            "blue-lagoon-tours",
            MemberRole::Admin,
        ),
        (
            "sam@sunrise-hotels.example",
            "sunrise-hotels",
            MemberRole::Member,
        ),
        ("nora@nomad-ota.example", "nomad-ota", MemberRole::Member),
    ] {
        app.set_membership(email, org, role).await?;
    }
    seed_cases(app).await?;
    Ok(true)
}

/// A caller as the API would resolve it, without a token.
pub async fn as_user(app: &App, email: &str, org: Option<&str>) -> AppResult<Caller> {
    let address = EmailAddress::parse(email)
        .map_err(|e| frontdesk_app::AppError::invalid("email", e.to_string()))?;
    let user = app
        .store
        .user_by_email(&address)
        .await?
        .ok_or(frontdesk_app::AppError::NotFound("user"))?;
    let memberships = app.store.memberships(user.id).await?;
    let teams = app.store.user_teams(user.id).await?;
    let current = memberships
        .iter()
        .find(|m| Some(m.org.code.as_str()) == org)
        .or(memberships.first())
        .cloned();
    Ok(Caller {
        user,
        memberships,
        current,
        teams,
    })
}

async fn new_case(
    app: &App,
    who: &Caller,
    category: &str,
    subject: &str,
    description: &str,
    cc: &[&str],
) -> AppResult<CaseId> {
    let input = frontdesk_app::cases::NewCaseInput {
        category: category.into(),
        subject: subject.into(),
        description: description.into(),
        participants: cc.iter().map(|s| (*s).to_owned()).collect(),
        assistant_session_id: None,
    };
    Ok(app.create_case(who, input, None).await?.id)
}

async fn seed_cases(app: &App) -> AppResult<()> {
    let ana = as_user(app, "ana@aurora-travel.example", Some("aurora-travel")).await?;
    let ben = as_user(app, "ben@aurora-travel.example", None).await?;
    let carla = as_user(app, "carla@bluelagoon.example", None).await?;
    let sam = as_user(app, "sam@sunrise-hotels.example", None).await?;
    let care = as_user(app, "care@frontdesk.localhost", None).await?;
    let billing = as_user(app, "billing@frontdesk.localhost", None).await?;
    let product = as_user(app, "product@frontdesk.localhost", None).await?;

    new_case(app, &ana, "customer_care", "Hotel search returns no availability for Barcelona",
        "Since this morning every Search for Barcelona (destination BCN) with check-in next weekend returns an empty list, for all our hotel sellers. Other destinations work. Request IDs: 7f3a91, 7f3a97.", &[]).await?;

    let c = new_case(app, &ben, "customer_care", "Booking confirmation missing supplier reference",
        "Bookings confirmed through Sunrise Hotels since 12 November come back without the supplier locator, so our back office cannot reconcile them. Example booking: AUR-55102.", &["ana@aurora-travel.example"]).await?;
    app.post_message(&care, c, "Thanks Ben, we can reproduce it with AUR-55102 and are checking the mapping of the locator with the seller.", false, "portal").await?;

    let c = new_case(
        app,
        &ana,
        "billing",
        "Invoice for October shows duplicated fees",
        "The October invoice lists the platform fee twice (lines 4 and 9).",
        &[],
    )
    .await?;
    app.set_status(
        &billing,
        c,
        CaseStatus::FeedbackRequired,
        Some("Could you send us the invoice number and the legal entity it was issued to?"),
    )
    .await?;

    let c = new_case(
        app,
        &carla,
        "customer_care",
        "Timeouts on Quote requests",
        "About 8% of our Quote requests time out after 25 s since Monday. Search is fine.",
        &[],
    )
    .await?;
    app.post_message(
        &care,
        c,
        "We are looking into it with our product team and will update you here.",
        false,
        "portal",
    )
    .await?;
    app.post_message(
        &care,
        c,
        "Quote latency spike correlates with the new rate cache; escalating to Hotel-X.",
        true,
        "portal",
    )
    .await?;
    app.escalate(&care, c, "hotel-x").await?;
    app.assign(&care, c, Some(product.user.id)).await?;

    let c = new_case(
        app,
        &carla,
        "customer_care",
        "How do we add a new user to our company?",
        "A new colleague joined our connectivity team and needs access to the portal.",
        &[],
    )
    .await?;
    app.set_status(&care, c, CaseStatus::Resolved, Some("An admin of your organization can invite colleagues from Settings > Users > Invite. They receive an email to set their password.")).await?;

    let c = new_case(
        app,
        &ben,
        "customer_care",
        "Static content: missing hotel images",
        "Hotel 10452 of Sunrise Hotels has no images in the static content download.",
        &[],
    )
    .await?;
    app.set_status(
        &care,
        c,
        CaseStatus::Resolved,
        Some("The seller re-published its image feed; the next content download includes them."),
    )
    .await?;
    app.close_case(&ben, c).await?;

    let c = new_case(app, &sam, "customer_care", "Update of our API endpoint URL",
        "We are moving our Hotel-X endpoint to https://api.sunrise-hotels.example/v2 on 1 December.", &[]).await?;
    app.post_message(
        &care,
        c,
        "Noted. Please confirm once the new endpoint is live in your test environment.",
        false,
        "portal",
    )
    .await?;

    let c = new_case(
        app,
        &ana,
        "customer_care",
        "Cancellation policy not shown for refundable rates",
        "Refundable rates from Palm Bed Bank show no cancellation policy in Quote.",
        &[],
    )
    .await?;
    app.set_status(
        &care,
        c,
        CaseStatus::Resolved,
        Some("Palm Bed Bank fixed the policy mapping on their side."),
    )
    .await?;
    app.close_case(&ana, c).await?;
    app.reopen_case(&ana, c).await?;
    Ok(())
}

pub fn print_sign_ins(app: &App, seeded: bool) {
    println!(
        "frontdesk demo ({}) in {}",
        if seeded {
            "freshly seeded"
        } else {
            "existing data"
        },
        app.config.data_dir.display()
    );
    println!(
        "Open {} in a browser and sign in with any of these (password: {DEMO_PASSWORD}):",
        app.config.public_url
    );
    for (email, _, role) in SIGN_INS {
        println!("  {email:<32} {role}");
    }
    for (email, _, _, role) in crate::demo_sellers::SELLER_SIGN_INS {
        println!("  {email:<32} {role}");
    }
    println!(
        "Mail goes to {}",
        app.config.data_dir.join("maildir/new").display()
    );
}
