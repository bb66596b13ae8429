//! The graph as text: a Mermaid flowchart, Graphviz DOT, or a self-contained HTML page with
//! an inline SVG (one column per account, no script, nothing fetched).

use super::{Edge, NodeKind, WorldGraph};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use xacct_policy::AccountId;

fn account_title(account: AccountId, name: Option<&String>) -> String {
    match name {
        Some(name) => format!("{account} {name}"),
        None => account.to_string(),
    }
}

/// Nodes grouped by account (`None`: outside every account), in node order.
fn by_account(graph: &WorldGraph) -> BTreeMap<Option<AccountId>, Vec<NodeIndex>> {
    let mut groups: BTreeMap<Option<AccountId>, Vec<NodeIndex>> = BTreeMap::new();
    for node in graph.graph.node_indices() {
        if let Some(weight) = graph.graph.node_weight(node) {
            groups.entry(weight.account).or_default().push(node);
        }
    }
    groups
}

fn group_title(graph: &WorldGraph, account: Option<AccountId>) -> String {
    match account {
        Some(account) => account_title(
            account,
            graph.accounts.get(&account).and_then(Option::as_ref),
        ),
        None => "outside every account".to_owned(),
    }
}

fn group_id(account: Option<AccountId>) -> String {
    account.map_or_else(|| "anyone".to_owned(), |account| account.to_string())
}

/// Edges in a stable order: by source, then target, then insertion.
fn sorted_edges(graph: &WorldGraph) -> Vec<(NodeIndex, NodeIndex, &Edge)> {
    let mut edges: Vec<(NodeIndex, NodeIndex, &Edge)> = graph
        .graph
        .edge_references()
        .map(|edge| (edge.source(), edge.target(), edge.weight()))
        .collect();
    edges.sort_by_key(|(source, target, _)| (source.index(), target.index()));
    edges
}

fn node_text(graph: &WorldGraph, node: NodeIndex) -> Option<(String, NodeKind, String)> {
    let weight = graph.graph.node_weight(node)?;
    Some((
        format!("{} {}", weight.kind.word(), weight.label),
        weight.kind,
        weight.id.clone(),
    ))
}

/// A label inside `"..."` of a Mermaid line. Names are free text (an account's `name`): `#`
/// first, so that a name holding `#quot;` stays those characters; `<` and `>`, which Mermaid
/// would read as HTML in a label; every line break (a `\r` too), which would end the line.
/// Mermaid's entity codes: <https://mermaid.js.org/syntax/flowchart.html#entity-codes-to-escape-characters>.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            control if control.is_control() => out.push(' '),
            other => out.push(other),
        }
    }
    out
}

/// A Mermaid `flowchart LR`, one `subgraph` per account.
pub fn mermaid(graph: &WorldGraph) -> String {
    let mut out = String::from("flowchart LR\n");
    for (account, nodes) in by_account(graph) {
        let _ = writeln!(
            out,
            "  subgraph account_{}[\"{}\"]",
            group_id(account),
            mermaid_text(&group_title(graph, account))
        );
        for node in nodes {
            let Some((label, kind, _)) = node_text(graph, node) else {
                continue;
            };
            let (open, close) = match kind {
                NodeKind::Role => ("[", "]"),
                NodeKind::User => ("([", "])"),
                NodeKind::InstanceProfile => ("{{", "}}"),
                NodeKind::Bucket | NodeKind::Table => ("[(", ")]"),
                NodeKind::Key => ("[/", "/]"),
                NodeKind::Stream => (">", "]"),
                NodeKind::Account | NodeKind::Everyone => ("((", "))"),
            };
            let _ = writeln!(
                out,
                "    n{}{open}\"{}\"{close}",
                node.index(),
                mermaid_text(&label)
            );
        }
        out.push_str("  end\n");
    }
    for (source, target, edge) in sorted_edges(graph) {
        let arrow = if edge.is_dashed() { "-.->" } else { "-->" };
        match edge.label() {
            Some(label) => {
                let _ = writeln!(
                    out,
                    "  n{} {arrow}|\"{}\"| n{}",
                    source.index(),
                    mermaid_text(&label),
                    target.index()
                );
            }
            None => {
                let _ = writeln!(out, "  n{} {arrow} n{}", source.index(), target.index());
            }
        }
    }
    out
}

fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Graphviz DOT, one `subgraph cluster_<account>` per account.
pub fn dot(graph: &WorldGraph) -> String {
    let mut out = String::from("digraph xacct {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for (account, nodes) in by_account(graph) {
        let _ = writeln!(out, "  subgraph cluster_{} {{", group_id(account));
        let _ = writeln!(
            out,
            "    label=\"{}\";",
            dot_text(&group_title(graph, account))
        );
        for node in nodes {
            let Some((label, kind, id)) = node_text(graph, node) else {
                continue;
            };
            let shape = match kind {
                NodeKind::Role => "box",
                NodeKind::User => "ellipse",
                NodeKind::InstanceProfile => "hexagon",
                NodeKind::Bucket | NodeKind::Table => "cylinder",
                NodeKind::Key => "parallelogram",
                NodeKind::Stream => "cds",
                NodeKind::Account | NodeKind::Everyone => "doublecircle",
            };
            let _ = writeln!(
                out,
                "    n{} [label=\"{}\", shape={shape}, tooltip=\"{}\"];",
                node.index(),
                dot_text(&label),
                dot_text(&id)
            );
        }
        out.push_str("  }\n");
    }
    for (source, target, edge) in sorted_edges(graph) {
        let mut attributes = Vec::new();
        if let Some(label) = edge.label() {
            attributes.push(format!("label=\"{}\"", dot_text(&label)));
        }
        if edge.is_dashed() {
            attributes.push("style=dashed".to_owned());
            attributes.push("color=red".to_owned());
        }
        if attributes.is_empty() {
            let _ = writeln!(out, "  n{} -> n{};", source.index(), target.index());
        } else {
            let _ = writeln!(
                out,
                "  n{} -> n{} [{}];",
                source.index(),
                target.index(),
                attributes.join(", ")
            );
        }
    }
    out.push_str("}\n");
    out
}

/// Text for HTML and SVG, where `<`, `&` and quotes would end the element or attribute.
fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

const NODE_WIDTH: usize = 240;
const NODE_HEIGHT: usize = 30;
const COLUMN_GAP: usize = 120;
const ROW_GAP: usize = 12;
const TOP: usize = 50;
const LEFT: usize = 20;
/// Edge labels are drawn on the picture up to this many edges; past it, on hover only.
const LABELLED_EDGES: usize = 300;

fn fill(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Role => "#e8f0fe",
        NodeKind::User => "#fef7e0",
        NodeKind::InstanceProfile => "#e6f4ea",
        NodeKind::Bucket | NodeKind::Table => "#fce8e6",
        NodeKind::Key => "#f3e8fd",
        NodeKind::Stream => "#e0f7fa",
        NodeKind::Account | NodeKind::Everyone => "#eeeeee",
    }
}

/// A self-contained HTML page: one column per account, each node a box (its ARN on hover),
/// each edge a curve (dashed red when it fails), labelled. No script and nothing fetched, so
/// it opens anywhere and can be attached to a ticket.
pub fn html(graph: &WorldGraph) -> String {
    let groups = by_account(graph);
    let mut place: BTreeMap<NodeIndex, (usize, usize)> = BTreeMap::new();
    let mut height = TOP;
    let mut columns = Vec::new();
    for (column, (account, nodes)) in groups.iter().enumerate() {
        let x = LEFT + column * (NODE_WIDTH + COLUMN_GAP);
        for (row, node) in nodes.iter().enumerate() {
            let y = TOP + row * (NODE_HEIGHT + ROW_GAP);
            place.insert(*node, (x, y));
            height = height.max(y + NODE_HEIGHT + ROW_GAP);
        }
        columns.push((x, group_title(graph, *account)));
    }
    let width = LEFT + groups.len().max(1) * (NODE_WIDTH + COLUMN_GAP);
    let edges = sorted_edges(graph);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">"
    );
    svg.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker></defs>\n");
    for (x, title) in &columns {
        let _ = writeln!(
            svg,
            "<text x=\"{x}\" y=\"{}\" font-weight=\"bold\">{}</text>",
            TOP - 20,
            html_text(title)
        );
    }
    for (source, target, edge) in &edges {
        let (Some((x1, y1)), Some((x2, y2))) = (place.get(source), place.get(target)) else {
            continue;
        };
        let (start_x, end_x) = if x1 == x2 {
            (x1 + NODE_WIDTH, x2 + NODE_WIDTH)
        } else if x1 < x2 {
            (x1 + NODE_WIDTH, *x2)
        } else {
            (*x1, x2 + NODE_WIDTH)
        };
        let start_y = y1 + NODE_HEIGHT / 2;
        let end_y = y2 + NODE_HEIGHT / 2;
        let bend = if x1 == x2 {
            start_x + 60
        } else {
            (start_x + end_x) / 2
        };
        let style = if edge.is_dashed() {
            "stroke=\"#d93025\" stroke-dasharray=\"5,4\""
        } else {
            "stroke=\"#555\""
        };
        let label = edge.label().unwrap_or_default();
        let _ = writeln!(
            svg,
            "<path d=\"M {start_x} {start_y} C {bend} {start_y}, {bend} {end_y}, {end_x} {end_y}\" fill=\"none\" {style} marker-end=\"url(#arrow)\"><title>{}</title></path>",
            html_text(&label)
        );
        if edges.len() <= LABELLED_EDGES && !label.is_empty() {
            let _ = writeln!(
                svg,
                "<text x=\"{bend}\" y=\"{}\" font-size=\"10\" fill=\"{}\" text-anchor=\"middle\">{}</text>",
                (start_y + end_y) / 2 - 3,
                if edge.is_dashed() { "#d93025" } else { "#333" },
                html_text(&label)
            );
        }
    }
    for (node, (x, y)) in &place {
        let Some((label, kind, id)) = node_text(graph, *node) else {
            continue;
        };
        let _ = writeln!(
            svg,
            "<g><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{NODE_WIDTH}\" height=\"{NODE_HEIGHT}\" rx=\"6\" fill=\"{}\" stroke=\"#888\"/><text x=\"{}\" y=\"{}\">{}</text></g>",
            html_text(&id),
            fill(kind),
            x + 8,
            y + NODE_HEIGHT / 2 + 4,
            html_text(&shorten(&label, 36))
        );
    }
    svg.push_str("</svg>\n");
    let failing = edges.iter().filter(|(_, _, edge)| edge.is_dashed()).count();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>xacct graph</title>\n<style>body{{font-family:Helvetica,Arial,sans-serif;margin:16px}}p{{color:#444}}</style>\n</head>\n<body>\n<h1>xacct graph</h1>\n<p>{} nodes, {} edges ({failing} failing, dashed red). Solid edges can happen; hover a node for its ARN, an edge for its label.</p>\n{svg}</body>\n</html>\n",
        graph.graph.node_count(),
        edges.len()
    )
}

/// At most `limit` characters, with an ellipsis when cut.
fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(limit.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
pub(super) fn html_escape_for_tests(text: &str) -> String {
    html_text(text)
}
