//! `xacct explain`: one question about a scenario, answered with the chain, the failing link,
//! the engine's explanation and the fix. The question is either one AWS request
//! (`--action` and `--resource`) or an operation in the user's terms (`--read`, `--write`,
//! `--read-stream`), which xacct expands into every request the client makes.

use crate::command::exit;
use crate::render::check as render;
use crate::scenario;
use std::fmt::Write as _;
use std::path::PathBuf;
use xacct_eval::ContextValue;
use xacct_paths::check::{Case, ExpectationResult, DEFAULT_DEPTH};
use xacct_paths::TrustIndex;
use xacct_world::model::Origin;
use xacct_world::{Expectation, World};

#[derive(clap::Args)]
pub struct Args {
    /// The scenario folder (with xacct.toml).
    scenario: PathBuf,
    /// Who asks: an instance profile, role, user or session ARN, or `compute:NAME`
    /// (`cluster:NAME` and `job:NAME` are accepted too).
    #[arg(long)]
    from: String,
    /// One AWS action, with `--resource`.
    #[arg(long, requires = "resource")]
    action: Option<String>,
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
    /// The Region of the Data Catalog for `--read-table`.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// The registered consumer an enhanced fan-out reader uses (by ARN).
    #[arg(long, requires = "read_stream")]
    consumer: Option<String>,
    /// A context key for every request of the chain, `key=value` (repeatable).
    #[arg(long = "context", value_parser = parse_pair)]
    context: Vec<(String, String)>,
    /// Pin the chain through these roles, in order (repeatable).
    #[arg(long)]
    via: Vec<String>,
    /// An external id passed when assuming a role, `ROLE_ARN=ID` (repeatable).
    #[arg(long = "external-id", value_parser = parse_pair)]
    external_ids: Vec<(String, String)>,
    /// Longest AssumeRole chain to search (for `--action` questions).
    #[arg(long, default_value_t = DEFAULT_DEPTH)]
    depth: usize,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    text.rsplit_once('=')
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("`{text}` is not `key=value`"))
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

pub fn run(args: &Args) -> u8 {
    if let (Some(action), Some(resource)) = (&args.action, &args.resource) {
        if let Err(error) = xacct_world::question::check(action, resource) {
            eprintln!("error: {}", error.with_help());
            return exit::BAD_INPUT;
        }
    }
    let Some(loaded) = scenario::load(&args.scenario) else {
        return exit::BAD_INPUT;
    };
    let mut world = loaded.world.clone();
    let from = normalized_from(&args.from);
    if let Err(error) = xacct_paths::resolve(&world, &from) {
        eprintln!("error: `{}` is not an instance profile, role, user, session or compute of the scenario", error.0);
        return exit::BAD_INPUT;
    }
    // A stream, key or bucket the scenario does not declare is answered as assumed, and said
    // so (the stream first: its reads are planned from it).
    let mut assumptions = world.assume_undeclared(args.read_stream.iter().map(String::as_str));
    let operations = match operations(args, &world, &from) {
        Ok(operations) => operations,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    assumptions.extend(
        world.assume_undeclared(
            operations
                .iter()
                .filter_map(|operation| operation.resource.as_deref()),
        ),
    );
    for assumption in &assumptions {
        eprintln!("warning: {}", assumption.line());
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
    for operation in operations {
        let mut context = operation.context.clone();
        context.extend(user_context.iter().cloned());
        let expectation = Expectation {
            name: operation.what.clone(),
            from: from.clone(),
            via: args.via.clone(),
            actions: operation.actions.clone(),
            resources: operation.resource.iter().cloned().collect(),
            context,
            allow: true,
            external_ids: args.external_ids.iter().cloned().collect(),
            session_name: None,
            duration_seconds: None,
            session_tags: Default::default(),
            source_identity: None,
            written_by: None,
            client_path: client_path.clone(),
            read_tables: args.read_table.iter().cloned().collect(),
            region: args.region.clone(),
            origin: Origin::default(),
        };
        let result =
            xacct_paths::check::run_expectation_with_depth(world, &index, &expectation, args.depth);
        if let Some(error) = &result.error {
            eprintln!("error: {error}");
            return exit::BAD_INPUT;
        }
        if let Some(error) = result.cases.iter().find_map(|case| {
            (case.follows.is_none())
                .then_some(case.outcome.error.as_ref())
                .flatten()
        }) {
            // A question about something the scenario does not have is bad input, not a deny.
            if args.action.is_some() || args.read_table.is_some() {
                eprintln!("error: {error}");
                return exit::BAD_INPUT;
            }
        }
        results.push((operation.what, result));
    }
    let cases: Vec<&Case> = results
        .iter()
        .flat_map(|(_, result)| &result.cases)
        .collect();
    let denied = cases.iter().filter(|case| !case.passed(true)).count();
    match args.format {
        Format::Text => {
            for assumption in &assumptions {
                println!("{}", assumption.line());
            }
            print!("{}", text(args, &from, &results, cases.len(), denied));
        }
        Format::Json => {
            let json: Vec<serde_json::Value> = results
                .iter()
                .map(|(what, result)| {
                    serde_json::json!({
                        "operation": what,
                        "allowed": result.passed(),
                        "requests": result.cases.iter().map(|case| render::case_json(case, true)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
        }
    }
    if denied == 0 {
        exit::OK
    } else {
        exit::FINDINGS
    }
}

fn text(
    args: &Args,
    from: &str,
    results: &[(String, ExpectationResult)],
    total: usize,
    denied: usize,
) -> String {
    let mut out = String::new();
    // A single request reads as before: the case alone.
    if args.action.is_some() {
        for (_, result) in results {
            for case in &result.cases {
                out.push_str(&render::case_text(case, true));
            }
        }
        return out;
    }
    let _ = writeln!(out, "{from}: {total} request(s) to check");
    for (what, result) in results {
        let _ = writeln!(
            out,
            "\n{} {what}",
            if result.passed() { "ok  " } else { "FAIL" }
        );
        for case in &result.cases {
            let body = render::case_text(case, true);
            out.extend(body.lines().map(|line| format!("  {line}\n")));
        }
    }
    if denied == 0 {
        let _ = writeln!(out, "\nevery request is allowed");
    } else {
        let _ = writeln!(out, "\n{denied} of {total} request(s) denied");
    }
    out
}
