//! `xacct explain`: one question about a scenario, answered with the chain, the failing link,
//! the engine's explanation and the fix. The question is either one AWS request
//! (`--action` and `--resource`) or an operation in the user's terms (`--read`, `--write`,
//! `--read-stream`), which xacct expands into every request the client makes.

use crate::command::exit;
use crate::render::check as render;
use crate::render::stream::{self, style};
use crate::render::{json, left_out};
use crate::scenario::{self, Output};
use std::fmt::Write as _;
use std::path::PathBuf;
use xacct_eval::ContextValue;
use xacct_paths::check::{Case, ExpectationResult, DEFAULT_DEPTH};
use xacct_paths::{Assumptions, Route, TrustIndex};
use xacct_world::{Expectation, World};

mod unity_catalog;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario folder (with xacct.toml).
    scenario: PathBuf,
    /// Who asks: an instance profile, role, user or session ARN, `compute:NAME`
    /// (`cluster:NAME` and `job:NAME` are accepted too), or a Unity Catalog credential
    /// (`storage-credential:NAME`, `service-credential:NAME`): Databricks' master role assuming
    /// its role with its external id.
    #[arg(long, required_unless_present = "location")]
    from: Option<String>,
    /// Which Unity Catalog external location or managed storage serves an `s3://` path, and
    /// through which storage credential (exit 1 when none does).
    #[arg(long, conflicts_with_all = ["from", "action", "read", "write", "read_stream", "read_table"])]
    location: Option<String>,
    /// One AWS action, with `--resource`.
    #[arg(long, requires = "resource")]
    action: Option<String>,
    /// The resource ARN the `--action` is done on.
    #[arg(long, requires = "action")]
    resource: Option<String>,
    /// Read a path as Spark does: `s3://bucket/prefix/`, `s3a://…`, or a DBFS mount path
    /// (`/mnt/x/…`) of the compute. A path ending in `/` is a directory.
    #[arg(long, conflicts_with_all = ["action", "write", "read_stream"])]
    read: Option<String>,
    /// Write under a path as Spark does (list, probe, put, delete; KMS and ACL requests follow).
    #[arg(long, conflicts_with_all = ["action", "read", "read_stream"])]
    write: Option<String>,
    /// Read a Kinesis stream (by ARN) as the Spark Kinesis source does; with enhanced fan-out
    /// (`consumerMode` efo in the compute's options, or `--consumer`) through a consumer.
    #[arg(long, conflicts_with_all = ["action", "read", "write"])]
    read_stream: Option<String>,
    /// Read a table through the Data Catalog as the engine names it (`database.table`, a
    /// resource link's name included): every Glue call through IAM and Lake Formation, then the
    /// data.
    #[arg(long, conflicts_with_all = ["action", "read", "write", "read_stream"])]
    read_table: Option<String>,
    /// The columns the query of `--read-table` selects (`a,b`): each needs SELECT of its own,
    /// through a column list, an LF-Tag expression or a data cell filter.
    #[arg(long, requires = "read_table", value_delimiter = ',')]
    columns: Vec<String>,
    /// The Region of the Data Catalog for `--read-table` [default: us-east-1].
    #[arg(long)]
    region: Option<String>,
    /// The registered consumer an enhanced fan-out reader uses (by ARN).
    #[arg(long, requires = "read_stream")]
    consumer: Option<String>,
    /// A context key for every request of the chain, `key=value` (repeatable).
    #[arg(long = "context", value_parser = crate::command::parse_pair)]
    context: Vec<(String, String)>,
    /// Pin the chain through these roles, in order (repeatable).
    #[arg(long)]
    via: Vec<String>,
    /// Ask with the caller's own credentials only: no AssumeRole, whatever chains exist
    /// (without it, xacct answers by any route: AssumeRole chains up to `--depth` hops).
    #[arg(long, conflicts_with_all = ["via", "depth"])]
    direct: bool,
    /// An external id passed when assuming a role, `ROLE_ARN=ID` (repeatable).
    #[arg(long = "external-id", value_parser = crate::command::parse_pair)]
    external_ids: Vec<(String, String)>,
    /// Longest AssumeRole chain to search (for `--action` questions).
    #[arg(long, default_value_t = DEFAULT_DEPTH)]
    depth: usize,
    /// How to report: text for people, JSON for programs (docs/output-format.md).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also list the requests that were allowed (a failing answer lists its failures only).
    #[arg(long, short)]
    verbose: bool,
    #[command(flatten)]
    at: crate::command::At,
    #[command(flatten)]
    terraform: crate::scenario::Terraform,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

/// One group of requests that share their context (a `ListBucket` carries `s3:prefix`, the
/// object requests do not).
struct Operation {
    what: String,
    actions: Vec<String>,
    /// Absent for a table read, whose requests follow from the table.
    resource: Option<String>,
    context: Vec<(String, ContextValue)>,
}

/// `compute:NAME` for the aliases users write.
fn normalized_from(from: &str) -> String {
    for alias in ["cluster:", "job:"] {
        if let Some(name) = from.strip_prefix(alias) {
            return format!("compute:{name}");
        }
    }
    from.to_owned()
}

/// The bucket and key a client path names: an S3 URI, or a DBFS path under one of the
/// compute's mounts.
fn s3_location(world: &World, from: &str, path: &str) -> Result<(String, String), String> {
    if let Some(location) = xacct_compute::S3Location::parse(path) {
        return Ok((location.bucket, location.key));
    }
    // An S3 URI without its bucket is a mistyped URI, not a path of a mount.
    let scheme = path
        .split_once("://")
        .map(|(scheme, _)| scheme.to_ascii_lowercase());
    if scheme.is_some_and(|scheme| ["s3", "s3a", "s3n"].contains(&scheme.as_str())) {
        return Err(format!(
            "`{path}` names no bucket: write s3://BUCKET/KEY (a folder ends with `/`)"
        ));
    }
    let compute = from
        .strip_prefix("compute:")
        .and_then(|name| world.compute.get(name))
        .ok_or_else(|| {
            format!("`{path}` is not an S3 URI (s3://bucket/key), and only a compute's mounts resolve other paths: ask `--from compute:NAME`")
        })?;
    let mounts = compute.settings.mounts.as_ref().ok_or_else(|| {
        format!(
            "`{path}` is not an S3 URI, and compute `{}` has no mounts file",
            compute.name
        )
    })?;
    let resolved = mounts.resolve(path).ok_or_else(|| {
        let points: Vec<&str> = mounts
            .mounts
            .iter()
            .map(|mount| mount.mount_point.value.as_str())
            .collect();
        format!(
            "`{path}` is under none of the mounts of compute `{}` ({})",
            compute.name,
            points.join(", ")
        )
    })?;
    Ok((resolved.location.bucket, resolved.location.key))
}

fn owned(actions: &[&str]) -> Vec<String> {
    actions.iter().map(|action| (*action).to_owned()).collect()
}

fn single(text: &str) -> ContextValue {
    ContextValue::Single(text.to_owned())
}

/// For a directory, the object requests are checked on one object under it, named here: a
/// policy that treats deeper prefixes differently needs the object asked about by name.
const EXAMPLE_OBJECT: &str = "part-00000.parquet";

/// The requests Spark makes to read `path`: for a directory, a listing with its prefix, then
/// `GetObject` of the files; for a file, `GetObject` (its `HEAD` is authorized as
/// `s3:GetObject` too).
fn read_operations(bucket: &str, key: &str) -> Vec<Operation> {
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    if key.is_empty() || key.ends_with('/') {
        vec![
            Operation {
                what: format!("list s3://{bucket}/{key}"),
                actions: owned(&["s3:ListBucket"]),
                resource: Some(bucket_arn.clone()),
                context: vec![
                    ("s3:prefix".to_owned(), single(key)),
                    ("s3:delimiter".to_owned(), single("/")),
                ],
            },
            Operation {
                what: format!(
                    "read the files under s3://{bucket}/{key} (checked on {EXAMPLE_OBJECT})"
                ),
                actions: owned(&["s3:GetObject"]),
                resource: Some(format!("{bucket_arn}/{key}{EXAMPLE_OBJECT}")),
                context: Vec::new(),
            },
        ]
    } else {
        vec![Operation {
            what: format!("read s3://{bucket}/{key}"),
            actions: owned(&["s3:GetObject"]),
            resource: Some(format!("{bucket_arn}/{key}")),
            context: Vec::new(),
        }]
    }
}

/// The requests a Spark job makes to write under `path`, as the Databricks instance-profile
/// guide lists them: list the output directory, probe for existing files, put the new ones
/// and delete temporary ones. The KMS calls of SSE-KMS buckets and `s3:PutObjectAcl` for a
/// canned ACL are added by the check itself, on the same chain.
fn write_operations(bucket: &str, key: &str) -> Vec<Operation> {
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let directory = if key.is_empty() || key.ends_with('/') {
        key.to_owned()
    } else {
        key.rsplit_once('/')
            .map_or_else(String::new, |(parent, _)| format!("{parent}/"))
    };
    let object = if key.is_empty() || key.ends_with('/') {
        format!("{key}{EXAMPLE_OBJECT}")
    } else {
        key.to_owned()
    };
    vec![
        Operation {
            what: format!("list s3://{bucket}/{directory}"),
            actions: owned(&["s3:ListBucket"]),
            resource: Some(bucket_arn.clone()),
            context: vec![
                ("s3:prefix".to_owned(), single(&directory)),
                ("s3:delimiter".to_owned(), single("/")),
            ],
        },
        Operation {
            what: format!("write s3://{bucket}/{object}"),
            actions: owned(&["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
            resource: Some(format!("{bucket_arn}/{object}")),
            context: Vec::new(),
        },
    ]
}

/// The requests the Spark Kinesis source makes: describe the stream and list its shards, then
/// either poll (`GetShardIterator`, `GetRecords`) or, with enhanced fan-out, subscribe to each
/// shard through its registered consumer.
fn stream_operations(
    world: &World,
    from: &str,
    stream: &str,
    consumer: Option<&str>,
) -> Result<Vec<Operation>, String> {
    let known = world.streams.get(stream).ok_or_else(|| {
        format!("`{stream}` is not a stream of the scenario: add a [[stream]] table with its ARN")
    })?;
    let efo_settings = from
        .strip_prefix("compute:")
        .and_then(|name| world.compute.get(name))
        .and_then(|compute| compute.settings.kinesis.as_ref())
        .is_some_and(|reader| reader.consumer_mode() == xacct_compute::ConsumerMode::Efo);
    let mut operations = vec![Operation {
        what: format!("find the shards of {stream}"),
        actions: owned(&["kinesis:DescribeStream", "kinesis:ListShards"]),
        resource: Some(stream.to_owned()),
        context: Vec::new(),
    }];
    if consumer.is_none() && !efo_settings {
        operations.push(Operation {
            what: format!("poll the records of {stream}"),
            actions: owned(&["kinesis:GetShardIterator", "kinesis:GetRecords"]),
            resource: Some(stream.to_owned()),
            context: Vec::new(),
        });
        return Ok(operations);
    }
    let consumer = match consumer {
        Some(consumer) => consumer.to_owned(),
        None => {
            let mut registered = known.consumers.keys();
            match (registered.next(), registered.next()) {
                (Some(only), None) => only.clone(),
                (None, _) => {
                    return Err(format!("the reader uses enhanced fan-out, but {stream} has no [[stream.consumer]] in the scenario: declare the consumer, or pass --consumer ARN"));
                }
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "the reader uses enhanced fan-out and {stream} has several consumers: pass --consumer ARN"
                    ));
                }
            }
        }
    };
    operations.push(Operation {
        what: format!("subscribe to the shards through {consumer}"),
        actions: owned(&["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"]),
        resource: Some(consumer),
        context: Vec::new(),
    });
    Ok(operations)
}

fn operations(args: &Args, world: &World, from: &str) -> Result<Vec<Operation>, String> {
    if let Some(path) = &args.read {
        let (bucket, key) = s3_location(world, from, path)?;
        return Ok(read_operations(&bucket, &key));
    }
    if let Some(path) = &args.write {
        let (bucket, key) = s3_location(world, from, path)?;
        return Ok(write_operations(&bucket, &key));
    }
    if let Some(stream) = &args.read_stream {
        return stream_operations(world, from, stream, args.consumer.as_deref());
    }
    if let Some(table) = &args.read_table {
        return Ok(vec![Operation {
            what: format!("read table {table}"),
            actions: Vec::new(),
            resource: None,
            context: Vec::new(),
        }]);
    }
    match (&args.action, &args.resource) {
        (Some(action), Some(resource)) => Ok(vec![Operation {
            what: format!("{action} on {resource}"),
            actions: vec![action.clone()],
            resource: Some(resource.clone()),
            context: Vec::new(),
        }]),
        _ => Err(
            "ask one question: --action A --resource R, --read PATH, --write PATH, --read-stream ARN or --read-table DB.TABLE"
                .to_owned(),
        ),
    }
}

/// Every name `--from` accepts: `compute:NAME`, and the ARNs of instance profiles, roles and
/// users.
fn starts(world: &World) -> Vec<String> {
    world
        .compute
        .keys()
        .map(|name| format!("compute:{name}"))
        .chain(world.instance_profiles.keys().cloned())
        .chain(world.roles.keys().cloned())
        .chain(world.users.keys().cloned())
        .chain(
            world
                .unity_catalog
                .credentials
                .keys()
                .map(|name| format!("storage-credential:{name}")),
        )
        .collect()
}

/// A question the scenario cannot answer: the message on standard error, and with
/// `--format json` a document with it on standard output.
fn bad_input(args: &Args, loaded: &xacct_world::Loaded, message: &str) -> u8 {
    errln!("error: {message}");
    if matches!(args.format, Format::Json) {
        json::print(&json::failure("explain", message, &loaded.findings));
    }
    exit::BAD_INPUT
}

/// The Region of the Data Catalog a `--read-table` question asks without `--region`.
const DEFAULT_CATALOG_REGION: &str = "us-east-1";

/// A flag that belongs to a kind of question given without that question: it would change
/// nothing, and the user who gave it expects it to. clap's `requires` does not catch these
/// when the question given instead conflicts with the one required (clap-rs/clap#4520).
fn misplaced_flag(args: &Args) -> Option<String> {
    let given = [
        (
            "--columns",
            !args.columns.is_empty(),
            args.read_table.is_some(),
            "--read-table",
        ),
        (
            "--region",
            args.region.is_some(),
            args.read_table.is_some(),
            "--read-table",
        ),
        (
            "--consumer",
            args.consumer.is_some(),
            args.read_stream.is_some(),
            "--read-stream",
        ),
    ];
    given
        .into_iter()
        .find(|(_, present, with, _)| *present && !*with)
        .map(|(flag, _, _, question)| {
            format!("`{flag}` is for `{question}` questions only: it would change nothing here")
        })
}

pub fn run(args: &Args) -> u8 {
    let output = match args.format {
        Format::Text => Output::Text,
        Format::Json => Output::Json,
    };
    if let Some(message) = misplaced_flag(args) {
        errln!("error: {message}");
        if matches!(args.format, Format::Json) {
            json::print(&json::failure("explain", &message, []));
        }
        return exit::BAD_INPUT;
    }
    if let (Some(action), Some(resource)) = (&args.action, &args.resource) {
        if let Err(error) = xacct_world::question::check(action, resource) {
            let message = error.with_help();
            errln!("error: {message}");
            if matches!(args.format, Format::Json) {
                json::print(&json::failure("explain", &message, []));
            }
            return exit::BAD_INPUT;
        }
    }
    let Some(loaded) = scenario::load_planned(&args.scenario, "explain", output, &args.terraform)
    else {
        return exit::BAD_INPUT;
    };
    let mut world = loaded.world.clone();
    world.request_time = args.at.time();
    if let Some(path) = &args.location {
        return match unity_catalog::location(&world, &args.scenario.display().to_string(), path) {
            Ok(answer) => {
                match args.format {
                    Format::Text => out!("{}", answer.text),
                    Format::Json => {
                        json::print(&json::document("explain", &loaded.findings, answer.json))
                    }
                }
                if answer.served {
                    exit::OK
                } else {
                    exit::FINDINGS
                }
            }
            Err(message) => bad_input(args, &loaded, &message),
        };
    }
    if let Some(message) = crate::command::unknown_external_id_role(&world, &args.external_ids) {
        return bad_input(args, &loaded, &message);
    }
    let from = normalized_from(args.from.as_deref().unwrap_or_default());
    // A session STS would never name (`RoleSessionName`, AssumeRole in the STS API Reference)
    // is no caller: `assumed-role/ROLE/` or `.../s;$(id)` must not be answered as one.
    if let Some(session) = from
        .strip_prefix("arn:aws:sts::")
        .and_then(|rest| rest.split_once(":assumed-role/"))
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(_, session)| session)
    {
        if let Some(problem) = xacct_world::names::session_name_error(session) {
            let message = format!(
                "`{from}`: the session name `{session}` {problem} (AssumeRole, STS API Reference)"
            );
            return bad_input(args, &loaded, &message);
        }
    }
    // A Unity Catalog credential is asked as Databricks uses it: its master role assumes the
    // credential's role, passing the credential's external id.
    let mut via = args.via.clone();
    let mut external_ids: std::collections::BTreeMap<String, String> =
        args.external_ids.iter().cloned().collect();
    let from = match unity_catalog::credential_start(&world, &from) {
        Some(Ok(start)) => {
            if via.is_empty() && !args.direct {
                via.push(start.role.clone());
            }
            external_ids.entry(start.role).or_insert(start.external_id);
            start.master_role
        }
        Some(Err(message)) => return bad_input(args, &loaded, &message),
        None => from,
    };
    if let Err(error) = xacct_paths::resolve(&world, &from) {
        let mut message = format!(
            "`{}` is not an instance profile, role, user, session or compute of the scenario",
            error.0
        );
        if let Some(near) = xacct_world::suggest::closest(&from, &starts(&world)) {
            message.push_str(&format!("; did you mean `{near}`?"));
        }
        return bad_input(args, &loaded, &message);
    }
    // A stream, key or bucket the scenario does not declare is answered as assumed, and said
    // so (the stream first: its reads are planned from it).
    let mut undeclared = world.assume_undeclared(args.read_stream.iter().map(String::as_str));
    let operations = match operations(args, &world, &from) {
        Ok(operations) => operations,
        Err(message) => return bad_input(args, &loaded, &message),
    };
    undeclared.extend(
        world.assume_undeclared(
            operations
                .iter()
                .filter_map(|operation| operation.resource.as_deref()),
        ),
    );
    for assumption in &undeclared {
        errln!("warning: {}", assumption.detail);
    }
    let world = &world;
    let user_context: Vec<(String, ContextValue)> = args
        .context
        .iter()
        .map(|(key, value)| (key.clone(), single(value)))
        .collect();
    let client_path = args.read.clone().or_else(|| args.write.clone());
    let index = TrustIndex::new(world);
    let mut results: Vec<(String, ExpectationResult)> = Vec::new();
    let mut assumptions = undeclared;
    for operation in operations {
        let mut context = operation.context.clone();
        context.extend(user_context.iter().cloned());
        let expectation = Expectation {
            via: via.clone(),
            direct: args.direct,
            context,
            external_ids: external_ids.clone(),
            client_path: client_path.clone(),
            read_tables: args.read_table.iter().cloned().collect(),
            columns: args.columns.clone(),
            region: args
                .region
                .clone()
                .unwrap_or_else(|| DEFAULT_CATALOG_REGION.to_owned()),
            ..Expectation::new(
                operation.what.clone(),
                from.clone(),
                operation.actions.clone(),
                operation.resource.iter().cloned().collect(),
            )
        };
        let result =
            xacct_paths::check::run_expectation_with_depth(world, &index, &expectation, args.depth);
        if let Some(error) = &result.error {
            return bad_input(args, &loaded, error);
        }
        if let Some(error) = result.cases.iter().find_map(|case| {
            (case.follows.is_none())
                .then_some(case.outcome.error.as_ref())
                .flatten()
        }) {
            // A question about something the scenario does not have is bad input, not a deny.
            if args.action.is_some() || args.read_table.is_some() {
                return bad_input(args, &loaded, error);
            }
        }
        let question = operation
            .actions
            .first()
            .zip(operation.resource.as_ref())
            .map(|(action, resource)| (action.as_str(), resource.as_str()));
        for assumption in world.request_assumptions(question) {
            xacct_eval::assumed::add_assumption(&mut assumptions, assumption);
        }
        results.push((operation.what, result));
    }
    let cases: Vec<&Case> = results
        .iter()
        .flat_map(|(_, result)| &result.cases)
        .filter(|case| case.same_as.is_none())
        .collect();
    let denied = cases.iter().filter(|case| !case.passed(true)).count();
    let answer = Answer::new(&from, &results);
    match args.format {
        Format::Text => {
            out!(
                "{}{}",
                text(args, &answer, &assumptions, &results, cases.len(), denied),
                left_out::after_answer(&loaded.left_out)
            );
        }
        Format::Json => {
            let operations: Vec<serde_json::Value> = results
                .iter()
                .map(|(what, result)| {
                    serde_json::json!({
                        "operation": what,
                        "allowed": result.passed(),
                        "requests": render::cases_json(&result.cases, true, &answer.fixes),
                        "assumptions": assumptions,
                    })
                })
                .collect();
            json::print(&json::document(
                "explain",
                &loaded.findings,
                serde_json::json!({
                    "from": from,
                    "allowed": denied == 0,
                    "requests": cases.len(),
                    "denied": denied,
                    "asked": render::asked_json(&from, &answer.asked),
                    "assumptions": answer.assumptions,
                    "operations": operations,
                    "fixes": answer.fixes.json(),
                    "leftOut": left_out::json(&loaded.left_out),
                }),
            ));
        }
    }
    if denied == 0 {
        exit::OK
    } else {
        exit::FINDINGS
    }
}

/// What the whole answer states besides its requests: how they were asked, what was
/// assumed, and each fix once with the operations it mends.
struct Answer<'r> {
    who: &'r str,
    asked: Vec<(Route, usize)>,
    assumptions: Assumptions,
    fixes: render::Fixes<'r>,
}

impl<'r> Answer<'r> {
    fn new(who: &'r str, results: &'r [(String, ExpectationResult)]) -> Self {
        let mut asked: Vec<(Route, usize)> = Vec::new();
        let mut assumptions = Assumptions::default();
        let mut fixes = render::Fixes::default();
        for (what, result) in results {
            for (route, count) in result.asked_counts() {
                match asked.iter_mut().find(|(known, _)| *known == route) {
                    Some((_, total)) => *total += count,
                    None => asked.push((route, count)),
                }
            }
            assumptions.merge(&result.assumptions);
            for case in result.failing_cases() {
                if let Some(Ok(found)) = &case.fixes {
                    for fix in found {
                        fixes.mends(fix, format!("`{what}`"));
                    }
                }
            }
        }
        Self {
            who,
            asked,
            assumptions,
            fixes,
        }
    }
}

/// The answer for people: the verdict, how it was asked and what was assumed, then the
/// failing requests first (each explained once), then the allowed ones (listed with
/// `--verbose` or when nothing failed, else counted).
/// The answer for people. What it assumed follows how it was asked, before any request: what
/// was passed to STS, then the time, Region and TLS every request carries (`assumed`).
fn text(
    args: &Args,
    answer: &Answer<'_>,
    assumed: &[xacct_eval::Assumption],
    results: &[(String, ExpectationResult)],
    total: usize,
    denied: usize,
) -> String {
    let mut out = String::new();
    if stream::quiet() && denied == 0 {
        return out;
    }
    let mut fixes = answer.fixes.clone();
    let mut shown = render::Shown::default();
    let mut header = render::asked_text(answer.who, &answer.asked, &answer.assumptions, "");
    for assumption in assumed {
        let _ = writeln!(header, "assumed: {}", assumption.detail);
    }
    // A single request reads as before: the case alone, after how it was asked.
    if args.action.is_some() {
        out.push_str(&header);
        for (_, result) in results {
            for case in result.cases.iter().filter(|case| case.same_as.is_none()) {
                out.push_str(&render::case_text(case, true, &mut fixes));
            }
        }
        return out;
    }
    if denied == 0 {
        let _ = writeln!(out, "{}: all {total} request(s) allowed", answer.who);
    } else {
        let _ = writeln!(out, "{}: {denied} of {total} request(s) denied", answer.who);
    }
    out.push_str(&header);
    // `--quiet`: the denied operations only.
    let shown_verdicts: &[bool] = if stream::quiet() {
        &[false]
    } else {
        &[false, true]
    };
    for &passed in shown_verdicts {
        for (what, result) in results
            .iter()
            .filter(|(_, result)| result.passed() == passed)
        {
            let verdict = if passed {
                style::paint(style::PASS, "ok  ")
            } else {
                style::paint(style::FAIL, "FAIL")
            };
            let _ = writeln!(out, "\n{verdict} {what}");
            let failing = result.failing_cases();
            out.push_str(&render::failures_text(
                &failing, true, &mut fixes, &mut shown,
            ));
            // An answer that allows everything lists its requests: they are the answer.
            out.push_str(&render::others_text(
                &result.passing_cases(),
                !failing.is_empty(),
                true,
                args.verbose || denied == 0,
                "  ",
            ));
        }
    }
    out
}
