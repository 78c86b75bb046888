package dev.drover.master.registry;

import com.google.protobuf.ByteString;
import dev.drover.api.ApiObjects;
import dev.drover.api.Conditions;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodStatus;
import dev.drover.store.api.Validation;
import dev.drover.store.v1.Compare;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.RangeRequest;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.TxnRequest;
import dev.drover.store.v1.TxnResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What pods add to the generic {@link Registry}: binding to a node (one or many, each a
 * compare-and-swap), the grace period of a graceful deletion, and termination: a pod bound to a
 * node stays after its deletion started until the node's agent confirms its containers are gone.
 */
public final class PodStrategy implements KindStrategy {
  /** Annotation the master sets when a pod's agent confirmed its containers are gone. */
  public static final String TERMINATION_CONFIRMED = "drover.dev/termination-confirmed";

  /** Grace period of a pod that sets none. */
  public static final long DEFAULT_GRACE_SECONDS = 30;

  private final Registry registry;

  PodStrategy(Registry registry) {
    this.registry = registry;
  }

  @Override
  public void checkUpdate(Object current, Object next) {
    String was = current.getPod().getSpec().getNodeName();
    String now = next.getPod().getSpec().getNodeName();
    if (!was.isEmpty() && !was.equals(now)) {
      throw new InvalidObjectException(
          "spec.node_name", "is immutable once set (bound to " + was + ")");
    }
  }

  @Override
  public long gracePeriodSeconds(Object current, Long requested) {
    long grace =
        requested != null
            ? requested
            : current.getPod().getSpec().hasTerminationGracePeriodSeconds()
                ? current.getPod().getSpec().getTerminationGracePeriodSeconds()
                : DEFAULT_GRACE_SECONDS;
    return Math.max(0, grace);
  }

  /** A bound pod's containers may still run until its agent confirms they are gone. */
  @Override
  public boolean awaitsCleanup(Object pod) {
    return !pod.getPod().getSpec().getNodeName().isEmpty()
        && !pod.getPod().getMetadata().containsAnnotations(TERMINATION_CONFIRMED);
  }

  /**
   * Binds a pending pod to a node (the scheduler's bind): compare-and-swap at {@code expectedRv};
   * fails with a {@link PreconditionFailedException} when the pod is already bound or has another
   * uid.
   */
  public Object bind(String namespace, String name, String uid, String nodeName, long expectedRv) {
    return registry.mutate(
        Kind.KIND_POD,
        namespace,
        name,
        expectedRv,
        cur -> {
          if (!uid.isEmpty() && !uid.equals(cur.getPod().getMetadata().getUid())) {
            throw new PreconditionFailedException(
                "pod " + namespace + "/" + name + " has another uid");
          }
          if (!cur.getPod().getSpec().getNodeName().isEmpty()) {
            throw new PreconditionFailedException(
                "pod "
                    + namespace
                    + "/"
                    + name
                    + " is already bound to "
                    + cur.getPod().getSpec().getNodeName());
          }
          return boundTo(cur, nodeName);
        });
  }

  /**
   * {@code pod} with spec.node_name set and its PodScheduled condition True, as Kubernetes' bind
   * does.
   */
  private Object boundTo(Object pod, String nodeName) {
    Pod p = pod.getPod();
    PodStatus.Builder status = p.getStatus().toBuilder();
    Condition scheduled =
        Condition.newBuilder()
            .setType(Conditions.POD_SCHEDULED)
            .setStatus(ConditionStatus.CONDITION_STATUS_TRUE)
            .setLastTransitionTime(registry.now())
            .build();
    int at = -1;
    for (int i = 0; i < status.getConditionsCount(); i++) {
      if (status.getConditions(i).getType().equals(Conditions.POD_SCHEDULED)) {
        at = i;
      }
    }
    if (at >= 0) {
      status.setConditions(at, scheduled);
    } else {
      status.addConditions(scheduled);
    }
    return pod.toBuilder()
        .setPod(
            p.toBuilder().setSpec(p.getSpec().toBuilder().setNodeName(nodeName)).setStatus(status))
        .build();
  }

  /**
   * One binding of a batch: the pod as last seen (its resource_version guards the write) and its
   * node.
   */
  public record PodBinding(Object pod, String nodeName) {}

  /** What became of one binding of a batch. */
  public enum BindResult {
    /** The pod is now bound to the node. */
    BOUND,
    /** The pod changed since the version given (or is bound already): read it again. */
    CONFLICT,
    /** The pod no longer exists. */
    POD_GONE,
    /** The node does not exist (any more). */
    NODE_GONE
  }

  /**
   * Binds many pods in as few transactions as the store's per-Txn limit allows. Each binding is its
   * own compare-and-swap: it succeeds only if the pod is still at the version given and unbound and
   * the node exists. A transaction whose compares do not all hold is not applied; its failure
   * branch reads every key involved, the bindings whose own compares failed get their outcome and
   * the rest go again in a new transaction, so one conflicting pod never fails the others. The pods
   * were validated when written; setting spec.node_name to an existing node's name cannot make them
   * invalid, so they are not validated again here. Returns one outcome per binding, in order.
   */
  public List<BindResult> bindAll(List<PodBinding> bindings) {
    BindResult[] out = new BindResult[bindings.size()];
    List<Integer> chunk = new ArrayList<>();
    Set<String> chunkNodes = new HashSet<>();
    for (int i = 0; i < bindings.size(); i++) {
      PodBinding b = bindings.get(i);
      Pod p = b.pod().getPod();
      if (!p.getSpec().getNodeName().isEmpty()) {
        out[i] = BindResult.CONFLICT;
        continue;
      }
      int ops = chunk.size() + 1 + chunkNodes.size() + (chunkNodes.contains(b.nodeName()) ? 0 : 1);
      if (ops > Validation.MAX_TXN_OPS) {
        bindChunk(bindings, chunk, out);
        chunk.clear();
        chunkNodes.clear();
      }
      chunk.add(i);
      chunkNodes.add(b.nodeName());
    }
    bindChunk(bindings, chunk, out);
    return Arrays.asList(out);
  }

  private void bindChunk(List<PodBinding> bindings, List<Integer> indexes, BindResult[] out) {
    List<Integer> left = new ArrayList<>(indexes);
    // Each failed round settles at least one binding, so this ends.
    while (!left.isEmpty()) {
      TxnRequest.Builder txn = TxnRequest.newBuilder();
      Map<String, ByteString> nodeKeys = new LinkedHashMap<>();
      for (int i : left) {
        PodBinding b = bindings.get(i);
        ObjectMeta m = b.pod().getPod().getMetadata();
        ByteString key = Registry.key(Kind.KIND_POD, m.getNamespace(), m.getName());
        txn.addCompare(Registry.modEquals(key, m.getResourceVersion()));
        txn.addSuccess(
            RequestOp.newBuilder()
                .setRequestPut(
                    PutRequest.newBuilder()
                        .setKey(key)
                        .setValue(Registry.encode(boundTo(b.pod(), b.nodeName())))));
        txn.addFailure(
            RequestOp.newBuilder()
                .setRequestRange(RangeRequest.newBuilder().setKey(key).setKeysOnly(true)));
        nodeKeys.computeIfAbsent(b.nodeName(), n -> Registry.key(Kind.KIND_NODE, "", n));
      }
      for (ByteString nodeKey : nodeKeys.values()) {
        txn.addCompare(
            Compare.newBuilder()
                .setKey(nodeKey)
                .setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.GREATER)
                .setCreateRevision(0));
        txn.addFailure(
            RequestOp.newBuilder()
                .setRequestRange(RangeRequest.newBuilder().setKey(nodeKey).setKeysOnly(true)));
      }
      TxnResponse resp = registry.await(registry.kv().txn(txn.build()));
      if (resp.getSucceeded()) {
        for (int i : left) {
          out[i] = BindResult.BOUND;
        }
        return;
      }
      Set<String> missingNodes = new HashSet<>();
      int r = left.size();
      for (String node : nodeKeys.keySet()) {
        if (resp.getResponses(r++).getResponseRange().getKvsCount() == 0) {
          missingNodes.add(node);
        }
      }
      List<Integer> again = new ArrayList<>();
      for (int k = 0; k < left.size(); k++) {
        int i = left.get(k);
        PodBinding b = bindings.get(i);
        RangeResponse now = resp.getResponses(k).getResponseRange();
        if (now.getKvsCount() == 0) {
          out[i] = BindResult.POD_GONE;
        } else if (now.getKvs(0).getModRevision()
            != b.pod().getPod().getMetadata().getResourceVersion()) {
          out[i] = BindResult.CONFLICT;
        } else if (missingNodes.contains(b.nodeName())) {
          out[i] = BindResult.NODE_GONE;
        } else {
          again.add(i);
        }
      }
      if (again.size() == left.size()) {
        // Every compare read back as holding: the store changed between evaluation and read.
        // Retrying is safe (the compares are evaluated anew), but never spin on it forever.
        for (int i : left) {
          out[i] = BindResult.CONFLICT;
        }
        return;
      }
      left = again;
    }
  }

  /**
   * Confirms that a pod's containers are gone (NodeService.ConfirmPodTermination): removes the pod
   * when its deletion has nothing else to wait for. Returns true when it was removed.
   */
  public boolean confirmTermination(String namespace, String name, String uid, String nodeName) {
    for (int attempt = 0; ; attempt++) {
      Optional<Object> found = registry.get(Kind.KIND_POD, namespace, name);
      if (found.isEmpty() || !found.get().getPod().getMetadata().getUid().equals(uid)) {
        return false;
      }
      Object current = found.get();
      if (!nodeName.isEmpty() && !nodeName.equals(current.getPod().getSpec().getNodeName())) {
        throw new PreconditionFailedException(
            "pod "
                + namespace
                + "/"
                + name
                + " is bound to '"
                + current.getPod().getSpec().getNodeName()
                + "', not "
                + nodeName);
      }
      ObjectMeta m = current.getPod().getMetadata();
      if (!m.hasDeletionTime()) {
        throw new PreconditionFailedException(
            "pod " + namespace + "/" + name + " is not being deleted");
      }
      Object next =
          ApiObjects.withMeta(
              current, m.toBuilder().putAnnotations(TERMINATION_CONFIRMED, "true").build());
      try {
        registry.write(current, next);
        return registry.deletionComplete(next);
      } catch (ConflictException e) {
        if (attempt >= Registry.MAX_RETRIES) {
          throw e;
        }
      }
    }
  }
}
