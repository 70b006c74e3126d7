use super::*;

fn body(raw: &str) -> String {
    parse_file("docs/page", raw, None).expect("imports").body
}

#[test]
fn slugs_come_from_the_path() {
    let cases = [
        (
            "connectiontypesbuyers/hotel-x/methods/bookingflow/search",
            "connectiontypesbuyers/hotel-x/methods/bookingflow/search",
        ),
        ("a/b/_index", "a/b"),
        (
            "Applications/insights/2019-10-04/index",
            "applications/insights/2019-10-04",
        ),
        ("_index", "home"),
        ("How to guides/Errors", "how-to-guides/errors"),
        ("  Weird__Name!!/ Ünïcode Page ", "weird-name/ünïcode-page"),
    ];
    for (path, slug) in cases {
        assert_eq!(slug_for(path), slug, "{path}");
    }
}

#[test]
fn titles_and_categories_fall_back_in_order() {
    let a = parse_file(
        "getting-started/x",
        "+++\ntitle = \"T\"\nlinkTitle = \"L\"\n+++\nText",
        None,
    )
    .expect("a");
    assert_eq!(
        (a.title.as_str(), a.category.as_str()),
        ("T", "Getting started")
    );
    let a = parse_file(
        "x/y",
        "---\nlinkTitle: L\ncategories: [Billing, Other]\n---\nText",
        None,
    )
    .expect("b");
    assert_eq!((a.title.as_str(), a.category.as_str()), ("L", "Billing"));
    let a = parse_file("x/y", "Intro\n\n# Heading One\n\nText", None).expect("c");
    assert_eq!(a.title, "Heading One");
    let a = parse_file("guides/set-up_now", "Just text.", None).expect("d");
    assert_eq!(
        (a.title.as_str(), a.category.as_str()),
        ("Set up now", "Guides")
    );
    let a = parse_file("connectiontypesbuyers/hotel-x/_index", "Text", None).expect("e");
    assert_eq!(
        (a.title.as_str(), a.category.as_str()),
        ("Hotel x", "Connectiontypesbuyers")
    );
    let a = parse_file("credits", "+++\ncategory = \"About\"\n+++\nText", None).expect("f");
    assert_eq!(a.category, "About");
    assert_eq!(
        parse_file("credits", "Text", None).expect("g").category,
        "General"
    );
}

#[test]
fn drafts_and_empty_pages_are_refused() {
    let draft = parse_file("a", "---\ntitle: A\ndraft: true\n---\nText", None);
    assert_eq!(draft.expect_err("draft").to_string(), "draft");
    let empty = parse_file("a", "{{% custom-children %}}\n<!-- nothing -->\n", None);
    assert_eq!(
        empty.expect_err("empty").to_string(),
        "no title and no text"
    );
    // A title alone is enough: section pages often have nothing else.
    assert!(parse_file("a/_index", "+++\ntitle = \"A\"\n+++\n{{%children%}}", None).is_ok());
}

#[test]
fn description_leads_unless_already_there() {
    let a = body("+++\ndescription = \"What this is.\"\n+++\n\nBody.");
    assert_eq!(a, "What this is.\n\nBody.");
    let a = body("+++\ndescription = \"What this is.\"\n+++\n\nWhat this is. And more.");
    assert_eq!(a, "What this is. And more.");
}

#[test]
fn source_urls_follow_hugo() {
    let url = |path: &str, raw: &str| {
        parse_file(path, raw, Some("https://docs.example.com/"))
            .expect("ok")
            .source_url
    };
    assert_eq!(
        url("How to guides/Errors", "x").as_deref(),
        Some("https://docs.example.com/how-to-guides/errors/")
    );
    assert_eq!(
        url("_index", "x").as_deref(),
        Some("https://docs.example.com/")
    );
    assert_eq!(
        url("a/b", "+++\nurl = \"/custom/place/\"\n+++\nx").as_deref(),
        Some("https://docs.example.com/custom/place/")
    );
    assert_eq!(parse_file("a", "x", None).expect("ok").source_url, None);
}

#[test]
fn shortcodes_leave_their_text() {
    let raw = "Intro {{< icon \"x\" >}}text.\n\n{{% notice warning %}}\nDo not retry.\n{{% /notice %}}\n\n{{% alert theme=\"info\" %}}See <a href=\"https://x.y/z\">the API</a>.{{% /alert %}}\n\n{{< tabs >}}\n{{< tab \"Go Lang\" >}}\nUse the client.\n{{< /tab >}}\n{{< /tabs >}}\n\nSee [the guide]({{< ref \"guides/setup.md\" >}}) now (soon).\n\n{{< highlight go >}}\nfunc main() {}\n{{< /highlight >}}\n";
    assert_eq!(
        body(raw),
        "Intro text.\n\n**Warning:** Do not retry.\n\n**Info:** See [the API](https://x.y/z).\n\n**Go Lang**\n\nUse the client.\n\nSee the guide now (soon).\n\n```go\nfunc main() {}\n```"
    );
}

#[test]
fn admonition_before_a_list_gets_its_own_paragraph() {
    assert_eq!(
        body("{{% notice tip %}}\n- one\n- two\n{{% /notice %}}\nAfter"),
        "**Tip:**\n\n- one\n- two\n\nAfter"
    );
}

#[test]
fn docusaurus_and_mdx_are_unwrapped() {
    let raw = "import Tabs from '@theme/Tabs';\nimport {\n  A,\n  B,\n} from './x';\nexport const meta = {\n  a: 1,\n};\n\n# Title\n\n:::tip Faster searches\nCache the results.\n:::\n\n:::danger\nNever share keys.\n:::\n\n<Tabs>\n  <TabItem value=\"go\" label=\"Go\">\n\n    ```go\n    client.Search()\n    ```\n\n  </TabItem>\n</Tabs>\n\n{/* hidden */}\n<Badge text=\"new\" />\n\nThe <OnRequest> flag.\n";
    assert_eq!(
        body(raw),
        "# Title\n\n**Tip:** Faster searches\n\nCache the results.\n\n**Danger:** Never share keys.\n\n**Go**\n\n```go\nclient.Search()\n```\n\nThe `<OnRequest>` flag."
    );
}

#[test]
fn details_become_headings_under_the_current_one() {
    let raw = "## FAQ\n\n<details>\n  <summary>Can I cancel?</summary>\n\n  Yes, within **24 hours**.\n</details>\n<details><summary><b>Refunds?</b></summary>Within 5 days.</details>\n";
    assert_eq!(
        body(raw),
        "## FAQ\n\n### Can I cancel?\n\nYes, within **24 hours**.\n\n### Refunds?\n\nWithin 5 days."
    );
}

#[test]
fn html_is_reduced_to_markdown_text() {
    let raw = "Before <svg width=\"9\"><path d=\"M0 0\"/><text>in svg</text></svg>after.\n\n<script>var x = 1;</script>\n<style>p { }</style>\n<!-- a {{< figure src=\"x\" >}} comment -->\n<table>\n  <tr><th>Code</th><th>Meaning</th></tr>\n  <tr><td>E1</td><td>Bad<br>input</td></tr>\n</table>\n\n<ul><li>One</li>\n  <li><strong>Two</strong> items</li></ul>\n\nLine<br>break and <code>inline</code>.\n\n| a | b<br>c |\n|---|---|\n";
    assert_eq!(
        body(raw),
        "Before after.\n\nCode | Meaning\n\nE1 | Bad\ninput\n\n- One\n- **Two** items\n\nLine\nbreak and `inline`.\n\n| a | b c |\n|---|---|"
    );
}

#[test]
fn code_is_never_cleaned() {
    let raw = "Text\n\n```html\n<div>{{< tabs >}}</div>\n:::tip\nimport x from 'y'\n```\n\nUse `<Tabs>` and `{{< ref >}}`.\n\n~~~\n<b>\n~~~\n";
    assert_eq!(body(raw), raw.trim());
}

#[test]
fn empty_headings_are_dropped() {
    let raw = "# Page\n\n## GraphQL schema definition\n\n{{% graphql-schema-type %}}\n\n## Fields\n\n{{% graphql-field %}}\n\n## Kept\n\nText\n\n## Parent\n\n### Child\n\nMore\n";
    assert_eq!(
        body(raw),
        "# Page\n\n## Kept\n\nText\n\n## Parent\n\n### Child\n\nMore"
    );
}
