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


def grants(owner, reader, key_arn):
    """Grants on a key whose policy leaves the reader out: its IAM policy allows Decrypt and
    GenerateDataKey on the key, so a grant is what lets it in, within the grant's operations
    and encryption context constraint."""
    kms_owner, kms_reader = client("kms", owner), client("kms", reader)
    reader_arn = "arn:aws:iam::111111111111:role/dbx-ip-role"
    out = {}

    def sealed(context):
        return kms_owner.encrypt(KeyId=key_arn, Plaintext=b"data",
                                 EncryptionContext=context)["CiphertextBlob"]

    def decrypt(blob, context):
        return outcome(lambda: kms_reader.decrypt(CiphertextBlob=blob,
                                                  EncryptionContext=context)["Plaintext"].decode())

    test = {"purpose": "test"}
    out["before"] = decrypt(sealed(test), test)
    made = outcome(lambda: kms_owner.create_grant(
        KeyId=key_arn, GranteePrincipal=reader_arn, Operations=["Decrypt", "RetireGrant"],
        Constraints={"EncryptionContextSubset": test}, Name="reader-decrypts"))
    out["create"] = {"code": made["code"]}
    first = made.get("value", {})
    out["granted"] = decrypt(sealed(test), test)
    wider = {"purpose": "test", "extra": "x"}
    out["superset"] = decrypt(sealed(wider), wider)
    other = {"purpose": "other"}
    out["other_context"] = decrypt(sealed(other), other)
    out["no_context"] = decrypt(sealed({}), {})
    out["gdk_before"] = outcome(lambda: kms_reader.generate_data_key(
        KeyId=key_arn, KeySpec="AES_256", EncryptionContext={"a": "1"}) and "ok")
    second = kms_owner.create_grant(
        KeyId=key_arn, GranteePrincipal=reader_arn, Operations=["GenerateDataKey"],
        Constraints={"EncryptionContextEquals": {"a": "1"}})
    out["gdk_equal"] = outcome(lambda: kms_reader.generate_data_key(
        KeyId=key_arn, KeySpec="AES_256", EncryptionContext={"a": "1"}) and "ok")
    out["gdk_more"] = outcome(lambda: kms_reader.generate_data_key(
        KeyId=key_arn, KeySpec="AES_256", EncryptionContext={"a": "1", "b": "2"}) and "ok")
    out["list"] = outcome(lambda: [
        {"ops": grant["Operations"], "constraints": grant.get("Constraints"),
         "grantee": grant["GranteePrincipal"], "name": grant.get("Name")}
        for grant in kms_owner.list_grants(KeyId=key_arn)["Grants"]])
    out["reader_creates"] = outcome(lambda: kms_reader.create_grant(
        KeyId=key_arn, GranteePrincipal=reader_arn, Operations=["Decrypt"]))
    out["both_constraints"] = outcome(lambda: kms_owner.create_grant(
        KeyId=key_arn, GranteePrincipal=reader_arn, Operations=["Decrypt"],
        Constraints={"EncryptionContextSubset": test, "EncryptionContextEquals": test}))
    out["reader_revokes"] = outcome(lambda: kms_reader.revoke_grant(
        KeyId=key_arn, GrantId=second["GrantId"]))
    out["owner_revokes"] = outcome(lambda: kms_owner.revoke_grant(
        KeyId=key_arn, GrantId=second["GrantId"]) and "ok")
    out["gdk_revoked"] = outcome(lambda: kms_reader.generate_data_key(
        KeyId=key_arn, KeySpec="AES_256", EncryptionContext={"a": "1"}) and "ok")
    out["retire"] = outcome(lambda: kms_reader.retire_grant(
        GrantToken=first.get("GrantToken", "none")) and "ok")
    out["retired"] = decrypt(sealed(test), test)
    out["list_after"] = outcome(lambda: len(kms_owner.list_grants(KeyId=key_arn)["Grants"]))
    print(json.dumps(out))


def states(owner, reader, bucket, key_arn):
    """DisableKey, EnableKey, ScheduleKeyDeletion and CancelKeyDeletion, seen by KMS callers
    and by S3 reading an object sealed under the key."""
    s3_owner, s3_reader = client("s3", owner), client("s3", reader)
    kms_owner = client("kms", owner)
    out = {}
    s3_owner.put_object(Bucket=bucket, Key="sales/state.parquet", Body=b"rows")

    def encrypt():
        return outcome(lambda: kms_owner.encrypt(KeyId=key_arn, Plaintext=b"x") and "ok")

    def read():
        return outcome(lambda: s3_reader.get_object(
            Bucket=bucket, Key="sales/state.parquet")["Body"].read().decode())

    def describe():
        return kms_owner.describe_key(KeyId=key_arn)["KeyMetadata"]["KeyState"]

    blob = kms_owner.encrypt(KeyId=key_arn, Plaintext=b"x")["CiphertextBlob"]
    kms_owner.disable_key(KeyId=key_arn)
    out["disabled"] = {"state": describe(), "encrypt": encrypt(), "read": read(),
                       "decrypt": outcome(lambda: kms_owner.decrypt(CiphertextBlob=blob))}
    kms_owner.enable_key(KeyId=key_arn)
    out["enabled"] = {"state": describe(), "encrypt": encrypt(), "read": read()}
    out["too_soon"] = outcome(lambda: kms_owner.schedule_key_deletion(
        KeyId=key_arn, PendingWindowInDays=3))
    scheduled = kms_owner.schedule_key_deletion(KeyId=key_arn, PendingWindowInDays=7)
    out["pending"] = {"state": describe(), "encrypt": encrypt(), "read": read(),
                      "answer": scheduled["KeyState"],
                      "enable": outcome(lambda: kms_owner.enable_key(KeyId=key_arn))}
    kms_owner.cancel_key_deletion(KeyId=key_arn)
    out["cancelled"] = {"state": describe(), "encrypt": encrypt()}
    print(json.dumps(out))


def aws_s3(owner, reader, bucket):
    """`aws:kms` with no key: the bucket account's AWS managed key aws/s3, which only that
    account's principals may use, through S3."""
    s3_owner, s3_reader = client("s3", owner), client("s3", reader)
    kms_owner = client("kms", owner)
    out = {}
    put = outcome(lambda: s3_owner.put_object(Bucket=bucket, Key="sales/managed.parquet",
                                              Body=b"managed rows", ServerSideEncryption="aws:kms"))
    if put["code"] == "ok":
        put["value"] = {"sse": put["value"].get("ServerSideEncryption"),
                        "key": put["value"].get("SSEKMSKeyId")}
    out["owner_put"] = put
    out["owner_get"] = outcome(lambda: s3_owner.get_object(
        Bucket=bucket, Key="sales/managed.parquet")["Body"].read().decode())
    out["reader_get"] = outcome(lambda: s3_reader.get_object(
        Bucket=bucket, Key="sales/managed.parquet")["Body"].read().decode())
    out["reader_put"] = outcome(lambda: s3_reader.put_object(
        Bucket=bucket, Key="sales/reader-managed.parquet", Body=b"rows",
        ACL="bucket-owner-full-control", ServerSideEncryption="aws:kms") and "written")
    aliases = kms_owner.list_aliases()["Aliases"]
    managed = [alias for alias in aliases if alias["AliasName"] == "alias/aws/s3"]
    out["alias"] = len(managed)
    if managed:
        key_id = managed[0]["TargetKeyId"]
        out["manager"] = kms_owner.describe_key(KeyId=key_id)["KeyMetadata"]["KeyManager"]
        # Directly, not through S3: the key policy allows use only via S3.
        out["owner_direct"] = outcome(lambda: kms_owner.encrypt(KeyId=key_id, Plaintext=b"x"))
    print(json.dumps(out))


if __name__ == "__main__":
    MODES = {"grants": grants, "states": states, "aws-s3": aws_s3}
    if sys.argv[1] in MODES:
        MODES[sys.argv[1]](*sys.argv[2:])
    else:
        main(*sys.argv[1:])
