package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.ClusterSnapshot.Domains;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo.AffinityTerm;

/**
 * How many placed pods a required pod (anti-)affinity term matches in each domain of its topology
 * key, computed once per pod for the affinity filters.
 *
 * @param domains the domains of the term's topology key
 * @param pods matching pods per domain
 */
record TermDomains(Domains domains, int[] pods) {

  /** The pods {@code term} matches, per domain. */
  static TermDomains matching(ClusterSnapshot snap, AffinityTerm term) {
    Domains d = snap.domains(term.topologyKey);
    TermDomains out = new TermDomains(d, new int[d.count()]);
    out.add(snap.matchingPerNode(term.namespaces, term.selector));
    return out;
  }

  /** Adds per-node counts (indexed like the snapshot's nodes); unlabelled nodes count nowhere. */
  void add(int[] perNode) {
    for (int i = 0; i < perNode.length; i++) {
      int dom = domains.ofIndex(i);
      if (perNode[i] > 0 && dom >= 0) {
        pods[dom] += perNode[i];
      }
    }
  }

  /** Matching pods in the node's domain, or -1 when the node lacks the topology label. */
  int near(NodeInfo node) {
    int dom = domains.of(node);
    return dom < 0 ? -1 : pods[dom];
  }
}
