package dev.drover.master.auth;

/**
 * The fixed roles a principal can hold, after Kubernetes' default cluster roles plus the node and
 * master identities. Namespace-scoped roles are limited by {@link Principal#namespace()}.
 */
public enum Role {
  /** Everything, in every namespace. */
  CLUSTER_ADMIN,
  /** Everything inside one namespace; nothing cluster-scoped beyond reading namespaces. */
  NAMESPACE_ADMIN,
  /** Create, change and delete workloads and their config; no roles, tokens or policy. */
  EDIT,
  /** Read only, Secrets excluded. */
  VIEW,
  /** A node agent: its own Node, lease and pods only (the Node authorizer's rules). */
  NODE,
  /** Another master of this cluster (peer traffic, the master's calls to agents). */
  MASTER
}
