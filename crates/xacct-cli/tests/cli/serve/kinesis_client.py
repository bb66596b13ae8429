"""boto3 against `xacct serve` for Kinesis, for the tests in serve_kinesis.rs.

Each subcommand prints one JSON document: what each request got ("ok" or its AWS error code,
message and xacct's explanation header), so the Rust test asserts the decisions.
"""

import json
import os
import struct
import sys
import time
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


def outcome(call):
    """client.py's outcome, with what the call returned as "value" when it succeeded."""
    returned = []
    result = shared.outcome(lambda: returned.append(call()))
    if returned:
        result["value"] = returned[0]
    return result


def produce(profile, stream_arn, count):
    """The producer: PutRecord, then PutRecords, to the stream by ARN. Returns each record's
    data and sequence number, in the order written."""
    kinesis = client("kinesis", profile)
    out = []
    for index in range(count):
        data = "event %d" % index
        if index % 2 == 0:
            put = kinesis.put_record(StreamARN=stream_arn, Data=data.encode(),
                                     PartitionKey="key-%d" % index)
            out.append({"data": data, "sequence": put["SequenceNumber"],
                        "shard": put["ShardId"], "encryption": put.get("EncryptionType")})
        else:
            put = kinesis.put_records(StreamARN=stream_arn, Records=[
                {"Data": data.encode(), "PartitionKey": "key-%d" % index}])
            record = put["Records"][0]
            out.append({"data": data, "sequence": record["SequenceNumber"],
                        "shard": record["ShardId"], "encryption": put.get("EncryptionType")})
    return out


def consume(profile, options):
    """The Databricks Kinesis source with the readStream options: assume the role with the
    external id and session name, then DescribeStream, ListShards, GetShardIterator and
    GetRecords on every shard. Stops at the first refused request."""
    steps = []
    args = {"RoleArn": options["roleArn"],
            "RoleSessionName": options.get("roleSessionName", "databricks")}
    if options.get("roleExternalId"):
        args["ExternalId"] = options["roleExternalId"]
    try:
        creds = client("sts", profile).assume_role(**args)["Credentials"]
        steps.append({"op": "AssumeRole", "code": "ok"})
    except botocore.exceptions.ClientError as error:
        steps.append({"op": "AssumeRole", "code": error.response["Error"]["Code"],
                      "message": error.response["Error"].get("Message", "")})
        return steps, []
    kinesis = client("kinesis", aws_access_key_id=creds["AccessKeyId"],
                     aws_secret_access_key=creds["SecretAccessKey"],
                     aws_session_token=creds["SessionToken"],
                     region_name=options.get("region", "us-east-1"))
    stream = ({"StreamARN": options["streamARN"]} if "streamARN" in options
              else {"StreamName": options["streamName"]})
    position = "TRIM_HORIZON" if options.get("initialPosition") == "earliest" else "LATEST"
    records = []

    def step(op, call):
        result = outcome(call)
        result["op"] = op
        steps.append({key: value for key, value in result.items() if key != "value"})
        return result

    described = step("DescribeStream", lambda: kinesis.describe_stream(**stream))
    if described["code"] != "ok":
        return steps, records
    listed = step("ListShards", lambda: kinesis.list_shards(**stream)["Shards"])
    if listed["code"] != "ok":
        return steps, records
    for shard in listed["value"]:
        got = step("GetShardIterator", lambda: kinesis.get_shard_iterator(
            ShardId=shard["ShardId"], ShardIteratorType=position, **stream)["ShardIterator"])
        if got["code"] != "ok":
            return steps, records
        read = step("GetRecords", lambda: kinesis.get_records(ShardIterator=got["value"]))
        if read["code"] != "ok":
            return steps, records
        records.extend({"data": record["Data"].decode(), "sequence": record["SequenceNumber"],
                        "encryption": record.get("EncryptionType")}
                       for record in read["value"]["Records"])
    return steps, records


def workload(producer, consumer, options_file, count):
    with open(options_file) as handle:
        options = json.load(handle)
    stream_arn = options.get("streamARN") or (
        "arn:aws:kinesis:%s:%s:stream/%s" % (options.get("region", "us-east-1"),
                                             options["roleArn"].split(":")[4],
                                             options["streamName"]))
    produced = produce(producer, stream_arn, int(count)) if producer != "-" else []
    steps, records = consume(consumer, options)
    print(json.dumps({"produced": produced, "steps": steps, "records": records}))


def policy(principal, actions, resource):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "ForeignReader", "Effect": "Allow", "Principal": {"AWS": principal},
        "Action": actions, "Resource": resource}]})


def foreign(admin_b, admin_a, compute, stream_arn):
    """Cross-account through the stream's resource policy."""
    owner, other = client("kinesis", admin_b), client("kinesis", admin_a)
    out = {}
    # A's administrator may do anything its own policies say: the stream in B is not theirs.
    out["admin_a_before"] = outcome(lambda: other.describe_stream_summary(StreamARN=stream_arn))
    reader = "arn:aws:iam::111111111111:user/xacct-admin"
    grant = policy(reader, ["kinesis:DescribeStreamSummary", "kinesis:ListShards",
                            "kinesis:GetShardIterator", "kinesis:GetRecords"], stream_arn)
    out["put_policy"] = outcome(lambda: owner.put_resource_policy(ResourceARN=stream_arn,
                                                                  Policy=grant))
    out["get_policy"] = outcome(lambda: json.loads(owner.get_resource_policy(
        ResourceARN=stream_arn)["Policy"])["Statement"][0]["Sid"])
    out["admin_a_after"] = outcome(
        lambda: other.describe_stream_summary(StreamARN=stream_arn)
        ["StreamDescriptionSummary"]["EncryptionType"])
    iterator = other.get_shard_iterator(StreamARN=stream_arn, ShardId="shardId-000000000000",
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    # The stream is encrypted with B's key, whose policy leaves A out: Kinesis's KMS call fails.
    out["admin_a_reads"] = outcome(lambda: other.get_records(ShardIterator=iterator))
    out["admin_a_writes"] = outcome(lambda: other.put_record(
        StreamARN=stream_arn, Data=b"x", PartitionKey="k"))
    out["delete_policy"] = outcome(lambda: owner.delete_resource_policy(ResourceARN=stream_arn))
    out["admin_a_deleted"] = outcome(lambda: other.describe_stream_summary(StreamARN=stream_arn))
    # A role of A whose own policy allows the read, without the stream policy naming it.
    role = "DatabricksToKinesisAssumeRole"
    role_arn = "arn:aws:iam::111111111111:role/" + role
    client("iam", admin_a).put_role_policy(
        RoleName=role, PolicyName="read-b",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "kinesis:DescribeStreamSummary",
            "Resource": stream_arn}]}))
    cluster = client("kinesis", compute)
    out["role_without_policy"] = outcome(
        lambda: cluster.describe_stream_summary(StreamARN=stream_arn))
    owner.put_resource_policy(ResourceARN=stream_arn, Policy=policy(
        role_arn, ["kinesis:DescribeStreamSummary"], stream_arn))
    out["role_with_policy"] = outcome(
        lambda: cluster.describe_stream_summary(StreamARN=stream_arn)
        ["StreamDescriptionSummary"]["StreamName"])
    print(json.dumps(out))


def blank(admin, key):
    """A stream of the caller's own, made from nothing: shards, positions, consumers,
    encryption, deletion."""
    kinesis = client("kinesis", admin)
    out = {}
    out["create"] = outcome(lambda: kinesis.create_stream(StreamName="scratch", ShardCount=2))
    out["create_again"] = outcome(lambda: kinesis.create_stream(StreamName="scratch",
                                                                ShardCount=2))
    out["list"] = outcome(lambda: kinesis.list_streams()["StreamNames"])
    out["shards"] = outcome(lambda: [shard["ShardId"] for shard in
                                     kinesis.list_shards(StreamName="scratch")["Shards"]])
    put = kinesis.put_records(StreamName="scratch", Records=[
        {"Data": ("r%d" % index).encode(), "PartitionKey": "p%d" % index}
        for index in range(20)])
    out["put_failed"] = put["FailedRecordCount"]
    by_shard = {}
    for index, record in enumerate(put["Records"]):
        by_shard.setdefault(record["ShardId"], []).append(
            {"data": "r%d" % index, "sequence": record["SequenceNumber"]})
    out["by_shard"] = by_shard
    shard, written = sorted(by_shard.items())[0]

    def read(kind, **position):
        iterator = kinesis.get_shard_iterator(StreamName="scratch", ShardId=shard,
                                              ShardIteratorType=kind,
                                              **position)["ShardIterator"]
        return [record["Data"].decode()
                for record in kinesis.get_records(ShardIterator=iterator)["Records"]]

    out["at"] = outcome(lambda: read("AT_SEQUENCE_NUMBER",
                                     StartingSequenceNumber=written[1]["sequence"]))
    out["after"] = outcome(lambda: read("AFTER_SEQUENCE_NUMBER",
                                        StartingSequenceNumber=written[1]["sequence"]))
    out["latest"] = outcome(lambda: read("LATEST"))
    out["limit"] = outcome(lambda: len(kinesis.get_records(
        ShardIterator=kinesis.get_shard_iterator(
            StreamName="scratch", ShardId=shard,
            ShardIteratorType="TRIM_HORIZON")["ShardIterator"], Limit=2)["Records"]))
    stream_arn = kinesis.describe_stream_summary(
        StreamName="scratch")["StreamDescriptionSummary"]["StreamARN"]
    registered = outcome(lambda: kinesis.register_stream_consumer(
        StreamARN=stream_arn, ConsumerName="fan-out")["Consumer"]["ConsumerARN"])
    out["register"] = registered
    out["consumers"] = outcome(lambda: [consumer["ConsumerName"] for consumer in
                                        kinesis.list_stream_consumers(
                                            StreamARN=stream_arn)["Consumers"]])
    out["describe_consumer"] = outcome(lambda: kinesis.describe_stream_consumer(
        StreamARN=stream_arn, ConsumerName="fan-out")["ConsumerDescription"]["ConsumerARN"])
    out["encrypt"] = outcome(lambda: kinesis.start_stream_encryption(
        StreamName="scratch", EncryptionType="KMS", KeyId=key))
    sealed = kinesis.put_record(StreamName="scratch", Data=b"sealed", PartitionKey="p0",
                                ExplicitHashKey="0")
    out["sealed_put"] = sealed.get("EncryptionType")
    out["sealed_read"] = outcome(lambda: [
        (record["Data"].decode(), record.get("EncryptionType"))
        for record in kinesis.get_records(ShardIterator=kinesis.get_shard_iterator(
            StreamName="scratch", ShardId="shardId-000000000000",
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            StartingSequenceNumber=sealed["SequenceNumber"])["ShardIterator"])["Records"]])
    out["delete_with_consumer"] = outcome(lambda: kinesis.delete_stream(StreamName="scratch"))
    out["delete"] = outcome(lambda: kinesis.delete_stream(StreamName="scratch",
                                                          EnforceConsumerDeletion=True))
    out["describe_deleted"] = outcome(lambda: kinesis.describe_stream(StreamName="scratch"))
    print(json.dumps(out))


class Millis(int):
    """A timestamp as the AWS SDK for Java writes it in CBOR: tag 1 over epoch milliseconds."""


def cbor_head(major, value):
    if value < 24:
        return bytes([major << 5 | value])
    for info, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * width):
            return bytes([major << 5 | info]) + value.to_bytes(width, "big")
    raise ValueError(value)


def cbor_encode(value):
    """CBOR from RFC 8949, maps written with an indefinite length as Jackson writes them."""
    if isinstance(value, Millis):
        return b"\xc1" + cbor_head(0, int(value))
    if isinstance(value, bool):
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, int):
        return cbor_head(0, value) if value >= 0 else cbor_head(1, -1 - value)
    if isinstance(value, bytes):
        return cbor_head(2, len(value)) + value
    if isinstance(value, str):
        data = value.encode()
        return cbor_head(3, len(data)) + data
    if isinstance(value, list):
        return cbor_head(4, len(value)) + b"".join(cbor_encode(item) for item in value)
    if isinstance(value, dict):
        return (b"\xbf" + b"".join(cbor_encode(key) + cbor_encode(item)
                                  for key, item in value.items()) + b"\xff")
    raise TypeError(value)


def cbor_decode(data, at=0):
    """(value, next offset); tag 1 comes back as Millis."""
    initial = data[at]
    major, info = initial >> 5, initial & 0x1F
    at += 1
    if major == 7:
        if info in (20, 21):
            return info == 21, at
        if info == 22:
            return None, at
        if info == 27:
            return struct.unpack(">d", data[at:at + 8])[0], at + 8
        raise ValueError("simple %d" % info)
    if info < 24:
        argument = info
    else:
        width = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        argument, at = int.from_bytes(data[at:at + width], "big"), at + width
    if major == 0:
        return argument, at
    if major == 1:
        return -1 - argument, at
    if major == 2:
        return data[at:at + argument], at + argument
    if major == 3:
        return data[at:at + argument].decode(), at + argument
    if major == 4:
        items = []
        for _ in range(argument):
            item, at = cbor_decode(data, at)
            items.append(item)
        return items, at
    if major == 5:
        out = {}
        for _ in range(argument):
            key, at = cbor_decode(data, at)
            out[key], at = cbor_decode(data, at)
        return out, at
    if major == 6:
        inner, at = cbor_decode(data, at)
        return (Millis(inner) if argument == 1 else inner), at
    raise ValueError("major %d" % major)


def cbor_call(credentials, op, body):
    """One Kinesis call with a CBOR body, as the AWS SDK for Java sends it, signed with
    botocore's SigV4 and sent as is: (status, error type header, decoded body)."""
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=os.environ["AWS_ENDPOINT_URL"] + "/", data=cbor_encode(body),
        headers={"X-Amz-Target": "Kinesis_20131202." + op,
                 "Content-Type": "application/x-amz-cbor-1.1"})
    botocore.auth.SigV4Auth(credentials, "kinesis", "us-east-1").add_auth(request)
    prepared = request.prepare()
    sent = urllib.request.Request(prepared.url, data=prepared.body, method="POST",
                                  headers=dict(prepared.headers.items()))
    try:
        with urllib.request.urlopen(sent) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    return {"status": status, "type": headers.get("Content-Type"),
            "error": headers.get("x-amzn-ErrorType"), "body": cbor_decode(raw)[0]}


def protocol(profile, stream_arn):
    """Kinesis in CBOR (the AWS SDK for Java's default) next to JSON, and a wrong secret in
    Kinesis's JSON error shape."""
    out = {}
    credentials = boto3.session.Session(profile_name=profile).get_credentials() \
        .get_frozen_credentials()
    before = int(time.time() * 1000) - 1000
    put = cbor_call(credentials, "PutRecord", {
        "StreamARN": stream_arn, "Data": b"\x00binary\xff", "PartitionKey": "cbor"})
    out["put"] = {"status": put["status"], "type": put["type"],
                  "sequence": put["body"].get("SequenceNumber")}
    iterator = cbor_call(credentials, "GetShardIterator", {
        "StreamARN": stream_arn, "ShardId": "shardId-000000000000",
        "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": Millis(before)})
    got = cbor_call(credentials, "GetRecords",
                    {"ShardIterator": iterator["body"].get("ShardIterator", "")})
    records = got["body"].get("Records", [])
    out["read"] = [{"data": record["Data"].hex(),
                    "millis": isinstance(record["ApproximateArrivalTimestamp"], Millis),
                    "arrival_ok": before <= record["ApproximateArrivalTimestamp"]
                    <= before + 120000}
                   for record in records]
    summary = cbor_call(credentials, "DescribeStreamSummary", {"StreamARN": stream_arn})
    created = summary["body"]["StreamDescriptionSummary"]["StreamCreationTimestamp"]
    out["created_millis"] = isinstance(created, Millis) and created > 10 ** 12
    refused = cbor_call(credentials, "GetRecords", {"ShardIterator": "made.up"})
    out["refused"] = {"status": refused["status"], "error": refused["error"],
                      "type": refused["body"].get("__type")}
    listed = cbor_call(credentials, "ListStreams", {})
    out["list"] = listed["body"].get("StreamNames")
    # The record written in CBOR, read in JSON.
    kinesis = client("kinesis", profile)
    out["json_read"] = [record["Data"].hex() for record in kinesis.get_records(
        ShardIterator=kinesis.get_shard_iterator(
            StreamARN=stream_arn, ShardId="shardId-000000000000",
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            StartingSequenceNumber=put["body"]["SequenceNumber"])["ShardIterator"])["Records"]]
    secret = credentials.secret_key
    wrong = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    out["wrong_secret"] = outcome(lambda: client(
        "kinesis", aws_access_key_id=credentials.access_key, aws_secret_access_key=wrong,
        aws_session_token=credentials.token, region_name="us-east-1").list_streams())
    print(json.dumps(out))


def fan_out(producer, consumer_profile, options_file, count):
    """The Databricks source with consumerMode efo: assume the role as the readStream options
    say, find the registered consumer, subscribe to the shard at the latest position, then,
    once the producer wrote, subscribe again from the continuation: within five seconds the
    consumer and shard are still taken (ResourceInUseException), after that the records
    come."""
    with open(options_file) as handle:
        options = json.load(handle)
    stream_arn = options["streamARN"]
    args = {"RoleArn": options["roleArn"],
            "RoleSessionName": options.get("roleSessionName", "databricks")}
    if options.get("roleExternalId"):
        args["ExternalId"] = options["roleExternalId"]
    creds = client("sts", consumer_profile).assume_role(**args)["Credentials"]
    kinesis = client("kinesis", aws_access_key_id=creds["AccessKeyId"],
                     aws_secret_access_key=creds["SecretAccessKey"],
                     aws_session_token=creds["SessionToken"],
                     region_name=options.get("region", "us-east-1"))
    consumer = kinesis.describe_stream_consumer(
        StreamARN=stream_arn, ConsumerName="databricks-efo")["ConsumerDescription"]["ConsumerARN"]
    shard = kinesis.list_shards(StreamARN=stream_arn)["Shards"][0]["ShardId"]

    def subscribe(position):
        response = kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId=shard,
                                              StartingPosition=position)
        events = [event["SubscribeToShardEvent"] for event in response["EventStream"]]
        return [{"records": [{"data": record["Data"].decode(),
                              "sequence": record["SequenceNumber"],
                              "encryption": record.get("EncryptionType")}
                             for record in event["Records"]],
                 "continuation": event["ContinuationSequenceNumber"],
                 "behind": event["MillisBehindLatest"]} for event in events]

    out = {"consumer": consumer}
    out["latest"] = outcome(lambda: subscribe({"Type": "LATEST"}))
    out["produced"] = produce(producer, stream_arn, int(count))
    if out["latest"]["code"] == "ok":
        after = {"Type": "AFTER_SEQUENCE_NUMBER",
                 "SequenceNumber": out["latest"]["value"][-1]["continuation"]}
        out["at_once"] = outcome(lambda: subscribe(after))
        time.sleep(5.2)
        out["continued"] = outcome(lambda: subscribe(after))
    print(json.dumps(out))


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "workload":
        workload(*args)
    elif command == "foreign":
        foreign(*args)
    elif command == "blank":
        blank(*args)
    elif command == "protocol":
        protocol(*args)
    elif command == "fan-out":
        fan_out(*args)
    else:
        raise SystemExit("unknown command " + command)


if __name__ == "__main__":
    main()
