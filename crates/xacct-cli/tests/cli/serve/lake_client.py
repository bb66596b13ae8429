"""boto3 against `xacct serve` for Glue, Lake Formation and RAM, for serve_lake.rs.

Each subcommand prints one JSON document: what each request got ("ok" or its AWS error code,
message and xacct's explanation header), with the IAM action the step is authorized as, so the
Rust test compares a refusal with the link `xacct check` names.
"""

import json
import os
import sys
import urllib.error
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.exceptions

import client as shared  # client.py, next to this script

CONFIG = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})


def client(service, profile=None, **credentials):
    session = boto3.session.Session(profile_name=profile) if profile else boto3.session.Session()
    return session.client(service, config=CONFIG, **credentials)


def step(steps, op, action, call):
    """Runs one request, records it; returns what it returned, or None when refused."""
    returned = []
    result = shared.outcome(lambda: returned.append(call()))
    result["op"] = op
    result["action"] = action
    steps.append(result)
    return returned[0] if returned else None


def read_table(steps, profile, database, table):
    """What a Glue ETL job does for glueContext.create_dynamic_frame.from_catalog(database,
    table_name), in the order `xacct check` asks it: the database (and a resource link's
    target), the table, its partitions, then the data: with the credentials
    Lake Formation vends when it vends them, else with the job's own S3 access. Returns whether
    every step passed, and the vended credentials, if any."""
    glue = client("glue", profile)
    got = step(steps, "GetDatabase", "glue:GetDatabase", lambda: glue.get_database(Name=database))
    if got is None:
        return False, None
    # A resource link: the engine opens its target database too.
    target = got["Database"].get("TargetDatabase")
    if target and step(steps, "GetDatabase", "glue:GetDatabase", lambda: glue.get_database(
            CatalogId=target["CatalogId"], Name=target["DatabaseName"])) is None:
        return False, None
    got = step(steps, "GetTable", "glue:GetTable",
               lambda: glue.get_table(DatabaseName=database, Name=table))
    if got is None:
        return False, None
    found = got["Table"]
    if step(steps, "GetPartitions", "glue:GetPartitions",
            lambda: glue.get_partitions(DatabaseName=database, TableName=table)) is None:
        return False, None
    location = found["StorageDescriptor"]["Location"]
    bucket, _, prefix = location[len("s3://"):].partition("/")
    table_arn = "arn:aws:glue:us-east-1:%s:table/%s/%s" % (
        found["CatalogId"], found["DatabaseName"], found["Name"])
    lakeformation = client("lakeformation", profile)
    vended = step(steps, "GetTemporaryGlueTableCredentials", "lakeformation:GetDataAccess",
                  lambda: lakeformation.get_temporary_glue_table_credentials(
                      TableArn=table_arn, Permissions=["SELECT"],
                      SupportedPermissionTypes=["COLUMN_PERMISSION"]))
    credentials = None
    if vended is None:
        refused = steps.pop()
        # Lake Formation vends nothing for a location it does not govern: the job reads it
        # with its own credentials. Any other refusal stops the job.
        if refused["code"] != "InvalidInputException":
            steps.append(refused)
            return False, None
        s3 = client("s3", profile)
    else:
        credentials = {
            "aws_access_key_id": vended["AccessKeyId"],
            "aws_secret_access_key": vended["SecretAccessKey"],
            "aws_session_token": vended["SessionToken"],
        }
        s3 = client("s3", **credentials)
    listed = step(steps, "ListObjectsV2", "s3:ListBucket",
                  lambda: s3.list_objects_v2(Bucket=bucket, Prefix=prefix))
    if listed is None:
        return False, credentials
    keys = [item["Key"] for item in listed.get("Contents", [])]
    for key in keys[:1]:
        if step(steps, "GetObject", "s3:GetObject",
                lambda: s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()) is None:
            return False, credentials
    steps[-1]["keys"] = keys
    return True, credentials


def seed(admin, bucket, key, body):
    client("s3", admin).put_object(Bucket=bucket, Key=key, Body=body.encode())


def workload(admin, profile, tables):
    """Seeds one object under each table's location as the owner account's administrator, then
    reads each `database.table` as the job does, stopping at the first refusal."""
    out = {"steps": [], "read": []}
    for name in tables:
        database, table = name.split(".")
        ok, credentials = read_table(out["steps"], profile, database, table)
        out["read"].append({"table": name, "ok": ok, "vended": credentials is not None})
        if not ok:
            break
    return out


def vended_scope(profile, database, table, bucket, outside):
    """Reads the table with vended credentials, then tries them outside the table's location:
    each key of `outside` read and written, and a listing of another prefix."""
    out = {"steps": []}
    ok, credentials = read_table(out["steps"], profile, database, table)
    out["ok"] = ok
    if credentials is None:
        return out
    s3 = client("s3", **credentials)
    out["outside"] = {key: shared.outcome(lambda key=key: s3.get_object(Bucket=bucket, Key=key))
                      for key in outside}
    out["list-outside"] = shared.outcome(lambda: s3.list_objects_v2(Bucket=bucket, Prefix="other/"))
    out["write"] = shared.outcome(
        lambda: s3.put_object(Bucket=bucket, Key=outside[0], Body=b"x"))
    sts = client("sts", **credentials)
    out["identity"] = sts.get_caller_identity()["Arn"]
    return out


def full_table_access(profiles):
    """Each administrator turns on AllowFullTableExternalDataAccess in its account's data lake
    settings, keeping the rest (PutDataLakeSettings replaces them all)."""
    out = {}
    for profile in profiles:
        lakeformation = client("lakeformation", profile)
        settings = lakeformation.get_data_lake_settings()["DataLakeSettings"]
        settings["AllowFullTableExternalDataAccess"] = True
        out[profile] = shared.outcome(
            lambda: lakeformation.put_data_lake_settings(DataLakeSettings=settings))
    return out


def json_target(profile, op):
    """One Lake Formation call on the JSON 1.1 protocol (`X-Amz-Target: AWSLakeFormation.<Op>`),
    signed with botocore's SigV4 and sent as is: (status, error type header, body)."""
    credentials = boto3.session.Session(profile_name=profile).get_credentials()
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=os.environ["AWS_ENDPOINT_URL"] + "/", data=b"{}",
        headers={"X-Amz-Target": "AWSLakeFormation." + op,
                 "Content-Type": "application/x-amz-json-1.1"})
    botocore.auth.SigV4Auth(credentials, "lakeformation", "us-east-1").add_auth(request)
    prepared = request.prepare()
    sent = urllib.request.Request(prepared.url, data=prepared.body, method="POST",
                                  headers=dict(prepared.headers.items()))
    try:
        with urllib.request.urlopen(sent) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    return {"status": status, "type": headers.get("x-amzn-errortype"), "body": json.loads(raw)}


def main():
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "seed":
        admin, bucket, key, body = rest
        seed(admin, bucket, key, body)
        out = {"seeded": "s3://%s/%s" % (bucket, key)}
    elif command == "workload":
        admin, profile = rest[0], rest[1]
        out = workload(admin, profile, rest[2:])
    elif command == "register":
        admin, arn = rest
        lakeformation = client("lakeformation", admin)
        out = {"register": shared.outcome(lambda: lakeformation.register_resource(
            ResourceArn=arn, UseServiceLinkedRole=True)),
               "resources": lakeformation.list_resources()["ResourceInfoList"]}
    elif command == "full-table-access":
        out = full_table_access(rest)
    elif command == "vended-scope":
        profile, database, table, bucket = rest[:4]
        out = vended_scope(profile, database, table, bucket, rest[4:])
    elif command == "invitations":
        profile = rest[0]
        ram = client("ram", profile)
        out = {"invitations": ram.get_resource_share_invitations()["resourceShareInvitations"]}
    elif command == "accept":
        profile, arn = rest
        ram = client("ram", profile)
        out = {"accept": shared.outcome(lambda: ram.accept_resource_share_invitation(
            resourceShareInvitationArn=arn))}
        if out["accept"]["code"] == "ok":
            out["again"] = shared.outcome(lambda: ram.accept_resource_share_invitation(
                resourceShareInvitationArn=arn))
            out["shared"] = [share["name"] for share in ram.get_resource_shares(
                resourceOwner="OTHER-ACCOUNTS")["resourceShares"]]
    elif command == "json-target":
        profile, op = rest
        out = json_target(profile, op)
    elif command == "unserved":
        profile = rest[0]
        out = {"glue": shared.outcome(lambda: client("glue", profile).get_crawlers()),
               "lakeformation": shared.outcome(lambda: client("lakeformation", profile).list_lf_tags())}
    else:
        raise SystemExit("unknown command " + command)
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
