"""boto3 against the S3 of `xacct serve` beyond reads and writes, for serve_s3_features.rs.

    s3_features.py conditions PROFILE BUCKET
    s3_features.py tags OWNER_PROFILE READER_PROFILE BUCKET
    s3_features.py ownership OWNER_PROFILE FOREIGN_PROFILE READER_PROFILE BUCKET


Prints one JSON document: each request's outcome ("ok" or its AWS error code), so the Rust test
asserts what S3 answers: writes only if absent (If-None-Match: *) or unchanged (If-Match), reads
that answer 304 or 412, conditional deletes and copies, and a bucket policy that enforces
conditional writes with s3:if-none-match and s3:ObjectCreationOperation.
"""

import json
import sys

import botocore.exceptions

import client as shared  # client.py, next to this script


def status_of(call):
    """'ok', or the AWS error code; a 304 has no body, so its HTTP status is the code."""
    try:
        call()
        return "ok"
    except botocore.exceptions.ClientError as error:
        code = error.response["Error"]["Code"]
        return "NotModified" if code == "304" else code


def main(profile, bucket):
    s3 = shared.client("s3", profile)
    out = {}
    key = "conditional/one"
    out["create"] = status_of(lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"v1",
                                                     IfNoneMatch="*"))
    out["create_again"] = status_of(lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"v2",
                                                           IfNoneMatch="*"))
    first = s3.head_object(Bucket=bucket, Key=key)["ETag"]
    out["replace_unchanged"] = status_of(lambda: s3.put_object(Bucket=bucket, Key=key,
                                                                Body=b"v2", IfMatch=first))
    out["replace_stale"] = status_of(lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"v3",
                                                            IfMatch=first))
    out["replace_missing"] = status_of(lambda: s3.put_object(Bucket=bucket, Key="conditional/none",
                                                              Body=b"x", IfMatch=first))
    out["body"] = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    current = s3.head_object(Bucket=bucket, Key=key)["ETag"]
    out["get_unchanged"] = status_of(lambda: s3.get_object(Bucket=bucket, Key=key,
                                                            IfNoneMatch=current))
    out["get_stale"] = status_of(lambda: s3.get_object(Bucket=bucket, Key=key, IfMatch=first))
    out["head_current"] = status_of(lambda: s3.head_object(Bucket=bucket, Key=key,
                                                            IfMatch=current))
    out["copy_stale_source"] = status_of(lambda: s3.copy_object(
        Bucket=bucket, Key="conditional/copy", CopySource={"Bucket": bucket, "Key": key},
        CopySourceIfMatch=first))
    out["copy_current_source"] = status_of(lambda: s3.copy_object(
        Bucket=bucket, Key="conditional/copy", CopySource={"Bucket": bucket, "Key": key},
        CopySourceIfMatch=current))
    out["copy_if_none_match"] = status_of(lambda: s3.copy_object(
        Bucket=bucket, Key="conditional/copy2", CopySource={"Bucket": bucket, "Key": key},
        IfNoneMatch="*"))
    out["delete_stale"] = status_of(lambda: s3.delete_object(Bucket=bucket, Key=key,
                                                              IfMatch=first))
    out["still_there"] = status_of(lambda: s3.head_object(Bucket=bucket, Key=key))
    out["delete_current"] = status_of(lambda: s3.delete_object(Bucket=bucket, Key=key,
                                                                IfMatch=current))
    out["gone"] = status_of(lambda: s3.head_object(Bucket=bucket, Key=key))
    # Multipart: the completion carries the condition.
    upload = s3.create_multipart_upload(Bucket=bucket, Key="conditional/parts")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="conditional/parts", UploadId=upload, PartNumber=1,
                          Body=b"p" * 16)["ETag"]
    parts = {"Parts": [{"PartNumber": 1, "ETag": part}]}
    out["complete_new"] = status_of(lambda: s3.complete_multipart_upload(
        Bucket=bucket, Key="conditional/parts", UploadId=upload, MultipartUpload=parts,
        IfNoneMatch="*"))
    # The bucket owner enforces conditional creates with a Deny on unconditional ones.
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    policy["Statement"].append({
        "Sid": "OnlyConditionalCreates", "Effect": "Deny", "Principal": "*",
        "Action": "s3:PutObject", "Resource": "arn:aws:s3:::%s/enforced/*" % bucket,
        "Condition": {"Null": {"s3:if-none-match": "true"},
                      "Bool": {"s3:ObjectCreationOperation": "true"}}})
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    out["enforced_plain"] = status_of(lambda: s3.put_object(Bucket=bucket, Key="enforced/a",
                                                             Body=b"x"))
    out["enforced_conditional"] = status_of(lambda: s3.put_object(
        Bucket=bucket, Key="enforced/a", Body=b"x", IfNoneMatch="*"))
    upload = s3.create_multipart_upload(Bucket=bucket, Key="enforced/parts")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="enforced/parts", UploadId=upload, PartNumber=1,
                          Body=b"q" * 16)["ETag"]
    out["enforced_parts_started"] = "ok"
    parts = {"Parts": [{"PartNumber": 1, "ETag": part}]}
    out["enforced_complete_plain"] = status_of(lambda: s3.complete_multipart_upload(
        Bucket=bucket, Key="enforced/parts", UploadId=upload, MultipartUpload=parts))
    out["enforced_complete_conditional"] = status_of(lambda: s3.complete_multipart_upload(
        Bucket=bucket, Key="enforced/parts", UploadId=upload, MultipartUpload=parts,
        IfNoneMatch="*"))
    print(json.dumps(out))


def tags(owner_profile, reader_profile, bucket):
    """Tags written with the object and on their own, read back, counted on GetObject; and a
    bucket policy deciding on s3:ExistingObjectTag and s3:RequestObjectTag."""
    owner, reader = shared.client("s3", owner_profile), shared.client("s3", reader_profile)
    out = {}
    out["put_tagged"] = status_of(lambda: owner.put_object(Bucket=bucket, Key="tagged/a",
                                                            Body=b"a", Tagging="class=pii"))
    owner.put_object(Bucket=bucket, Key="tagged/b", Body=b"b")
    out["tags"] = owner.get_object_tagging(Bucket=bucket, Key="tagged/a")["TagSet"]
    out["count"] = owner.get_object(Bucket=bucket, Key="tagged/a").get("TagCount")
    out["too_many"] = status_of(lambda: owner.put_object(
        Bucket=bucket, Key="tagged/c", Body=b"c",
        Tagging="&".join("k%d=v" % n for n in range(11))))
    policy = json.loads(owner.get_bucket_policy(Bucket=bucket)["Policy"])
    policy["Statement"] += [
        {"Sid": "NoPiiReads", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::%s/tagged/*" % bucket,
         "Condition": {"StringEquals": {"s3:ExistingObjectTag/class": "pii"}}},
        {"Sid": "NoSecretTags", "Effect": "Deny", "Principal": "*",
         "Action": "s3:PutObjectTagging", "Resource": "arn:aws:s3:::%s/*" % bucket,
         "Condition": {"StringEquals": {"s3:RequestObjectTag/class": "secret"}}}]
    owner.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    out["reader_pii"] = status_of(lambda: reader.get_object(Bucket=bucket, Key="tagged/a"))
    out["reader_untagged"] = status_of(lambda: reader.get_object(Bucket=bucket, Key="tagged/b"))
    # A copy reads its source: the source's tags decide, not the destination's.
    out["reader_copies_pii"] = status_of(lambda: reader.copy_object(
        Bucket=bucket, Key="copies/a", CopySource={"Bucket": bucket, "Key": "tagged/a"}))
    out["reader_copies_untagged"] = status_of(lambda: reader.copy_object(
        Bucket=bucket, Key="copies/b", CopySource={"Bucket": bucket, "Key": "tagged/b"}))
    out["retag_public"] = status_of(lambda: owner.put_object_tagging(
        Bucket=bucket, Key="tagged/a", Tagging={"TagSet": [{"Key": "class", "Value": "public"}]}))
    out["reader_public"] = status_of(lambda: reader.get_object(Bucket=bucket, Key="tagged/a"))
    out["retag_secret"] = status_of(lambda: owner.put_object_tagging(
        Bucket=bucket, Key="tagged/a", Tagging={"TagSet": [{"Key": "class", "Value": "secret"}]}))
    out["put_secret"] = status_of(lambda: owner.put_object(Bucket=bucket, Key="tagged/d",
                                                            Body=b"d", Tagging="class=secret"))
    out["untag"] = status_of(lambda: owner.delete_object_tagging(Bucket=bucket, Key="tagged/a"))
    out["tags_after"] = owner.get_object_tagging(Bucket=bucket, Key="tagged/a")["TagSet"]
    out["a_version"] = status_of(lambda: owner.get_object(Bucket=bucket, Key="tagged/a",
                                                           VersionId="3HL4kqtJlcpXroDTDmJ"))
    print(json.dumps(out))


def ownership(owner_profile, foreign_profile, reader_profile, bucket):
    """Who owns what another account writes, and whether the bucket's reader can then read it:
    Object Ownership, the ACL sent, Block Public Access."""
    owner, foreign = shared.client("s3", owner_profile), shared.client("s3", foreign_profile)
    reader = shared.client("s3", reader_profile)
    policy = json.loads(owner.get_bucket_policy(Bucket=bucket)["Policy"])
    policy["Statement"].append({
        "Sid": "AccountAWrites", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": ["s3:PutObject", "s3:PutObjectAcl"],
        "Resource": "arn:aws:s3:::%s/shared/*" % bucket})
    owner.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))

    def ownership_is(rule):
        owner.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": rule}]})

    out = {}
    ownership_is("BucketOwnerPreferred")
    out["write_plain"] = status_of(lambda: foreign.put_object(Bucket=bucket, Key="shared/plain",
                                                               Body=b"p"))
    out["write_full_control"] = status_of(lambda: foreign.put_object(
        Bucket=bucket, Key="shared/full", Body=b"f", ACL="bucket-owner-full-control"))
    out["write_owner_read"] = status_of(lambda: foreign.put_object(
        Bucket=bucket, Key="shared/read", Body=b"r", ACL="bucket-owner-read"))
    out["read_plain"] = status_of(lambda: reader.get_object(Bucket=bucket, Key="shared/plain"))
    out["head_plain"] = status_of(lambda: reader.head_object(Bucket=bucket, Key="shared/plain"))
    out["read_full_control"] = status_of(lambda: reader.get_object(Bucket=bucket,
                                                                    Key="shared/full"))
    out["read_owner_read"] = status_of(lambda: reader.get_object(Bucket=bucket,
                                                                  Key="shared/read"))
    owner.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    out["write_public_blocked"] = status_of(lambda: foreign.put_object(
        Bucket=bucket, Key="shared/public", Body=b"x", ACL="public-read"))
    ownership_is("BucketOwnerEnforced")
    out["read_plain_enforced"] = status_of(lambda: reader.get_object(Bucket=bucket,
                                                                      Key="shared/plain"))
    out["write_acl_enforced"] = status_of(lambda: foreign.put_object(
        Bucket=bucket, Key="shared/other", Body=b"x", ACL="bucket-owner-read"))
    out["write_full_control_enforced"] = status_of(lambda: foreign.put_object(
        Bucket=bucket, Key="shared/other", Body=b"x", ACL="bucket-owner-full-control"))
    out["write_explicit_grant"] = status_of(lambda: foreign.put_object(
        Bucket=bucket, Key="shared/granted", Body=b"x", GrantRead="id=abc"))
    print(json.dumps(out))


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    {"conditions": main, "tags": tags, "ownership": ownership}[command](*arguments)
