#!/usr/bin/python3
"""Drives a Drover master through its gRPC API from Python (grpcio), using only stubs generated
from proto/ with a stock protoc: create, get, list, watch and delete a pod.

Usage: drover_client.py --target HOST:PORT --stubs DIR [--namespace NS] [--name NAME]

DIR holds the modules protoc generated (drover/v1/*_pb2.py and *_pb2_grpc.py). Prints one line
per step and exits non-zero on the first failure.
"""
import argparse
import queue
import sys
import threading


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--stubs", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--name", default="py-pod")
    args = parser.parse_args()
    sys.path.insert(0, args.stubs)

    import grpc
    from drover.v1 import control_pb2, control_pb2_grpc, core_pb2, meta_pb2, object_pb2

    deadline = 10  # seconds, on every unary call
    channel = grpc.insecure_channel(args.target)
    api = control_pb2_grpc.ControlServiceStub(channel)

    pod = object_pb2.Object(pod=core_pb2.Pod(
        metadata=meta_pb2.ObjectMeta(name=args.name, namespace=args.namespace, labels={"lang": "python"}),
        spec=core_pb2.PodSpec(containers=[core_pb2.Container(name="main", image="127.0.0.1:5000/busybox:1")])))

    # Start a watch from the current version first, so the create below must show up in it.
    listed = api.List(control_pb2.ListRequest(kind=meta_pb2.KIND_POD, namespace=args.namespace), timeout=deadline)
    events = queue.Queue()
    watch = api.Watch(control_pb2.WatchRequest(kind=meta_pb2.KIND_POD, namespace=args.namespace,
                                               resource_version=listed.resource_version))

    def pump():
        try:
            for e in watch:
                events.put(e)
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.CANCELLED:
                events.put(err)

    threading.Thread(target=pump, daemon=True).start()

    created = api.Create(control_pb2.CreateRequest(object=pod), timeout=deadline)
    uid = created.pod.metadata.uid
    assert uid, "create returned no uid"
    print("created %s uid=%s rv=%d" % (args.name, uid, created.pod.metadata.resource_version))

    got = api.Get(control_pb2.GetRequest(kind=meta_pb2.KIND_POD, namespace=args.namespace, name=args.name),
                  timeout=deadline)
    assert got.pod.metadata.uid == uid, "get returned another object"
    print("got %s" % got.pod.metadata.name)

    page = api.List(control_pb2.ListRequest(kind=meta_pb2.KIND_POD, namespace=args.namespace,
                                            label_selector="lang=python"), timeout=deadline)
    names = [o.pod.metadata.name for o in page.items]
    assert args.name in names, "list misses the pod: %s" % names
    print("listed %d pod(s) with lang=python" % len(names))

    try:
        api.Create(control_pb2.CreateRequest(object=pod), timeout=deadline)
        raise AssertionError("a duplicate create succeeded")
    except grpc.RpcError as err:
        assert err.code() == grpc.StatusCode.ALREADY_EXISTS, err.code()
        print("duplicate create: %s" % err.code().name)

    deleted = api.Delete(control_pb2.DeleteRequest(kind=meta_pb2.KIND_POD, namespace=args.namespace,
                                                   name=args.name), timeout=deadline)
    assert deleted.deleted_immediately, "an unbound pod is deleted at once"
    print("deleted %s" % args.name)

    seen = []
    while len(seen) < 2:
        e = events.get(timeout=30)
        if isinstance(e, Exception):
            raise e
        if e.object.pod.metadata.name == args.name:
            seen.append(control_pb2.WatchEventType.Name(e.type))
    watch.cancel()
    assert seen == ["WATCH_EVENT_TYPE_ADDED", "WATCH_EVENT_TYPE_DELETED"], seen
    print("watched %s" % " ".join(seen))
    print("OK")


if __name__ == "__main__":
    main()
