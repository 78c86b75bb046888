package dev.drover.master.scheduler.framework;

import java.util.HashMap;
import java.util.Map;

/**
 * Everything one scheduling cycle of one pod shares between its plugins: the pod, the snapshot,
 * what the plugins computed once for the pod before the nodes are filtered (in {@link StateKey}
 * slots), and, only when no node fits and the nodes are checked again, the count of nodes per
 * failure reason that makes the fit error.
 *
 * <p>Not thread-safe; one cycle at a time.
 */
public final class CycleState {

  private final PodInfo pod;
  private final ClusterSnapshot snapshot;
  private Object[] slots;
  private Map<String, Integer> reasons;

  public CycleState(PodInfo pod, ClusterSnapshot snapshot) {
    this.pod = pod;
    this.snapshot = snapshot;
    this.slots = new Object[StateKey.count()];
  }

  public PodInfo pod() {
    return pod;
  }

  public ClusterSnapshot snapshot() {
    return snapshot;
  }

  /** Stores a plugin's per-pod value. */
  public <T> void write(StateKey<T> key, T value) {
    if (key.index >= slots.length) {
      // A key created after this state (a plugin class loaded late) still gets its slot.
      Object[] grown = new Object[StateKey.count()];
      System.arraycopy(slots, 0, grown, 0, slots.length);
      slots = grown;
    }
    slots[key.index] = value;
  }

  /**
   * Reads a plugin's per-pod value.
   *
   * @throws IllegalStateException when nothing was written under {@code key} in this cycle
   */
  @SuppressWarnings("unchecked")
  public <T> T read(StateKey<T> key) {
    Object v = key.index < slots.length ? slots[key.index] : null;
    if (v == null) {
      throw new IllegalStateException("no cycle state for " + key + ": pre-filter did not run");
    }
    return (T) v;
  }

  /** Starts counting failure reasons: filters report why each node fails from now on. */
  public void startDiagnosis() {
    reasons = new HashMap<>();
  }

  /** Whether filters should report reasons (only while diagnosing; building them costs). */
  public boolean diagnosing() {
    return reasons != null;
  }

  /** Counts one node failing for {@code reason}, when diagnosing. */
  public void addReason(String reason) {
    if (reasons != null) {
      reasons.merge(reason, 1, Integer::sum);
    }
  }

  /** Counts {@code reason} (when diagnosing) and returns {@code status}: a filter's failure. */
  public Status fail(Status status, String reason) {
    addReason(reason);
    return status;
  }

  /** Nodes per failure reason counted since {@link #startDiagnosis}, or an empty map. */
  public Map<String, Integer> reasons() {
    return reasons == null ? Map.of() : reasons;
  }
}
