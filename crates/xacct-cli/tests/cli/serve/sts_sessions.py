"""Sessions through the STS of `xacct serve`, for serve.rs.

    sts_sessions.py tags ADMIN_PROFILE ACCOUNT
    sts_sessions.py managed ADMIN_PROFILE ACCOUNT

The account's administrator makes two roles (X may assume on with tags; Y may list buckets
only with the principal tag team=data), then assumes X with team=data, transitive or not, and
X's session assumes Y without passing tags. Prints what each step got.
"""

import json
import sys

import boto3
import botocore.config
import botocore.exceptions

CONFIG = botocore.config.Config(retries={"max_attempts": 1})


def code_of(call):
    try:
        call()
        return "ok"
    except botocore.exceptions.ClientError as error:
        return error.response["Error"]["Code"]


def tags(admin_profile, account):
    admin = boto3.session.Session(profile_name=admin_profile)
    iam = admin.client("iam", config=CONFIG)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % account},
        "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
    for name in ("X", "Y"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName="X", PolicyName="chain", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Resource": "*"}]}))
    iam.put_role_policy(RoleName="Y", PolicyName="list", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": "data"}}}]}))

    def session_of(credentials):
        return boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"])

    def assume(session, role, **args):
        return session.client("sts", config=CONFIG).assume_role(
            RoleArn="arn:aws:iam::%s:role/%s" % (account, role), RoleSessionName="chain",
            **args)["Credentials"]

    out = {}
    tags = [{"Key": "team", "Value": "data"}]
    x = session_of(assume(admin, "X", Tags=tags, TransitiveTagKeys=["team"]))
    y = session_of(assume(x, "Y"))
    out["transitive_lists"] = code_of(lambda: y.client("s3", config=CONFIG).list_buckets())
    out["override"] = code_of(lambda: assume(x, "Y", Tags=[{"Key": "Team", "Value": "ops"}]))
    plain = session_of(assume(admin, "X", Tags=tags))
    y_plain = session_of(assume(plain, "Y"))
    out["not_transitive_lists"] = code_of(
        lambda: y_plain.client("s3", config=CONFIG).list_buckets())
    out["unknown_key"] = code_of(
        lambda: assume(admin, "X", Tags=tags, TransitiveTagKeys=["cost"]))
    print(json.dumps(out))


def managed(admin_profile, account):
    """Managed session policies (PolicyArns): with the inline policy, one set of session
    policies that limits what the role's own policy allows."""
    admin = boto3.session.Session(profile_name=admin_profile)
    iam = admin.client("iam", config=CONFIG)
    admin.client("s3", config=CONFIG).create_bucket(Bucket="session-scratch")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % account},
        "Action": "sts:AssumeRole"}]})
    iam.create_role(RoleName="Z", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName="Z", PolicyName="lists", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:ListBucket"],
            "Resource": "*"}]}))
    only_buckets = iam.create_policy(PolicyName="only-buckets", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}))
    arn = only_buckets["Policy"]["Arn"]
    inline = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]})

    def s3_of(**args):
        credentials = admin.client("sts", config=CONFIG).assume_role(
            RoleArn="arn:aws:iam::%s:role/Z" % account, RoleSessionName="managed",
            **args)["Credentials"]
        return boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"]).client("s3", config=CONFIG)

    out = {}
    managed_only = s3_of(PolicyArns=[{"arn": arn}])
    out["managed_buckets"] = code_of(lambda: managed_only.list_buckets())
    out["managed_objects"] = code_of(
        lambda: managed_only.list_objects_v2(Bucket="session-scratch"))
    both = s3_of(PolicyArns=[{"arn": arn}], Policy=inline)
    out["both_objects"] = code_of(lambda: both.list_objects_v2(Bucket="session-scratch"))
    out["unknown_policy"] = code_of(lambda: s3_of(
        PolicyArns=[{"arn": "arn:aws:iam::%s:policy/none" % account}]))
    print(json.dumps(out))


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    {"tags": tags, "managed": managed}[command](*arguments)
