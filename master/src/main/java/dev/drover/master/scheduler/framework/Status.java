package dev.drover.master.scheduler.framework;

/**
 * What a {@link FilterPlugin} says of one node for one pod, with kube-scheduler's codes: the pod
 * fits, it does not but evicting pods from the node could change that, or it does not and no
 * eviction helps (a taint, a label, another pod's anti-affinity).
 */
public enum Status {
  SUCCESS,
  /** The node does not fit now; preemption may make room (resources, host ports). */
  UNSCHEDULABLE,
  /** The node does not fit and evicting lower-priority pods would not change that. */
  UNSCHEDULABLE_AND_UNRESOLVABLE
}
