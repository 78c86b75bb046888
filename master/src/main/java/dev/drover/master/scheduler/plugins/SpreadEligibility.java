package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.ClusterSnapshot.Domains;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.PodInfo.SpreadConstraint;

/**
 * The matching pods per topology domain that topology spreading compares (both the DoNotSchedule
 * filter and the ScheduleAnyway score), counted once per pod over the eligible nodes: those that
 * pass the pod's node selection and carry every constraint's topology key.
 */
final class SpreadEligibility {
  private SpreadEligibility() {}

  /**
   * Per constraint, its domains, the matching pods per domain on eligible nodes, and which domains
   * hold an eligible node ({@code present} is null when every domain does).
   */
  record Counts(Domains[] domains, int[][] counts, boolean[][] present) {}

  static Counts count(PodInfo pod, ClusterSnapshot snap, SpreadConstraint[] constraints) {
    int m = constraints.length;
    Domains[] domains = new Domains[m];
    int[][] counts = new int[m][];
    for (int j = 0; j < m; j++) {
      domains[j] = snap.domains(constraints[j].topologyKey);
      counts[j] = new int[domains[j].count()];
    }
    if (m == 1 && pod.nodeAffinity.selectsAll()) {
      // The common case: a node is eligible exactly when it has the label, so every domain holds
      // one, and a single pass counts without an eligibility array.
      int[] perNode = snap.matchingPerNode(constraints[0].namespaces, constraints[0].selector);
      for (int i = 0; i < perNode.length; i++) {
        int dom = domains[0].ofIndex(i);
        if (dom >= 0) {
          counts[0][dom] += perNode[i];
        }
      }
      return new Counts(domains, counts, null);
    }
    boolean[] eligible = eligibleNodes(pod, snap, domains);
    boolean[][] present = new boolean[m][];
    for (int j = 0; j < m; j++) {
      SpreadConstraint sc = constraints[j];
      int[] perNode = snap.matchingPerNode(sc.namespaces, sc.selector);
      present[j] = new boolean[domains[j].count()];
      for (int i = 0; i < perNode.length; i++) {
        if (eligible[i]) {
          int dom = domains[j].ofIndex(i);
          counts[j][dom] += perNode[i];
          present[j][dom] = true;
        }
      }
    }
    return new Counts(domains, counts, present);
  }

  private static boolean[] eligibleNodes(PodInfo pod, ClusterSnapshot snap, Domains[] domains) {
    int n = snap.nodeCount();
    boolean selects = !pod.nodeAffinity.selectsAll();
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
