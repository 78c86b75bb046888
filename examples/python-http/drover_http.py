#!/usr/bin/env python3
"""Drive a Drover master through its HTTP/JSON gateway with nothing but `requests`.

Lists the nodes and pods, creates a ConfigMap, changes and deletes it, then watches the
ConfigMaps from the version read before the changes: the watch replays ADDED, MODIFIED and
DELETED, as newline-delimited JSON events, exactly as a Kubernetes watch would.

    python3 drover_http.py https://127.0.0.1:7080 --ca-file CA.crt --token TOKEN
    python3 drover_http.py https://127.0.0.1:7080 --ca-file CA.crt --cert admin.crt --key admin.key

The gateway serves HTTPS with a certificate of the cluster's own CA (`--ca-file` verifies it) and
wants a bearer token or a client certificate of that CA; plain http:// only reaches a master
started with --insecure. (`drover dev` serves it on 127.0.0.1:7080 and prints its address with a
token, `?token=...`; the CA and admin certificate are in ~/.drover/dev/pki.)
"""

import argparse
import json
import sys
import time

import requests


class Gateway(requests.Session):
    """A session that verifies the gateway with the cluster CA file.

    requests lets REQUESTS_CA_BUNDLE (often set to the system bundle) replace Session.verify, so
    the CA file goes with every request instead.
    """

    def __init__(self, ca_file):
        super().__init__()
        self.ca_file = ca_file

    def request(self, method, url, **kwargs):
        if self.ca_file:
            kwargs.setdefault("verify", self.ca_file)
        return super().request(method, url, **kwargs)


def check(response):
    """Returns the JSON body, or exits with the gateway's error message (a Kubernetes Status)."""
    if response.status_code >= 400:
        try:
            status = response.json()
            causes = status.get("details", {}).get("causes", [])
            detail = "".join(f"\n  {c['field']}: {c['message']}" for c in causes)
            sys.exit(f"{response.request.method} {response.url}: {response.status_code} "
                     f"{status.get('reason')}: {status.get('message')}{detail}")
        except ValueError:
            sys.exit(f"{response.request.method} {response.url}: {response.status_code}")
    return response.json()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="gateway URL, e.g. https://127.0.0.1:7080")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--token", help="bearer token")
    parser.add_argument("--ca-file", help="the cluster CA that signed the gateway's certificate")
    parser.add_argument("--cert", help="client certificate of the cluster CA (with --key)")
    parser.add_argument("--key", help="the client certificate's private key")
    args = parser.parse_args()

    http = Gateway(args.ca_file)
    if args.cert:
        http.cert = (args.cert, args.key)
    if args.token:
        http.headers["Authorization"] = f"Bearer {args.token}"
    base = args.base.rstrip("/")
    configmaps = f"{base}/api/v1/namespaces/{args.namespace}/configmaps"

    # List: nodes (cluster-scoped) and the namespace's pods, with a label selector.
    nodes = check(http.get(f"{base}/api/v1/nodes", timeout=30))
    for node in nodes["items"]:
        ready = next((c["status"] for c in node.get("status", {}).get("conditions", [])
                      if c["type"] == "Ready"), "Unknown")
        print(f"node {node['metadata']['name']} ready={ready}")
    pods = check(http.get(f"{base}/api/v1/namespaces/{args.namespace}/pods",
                          params={"limit": 100}, timeout=30))
    print(f"pods in {args.namespace}: {len(pods['items'])}")

    # The version to watch from: everything after this list.
    listed = check(http.get(configmaps, params={"labelSelector": "example=python-http"},
                            timeout=30))
    since = listed["metadata"]["resourceVersion"]

    # Create, update (a compare-and-swap on metadata.resourceVersion), delete.
    name = f"python-http-{int(time.time() * 1000)}"
    created = check(http.post(configmaps, json={
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"example": "python-http"}},
        "data": {"greeting": "hello"},
    }, timeout=30))
    print(f"created {name} at resourceVersion {created['metadata']['resourceVersion']}")
    created["data"]["greeting"] = "hello again"
    updated = check(http.put(f"{configmaps}/{name}", json=created, timeout=30))
    print(f"updated {name} to resourceVersion {updated['metadata']['resourceVersion']}")
    stale = http.put(f"{configmaps}/{name}", json=created, timeout=30)
    print(f"a second update from the old version: {stale.status_code} {stale.json()['reason']}")
    check(http.delete(f"{configmaps}/{name}", timeout=30))
    print(f"deleted {name}")

    # Watch from before the changes: one JSON event per line.
    seen = []
    with http.get(configmaps, params={"watch": "true", "resourceVersion": since,
                                      "labelSelector": "example=python-http"},
                  stream=True, timeout=30) as stream:
        check_stream = stream.status_code
        if check_stream != 200:
            check(stream)
        for line in stream.iter_lines():
            if not line:
                continue
            event = json.loads(line)
            obj = event["object"]
            if event["type"] == "ERROR":
                sys.exit(f"watch failed: {obj.get('message')}")
            if obj["metadata"].get("name") != name:
                continue
            seen.append(event["type"])
            print(f"watch: {event['type']} {name} "
                  f"resourceVersion={obj['metadata']['resourceVersion']} "
                  f"greeting={obj.get('data', {}).get('greeting')}")
            if event["type"] == "DELETED":
                break
    if seen != ["ADDED", "MODIFIED", "DELETED"]:
        sys.exit(f"expected ADDED, MODIFIED, DELETED; saw {seen}")
    print("ok")


if __name__ == "__main__":
    main()
