"""Real AWS clients (boto3, botocore's signer) against `xacct serve`, for the tests in serve.rs.

Each subcommand prints one JSON document on standard output: what each request got (its AWS
error code, or "ok"), so the Rust test asserts the decisions. The profiles come from the
config file the server wrote (AWS_CONFIG_FILE), which also names the endpoint.
"""

import concurrent.futures
import datetime
import hashlib
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request

import boto3
import botocore.auth
import botocore.config
import botocore.exceptions

# One attempt: a refused request must show its own error, not a retry's.
# Presigned URLs with SigV4 (botocore presigns with SigV2 unless told; xacct serve takes SigV4).
CONFIG = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                signature_version="s3v4")


def client(service, profile=None, **credentials):
    session = boto3.session.Session(profile_name=profile) if profile else boto3.session.Session()
    config = CONFIG if service == "s3" else botocore.config.Config(retries={"max_attempts": 1})
    return session.client(service, config=config, **credentials)


def outcome(call):
    """'ok', or the AWS error code and the x-xacct-explanation header."""
    try:
        call()
        return {"code": "ok"}
    except botocore.exceptions.ClientError as error:
        headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        return {
            "code": error.response["Error"]["Code"],
            "message": error.response["Error"].get("Message", ""),
            "explanation": headers.get("x-xacct-explanation", ""),
        }


def assumed(profile, role_arn, external_id=None, name="etl"):
    sts = client("sts", profile)
    args = {"RoleArn": role_arn, "RoleSessionName": name}
    if external_id:
        args["ExternalId"] = external_id
    creds = sts.assume_role(**args)["Credentials"]
    return {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }


def workload(profile, role_arn, bucket):
    """The cluster's job: assume the role as the cluster's settings do (no ExternalId), then
    list, read and write the lake. Stops at the first refused request."""
    steps = []
    try:
        creds = assumed(profile, role_arn)
        steps.append({"op": "AssumeRole", "code": "ok"})
    except botocore.exceptions.ClientError as error:
        steps.append({"op": "AssumeRole", "code": error.response["Error"]["Code"]})
        return steps
    s3 = client("s3", **creds)
    key = "sales/2026/part-0001.parquet"
    for op, call in [
        ("PutObject", lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"parquet bytes",
                                            ACL="bucket-owner-full-control")),
        ("ListObjectsV2", lambda: s3.list_objects_v2(Bucket=bucket, Prefix="sales/")),
        ("GetObject", lambda: s3.get_object(Bucket=bucket, Key=key)["Body"].read()),
    ]:
        result = outcome(call)
        result["op"] = op
        steps.append(result)
        if result["code"] != "ok":
            break
    return steps


class Signed:
    """Mutates a signed request just before it is sent."""

    def __init__(self, boto_client, change):
        self.change = change
        boto_client.meta.events.register("before-send", self)

    def __call__(self, request, **_):
        self.change(request)


def security(profile, bucket):
    out = {}
    session = boto3.session.Session(profile_name=profile)
    frozen = session.get_credentials().get_frozen_credentials()

    def with_keys(service, key=frozen.access_key, secret=frozen.secret_key, token=frozen.token):
        return client(service, aws_access_key_id=key, aws_secret_access_key=secret,
                      aws_session_token=token)

    out["sts-valid"] = outcome(lambda: with_keys("sts").get_caller_identity())
    out["s3-valid"] = outcome(lambda: with_keys("s3").put_object(
        Bucket=bucket, Key="sec/x", Body=b"x", ACL="bucket-owner-full-control"))
    wrong = frozen.secret_key[:-1] + ("A" if frozen.secret_key[-1] != "A" else "B")
    out["sts-wrong-secret"] = outcome(lambda: with_keys("sts", secret=wrong).get_caller_identity())
    out["s3-wrong-secret"] = outcome(lambda: with_keys("s3", secret=wrong).list_objects_v2(Bucket=bucket))
    out["sts-unknown-key"] = outcome(lambda: with_keys("sts", key="AKIAUNKNOWNUNKNOWN00").get_caller_identity())
    out["s3-unknown-key"] = outcome(lambda: with_keys("s3", key="AKIAUNKNOWNUNKNOWN00").list_objects_v2(Bucket=bucket))
    if frozen.token:
        tampered = frozen.token[:-2] + ("zz" if not frozen.token.endswith("zz") else "yy")
        out["sts-tampered-token"] = outcome(lambda: with_keys("sts", token=tampered).get_caller_identity())
        out["s3-tampered-token"] = outcome(lambda: with_keys("s3", token=tampered).list_objects_v2(Bucket=bucket))

    def forge(request):
        auth = request.headers["Authorization"]
        if isinstance(auth, bytes):
            auth = auth.decode()
        head, signature = auth.rsplit("Signature=", 1)
        flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
        request.headers["Authorization"] = head + "Signature=" + flipped

    forged_sts = with_keys("sts")
    Signed(forged_sts, forge)
    out["sts-forged-signature"] = outcome(lambda: forged_sts.get_caller_identity())
    forged_s3 = with_keys("s3")
    Signed(forged_s3, forge)
    out["s3-forged-signature"] = outcome(lambda: forged_s3.list_objects_v2(Bucket=bucket))

    # A request signed 20 minutes ago: outside AWS's 15-minute window.
    real_now = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda: real_now() - datetime.timedelta(minutes=20)
    try:
        out["sts-old-request"] = outcome(lambda: with_keys("sts").get_caller_identity())
        out["s3-old-request"] = outcome(lambda: with_keys("s3").list_objects_v2(Bucket=bucket))
    finally:
        botocore.auth.get_current_datetime = real_now

    # Presigned URLs: the signature in the query string, the token with it.
    url = with_keys("s3").generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "sec/x"}, ExpiresIn=300)
    out["presigned"] = fetch(url)
    out["presigned-tampered"] = fetch(url.replace("sec/x", "sec/y"))
    return out


def fetch(url):
    try:
        with urllib.request.urlopen(url) as response:
            return {"code": "ok", "body": response.read().decode()}
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        start = body.find("<Code>") + len("<Code>")
        return {"code": body[start:body.find("</Code>")], "status": error.code}


def expiry(profile, role_arn, bucket, wait):
    """A session the server caps at a few seconds is refused once it has expired."""
    creds = assumed(profile, role_arn)
    s3 = client("s3", **creds)
    sts = client("sts", **creds)
    before = outcome(lambda: sts.get_caller_identity())
    time.sleep(wait)
    return {
        "before": before,
        "sts-after": outcome(lambda: sts.get_caller_identity()),
        "s3-after": outcome(lambda: s3.list_objects_v2(Bucket=bucket)),
    }


def isolation():
    """The cross-account cases of serve/isolation/xacct.toml."""
    out = {}
    alice_s3 = client("s3", "user-alice")
    out["alice-reads-b"] = outcome(lambda: alice_s3.get_object(Bucket="b-data", Key="public/a"))
    out["alice-assumes-writer"] = outcome(
        lambda: assumed("user-alice", "arn:aws:iam::222222222222:role/writer"))
    writer = client("s3", "compute-reader-as-writer")
    out["writer-puts-without-acl"] = outcome(
        lambda: writer.put_object(Bucket="b-data", Key="public/a", Body=b"a"))
    out["writer-puts-with-acl"] = outcome(
        lambda: writer.put_object(Bucket="b-data", Key="public/a", Body=b"a",
                                  ACL="bucket-owner-full-control"))
    writer.put_object(Bucket="b-data", Key="secret/s", Body=b"s", ACL="bucket-owner-full-control")
    out["writer-writes-a"] = outcome(lambda: writer.put_object(Bucket="a-data", Key="x", Body=b"x"))
    for role in ["reader", "no-grant", "noisy"]:
        s3 = client("s3", f"compute-{role}")
        out[f"{role}-reads-public"] = outcome(lambda: s3.get_object(Bucket="b-data", Key="public/a"))
        out[f"{role}-reads-secret"] = outcome(lambda: s3.get_object(Bucket="b-data", Key="secret/s"))
    out["reader-lists-b"] = outcome(lambda: client("s3", "compute-reader").list_objects_v2(Bucket="b-data"))
    return out


def body_of(key):
    """Each object's bytes follow from its key, so a reader can check them."""
    seed = hashlib.sha256(key.encode()).digest()
    size = 1 + int.from_bytes(seed[:2], "big") % 20000
    return (seed * (size // len(seed) + 1))[:size]


def writer(profile, bucket, acknowledged, threads, limit):
    """Writes objects from several threads until the server goes away (or `limit` objects),
    appending each key to `acknowledged` once the server has answered 200."""
    s3 = client("s3", profile)
    lock = threading.Lock()
    log = open(acknowledged, "a", encoding="utf-8")
    stop = threading.Event()

    def run(thread):
        for number in range(limit // threads):
            if stop.is_set():
                return
            key = f"durable/{thread}-{number}"
            try:
                s3.put_object(Bucket=bucket, Key=key, Body=body_of(key),
                              ACL="bucket-owner-full-control")
            except Exception:  # the server was killed: stop writing
                stop.set()
                return
            with lock:
                log.write(key + "\n")
                log.flush()
                os.fsync(log.fileno())

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, range(threads)))
    return {"stopped": stop.is_set()}


def verify(profile, bucket, acknowledged):
    s3 = client("s3", profile)
    keys = [line.strip() for line in open(acknowledged, encoding="utf-8") if line.strip()]
    missing, different = [], []
    for key in keys:
        try:
            data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except botocore.exceptions.ClientError:
            missing.append(key)
            continue
        if data != body_of(key):
            different.append(key)
    return {"acknowledged": len(keys), "missing": missing, "different": different}


def launch(profile, instance_profile_arn):
    """The cluster's launch as the workspace's cross-account role makes it: RunInstances with
    the instance profile, which passes its role to EC2."""
    ec2 = client("ec2", profile)
    launched = []
    result = outcome(lambda: launched.append(ec2.run_instances(
        ImageId="ami-0abcdef1234567890", MinCount=1, MaxCount=1,
        IamInstanceProfile={"Arn": instance_profile_arn})))
    if launched:
        instance = launched[0]["Instances"][0]
        result["profile"] = instance.get("IamInstanceProfile", {}).get("Arn")
        result["state"] = instance["State"]["Name"]
    return result


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "workload":
        result = workload(*args)
    elif command == "launch":
        result = launch(*args)
    elif command == "security":
        result = security(*args)
    elif command == "expiry":
        result = expiry(args[0], args[1], args[2], float(args[3]))
    elif command == "isolation":
        result = isolation()
    elif command == "writer":
        result = writer(args[0], args[1], args[2], int(args[3]), int(args[4]))
    elif command == "verify":
        result = verify(*args)
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
