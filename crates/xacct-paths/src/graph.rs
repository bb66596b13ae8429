//! The world as a graph: accounts as groups, roles, users, instance profiles and buckets as
//! nodes; every candidate AssumeRole edge (solid when it passes, dashed with the reason when it
//! does not), instance profile → role, and principal → bucket for the buckets it can list or
//! read. Rendered as a Mermaid flowchart or Graphviz DOT; this module only builds strings.

use crate::assume::{assume, hop_reason};
use crate::search::{AssumeOptions, Query};
use crate::TrustIndex;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use xacct_eval::{authorize, Decision};
use xacct_policy::AccountId;
use xacct_world::{Principal, Session, World};

/// The bucket-level and object-level reads drawn as access edges; objects are asked about
/// with a representative key, `arn:aws:s3:::BUCKET/*`.
const BUCKET_ACTIONS: [(&str, bool); 2] = [("s3:ListBucket", false), ("s3:GetObject", true)];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    Role,
    User,
    InstanceProfile,
    Bucket,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// ARN, or the name for a bucket.
    pub id: String,
    pub account: AccountId,
    /// What the drawing shows: the name.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edge {
    /// `sts:AssumeRole` from the caller to the role.
    Assume {
        passes: bool,
        /// For a failing edge, why (e.g. "trust policy does not name MyRoleA").
        reason: Option<String>,
        /// The `ExternalId` the caller must pass, for a passing edge that needs one.
        external_id: Option<String>,
    },
    /// An instance profile holds its role; dashed when EC2 cannot assume it.
    Holds { ec2_trusted: bool },
    /// The principal is allowed these actions on the bucket.
    Access { actions: Vec<String> },
}

impl Edge {
    pub fn is_dashed(&self) -> bool {
        matches!(
            self,
            Self::Assume { passes: false, .. } | Self::Holds { ec2_trusted: false }
        )
    }

    /// The text on the edge.
    pub fn label(&self) -> Option<String> {
        match self {
            Self::Assume {
                passes: false,
                reason,
                ..
            } => reason.clone(),
            Self::Assume {
                external_id: Some(id),
                ..
            } => Some(format!("AssumeRole, ExternalId {id}")),
            Self::Assume { .. } => Some("AssumeRole".to_owned()),
            Self::Holds { ec2_trusted: true } => None,
            Self::Holds { ec2_trusted: false } => {
                Some("trust policy does not name ec2.amazonaws.com".to_owned())
            }
            Self::Access { actions } => Some(actions.join(", ")),
        }
    }
}

/// The graph, and the accounts to group nodes by.
#[derive(Debug, Clone, Default)]
pub struct WorldGraph {
    pub graph: DiGraph<Node, Edge>,
    /// Account names, for group titles.
    pub accounts: BTreeMap<AccountId, Option<String>>,
}

/// Builds the graph of a world. Nodes are added account by account (roles, users, instance
/// profiles, buckets, each by ARN or name) and edges in a fixed order, so the drawing is
/// stable.
pub fn build(world: &World) -> WorldGraph {
    let mut out = WorldGraph {
        accounts: world
            .accounts
            .iter()
            .map(|(id, account)| (*id, account.name.clone()))
            .collect(),
        ..WorldGraph::default()
    };
    let mut nodes: Vec<Node> = Vec::new();
    nodes.extend(world.roles.values().map(|role| Node {
        kind: NodeKind::Role,
        id: role.arn.clone(),
        account: role.account,
        label: role.name.clone(),
    }));
    nodes.extend(world.users.values().map(|user| Node {
        kind: NodeKind::User,
        id: user.arn.clone(),
        account: user.account,
        label: user.name.clone(),
    }));
    nodes.extend(world.instance_profiles.values().map(|profile| Node {
        kind: NodeKind::InstanceProfile,
        id: profile.arn.clone(),
        account: profile.account,
        label: profile.name.clone(),
    }));
    nodes.extend(world.buckets.values().map(|bucket| Node {
        kind: NodeKind::Bucket,
        id: bucket.name.clone(),
        account: bucket.account,
        label: bucket.name.clone(),
    }));
    nodes.sort_by(|left, right| {
        (left.account, left.kind, &left.id).cmp(&(right.account, right.kind, &right.id))
    });
    let mut index: HashMap<(NodeKind, String), NodeIndex> = HashMap::new();
    for node in nodes {
        out.accounts.entry(node.account).or_insert(None);
        let key = (node.kind, node.id.clone());
        index.insert(key, out.graph.add_node(node));
    }
    let role_node = |arn: &str| index.get(&(NodeKind::Role, arn.to_owned())).copied();

    // Instance profiles hold their roles.
    for profile in world.instance_profiles.values() {
        if let (Some(from), Some(to)) = (
            index.get(&(NodeKind::InstanceProfile, profile.arn.clone())),
            role_node(&profile.role),
        ) {
            let ec2_trusted = world
                .service_request("ec2.amazonaws.com", "sts:AssumeRole", &profile.role)
                .is_ok_and(|request| authorize(&request).decision == Decision::Allow);
            out.graph.add_edge(*from, to, Edge::Holds { ec2_trusted });
        }
    }

    // Every candidate AssumeRole edge, decided.
    let trust = TrustIndex::new(world);
    let callers = world
        .roles
        .keys()
        .map(|arn| (NodeKind::Role, Principal::Role(arn.clone())))
        .chain(
            world
                .users
                .keys()
                .map(|arn| (NodeKind::User, Principal::User(arn.clone()))),
        );
    let query = Query {
        start: Session::of(Principal::Role(String::new())),
        via: Vec::new(),
        action: "sts:AssumeRole".to_owned(),
        resource: String::new(),
        context: Vec::new(),
        options: AssumeOptions::default(),
        max_depth: 1,
    };
    for (kind, principal) in callers {
        let Some(from) = index.get(&(kind, principal.arn().to_owned())).copied() else {
            continue;
        };
        let session = Session::of(principal.clone());
        for target in trust.candidates(world, &principal) {
            let Some(to) = role_node(target) else {
                continue;
            };
            let edge = match assume(world, &query, &session, target) {
                Ok(attempt) if attempt.passes() => Edge::Assume {
                    passes: true,
                    reason: None,
                    external_id: attempt.external_id,
                },
                Ok(attempt) => Edge::Assume {
                    passes: false,
                    reason: Some(hop_reason(&attempt.hop)),
                    external_id: None,
                },
                Err(error) => Edge::Assume {
                    passes: false,
                    reason: Some(error),
                    external_id: None,
                },
            };
            out.graph.add_edge(from, to, edge);
        }

        // The buckets the principal can list or read.
        for bucket in world.buckets.values() {
            let Some(to) = index.get(&(NodeKind::Bucket, bucket.name.clone())).copied() else {
                continue;
            };
            let actions: Vec<String> = BUCKET_ACTIONS
                .iter()
                .filter(|(action, object)| {
                    let resource = if *object {
                        format!("arn:aws:s3:::{}/*", bucket.name)
                    } else {
                        format!("arn:aws:s3:::{}", bucket.name)
                    };
                    world
                        .request(&session, action, &resource, &[])
                        .is_ok_and(|request| authorize(&request).decision == Decision::Allow)
                })
                .map(|(action, _)| (*action).to_owned())
                .collect();
            if !actions.is_empty() {
                out.graph.add_edge(from, to, Edge::Access { actions });
            }
        }
    }
    out
}

fn account_title(account: AccountId, name: Option<&String>) -> String {
    match name {
        Some(name) => format!("{account} {name}"),
        None => account.to_string(),
    }
}

/// Nodes grouped by account, in node order.
fn by_account(graph: &WorldGraph) -> BTreeMap<AccountId, Vec<NodeIndex>> {
    let mut groups: BTreeMap<AccountId, Vec<NodeIndex>> = BTreeMap::new();
    for node in graph.graph.node_indices() {
        if let Some(weight) = graph.graph.node_weight(node) {
            groups.entry(weight.account).or_default().push(node);
        }
    }
    groups
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

fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
}

/// A Mermaid `flowchart LR`, one `subgraph` per account.
pub fn mermaid(graph: &WorldGraph) -> String {
    let mut out = String::from("flowchart LR\n");
    for (account, nodes) in by_account(graph) {
        let name = graph.accounts.get(&account).and_then(Option::as_ref);
        let _ = writeln!(
            out,
            "  subgraph account_{account}[\"{}\"]",
            mermaid_text(&account_title(account, name))
        );
        for node in nodes {
            let Some(weight) = graph.graph.node_weight(node) else {
                continue;
            };
            let label = mermaid_text(&format!("{} {}", kind_word(weight.kind), weight.label));
            let (open, close) = match weight.kind {
                NodeKind::Role => ("[", "]"),
                NodeKind::User => ("([", "])"),
                NodeKind::InstanceProfile => ("{{", "}}"),
                NodeKind::Bucket => ("[(", ")]"),
            };
            let _ = writeln!(out, "    n{}{open}\"{label}\"{close}", node.index());
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

fn kind_word(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Role => "role",
        NodeKind::User => "user",
        NodeKind::InstanceProfile => "instance profile",
        NodeKind::Bucket => "bucket",
    }
}

fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Graphviz DOT, one `subgraph cluster_<account>` per account.
pub fn dot(graph: &WorldGraph) -> String {
    let mut out = String::from("digraph xacct {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for (account, nodes) in by_account(graph) {
        let name = graph.accounts.get(&account).and_then(Option::as_ref);
        let _ = writeln!(out, "  subgraph cluster_{account} {{");
        let _ = writeln!(
            out,
            "    label=\"{}\";",
            dot_text(&account_title(account, name))
        );
        for node in nodes {
            let Some(weight) = graph.graph.node_weight(node) else {
                continue;
            };
            let shape = match weight.kind {
                NodeKind::Role => "box",
                NodeKind::User => "ellipse",
                NodeKind::InstanceProfile => "hexagon",
                NodeKind::Bucket => "cylinder",
            };
            let label = dot_text(&format!("{} {}", kind_word(weight.kind), weight.label));
            let _ = writeln!(
                out,
                "    n{} [label=\"{label}\", shape={shape}, tooltip=\"{}\"];",
                node.index(),
                dot_text(&weight.id)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests_support::{inline, load, trust};

    fn world() -> World {
        let assume_b = inline(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::222222222222:role/B"}]}"#,
        );
        let read = inline(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]}"#,
        );
        load(&format!(
            r#"
[[account]]
id = "111111111111"
name = "apps"
[[account]]
id = "222222222222"

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

[[bucket]]
name = "data"
account = "222222222222"
"#,
            ec2 = trust(r#"{"Service": "ec2.amazonaws.com"}"#),
            trust_b = trust(r#"{"AWS": "arn:aws:iam::111111111111:role/A"}"#),
        ))
    }

    #[test]
    fn edges_pass_fail_hold_and_reach() {
        let graph = build(&world());
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
        assert_eq!(
            edges,
            vec![
                (
                    "A".to_owned(),
                    "A".to_owned(),
                    Edge::Holds { ec2_trusted: true }
                ),
                (
                    "A".to_owned(),
                    "B".to_owned(),
                    Edge::Assume {
                        passes: true,
                        reason: None,
                        external_id: None
                    }
                ),
                (
                    "B".to_owned(),
                    "data".to_owned(),
                    Edge::Access {
                        actions: vec!["s3:ListBucket".to_owned(), "s3:GetObject".to_owned()]
                    }
                ),
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
    }

    #[test]
    fn renderers_group_by_account_and_dash_failures() {
        let graph = build(&world());
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
    }
}
