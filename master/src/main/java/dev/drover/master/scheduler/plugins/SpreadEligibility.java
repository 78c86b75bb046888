package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.ClusterSnapshot.Domains;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.PodInfo.SpreadConstraint;

/**
 * Which nodes count for topology spreading (both the DoNotSchedule filter and the ScheduleAnyway
 * score): those that pass the pod's node selection and carry every constraint's topology key.
 */
final class SpreadEligibility {
  private SpreadEligibility() {}

  static boolean[] eligibleNodes(
      PodInfo pod, ClusterSnapshot snap, SpreadConstraint[] constraints) {
    int n = snap.nodeCount();
    boolean selects = !pod.nodeAffinity.selectsAll();
    Domains[] domains = new Domains[constraints.length];
    for (int j = 0; j < constraints.length; j++) {
      domains[j] = snap.domains(constraints[j].topologyKey);
    }
    boolean[] eligible = new boolean[n];
    for (int i = 0; i < n; i++) {
      boolean ok = true;
      for (int j = 0; ok && j < domains.length; j++) {
        ok = domains[j].ofIndex(i) >= 0;
      }
      eligible[i] =
          ok && (!selects || pod.nodeAffinity.matches(snap.node(i).name(), snap.node(i).labels()));
    }
    return eligible;
  }
}
