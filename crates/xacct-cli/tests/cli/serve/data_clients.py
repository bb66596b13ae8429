"""Data engines with S3 stacks of their own against `xacct serve`, for serve_data_clients.rs.

    data_clients.py SOURCE_PROFILE ROLE_ARN BUCKET PREFIX

The chained session is assumed through the served STS with boto3 (SOURCE_PROFILE of the
config file the server wrote, AWS_CONFIG_FILE, assumes ROLE_ARN), then handed to each engine
with the endpoint (AWS_ENDPOINT_URL): pyarrow's S3FileSystem (the AWS SDK for C++), polars and
deltalake (both on Rust's object_store) each write under PREFIX (a parquet file; a Delta
table) and read it back; each is also called with the source profile's own session, which the
bucket policy does not name. Prints
one JSON document: for each step "ok" and what was read, or the error the engine raised.

pyarrow's own `role_arn` is not used: S3FileSystem sends its AssumeRole to AWS's STS endpoint
(it has no STS endpoint option, and `endpoint_override` is S3's only), which a loopback test
must not call; the session it would get is the one assumed here. deltalake commits with S3's
conditional writes (AWS_CONDITIONAL_PUT=etag: each log entry is put with If-None-Match: *), so
a version another writer took first is refused, not overwritten.
"""

import json
import os
import sys

import boto3
import botocore.config


def session_of(profile, role_arn=None):
    session = boto3.session.Session(profile_name=profile)
    if role_arn is None:
        creds = session.get_credentials().get_frozen_credentials()
        return {"key": creds.access_key, "secret": creds.secret_key, "token": creds.token}
    sts = session.client("sts", config=botocore.config.Config(retries={"max_attempts": 1}))
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="data-engine")["Credentials"]
    return {"key": creds["AccessKeyId"], "secret": creds["SecretAccessKey"],
            "token": creds["SessionToken"]}


def step(call):
    try:
        return {"code": "ok", "value": call()}
    except Exception as error:  # each engine raises its own kind; the test reads the text
        return {"code": "error", "kind": type(error).__name__, "message": str(error)}


def table():
    import pyarrow as pa
    return pa.table({"id": [1, 2, 3], "region": ["eu", "us", "ap"], "amount": [9.5, 3.25, 7.0]})


def pyarrow_steps(endpoint, chained, cluster, bucket, prefix):
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    def filesystem(creds):
        return pafs.S3FileSystem(
            access_key=creds["key"], secret_key=creds["secret"], session_token=creds["token"],
            region="us-east-1", scheme="http", endpoint_override=endpoint.split("://", 1)[1],
            # Arrow sends the canned ACL of the "ACL" metadata key with each write.
            default_metadata={"ACL": "bucket-owner-full-control"},
            # One attempt: a refusal must show its own error.
            retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=1))

    fs = filesystem(chained)
    path = f"{bucket}/{prefix}/pyarrow/part-0000.parquet"
    out = {}
    out["pyarrow_write"] = step(lambda: pq.write_table(table(), path, filesystem=fs) or path)
    out["pyarrow_read"] = step(lambda: pq.read_table(path, filesystem=fs).to_pydict())
    out["pyarrow_list"] = step(lambda: sorted(
        info.path for info in fs.get_file_info(pafs.FileSelector(f"{bucket}/{prefix}",
                                                                  recursive=True))
        if info.type == pafs.FileType.File))
    out["pyarrow_cluster_read"] = step(
        lambda: pq.read_table(path, filesystem=filesystem(cluster)).to_pydict())
    return out


def polars_steps(endpoint, chained, cluster, bucket, prefix):
    import polars as pl

    def options(creds):
        return {
            "aws_endpoint_url": endpoint, "aws_region": "us-east-1", "aws_allow_http": "true",
            "aws_access_key_id": creds["key"], "aws_secret_access_key": creds["secret"],
            "aws_session_token": creds["token"],
            # Path-style requests: the endpoint serves every bucket under one host.
            "aws_virtual_hosted_style_request": "false",
        }

    url = f"s3://{bucket}/{prefix}/polars/part-0000.parquet"
    frame = pl.from_arrow(table())
    out = {}
    out["polars_write"] = step(lambda: frame.write_parquet(url, storage_options=options(chained))
                               or url)
    out["polars_read"] = step(
        lambda: pl.read_parquet(url, storage_options=options(chained)).to_dict(as_series=False))
    out["polars_cluster_read"] = step(
        lambda: pl.read_parquet(url, storage_options=options(cluster)).to_dict(as_series=False))
    return out


def deltalake_steps(endpoint, chained, cluster, bucket, prefix):
    from deltalake import DeltaTable, write_deltalake

    def options(creds):
        return {
            "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true",
            "AWS_ACCESS_KEY_ID": creds["key"], "AWS_SECRET_ACCESS_KEY": creds["secret"],
            "AWS_SESSION_TOKEN": creds["token"], "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": "false",
            "AWS_CONDITIONAL_PUT": "etag",
        }

    url = f"s3://{bucket}/{prefix}/delta"
    out = {}
    out["deltalake_write"] = step(
        lambda: write_deltalake(url, table(), storage_options=options(chained)) or url)
    out["deltalake_read"] = step(lambda: DeltaTable(url, storage_options=options(chained))
                                 .to_pyarrow_table().to_pydict())
    out["deltalake_cluster_read"] = step(
        lambda: DeltaTable(url, storage_options=options(cluster)).to_pyarrow_table().to_pydict())
    # Another writer takes version 1 first: delta-rs's commit of version 1 must be refused by
    # S3's If-None-Match (412), not overwrite it, and land as version 2.
    s3 = boto3.session.Session().client(
        "s3", aws_access_key_id=chained["key"], aws_secret_access_key=chained["secret"],
        aws_session_token=chained["token"], endpoint_url=endpoint, region_name="us-east-1")
    taken = f"{prefix}/delta/_delta_log/00000000000000000001.json"
    other = json.dumps({"commitInfo": {"timestamp": 1, "operation": "OTHER WRITER"}}) + "\n"
    s3.put_object(Bucket=bucket, Key=taken, Body=other.encode(), IfNoneMatch="*")
    out["deltalake_append"] = step(
        lambda: write_deltalake(url, table(), mode="append", storage_options=options(chained))
        or url)
    out["deltalake_other_commit_kept"] = step(
        lambda: s3.get_object(Bucket=bucket, Key=taken)["Body"].read().decode() == other)
    out["deltalake_version"] = step(
        lambda: DeltaTable(url, storage_options=options(chained)).version())
    out["deltalake_rows"] = step(
        lambda: DeltaTable(url, storage_options=options(chained)).to_pyarrow_table().num_rows)
    return out


def main():
    source, role_arn, bucket, prefix = sys.argv[1:5]
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    chained = session_of(source, role_arn)
    cluster = session_of(source)
    out = {"expected": table().to_pydict()}
    out.update(pyarrow_steps(endpoint, chained, cluster, bucket, prefix))
    out.update(polars_steps(endpoint, chained, cluster, bucket, prefix))
    out.update(deltalake_steps(endpoint, chained, cluster, bucket, prefix))
    print(json.dumps(out), flush=True)
    # The AWS SDK for C++ under pyarrow may abort in its own static destructors at exit
    # ("terminate called without an active exception") when its S3 subsystem is still up;
    # everything is printed, so the process leaves without running them.
    os._exit(0)


if __name__ == "__main__":
    main()
