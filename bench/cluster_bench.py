"""Times the API battery questions on two servers, local and cluster (see bench/cluster.sh).

Usage: cluster_bench.py <local url> <local key file> <cluster url> <cluster key file>
                        <scheduler host:port>
Answers must be equal on both; the scheduler's REST API tells what each cluster job did.
"""
import http.client
import json
import statistics
import sys
import time
import urllib.parse

from api_bench import QUESTIONS

RUNS = 7


def client(url, key_file):
    host = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=600)
    key = open(key_file).read().strip()
    headers = {"Content-Type": "application/json", "Authorization": "Bearer " + key}

    def ask(query):
        start = time.perf_counter()
        conn.request("POST", "/api/v1/query?cache=false", json.dumps(query), headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            sys.exit(f"{url}: query failed: {response.status} {body[:300]!r}")
        return elapsed, json.loads(body)

    return ask


def scheduler_get(address, path):
    host, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    return json.loads(response.read())


def rounded(rows):
    """Rows with floats rounded (sums added in another order differ in the last digits)."""
    return sorted(
        json.dumps({k: round(v, 6) if isinstance(v, float) else v for k, v in row.items()},
                   sort_keys=True)
        for row in rows)


def main():
    local = client(sys.argv[1], sys.argv[2])
    cluster = client(sys.argv[3], sys.argv[4])
    scheduler = sys.argv[5]
    print(f"{'question':36} {'local':>9} {'cluster':>9} {'ratio':>6} {'stages':>6} "
          f"{'shuffled rows':>14} {'read rows':>12}")
    for name, (query, _) in QUESTIONS.items():
        local(query)
        before = {j["job_id"] for j in scheduler_get(scheduler, "/api/jobs")}
        cluster(query)
        jobs = [j for j in scheduler_get(scheduler, "/api/jobs") if j["job_id"] not in before]
        stages = scheduler_get(scheduler, f"/api/job/{jobs[0]['job_id']}/stages")["stages"]
        # Every stage but the last writes its output to a shuffle; the last one's output is
        # the answer the client fetches.
        shuffled = sum(s["output_rows"] for s in stages[:-1])
        read = sum(s["input_rows"] for s in stages)
        here = statistics.median(local(query)[0] for _ in range(RUNS))
        there = statistics.median(cluster(query)[0] for _ in range(RUNS))
        rows_here, rows_there = local(query)[1]["rows"], cluster(query)[1]["rows"]
        if rounded(rows_here) != rounded(rows_there):
            sys.exit(f"{name}: the engines answer differently")
        print(f"{name:36} {here*1e3:7.1f}ms {there*1e3:7.1f}ms {there/here:6.2f} "
              f"{len(stages):6d} {shuffled:14,d} {read:12,d}")


if __name__ == "__main__":
    main()
