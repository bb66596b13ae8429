//! The world as a graph of what can happen: accounts as groups; roles, users, instance
//! profiles, buckets, KMS keys, Kinesis streams and Glue tables as nodes; the AssumeRole edges
//! that pass, the ones someone clearly meant that fail (the trust names the caller, or the
//! caller's policy names the role: dashed, with the reason), one edge per account for a trust
//! that delegates to a whole account (instead of one failing edge from each of its
//! principals), and the reads and writes each principal can make on each resource directly.
//!
//! Building it asks the engine only about edges a document names, plus one who-can question
//! per resource and action, so 3,000 roles draw in well under a second (docs/benchmarks.md).
//! Rendered as Mermaid, Graphviz DOT or a self-contained HTML page ([`render`]).

pub mod render;

use crate::assume::{assume, hop_reason};
use crate::index::intended_targets;
use crate::search::{AssumeOptions, Query};
use crate::{who_can, CallerIndex, WhoCanQuery};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use xacct_eval::{authorize, Decision};
use xacct_policy::AccountId;
use xacct_world::{Principal, Session, World};

pub use render::{dot, html, mermaid};

/// The direct accesses drawn, per kind of resource: the action, and whether it is asked on
/// the objects (`BUCKET/*`) rather than the resource itself.
const BUCKET_ACTIONS: [(&str, bool); 3] = [
    ("s3:ListBucket", false),
    ("s3:GetObject", true),
    ("s3:PutObject", true),
];
const KEY_ACTIONS: [&str; 2] = ["kms:Decrypt", "kms:GenerateDataKey"];
const STREAM_ACTIONS: [&str; 2] = ["kinesis:GetRecords", "kinesis:PutRecord"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    /// A whole account, as a trust policy's `arn:aws:iam::ACCOUNT:root` names it.
    Account,
    /// `"Principal": "*"` in a trust policy.
    Everyone,
    Role,
    User,
    InstanceProfile,
    Bucket,
    Key,
    Stream,
    /// A Glue Data Catalog table (or a resource link to one).
    Table,
}

impl NodeKind {
    /// The word the drawing puts before a node's name.
    pub fn word(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Everyone => "anyone",
            Self::Role => "role",
            Self::User => "user",
            Self::InstanceProfile => "instance profile",
            Self::Bucket => "bucket",
            Self::Key => "key",
            Self::Stream => "stream",
            Self::Table => "table",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// ARN; the name for a bucket; the account id for an account.
    pub id: String,
    /// The account it belongs to (none for "anyone").
    pub account: Option<AccountId>,
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
    /// The role's trust delegates to a whole account (or to anyone): every principal there
    /// whose own policies allow `sts:AssumeRole` on it can assume it.
    Delegates,
    /// An instance profile holds its role; dashed when EC2 cannot assume it.
    Holds { ec2_trusted: bool },
    /// The principal is allowed these actions on the resource, directly.
    Access { actions: Vec<String> },
    /// A bucket or stream is encrypted with the key.
    EncryptedWith,
    /// A resource link points at its table, or a table's data is in the bucket.
    Points { what: &'static str },
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
            Self::Delegates => Some("AssumeRole, if its own policies allow".to_owned()),
            Self::Holds { ec2_trusted: true } => None,
            Self::Holds { ec2_trusted: false } => {
                Some("trust policy does not name ec2.amazonaws.com".to_owned())
            }
            Self::Access { actions } => Some(actions.join(", ")),
            Self::EncryptedWith => Some("encrypted with".to_owned()),
            Self::Points { what } => Some((*what).to_owned()),
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

/// What to draw: everything that can happen, or the part asked about.
#[derive(Debug, Clone, Default)]
pub struct GraphQuery {
    /// Only what this principal (role or user ARN) reaches, and with every AssumeRole edge
    /// from it decided, account-wide trusts included.
    pub from: Option<String>,
    /// Only what reaches this node (an ARN, or a bucket name).
    pub to: Option<String>,
    /// Only the nodes of this account and the edges into or out of it.
    pub account: Option<AccountId>,
}

/// Why the graph cannot be drawn as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GraphError(pub String);

/// Builds the graph of a world. Nodes come account by account (by kind, then id) and edges in
/// a fixed order, so the drawing is stable.
pub fn build(world: &World, query: &GraphQuery) -> Result<WorldGraph, GraphError> {
    let mut builder = Builder::new(world);
    if let Some(from) = &query.from {
        if !world.roles.contains_key(from) && !world.users.contains_key(from) {
            return Err(GraphError(format!(
                "`--from {from}`: no role or user of the scenario has this ARN"
            )));
        }
    }
    builder.holds();
    builder.assume_edges(query.from.as_deref());
    builder.access_edges();
    builder.resource_edges();
    let graph = builder.out;
    let to = match &query.to {
        Some(to) => Some(graph.find(to).ok_or_else(|| {
            GraphError(format!(
                "`--to {to}`: no role, user, instance profile, bucket, key, stream or table of the scenario has this ARN or name"
            ))
        })?),
        None => None,
    };
    // An account nothing in the drawing belongs to (a mistyped id) would draw an empty graph
    // that reads as "this account reaches nothing".
    if let Some(account) = query.account {
        let held = graph
            .graph
            .node_weights()
            .any(|node| node.account == Some(account));
        if !held {
            return Err(GraphError(format!(
                "`--account {account}`: no role, user, instance profile, bucket, key, stream or table of the scenario is in this account"
            )));
        }
    }
    let from = query.from.as_deref().and_then(|from| graph.find(from));
    Ok(graph.keep(from, to, query.account))
}

impl WorldGraph {
    /// The node with this id (ARN, bucket name).
    pub fn find(&self, id: &str) -> Option<NodeIndex> {
        self.graph
            .node_indices()
            .find(|node| self.graph.node_weight(*node).is_some_and(|n| n.id == id))
    }

    /// Nodes reached from `start` along edges that can happen (a dashed edge is drawn, but
    /// not followed), in `direction`.
    fn reach(&self, start: NodeIndex, direction: Direction) -> BTreeSet<NodeIndex> {
        let mut seen = BTreeSet::from([start]);
        let mut queue = vec![start];
        while let Some(node) = queue.pop() {
            for edge in self.graph.edges_directed(node, direction) {
                let next = match direction {
                    Direction::Outgoing => edge.target(),
                    Direction::Incoming => edge.source(),
                };
                if seen.insert(next) && !edge.weight().is_dashed() {
                    queue.push(next);
                }
            }
        }
        seen
    }

    /// The subgraph asked for, with node and edge order kept.
    fn keep(
        self,
        from: Option<NodeIndex>,
        to: Option<NodeIndex>,
        account: Option<AccountId>,
    ) -> WorldGraph {
        if from.is_none() && to.is_none() && account.is_none() {
            return self;
        }
        let all: BTreeSet<NodeIndex> = self.graph.node_indices().collect();
        let mut kept = all.clone();
        if let Some(from) = from {
            kept = &kept & &self.reach(from, Direction::Outgoing);
        }
        if let Some(to) = to {
            kept = &kept & &self.reach(to, Direction::Incoming);
        }
        if let Some(account) = account {
            let inside = |node: NodeIndex| {
                self.graph
                    .node_weight(node)
                    .is_some_and(|weight| weight.account == Some(account))
            };
            let mut touching: BTreeSet<NodeIndex> =
                all.iter().copied().filter(|node| inside(*node)).collect();
            for edge in self.graph.edge_references() {
                if inside(edge.source()) || inside(edge.target()) {
                    touching.insert(edge.source());
                    touching.insert(edge.target());
                }
            }
            kept = &kept & &touching;
        }
        let mut out = WorldGraph {
            accounts: self.accounts.clone(),
            ..WorldGraph::default()
        };
        let mut renumbered = HashMap::new();
        for node in &kept {
            if let Some(weight) = self.graph.node_weight(*node) {
                renumbered.insert(*node, out.graph.add_node(weight.clone()));
            }
        }
        for edge in self.graph.edge_references() {
            if let (Some(source), Some(target)) = (
                renumbered.get(&edge.source()),
                renumbered.get(&edge.target()),
            ) {
                out.graph.add_edge(*source, *target, edge.weight().clone());
            }
        }
        let used: BTreeSet<AccountId> = out
            .graph
            .node_weights()
            .filter_map(|node| node.account)
            .collect();
        out.accounts.retain(|account, _| used.contains(account));
        out
    }
}

struct Builder<'w> {
    world: &'w World,
    out: WorldGraph,
    index: HashMap<(NodeKind, String), NodeIndex>,
}

impl<'w> Builder<'w> {
    fn new(world: &'w World) -> Self {
        let mut nodes: Vec<Node> = Vec::new();
        let node = |kind, id: &str, account, label: &str| Node {
            kind,
            id: id.to_owned(),
            account: Some(account),
            label: label.to_owned(),
        };
        nodes.extend(
            world
                .roles
                .values()
                .map(|role| node(NodeKind::Role, &role.arn, role.account, &role.name)),
        );
        nodes.extend(
            world
                .users
                .values()
                .map(|user| node(NodeKind::User, &user.arn, user.account, &user.name)),
        );
        nodes.extend(world.instance_profiles.values().map(|profile| {
            node(
                NodeKind::InstanceProfile,
                &profile.arn,
                profile.account,
                &profile.name,
            )
        }));
        nodes.extend(
            world
                .buckets
                .values()
                .map(|bucket| node(NodeKind::Bucket, &bucket.name, bucket.account, &bucket.name)),
        );
        // AWS managed keys (`aws/s3`) are used by S3 for whoever may use the bucket: no node.
        nodes.extend(
            world
                .keys
                .values()
                .filter(|key| !key.aws_managed)
                .map(|key| {
                    let label = key.aliases.first().map_or_else(
                        || key.arn.rsplit('/').next().unwrap_or(&key.arn),
                        String::as_str,
                    );
                    node(NodeKind::Key, &key.arn, key.account, label)
                }),
        );
        nodes.extend(
            world
                .streams
                .values()
                .map(|stream| node(NodeKind::Stream, &stream.arn, stream.account, &stream.name)),
        );
        for catalog in world.lake.catalogs.values() {
            for table in catalog.tables.values() {
                let arn = table_arn(catalog, &table.database, &table.name);
                let label = format!("{}.{}", table.database, table.name);
                nodes.push(node(NodeKind::Table, &arn, catalog.account, &label));
            }
        }
        nodes.sort_by(|left, right| {
            (left.account, left.kind, &left.id).cmp(&(right.account, right.kind, &right.id))
        });
        let mut out = WorldGraph {
            accounts: world
                .accounts
                .iter()
                .map(|(id, account)| (*id, account.name.clone()))
                .collect(),
            ..WorldGraph::default()
        };
        let mut index = HashMap::new();
        for node in nodes {
            if let Some(account) = node.account {
                out.accounts.entry(account).or_insert(None);
            }
            let key = (node.kind, node.id.clone());
            index.insert(key, out.graph.add_node(node));
        }
        Self { world, out, index }
    }

    fn node(&self, kind: NodeKind, id: &str) -> Option<NodeIndex> {
        self.index.get(&(kind, id.to_owned())).copied()
    }

    /// The node of a whole account or of "anyone", added the first time a trust names it.
    fn delegate(&mut self, kind: NodeKind, account: Option<AccountId>) -> NodeIndex {
        let id = account.map_or_else(|| "*".to_owned(), |account| account.to_string());
        if let Some(node) = self.node(kind, &id) {
            return node;
        }
        if let Some(account) = account {
            self.out.accounts.entry(account).or_insert(None);
        }
        let label = match account {
            Some(account) => format!("{account}: every principal"),
            None => "(Principal *)".to_owned(),
        };
        let node = self.out.graph.add_node(Node {
            kind,
            id: id.clone(),
            account,
            label,
        });
        self.index.insert((kind, id), node);
        node
    }

    /// Instance profiles hold their roles.
    fn holds(&mut self) {
        for profile in self.world.instance_profiles.values() {
            let (Some(from), Some(to)) = (
                self.node(NodeKind::InstanceProfile, &profile.arn),
                self.node(NodeKind::Role, &profile.role),
            ) else {
                continue;
            };
            let ec2_trusted = self
                .world
                .service_request("ec2.amazonaws.com", "sts:AssumeRole", &profile.role)
                .is_ok_and(|request| authorize(&request).decision == Decision::Allow);
            self.out
                .graph
                .add_edge(from, to, Edge::Holds { ec2_trusted });
        }
    }

    /// AssumeRole edges: each trust that names a principal, and each role a principal's own
    /// policy names, is decided; a trust naming a whole account (or anyone) is one edge from
    /// that account. `from`, when asked, gets every candidate decided.
    fn assume_edges(&mut self, from: Option<&str>) {
        let world = self.world;
        let trust = crate::TrustIndex::new(world);
        let delegated: BTreeSet<(Option<AccountId>, &str)> = trust.delegations().collect();
        for (account, role) in delegated {
            let kind = if account.is_some() {
                NodeKind::Account
            } else {
                NodeKind::Everyone
            };
            let source = self.delegate(kind, account);
            if let Some(target) = self.node(NodeKind::Role, role) {
                self.out.graph.add_edge(source, target, Edge::Delegates);
            }
        }

        let query = Query {
            start: Session::of(Principal::Role(String::new())),
            via: Vec::new(),
            action: "sts:AssumeRole".to_owned(),
            resource: String::new(),
            context: Vec::new(),
            options: AssumeOptions::default(),
            max_depth: 1,
        };
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
        for (kind, principal) in callers {
            let arn = principal.arn();
            let Some(source) = self.node(kind, arn) else {
                continue;
            };
            let mut targets: BTreeSet<&str> = trust.naming(world, &principal).into_iter().collect();
            targets.extend(intended_targets(world, &principal).filter(|target| *target != arn));
            if from == Some(arn) {
                targets.extend(trust.candidates(world, &principal));
            }
            let session = Session::of(principal.clone());
            for target in targets {
                let Some(to) = self.node(NodeKind::Role, target) else {
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
                self.out.graph.add_edge(source, to, edge);
            }
        }
    }

    /// Who reads and writes each bucket, key and stream directly: one who-can question per
    /// resource and action (chains are the AssumeRole edges).
    fn access_edges(&mut self) {
        let world = self.world;
        let callers = CallerIndex::new(world);
        let mut questions: Vec<(NodeIndex, String, String)> = Vec::new();
        for bucket in world.buckets.values() {
            let Some(node) = self.node(NodeKind::Bucket, &bucket.name) else {
                continue;
            };
            for (action, objects) in BUCKET_ACTIONS {
                let resource = if objects {
                    format!("arn:aws:s3:::{}/*", bucket.name)
                } else {
                    format!("arn:aws:s3:::{}", bucket.name)
                };
                questions.push((node, action.to_owned(), resource));
            }
        }
        for key in world.keys.values() {
            if let Some(node) = self.node(NodeKind::Key, &key.arn) {
                for action in KEY_ACTIONS {
                    questions.push((node, action.to_owned(), key.arn.clone()));
                }
            }
        }
        for stream in world.streams.values() {
            if let Some(node) = self.node(NodeKind::Stream, &stream.arn) {
                for action in STREAM_ACTIONS {
                    questions.push((node, action.to_owned(), stream.arn.clone()));
                }
            }
        }
        let mut access: BTreeMap<(NodeIndex, NodeIndex), Vec<String>> = BTreeMap::new();
        for (resource_node, action, resource) in questions {
            let question = WhoCanQuery {
                max_depth: 0,
                ..WhoCanQuery::new(action.clone(), resource)
            };
            let Ok(answer) = who_can(world, &callers, &question) else {
                continue;
            };
            for reach in answer
                .principals
                .iter()
                .filter(|reach| reach.chain.is_empty())
            {
                let kind = match reach.kind {
                    crate::who_can::Kind::Role => NodeKind::Role,
                    crate::who_can::Kind::User => NodeKind::User,
                    // The role it holds is drawn making the request; a service through the
                    // role it assumes. Principals outside the scenario have no node to draw
                    // (`who-can` lists them); who-can answers with no compute.
                    crate::who_can::Kind::InstanceProfile
                    | crate::who_can::Kind::Service
                    | crate::who_can::Kind::Outside
                    | crate::who_can::Kind::Compute
                    | crate::who_can::Kind::Federated => continue,
                };
                if let Some(principal) = self.node(kind, &reach.principal) {
                    access
                        .entry((principal, resource_node))
                        .or_default()
                        .push(action.clone());
                }
            }
        }
        for ((source, target), actions) in access {
            self.out
                .graph
                .add_edge(source, target, Edge::Access { actions });
        }
    }

    /// Buckets and streams to their keys, resource links to their tables, tables to the
    /// buckets that hold their data.
    fn resource_edges(&mut self) {
        let world = self.world;
        for bucket in world.buckets.values() {
            if let xacct_s3::DefaultEncryption::SseKms { key_arn, .. } = &bucket.encryption {
                self.link(NodeKind::Bucket, &bucket.name, key_arn, Edge::EncryptedWith);
            }
        }
        for stream in world.streams.values() {
            if let Some(key) = &stream.encryption_key {
                self.link(NodeKind::Stream, &stream.arn, key, Edge::EncryptedWith);
            }
        }
        for catalog in world.lake.catalogs.values() {
            for table in catalog.tables.values() {
                let arn = table_arn(catalog, &table.database, &table.name);
                if let Some((account, database, name)) = &table.target {
                    let target = format!(
                        "arn:aws:glue:{}:{account}:table/{database}/{name}",
                        catalog.region
                    );
                    self.link(
                        NodeKind::Table,
                        &arn,
                        &target,
                        Edge::Points {
                            what: "resource link to",
                        },
                    );
                }
                let bucket = table
                    .location
                    .as_deref()
                    .and_then(|location| location.strip_prefix("s3://"))
                    .and_then(|rest| rest.split('/').next());
                if let Some(bucket) = bucket {
                    if let (Some(source), Some(target)) = (
                        self.node(NodeKind::Table, &arn),
                        self.node(NodeKind::Bucket, bucket),
                    ) {
                        self.out
                            .graph
                            .add_edge(source, target, Edge::Points { what: "data in" });
                    }
                }
            }
        }
    }

    /// An edge from a node of `kind` to the key or table `target` names, when both exist.
    fn link(&mut self, kind: NodeKind, source: &str, target: &str, edge: Edge) {
        let target_kind = match edge {
            Edge::EncryptedWith => NodeKind::Key,
            _ => NodeKind::Table,
        };
        if let (Some(source), Some(target)) =
            (self.node(kind, source), self.node(target_kind, target))
        {
            self.out.graph.add_edge(source, target, edge);
        }
    }
}

fn table_arn(catalog: &xacct_lake::Catalog, database: &str, table: &str) -> String {
    format!(
        "arn:aws:glue:{}:{}:table/{database}/{table}",
        catalog.region, catalog.account
    )
}

#[cfg(test)]
mod tests;
