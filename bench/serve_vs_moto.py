"""S3 PUT and GET of small objects against `xacct serve` and moto's server, in one run.

    XACCT=target/release/xacct target/python-venv/bin/python bench/serve_vs_moto.py

Starts both servers on free loopback ports, then for each: THREADS boto3 clients each PUT
OPS objects of SIZE bytes, then GET them back, timing every call. xacct serve runs
examples/s3-role-chain, and the clients are the cluster's role chain (compute-etl assumes
MyRoleB): every request is SigV4-verified and authorized by the engine (identity policy,
bucket policy, cross-account rule). moto runs as it ships: it accepts any signature and
enforces no policy, so the comparison favours moto. Both are driven by the same Python
clients, which cost time of their own: the ratio is a lower bound of the servers' ratio.
Prints ops/s, p50 and p99 per server and operation, and the ratios. Bounded: THREADS*OPS
requests per operation and server, and every server is stopped at the end.
"""

import concurrent.futures
import os
import socket
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config

THREADS = int(os.environ.get("THREADS", "8"))
OPS = int(os.environ.get("OPS", "250"))
SIZE = int(os.environ.get("SIZE", "1024"))
CONFIG = botocore.config.Config(max_pool_connections=THREADS * 2,
                                retries={"max_attempts": 1})


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port):
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(make_client, bucket):
    body = os.urandom(SIZE)
    results = {}
    for operation in ("PUT", "GET"):
        def work(thread):
            client = make_client()
            latencies = []
            for number in range(OPS):
                key = f"bench/{thread}/{number}"
                start = time.perf_counter()
                if operation == "PUT":
                    client.put_object(Bucket=bucket, Key=key, Body=body,
                                      ACL="bucket-owner-full-control")
                else:
                    client.get_object(Bucket=bucket, Key=key)["Body"].read()
                latencies.append(time.perf_counter() - start)
            return latencies

        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
            latencies = [l for part in pool.map(work, range(THREADS)) for l in part]
        elapsed = time.perf_counter() - start
        results[operation] = {
            "ops": len(latencies) / elapsed,
            "p50": percentile(latencies, 0.50) * 1000,
            "p99": percentile(latencies, 0.99) * 1000,
        }
    return results


def main():
    xacct = os.environ.get("XACCT", "target/release/xacct")
    servers = []
    try:
        data = tempfile.mkdtemp(prefix="xacct-bench-")
        xacct_port = free_port()
        server = subprocess.Popen(
            [xacct, "serve", "examples/s3-role-chain", "--port", str(xacct_port), "--data", data],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.append(server)
        moto_port = free_port()
        servers.append(subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-p", str(moto_port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(xacct_port)
        wait_for(moto_port)
        os.environ["AWS_CONFIG_FILE"] = os.path.join(data, "aws-config")
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
        chain = boto3.session.Session(profile_name="compute-etl-as-MyRoleB")
        chain.client("sts").get_caller_identity()
        xacct_results = run(lambda: chain.client("s3", config=CONFIG), "lake-b")

        moto_session = boto3.session.Session(
            aws_access_key_id="bench", aws_secret_access_key="bench", region_name="us-east-1")
        moto_url = f"http://127.0.0.1:{moto_port}"
        moto_session.client("s3", endpoint_url=moto_url).create_bucket(Bucket="lake-b")
        moto_results = run(lambda: moto_session.client("s3", endpoint_url=moto_url, config=CONFIG),
                           "lake-b")
    finally:
        for server in servers:
            server.kill()
            server.wait()

    print(f"{THREADS} threads x {OPS} objects of {SIZE} bytes per operation")
    print(f"{'server':<12} {'op':<4} {'ops/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name, results in (("xacct serve", xacct_results), ("moto", moto_results)):
        for operation, figures in results.items():
            print(f"{name:<12} {operation:<4} {figures['ops']:>9.0f} "
                  f"{figures['p50']:>8.2f} {figures['p99']:>8.2f}")
    for operation in ("PUT", "GET"):
        ratio = xacct_results[operation]["ops"] / moto_results[operation]["ops"]
        print(f"{operation}: xacct serve / moto = {ratio:.1f}x ops/s")


if __name__ == "__main__":
    main()
