use super::*;
use crate::tests_support::{allow, inline, load, trust};

fn world() -> World {
    let assume_b = allow(r#""sts:AssumeRole""#, "arn:aws:iam::222222222222:role/B");
    let read = inline(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]}"#,
    );
    let nothing = inline(r#"{"Version": "2012-10-17", "Statement": []}"#);
    load(&format!(
        r#"
[[account]]
id = "111111111111"
name = "apps"
[[account]]
id = "222222222222"
[[account]]
id = "333333333333"

[[role]]
arn = "arn:aws:iam::111111111111:role/A"
trust = {ec2}
policies = [{assume_b}]

[[role]]
arn = "arn:aws:iam::111111111111:role/X"
trust = {ec2}
policies = [{assume_b}]

[[instance_profile]]
arn = "arn:aws:iam::111111111111:instance-profile/A"
role = "A"

[[role]]
arn = "arn:aws:iam::222222222222:role/B"
trust = {trust_b}
policies = [{read}]

# Trusts account 3 as a whole: its many roles must not each get a failing edge.
[[role]]
arn = "arn:aws:iam::222222222222:role/Shared"
trust = {trust_root}
policies = [{nothing}]

[[role]]
arn = "arn:aws:iam::333333333333:role/C1"
trust = {ec2}
policies = [{nothing}]

[[role]]
arn = "arn:aws:iam::333333333333:role/C2"
trust = {ec2}
policies = [{nothing}]

[[bucket]]
name = "data"
account = "222222222222"
"#,
        ec2 = trust(r#"{"Service": "ec2.amazonaws.com"}"#),
        trust_b = trust(r#"{"AWS": "arn:aws:iam::111111111111:role/A"}"#),
        trust_root = trust(r#"{"AWS": "arn:aws:iam::333333333333:root"}"#),
    ))
}

fn edges(graph: &WorldGraph) -> Vec<(String, String, Edge)> {
    let mut edges: Vec<(String, String, Edge)> = graph
        .graph
        .edge_references()
        .map(|edge| {
            (
                graph.graph[edge.source()].label.clone(),
                graph.graph[edge.target()].label.clone(),
                edge.weight().clone(),
            )
        })
        .collect();
    edges.sort_by(|left, right| (&left.0, &left.1).cmp(&(&right.0, &right.1)));
    edges
}

fn passes() -> Edge {
    Edge::Assume {
        passes: true,
        reason: None,
        external_id: None,
    }
}

#[test]
fn edges_pass_fail_hold_reach_and_collapse_account_trusts() {
    let graph = build(&world(), &GraphQuery::default()).unwrap_or_default();
    assert_eq!(
        edges(&graph),
        vec![
            // One edge for the whole of account 3, none from C1 or C2.
            (
                "333333333333: every principal".to_owned(),
                "Shared".to_owned(),
                Edge::Delegates
            ),
            (
                "A".to_owned(),
                "A".to_owned(),
                Edge::Holds { ec2_trusted: true }
            ),
            ("A".to_owned(), "B".to_owned(), passes()),
            (
                "B".to_owned(),
                "data".to_owned(),
                Edge::Access {
                    actions: vec!["s3:ListBucket".to_owned(), "s3:GetObject".to_owned()]
                }
            ),
            // X's own policy names B, so the broken link is drawn, with why.
            (
                "X".to_owned(),
                "B".to_owned(),
                Edge::Assume {
                    passes: false,
                    reason: Some("trust policy does not name X".to_owned()),
                    external_id: None
                }
            ),
        ]
    );
    let account = graph
        .graph
        .node_weights()
        .find(|node| node.kind == NodeKind::Account);
    assert_eq!(
        account.and_then(|node| node.account),
        "333333333333".parse().ok()
    );
}

#[test]
fn from_decides_every_candidate_of_the_asked_principal_and_keeps_what_it_reaches() {
    let query = GraphQuery {
        from: Some("arn:aws:iam::333333333333:role/C1".to_owned()),
        ..GraphQuery::default()
    };
    let graph = build(&world(), &query).unwrap_or_default();
    let edges = edges(&graph);
    // C1 is trusted through its account's root, but its own policy allows nothing.
    assert_eq!(edges.len(), 1, "{edges:?}");
    assert_eq!(edges[0].0, "C1");
    assert_eq!(edges[0].1, "Shared");
    assert!(edges[0].2.is_dashed(), "{edges:?}");

    let query = GraphQuery {
        from: Some("arn:aws:iam::111111111111:role/A".to_owned()),
        ..GraphQuery::default()
    };
    let graph = build(&world(), &query).unwrap_or_default();
    let labels: Vec<String> = graph
        .graph
        .node_weights()
        .map(|n| n.label.clone())
        .collect();
    assert_eq!(labels, ["A", "B", "data"]);
}

#[test]
fn to_and_account_filters_keep_what_reaches_and_what_touches() {
    let query = GraphQuery {
        to: Some("data".to_owned()),
        ..GraphQuery::default()
    };
    let graph = build(&world(), &query).unwrap_or_default();
    let mut labels: Vec<String> = graph
        .graph
        .node_weights()
        .map(|n| n.label.clone())
        .collect();
    labels.sort();
    // X's failing edge into B is drawn, but nothing is followed through it.
    assert_eq!(labels, ["A", "A", "B", "X", "data"]);

    let query = GraphQuery {
        account: "333333333333".parse().ok(),
        ..GraphQuery::default()
    };
    let graph = build(&world(), &query).unwrap_or_default();
    let mut labels: Vec<String> = graph
        .graph
        .node_weights()
        .map(|n| n.label.clone())
        .collect();
    labels.sort();
    assert_eq!(
        labels,
        ["333333333333: every principal", "C1", "C2", "Shared"]
    );

    let unknown = GraphQuery {
        to: Some("nope".to_owned()),
        ..GraphQuery::default()
    };
    let error = build(&world(), &unknown)
        .err()
        .map(|error| error.to_string());
    assert!(error.is_some_and(|error| error.starts_with("`--to nope`: no role")));
}

#[test]
fn renderers_group_by_account_and_dash_failures() {
    let graph = build(&world(), &GraphQuery::default()).unwrap_or_default();
    let mermaid = mermaid(&graph);
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(
        mermaid.contains("subgraph account_111111111111[\"111111111111 apps\"]"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("-.->|\"trust policy does not name X\"|"),
        "{mermaid}"
    );
    let dot = dot(&graph);
    assert!(dot.contains("subgraph cluster_222222222222 {"), "{dot}");
    assert!(
        dot.contains("[label=\"trust policy does not name X\", style=dashed, color=red]"),
        "{dot}"
    );
    let html = html(&graph);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<svg"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("stroke-dasharray"), "{html}");
    assert!(html.contains("<title>arn:aws:iam::111111111111:role/A</title>"));
}

#[test]
fn html_escapes_what_the_scenario_names() {
    assert_eq!(
        render::html_escape_for_tests("<b a=\"1\">&'"),
        "&lt;b a=&quot;1&quot;&gt;&amp;&#39;"
    );
}
