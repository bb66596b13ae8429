"""boto3 against `xacct serve` for SSE-KMS and KMS, for the tests in serve_kms.rs.

Prints one JSON document: what each request got ("ok" or its AWS error code, message and
xacct's explanation header), so the Rust test asserts the decisions.
"""

import base64
import json
import sys

import boto3
import botocore.config

import client as shared  # client.py, next to this script

CONFIG = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                signature_version="s3v4")


def client(service, profile):
    session = boto3.session.Session(profile_name=profile)
    return session.client(service, config=CONFIG)


def outcome(call):
    """client.py's outcome, with what the call returned as "value" when it succeeded."""
    returned = []
    result = shared.outcome(lambda: returned.append(call()))
    if returned:
        result["value"] = returned[0]
    return result


def main(owner, reader, bucket, key_arn):
    s3_owner, s3_reader = client("s3", owner), client("s3", reader)
    kms_owner, kms_reader = client("kms", owner), client("kms", reader)
    out = {}
    # The bucket's default encryption names the key: S3 calls GenerateDataKey as the owner.
    put = outcome(lambda: s3_owner.put_object(Bucket=bucket, Key="sales/owner.parquet",
                                              Body=b"rows of the owner"))
    if put["code"] == "ok":
        put["value"] = {"sse": put["value"].get("ServerSideEncryption"),
                        "key": put["value"].get("SSEKMSKeyId")}
    out["owner_put"] = put
    read = outcome(lambda: s3_reader.get_object(Bucket=bucket,
                                                Key="sales/owner.parquet")["Body"].read().decode())
    out["reader_get"] = read
    # The reader's own write (with the ACL its bucket policy asks for, and the key named).
    out["reader_put"] = outcome(lambda: s3_reader.put_object(
        Bucket=bucket, Key="sales/reader.parquet", Body=b"rows of the reader",
        ACL="bucket-owner-full-control", ServerSideEncryption="aws:kms",
        SSEKMSKeyId=key_arn) and "written")
    # KMS directly: the owner seals, the reader opens.
    sealed = kms_owner.encrypt(KeyId=key_arn, Plaintext=b"data key",
                               EncryptionContext={"aws:s3:arn": "arn:aws:s3:::" + bucket})
    out["reader_decrypt"] = outcome(lambda: kms_reader.decrypt(
        CiphertextBlob=sealed["CiphertextBlob"],
        EncryptionContext={"aws:s3:arn": "arn:aws:s3:::" + bucket})["Plaintext"].decode())
    out["wrong_context"] = outcome(lambda: kms_owner.decrypt(
        CiphertextBlob=sealed["CiphertextBlob"], EncryptionContext={"aws:s3:arn": "other"}))
    out["describe"] = outcome(lambda: kms_reader.describe_key(KeyId=key_arn)["KeyMetadata"]["Arn"])
    out["owner_policy"] = outcome(
        lambda: json.loads(kms_owner.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
        ["Statement"][0]["Sid"])
    # A key of the owner's own, by alias.
    made = kms_owner.create_key(Description="made by the test")["KeyMetadata"]["KeyId"]
    kms_owner.create_alias(AliasName="alias/test", TargetKeyId=made)
    own = kms_owner.generate_data_key(KeyId="alias/test", KeySpec="AES_256")
    out["own_key"] = outcome(lambda: base64.b64encode(kms_owner.decrypt(
        CiphertextBlob=own["CiphertextBlob"])["Plaintext"]) == base64.b64encode(own["Plaintext"]))
    out["aliases"] = outcome(lambda: [alias["AliasName"]
                                      for alias in kms_owner.list_aliases()["Aliases"]])
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:])
