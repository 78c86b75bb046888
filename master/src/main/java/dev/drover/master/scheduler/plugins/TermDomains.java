package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.ClusterSnapshot.Domains;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo.AffinityTerm;

/**
 * How many placed pods a required pod (anti-)affinity term matches in each domain of its topology
 * key, computed once per pod for the affinity filters. When every node is a domain of its own (the
 * hostname key), the snapshot's per-node counts are the per-domain counts: they are read as they
 * are, which spares a pass over every node and an array per pod.
 *
 * @param domains the domains of the term's topology key
 * @param pods matching pods per domain, or per node index when {@code byNode}; never written once
 *     built (a by-node array may be the snapshot's own)
 * @param byNode whether {@code pods} is indexed by node rather than by domain
 */
record TermDomains(Domains domains, int[] pods, boolean byNode) {

  /** The pods {@code term} matches, per domain. */
  static TermDomains matching(ClusterSnapshot snap, AffinityTerm term) {
    return of(snap.domains(term.topologyKey), snap.matchingPerNode(term.namespaces, term.selector));
  }

  /**
   * Per-node counts (indexed like the snapshot's nodes) per domain; unlabelled nodes count nowhere.
   */
  static TermDomains of(Domains domains, int[] perNode) {
    if (domains.perNode()) {
      return new TermDomains(domains, perNode, true);
    }
    int[] pods = new int[domains.count()];
    for (int i = 0; i < perNode.length; i++) {
      int dom = domains.ofIndex(i);
      if (perNode[i] > 0 && dom >= 0) {
        pods[dom] += perNode[i];
      }
    }
    return new TermDomains(domains, pods, false);
  }

  /** The sum of two counts over the same domains, in a new array. */
  static TermDomains plus(TermDomains a, TermDomains b) {
    int[] sum = a.pods.clone();
    for (int i = 0; i < sum.length; i++) {
      sum[i] += b.pods[i];
    }
    return new TermDomains(a.domains, sum, a.byNode);
  }

  /** Whether the term matches any pod in a domain (on a node with the topology label). */
  boolean anyMatch() {
    for (int i = 0; i < pods.length; i++) {
      if (pods[i] > 0 && (!byNode || domains.ofIndex(i) >= 0)) {
        return true;
      }
    }
    return false;
  }

  /** Matching pods in the node's domain, or -1 when the node lacks the topology label. */
  int near(NodeInfo node) {
    int dom = domains.of(node);
    if (dom < 0) {
      return -1;
    }
    return byNode ? pods[node.index()] : pods[dom];
  }
}
