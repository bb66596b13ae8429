"""IAM through `xacct serve` with boto3, for serve_iam.rs, on examples/emrfs-role-mapping.

B's administrator changes IAM (a managed policy and its versions, a permissions boundary, a
user and its access key); after each change the request it should change is made again, and
the JSON printed records what each request got (its AWS error code, or "ok").
"""

import json
import sys

import boto3
import botocore.config
import botocore.exceptions

ONE_TRY = botocore.config.Config(retries={"max_attempts": 1}, signature_version="s3v4")
BUCKET = "doc-example-bucket"
KEY = "data/part-00000"
EMR_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
READ = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}
LIST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{BUCKET}"}]}
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": EMR_ROLE}, "Action": "sts:AssumeRole"}]}


def client(service, profile=None, **credentials):
    session = boto3.session.Session(profile_name=profile) if profile else boto3.session.Session()
    return session.client(service, config=ONE_TRY, **credentials)


def outcome(call):
    try:
        value = call()
        return {"code": "ok", "value": value}
    except botocore.exceptions.ClientError as error:
        return {"code": error.response["Error"]["Code"],
                "message": error.response["Error"].get("Message", ""),
                "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}


def main():
    admin, cluster = sys.argv[1], sys.argv[2]
    out = {}
    iam = client("iam", admin)
    client("s3", admin).put_object(Bucket=BUCKET, Key=KEY, Body=b"rows")

    iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(TRUST))
    creds = client("sts", cluster).assume_role(
        RoleArn="arn:aws:iam::222222222222:role/reader", RoleSessionName="emrfs")["Credentials"]
    reader = {"aws_access_key_id": creds["AccessKeyId"],
              "aws_secret_access_key": creds["SecretAccessKey"],
              "aws_session_token": creds["SessionToken"]}
    s3 = client("s3", **reader)

    def read():
        return s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read().decode()

    out["before"] = outcome(read)
    arn = iam.create_policy(PolicyName="read-lake", Path="/lake/",
                            PolicyDocument=json.dumps(READ))["Policy"]["Arn"]
    out["policy_arn"] = arn
    iam.attach_role_policy(RoleName="reader", PolicyArn=arn)
    out["attached"] = outcome(read)
    out["listed"] = [p["PolicyName"] for p in
                     iam.list_attached_role_policies(RoleName="reader")["AttachedPolicies"]]
    out["new_version"] = iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=json.dumps(LIST), SetAsDefault=True
    )["PolicyVersion"]["VersionId"]
    out["after_new_default"] = outcome(read)
    out["list_after_new_default"] = outcome(
        lambda: len(s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])))
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    out["after_set_default"] = outcome(read)
    out["default"] = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    # botocore decodes the documents IAM returns URL-encoded into JSON.
    out["v2_document"] = iam.get_policy_version(PolicyArn=arn, VersionId="v2")[
        "PolicyVersion"]["Document"]
    out["scenario_trust"] = iam.get_role(RoleName="role_in_destination_account")["Role"][
        "AssumeRolePolicyDocument"]
    out["delete_attached"] = outcome(lambda: iam.delete_policy(PolicyArn=arn))

    # A boundary that allows listing only: the attached read no longer counts.
    boundary = iam.create_policy(PolicyName="only-list",
                                 PolicyDocument=json.dumps(LIST))["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName="reader", PermissionsBoundary=boundary)
    out["bounded"] = outcome(read)
    out["bounded_boundary"] = iam.get_role(RoleName="reader")["Role"]["PermissionsBoundary"][
        "PermissionsBoundaryArn"]
    iam.delete_role_permissions_boundary(RoleName="reader")
    out["unbounded"] = outcome(read)

    # A user and its access key: the key signs at once, as the user; inactive, it is refused.
    iam.create_user(UserName="loader")
    iam.put_user_policy(UserName="loader", PolicyName="read", PolicyDocument=json.dumps(READ))
    key = iam.create_access_key(UserName="loader")["AccessKey"]
    loader = {"aws_access_key_id": key["AccessKeyId"],
              "aws_secret_access_key": key["SecretAccessKey"]}
    out["user_identity"] = outcome(
        lambda: client("sts", **loader).get_caller_identity()["Arn"])
    out["user_read"] = outcome(
        lambda: client("s3", **loader).get_object(Bucket=BUCKET, Key=KEY)["Body"].read().decode())
    out["user_write"] = outcome(
        lambda: client("s3", **loader).put_object(Bucket=BUCKET, Key="data/x", Body=b"x") and "ok")
    iam.update_access_key(UserName="loader", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    out["inactive_sts"] = outcome(lambda: client("sts", **loader).get_caller_identity()["Arn"])
    out["inactive_s3"] = outcome(
        lambda: client("s3", **loader).get_object(Bucket=BUCKET, Key=KEY)["Body"].read().decode())
    out["keys"] = [k["Status"] for k in
                   iam.list_access_keys(UserName="loader")["AccessKeyMetadata"]]
    out["delete_user_with_key"] = outcome(lambda: iam.delete_user(UserName="loader"))

    # Principals without IAM grants.
    out["reader_creates_policy"] = outcome(lambda: client("iam", **reader).create_policy(
        PolicyName="mine", PolicyDocument=json.dumps(READ)) and "ok")
    out["cluster_attaches"] = outcome(lambda: client("iam", cluster).attach_role_policy(
        RoleName="EMR_EC2_DefaultRole", PolicyArn=arn) and "ok")
    out["malformed"] = outcome(lambda: iam.create_policy(
        PolicyName="bad", PolicyDocument='{"Statement":[{"Effect":"Allow"}]}') and "ok")
    print(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
