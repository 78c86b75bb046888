package dev.drover.master.cache;

import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.Pod;
import dev.drover.testing.TestObjects;

/** Pods and index updates for the cache's unit tests. */
final class TestPods {
  private TestPods() {}

  /** A pod labelled {@code app=<app>} at resource version {@code rev}. */
  static Object pod(String ns, String name, String app, long rev) {
    Pod.Builder pod = TestObjects.pod(ns, name);
    pod.getMetadataBuilder().setResourceVersion(rev).putLabels("app", app);
    return TestObjects.wrap(pod);
  }

  /** The store writing {@code pod(ns, name, app, rev)}. */
  static ObjectIndex.Update put(String ns, String name, String app, long rev) {
    return new ObjectIndex.Update(Kind.KIND_POD, ns, name, rev, pod(ns, name, app, rev));
  }

  /** The store writing pod {@code a/name} bound to {@code node} ("" for unbound) at {@code rev}. */
  static ObjectIndex.Update onNode(String name, String node, long rev) {
    Object.Builder o = pod("a", name, "web", rev).toBuilder();
    o.getPodBuilder().getSpecBuilder().setNodeName(node);
    return new ObjectIndex.Update(Kind.KIND_POD, "a", name, rev, o.build());
  }

  /** The store deleting pod {@code ns/name} at {@code rev}. */
  static ObjectIndex.Update delete(String ns, String name, long rev) {
    return new ObjectIndex.Update(Kind.KIND_POD, ns, name, rev, null);
  }

  /** The {@code app} label of an object. */
  static String app(Object o) {
    return o.getPod().getMetadata().getLabelsOrThrow("app");
  }

  /** The name of an object. */
  static String name(Object o) {
    return o.getPod().getMetadata().getName();
  }
}
