"""What EMRFS does with a security configuration's role mappings, with boto3, for
serve_emrfs.rs.

For an S3 URI, EMRFS takes the first mapping whose identifier names the URI's prefix (or the
job's user), and assumes that role with the cluster's instance-profile credentials; a URI no mapping
names is reached with the instance profile's role itself
(https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-emrfs-iam-roles.html). Then the
job lists the prefix, writes the object, reads it back and deletes it, stopping at the first
refused request. Prints one JSON document: the role used and each step's AWS error code.

usage: emrfs_client.py PROFILE ROLE_MAPPINGS_JSON S3_URI
"""

import json
import sys

import boto3
import botocore.config
import botocore.exceptions

ONE_TRY = botocore.config.Config(retries={"max_attempts": 1}, signature_version="s3v4")


def client(service, profile=None, **credentials):
    session = boto3.session.Session(profile_name=profile) if profile else boto3.session.Session()
    return session.client(service, config=ONE_TRY, **credentials)


def mapped_role(mappings, uri, user="hadoop"):
    """The role EMRFS assumes for `uri`, as xacct reads a security configuration: the first
    mapping, in the order listed, that names the job's user (EMR's `hadoop`) or a prefix of
    the URI; None when none does."""
    for mapping in mappings:
        identifiers = mapping.get("Identifiers", [])
        if isinstance(identifiers, str):
            identifiers = [identifiers]
        kind = mapping.get("IdentifierType")
        if kind == "Prefix" and any(uri.startswith(prefix) for prefix in identifiers):
            return mapping["Role"]
        if kind == "User" and user in identifiers:
            return mapping["Role"]
    return None


def code_of(error):
    return error.response["Error"]["Code"]


def main():
    profile, mappings, uri = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    bucket, key = uri[len("s3://"):].split("/", 1)
    role = mapped_role(mappings, uri)
    out = {"role": role, "steps": []}
    steps = out["steps"]
    credentials = {}
    if role:
        try:
            creds = client("sts", profile).assume_role(
                RoleArn=role, RoleSessionName="emrfs")["Credentials"]
            credentials = {"aws_access_key_id": creds["AccessKeyId"],
                           "aws_secret_access_key": creds["SecretAccessKey"],
                           "aws_session_token": creds["SessionToken"]}
            steps.append({"op": "AssumeRole", "code": "ok"})
        except botocore.exceptions.ClientError as error:
            steps.append({"op": "AssumeRole", "code": code_of(error),
                          "message": error.response["Error"].get("Message", "")})
            print(json.dumps(out, indent=1))
            return
    s3 = client("s3", None if credentials else profile, **credentials)
    prefix = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
    for op, call in [
        ("ListObjectsV2", lambda: s3.list_objects_v2(Bucket=bucket, Prefix=prefix)),
        ("PutObject", lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"emrfs part")),
        ("GetObject", lambda: s3.get_object(Bucket=bucket, Key=key)["Body"].read()),
        ("DeleteObject", lambda: s3.delete_object(Bucket=bucket, Key=key)),
    ]:
        try:
            call()
            steps.append({"op": op, "code": "ok"})
        except botocore.exceptions.ClientError as error:
            steps.append({"op": op, "code": code_of(error),
                          "message": error.response["Error"].get("Message", "")})
            break
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
