//! `xacct serve` with data engines that bring their own S3 stack: pyarrow's S3FileSystem (the
//! AWS SDK for C++), polars and deltalake (Rust's object_store) write and read parquet and a
//! Delta table through the role chain of examples/s3-role-chain, and are refused with the
//! cluster's own session.
//!
//! Which client could not be pointed at the endpoint, and why: pyarrow's `role_arn` (its own
//! AssumeRole) sends STS calls to AWS's STS endpoint, since S3FileSystem's `endpoint_override`
//! is S3's only; so the session is assumed through the served STS with boto3 and handed to
//! pyarrow, as a job that is given credentials does. deltalake commits with S3's conditional
//! writes (`AWS_CONDITIONAL_PUT=etag`): a log version another writer took first is refused with
//! 412 and delta-rs commits the next one.
#![expect(
    clippy::indexing_slicing,
    reason = "a test reads the JSON its client printed, and fails when a field is missing"
)]

use super::serve::{python, Server};
use serde_json::Value;

const ROLE_B: &str = "arn:aws:iam::222222222222:role/MyRoleB";

fn assert_ok(out: &Value, step: &str) {
    assert_eq!(out[step]["code"], "ok", "{step}: {:#}", out[step]);
}

#[test]
fn serve_pyarrow_polars_and_deltalake_write_and_read_through_the_role_chain() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start("examples/s3-role-chain", data.path(), &[]);
    let out = server.script(
        &python,
        "data_clients.py",
        &["compute-etl", ROLE_B, "lake-b", "sales/2026"],
    );
    let expected = &out["expected"];
    assert!(expected["id"].is_array(), "{out:#}");

    // pyarrow: write, read back the same rows, list what is under the prefix.
    assert_ok(&out, "pyarrow_write");
    assert_ok(&out, "pyarrow_read");
    assert_eq!(&out["pyarrow_read"]["value"], expected, "{out:#}");
    assert_ok(&out, "pyarrow_list");
    let listed = out["pyarrow_list"]["value"].to_string();
    assert!(
        listed.contains("lake-b/sales/2026/pyarrow/part-0000.parquet"),
        "{listed}"
    );

    // polars: the same.
    assert_ok(&out, "polars_write");
    assert_ok(&out, "polars_read");
    assert_eq!(&out["polars_read"]["value"], expected, "{out:#}");

    // deltalake: a Delta table (parquet and its log), read back.
    assert_ok(&out, "deltalake_write");
    assert_ok(&out, "deltalake_read");
    assert_eq!(&out["deltalake_read"]["value"], expected, "{out:#}");
    // Version 1 was taken by another writer: delta-rs's append is refused there (If-None-Match)
    // and lands as version 2; the other writer's entry is untouched.
    assert_ok(&out, "deltalake_append");
    assert_eq!(out["deltalake_other_commit_kept"]["value"], true, "{out:#}");
    assert_eq!(out["deltalake_version"]["value"], 2, "{out:#}");
    assert_eq!(out["deltalake_rows"]["value"], 6, "{out:#}");

    // The cluster's own session (MyRoleA) is not named by lake-b's bucket policy: each
    // engine reports S3's 403 in its own words. pyarrow's first call is a HeadObject (a 403
    // without a body, so its code is the C++ SDK's ACCESS_DENIED); polars GETs, and shows
    // AWS's AccessDenied document with the sentence xacct serve writes.
    assert_eq!(out["pyarrow_cluster_read"]["code"], "error", "{out:#}");
    let message = out["pyarrow_cluster_read"]["message"].to_string();
    assert!(
        message.contains("AWS Error ACCESS_DENIED during HeadObject"),
        "{message}"
    );
    assert_eq!(out["polars_cluster_read"]["code"], "error", "{out:#}");
    let message = out["polars_cluster_read"]["message"].to_string();
    assert!(
        message.contains("<Code>AccessDenied</Code>")
            && message.contains(
                "assumed-role/MyRoleA/etl is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::lake-b/sales/2026/polars/part-0000.parquet because no resource-based policy allows the s3:GetObject action"
            ),
        "{message}"
    );
    assert_eq!(out["deltalake_cluster_read"]["code"], "error", "{out:#}");
    let message = out["deltalake_cluster_read"]["message"].to_string();
    assert!(
        message.contains("lacked the necessary privileges")
            && message.contains("403 Forbidden")
            && message.contains("<Code>AccessDenied</Code>"),
        "{message}"
    );
}
