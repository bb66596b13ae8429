#!/usr/bin/env python3
"""Seeds a moto server with one field-guide example, for the end-to-end tests of `xacct collect`.

    seed_collect.py --endpoint http://127.0.0.1:PORT --example s3-role-chain \
        --examples examples --credentials DIR/credentials

Each example's accounts are created in moto as the example declares them (roles with their
trust and inline policies, instance profiles, buckets with their policies and settings, KMS
keys, Kinesis streams, Glue databases and tables, Lake Formation grants, RAM shares), reading
the example's own policy files. moto keeps one account per set of credentials that
`sts:AssumeRole` returned into it, so the script assumes a role in each account and writes
those credentials as one profile per account (`a`, `b`, `c`) to the credentials file, for
`xacct collect --profile a --profile b ...`.

It prints one JSON object: the profiles written, and the calls moto does not implement
(`unsupported`), which the test covers with recorded responses instead.
"""

import argparse
import json
import pathlib
import sys
import urllib.request

import boto3
from botocore.exceptions import ClientError

REGION = "us-east-1"
A, B, C = "111111111111", "222222222222", "333333333333"
PROFILES = {A: "a", B: "b", C: "c"}


class Seeder:
    def __init__(self, endpoint, examples):
        self.endpoint = endpoint
        self.examples = examples
        self.unsupported = []
        self.credentials = {}
        self.organization = None
        base = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        self.sts = base.client("sts", endpoint_url=endpoint)

    def session(self, account):
        if account not in self.credentials:
            assumed = self.sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/xacct-collector",
                RoleSessionName="seed",
            )["Credentials"]
            self.credentials[account] = assumed
        creds = self.credentials[account]
        return boto3.session.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=REGION,
        )

    def client(self, account, service):
        client = self.session(account).client(service, endpoint_url=self.endpoint)
        if service == "s3control":
            # S3 Control puts the account id in the host name (ACCOUNT.127.0.0.1:PORT), which
            # the loopback endpoint cannot serve: each request goes to the endpoint as given
            # (the account id also rides in the x-amz-account-id header).
            def to_endpoint(request, **_):
                prefix = f"http://{account}."
                if request.url.startswith(prefix):
                    request.url = "http://" + request.url[len(prefix):]
            client.meta.events.register("before-send.s3-control.*", to_endpoint)
        return client

    def call(self, account, service, operation, **arguments):
        """One call; an operation moto does not implement is recorded, not fatal."""
        client = self.client(account, service)
        try:
            return getattr(client, operation)(**arguments)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status in (404, 500, 501) or "NotImplemented" in code:
                self.unsupported.append(f"{service}:{operation}")
                return None
            raise
        except NotImplementedError:
            self.unsupported.append(f"{service}:{operation}")
            return None

    def text(self, example, path):
        return (self.examples / example / path).read_text()

    def role(self, account, name, trust, policies=(), example=None, profile=False):
        self.call(account, "iam", "create_role", RoleName=name,
                  AssumeRolePolicyDocument=self.text(example, trust))
        for index, policy in enumerate(policies):
            self.call(account, "iam", "put_role_policy", RoleName=name,
                      PolicyName=pathlib.Path(policy).stem, PolicyDocument=self.text(example, policy))
        if profile:
            self.call(account, "iam", "create_instance_profile", InstanceProfileName=name)
            self.call(account, "iam", "add_role_to_instance_profile",
                      InstanceProfileName=name, RoleName=name)

    def bucket(self, account, name, policy=None, example=None, text=None):
        """A bucket with the settings S3 gives new buckets: Object Ownership
        BucketOwnerEnforced, every Block Public Access switch on, SSE-S3."""
        self.call(account, "s3", "create_bucket", Bucket=name)
        self.call(account, "s3", "put_bucket_ownership_controls", Bucket=name,
                  OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
        self.call(account, "s3", "put_public_access_block", Bucket=name,
                  PublicAccessBlockConfiguration={
                      "BlockPublicAcls": True, "IgnorePublicAcls": True,
                      "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
        self.call(account, "s3", "put_bucket_encryption", Bucket=name,
                  ServerSideEncryptionConfiguration={"Rules": [
                      {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        document = text if text is not None else (self.text(example, policy) if policy else None)
        if document:
            self.call(account, "s3", "put_bucket_policy", Bucket=name, Policy=document)


def trust_own_account(account):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "sts:AssumeRole"}]})


def s3_role_chain(seed):
    """Two accounts of the example and a third, unrelated one (its own role and bucket)."""
    ex = "s3-role-chain"
    seed.role(A, "MyRoleA", "policies/MyRoleA-trust.json", ["policies/MyRoleA-assume-MyRoleB.json"], ex, profile=True)
    seed.role(A, "databricks-cross-account", "policies/databricks-deployment-trust.json",
              ["policies/databricks-deployment-policy.json"], ex)
    seed.role(B, "MyRoleB", "policies/MyRoleB-trust.json", [], ex)
    seed.bucket(B, "lake-b", "policies/lake-b-bucket-policy.json", ex)
    seed.call(C, "iam", "create_role", RoleName="auditor", AssumeRolePolicyDocument=trust_own_account(C))
    seed.bucket(C, "archive-c")
    # A key whose policy denies everyone kms:DescribeKey (moto enforces exactly this kind of
    # statement): the collector's DescribeKey is refused, which it must record and go on.
    seed.call(C, "kms", "create_key", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "NobodyDescribes", "Effect": "Deny", "Principal": "*",
         "Action": "kms:DescribeKey", "Resource": "*"},
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{C}:root"},
         "Action": "kms:*", "Resource": "*"}]}))
    return [A, B, C]


def emrfs_role_mapping(seed):
    ex = "emrfs-role-mapping"
    seed.role(A, "EMR_EC2_DefaultRole", "policies/EMR_EC2_DefaultRole-trust.json",
              ["policies/EMR_EC2_DefaultRole-assume.json"], ex, profile=True)
    seed.role(B, "role_in_destination_account", "policies/destination-role-trust.json",
              ["policies/destination-role-s3.json"], ex)
    seed.bucket(B, "doc-example-bucket")
    return [A, B]


KINESIS_KEY = "arn:aws:kms:us-east-1:222222222222:key/7d1c2f40-5a3b-4e8f-9c21-0b6a4d2e8f13"


def kinesis_role_chain(seed):
    """moto picks a key's id itself, so the reader's policy names the id it picked instead of
    the example's (the only change to the example's documents)."""
    ex = "kinesis-role-chain"
    key = seed.call(B, "kms", "create_key", Policy=seed.text(ex, "policies/stream-key-policy.json"))
    key_arn = key["KeyMetadata"]["Arn"]
    seed.call(B, "kms", "create_alias", AliasName="alias/test-stream", TargetKeyId=key_arn)
    seed.role(A, "DatabricksToKinesisAssumeRole", "policies/DatabricksToKinesisAssumeRole-trust.json",
              ["policies/DatabricksToKinesisAssumeRole-assume.json"], ex, profile=True)
    seed.role(A, "databricks-cross-account", "policies/deployment-trust.json",
              ["policies/deployment-policy.json"], ex)
    seed.call(B, "iam", "create_role", RoleName="KinesisCrossAccountRole",
              AssumeRolePolicyDocument=seed.text(ex, "policies/KinesisCrossAccountRole-trust.json"))
    seed.call(B, "iam", "put_role_policy", RoleName="KinesisCrossAccountRole",
              PolicyName="KinesisCrossAccountRole-read",
              PolicyDocument=seed.text(ex, "policies/KinesisCrossAccountRole-read.json").replace(KINESIS_KEY, key_arn))
    seed.call(B, "kinesis", "create_stream", StreamName="testStream", ShardCount=1)
    seed.call(B, "kinesis", "start_stream_encryption", StreamName="testStream",
              EncryptionType="KMS", KeyId=key_arn)
    seed.call(B, "kinesis", "register_stream_consumer",
              StreamARN=f"arn:aws:kinesis:{REGION}:{B}:stream/testStream", ConsumerName="databricks-efo")
    return [A, B]


def glue_catalog_share(seed):
    """The organization (A manages it, B is in the unit `analytics`; moto_server.py gives B its
    id), the CUR table in A shared through RAM and Lake Formation, B's resource link, grants
    and IAM-only table. moto draws the organization's id itself, so the documents that name it
    name the one it drew."""
    ex = "glue-catalog-share"
    organization = seed.call(A, "organizations", "create_organization", FeatureSet="ALL")["Organization"]
    org_id = organization["Id"]
    seed.organization = org_id
    org_arn = f"arn:aws:organizations::{A}:organization/{org_id}"
    root = seed.call(A, "organizations", "list_roots")["Roots"][0]["Id"]
    unit = seed.call(A, "organizations", "create_organizational_unit", ParentId=root,
                     Name="analytics")["OrganizationalUnit"]["Id"]
    status = seed.call(A, "organizations", "create_account", AccountName="analytics",
                       Email="analytics@example.com")["CreateAccountStatus"]
    assert status["AccountId"] == B, f"moto_server.py must give B its id, got {status['AccountId']}"
    seed.call(A, "organizations", "move_account", AccountId=B, SourceParentId=root,
              DestinationParentId=unit)
    seed.role(B, "cur-report-glue-job", "policies/glue-job-trust.json",
              ["policies/glue-job-permissions.json"], ex)
    seed.role(B, "glue-deployer", "policies/deployer-trust.json",
              ["policies/deployer-permissions.json"], ex)
    seed.bucket(A, "cur-exports-a", text=seed.text(ex, "policies/cur-bucket-policy.json")
                .replace("o-cur0example", org_id))
    seed.bucket(B, "analytics-b")
    iam_only = [{"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"},
                 "Permissions": ["ALL"]}]
    for account in (A, B):
        seed.call(account, "lakeformation", "put_data_lake_settings", DataLakeSettings={
            "DataLakeAdmins": [{"DataLakePrincipalIdentifier": f"arn:aws:iam::{account}:role/lake-admin"}],
            "CreateDatabaseDefaultPermissions": [], "CreateTableDefaultPermissions": []})
    seed.call(A, "glue", "create_database", DatabaseInput={"Name": "cur_org", "CreateTableDefaultPermissions": []})
    seed.call(A, "glue", "create_table", DatabaseName="cur_org", TableInput={
        "Name": "legacy_all", "StorageDescriptor": {"Location": "s3://cur-exports-a/cur/legacy_all/"}})
    org = {"DataLakePrincipalIdentifier": org_arn}
    seed.call(A, "lakeformation", "grant_permissions", Principal=org,
              Resource={"Database": {"CatalogId": A, "Name": "cur_org"}},
              Permissions=["DESCRIBE"], PermissionsWithGrantOption=["DESCRIBE"])
    seed.call(A, "lakeformation", "grant_permissions", Principal=org,
              Resource={"Table": {"CatalogId": A, "DatabaseName": "cur_org", "TableWildcard": {}}},
              Permissions=["SELECT", "DESCRIBE"], PermissionsWithGrantOption=["SELECT", "DESCRIBE"])
    # moto's RAM refuses Glue resources (MalformedArnException): the test covers the share
    # with a recorded response instead.
    try:
        seed.client(A, "ram").create_resource_share(
            name="cur-org-share", principals=[org_arn],
            resourceArns=[f"arn:aws:glue:{REGION}:{A}:catalog",
                          f"arn:aws:glue:{REGION}:{A}:database/cur_org",
                          f"arn:aws:glue:{REGION}:{A}:table/cur_org/*"])
    except ClientError as error:
        if error.response["Error"]["Code"] != "MalformedArnException":
            raise
        seed.unsupported.append("ram:CreateResourceShare (Glue resources)")
    seed.call(B, "glue", "create_database", DatabaseInput={
        "Name": "cur_org_linked", "TargetDatabase": {"CatalogId": A, "DatabaseName": "cur_org"}})
    seed.call(B, "glue", "create_database", DatabaseInput={"Name": "analytics", "CreateTableDefaultPermissions": iam_only})
    seed.call(B, "glue", "create_table", DatabaseName="analytics", TableInput={
        "Name": "daily_costs", "StorageDescriptor": {"Location": "s3://analytics-b/daily_costs/"}})
    job = {"DataLakePrincipalIdentifier": f"arn:aws:iam::{B}:role/cur-report-glue-job"}
    for resource, permissions in [
        ({"Database": {"CatalogId": A, "Name": "cur_org"}}, ["DESCRIBE"]),
        ({"Table": {"CatalogId": A, "DatabaseName": "cur_org", "TableWildcard": {}}}, ["SELECT", "DESCRIBE"]),
        ({"Database": {"CatalogId": B, "Name": "cur_org_linked"}}, ["DESCRIBE"]),
        ({"Table": {"CatalogId": B, "DatabaseName": "cur_org_linked", "TableWildcard": {}}}, ["SELECT", "DESCRIBE"]),
    ]:
        seed.call(B, "lakeformation", "grant_permissions", Principal=job, Resource=resource,
                  Permissions=permissions)
    return [A, B]


def s3_access_point(seed):
    """B's bucket with its two access points (one of Internet origin, one bound to B's VPC),
    each with its policy; A's analytics role."""
    ex = "s3-access-point"
    seed.role(A, "analytics-reader", "policies/analytics-reader-trust.json",
              ["policies/analytics-reader-s3.json"], ex)
    seed.role(B, "etl-writer", "policies/etl-writer-trust.json", ["policies/etl-writer-s3.json"], ex)
    seed.bucket(B, "sales-data", "policies/sales-data-bucket-policy.json", ex)
    block = {"BlockPublicAcls": True, "IgnorePublicAcls": True,
             "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    for name, policy, vpc in [
        ("analytics-ap", "policies/analytics-ap-policy.json", None),
        ("ingest-ap", "policies/ingest-ap-policy.json", "vpc-0a1b2c3d4e5f60718"),
    ]:
        arguments = {"AccountId": B, "Name": name, "Bucket": "sales-data",
                     "PublicAccessBlockConfiguration": block}
        if vpc:
            arguments["VpcConfiguration"] = {"VpcId": vpc}
        seed.call(B, "s3control", "create_access_point", **arguments)
        seed.call(B, "s3control", "put_access_point_policy", AccountId=B, Name=name,
                  Policy=seed.text(ex, policy))
    return [A, B]


def lf_tags(seed):
    """A's tag-governed catalog (LF-Tags on the database and a column, grants on tag
    expressions to B, a grant through a data cell filter to A's analyst) and B's resource link
    and grants to its job. moto has no CreateDataCellsFilter and its RAM refuses Glue
    resources: the filter and the share are recorded responses in the test."""
    ex = "lf-tags"
    seed.role(B, "sales-report-job", "policies/job-trust.json", ["policies/job-permissions.json"], ex)
    seed.role(A, "eu-analyst", "policies/analyst-trust.json", ["policies/analyst-permissions.json"], ex)
    seed.bucket(A, "lake-a-sales")
    for account, version in ((A, "3"), (B, None)):
        settings = {
            "DataLakeAdmins": [{"DataLakePrincipalIdentifier": f"arn:aws:iam::{account}:role/lake-admin"}],
            "CreateDatabaseDefaultPermissions": [], "CreateTableDefaultPermissions": []}
        if version:
            settings["Parameters"] = {"CROSS_ACCOUNT_VERSION": version}
        seed.call(account, "lakeformation", "put_data_lake_settings", DataLakeSettings=settings)
    seed.call(A, "lakeformation", "create_lf_tag", TagKey="domain", TagValues=["sales", "marketing"])
    seed.call(A, "lakeformation", "create_lf_tag", TagKey="sensitivity", TagValues=["public", "pii"])
    seed.call(A, "glue", "create_database", DatabaseInput={"Name": "sales", "CreateTableDefaultPermissions": []})
    for table, columns in [
        ("customers", ["customer_id", "name", "country", "email"]),
        ("orders", ["order_id", "customer_id", "region", "amount", "card_number"]),
    ]:
        seed.call(A, "glue", "create_table", DatabaseName="sales", TableInput={
            "Name": table, "StorageDescriptor": {
                "Location": f"s3://lake-a-sales/{table}/",
                "Columns": [{"Name": column, "Type": "string"} for column in columns]}})
    seed.call(A, "lakeformation", "register_resource", ResourceArn="arn:aws:s3:::lake-a-sales",
              RoleArn=f"arn:aws:iam::{A}:role/lake-location")
    seed.call(A, "lakeformation", "add_lf_tags_to_resource",
              Resource={"Database": {"CatalogId": A, "Name": "sales"}},
              LFTags=[{"TagKey": "domain", "TagValues": ["sales"]},
                      {"TagKey": "sensitivity", "TagValues": ["public"]}])
    seed.call(A, "lakeformation", "add_lf_tags_to_resource",
              Resource={"TableWithColumns": {"CatalogId": A, "DatabaseName": "sales",
                                             "Name": "customers", "ColumnNames": ["email"]}},
              LFTags=[{"TagKey": "sensitivity", "TagValues": ["pii"]}])

    def expression(**tags):
        return [{"TagKey": key, "TagValues": values} for key, values in tags.items()]

    def tag_policy(catalog, kind, **tags):
        return {"LFTagPolicy": {"CatalogId": catalog, "ResourceType": kind,
                                "Expression": expression(**tags)}}

    to_b = {"DataLakePrincipalIdentifier": B}
    seed.call(A, "lakeformation", "grant_permissions", Principal=to_b,
              Resource=tag_policy(A, "DATABASE", domain=["sales"]),
              Permissions=["DESCRIBE"], PermissionsWithGrantOption=["DESCRIBE"])
    seed.call(A, "lakeformation", "grant_permissions", Principal=to_b,
              Resource=tag_policy(A, "TABLE", domain=["sales"], sensitivity=["public"]),
              Permissions=["SELECT", "DESCRIBE"], PermissionsWithGrantOption=["SELECT", "DESCRIBE"])
    analyst = {"DataLakePrincipalIdentifier": f"arn:aws:iam::{A}:role/eu-analyst"}
    seed.call(A, "lakeformation", "grant_permissions", Principal=analyst,
              Resource={"Database": {"CatalogId": A, "Name": "sales"}}, Permissions=["DESCRIBE"])
    seed.call(A, "lakeformation", "grant_permissions", Principal=analyst,
              Resource={"DataCellsFilter": {"TableCatalogId": A, "DatabaseName": "sales",
                                            "TableName": "orders", "Name": "eu_orders"}},
              Permissions=["SELECT"])
    seed.unsupported.append("lakeformation:CreateDataCellsFilter")
    seed.unsupported.append("ram:CreateResourceShare (Glue resources)")
    seed.call(B, "glue", "create_database", DatabaseInput={
        "Name": "sales_shared", "TargetDatabase": {"CatalogId": A, "DatabaseName": "sales"}})
    job = {"DataLakePrincipalIdentifier": f"arn:aws:iam::{B}:role/sales-report-job"}
    seed.call(B, "lakeformation", "grant_permissions", Principal=job,
              Resource=tag_policy(A, "DATABASE", domain=["sales"]), Permissions=["DESCRIBE"])
    seed.call(B, "lakeformation", "grant_permissions", Principal=job,
              Resource=tag_policy(A, "TABLE", domain=["sales"], sensitivity=["public"]),
              Permissions=["SELECT", "DESCRIBE"])
    seed.call(B, "lakeformation", "grant_permissions", Principal=job,
              Resource={"Database": {"CatalogId": B, "Name": "sales_shared"}}, Permissions=["DESCRIBE"])
    return [A, B]


SEEDS = {
    "s3-access-point": s3_access_point,
    "lf-tags": lf_tags,
    "s3-role-chain": s3_role_chain,
    "emrfs-role-mapping": emrfs_role_mapping,
    "kinesis-role-chain": kinesis_role_chain,
    "glue-catalog-share": glue_catalog_share,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--example", required=True, choices=sorted(SEEDS))
    parser.add_argument("--examples", required=True, type=pathlib.Path)
    parser.add_argument("--credentials", required=True, type=pathlib.Path)
    args = parser.parse_args()
    request = urllib.request.Request(f"{args.endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=30).read()
    seed = Seeder(args.endpoint, args.examples)
    accounts = SEEDS[args.example](seed)
    lines = []
    for account in accounts:
        seed.session(account)
        creds = seed.credentials[account]
        lines += [f"[{PROFILES[account]}]",
                  f"aws_access_key_id = {creds['AccessKeyId']}",
                  f"aws_secret_access_key = {creds['SecretAccessKey']}",
                  f"aws_session_token = {creds['SessionToken']}", ""]
    args.credentials.write_text("\n".join(lines))
    json.dump({"profiles": {PROFILES[a]: a for a in accounts}, "organization": seed.organization,
               "unsupported": sorted(set(seed.unsupported))}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
