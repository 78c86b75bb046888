package dev.drover.master.auth;

import dev.drover.api.v1.Kind;
import java.util.EnumSet;
import java.util.Set;

/**
 * The fixed roles of {@link Role} as rules over {@link AuthorizationRequest}s, after Kubernetes'
 * default cluster roles: {@code view} reads everything but Secrets, {@code edit} also writes
 * workloads and their config, {@code namespace-admin} does everything inside its namespace, {@code
 * cluster-admin} everything. A principal with a namespace is limited to it whatever its role. Nodes
 * are decided by {@link NodeAuthorizer}; masters may read (their peer traffic is the store's, not
 * the API's).
 */
public final class AuthorizationRules {
  /** What the {@code edit} role may write. */
  static final Set<Kind> EDITABLE =
      EnumSet.of(
          Kind.KIND_POD,
          Kind.KIND_DEPLOYMENT,
          Kind.KIND_REPLICA_SET,
          Kind.KIND_DAEMON_SET,
          Kind.KIND_JOB,
          Kind.KIND_STATEFUL_SET,
          Kind.KIND_PERSISTENT_VOLUME_CLAIM,
          Kind.KIND_SERVICE,
          Kind.KIND_ENDPOINTS,
          Kind.KIND_EVENT,
          Kind.KIND_SECRET,
          Kind.KIND_CONFIG_MAP);

  private AuthorizationRules() {}

  /** A role as Kubernetes spells it: {@code cluster-admin}, {@code view}, ... */
  public static String spelling(Role role) {
    return role.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  /**
   * Why {@code principal} (not a node) may not make {@code request}, or {@code null} when it may.
   */
  public static String deny(Principal principal, AuthorizationRequest request) {
    if (request.viaNodeService()) {
      // The NodeService is the agents' session: only nodes and cluster admins speak it.
      return principal.role() == Role.CLUSTER_ADMIN && principal.namespace() == null
          ? null
          : "only nodes use the NodeService";
    }
    String scope = scopeProblem(principal, request);
    if (scope != null) {
      return scope;
    }
    boolean read = !request.verb().mutating();
    return switch (principal.role()) {
      case CLUSTER_ADMIN, NAMESPACE_ADMIN -> null;
      case EDIT -> read || EDITABLE.contains(request.kind()) ? null : "edit may not write it";
      case VIEW -> {
        if (!read) {
          yield "view may not write";
        }
        yield request.kind() == Kind.KIND_SECRET ? "view may not read Secrets" : null;
      }
      case MASTER -> read ? null : "a master writes through the store, not the API";
      case NODE -> "a node is decided by the Node authorizer";
    };
  }

  // A principal limited to a namespace may touch objects there, and read namespaces; nothing
  // cluster-scoped beyond that, and no list or watch across all namespaces.
  private static String scopeProblem(Principal principal, AuthorizationRequest request) {
    String ns = principal.namespace();
    if (ns == null) {
      return principal.role() == Role.NAMESPACE_ADMIN ? "it names no namespace" : null;
    }
    if (request.kind() == Kind.KIND_NAMESPACE) {
      return request.verb().mutating() ? "namespaces are cluster-scoped" : null;
    }
    if (request.kind() == Kind.KIND_UNSPECIFIED) {
      return null;
    }
    if (!request.namespaced()) {
      return request.kind() == Kind.KIND_NODE
          ? "nodes are cluster-scoped"
          : "it is limited to namespace " + ns + ", not all namespaces";
    }
    return ns.equals(request.namespace())
        ? null
        : "it is limited to namespace " + ns + ", not " + request.namespace();
  }
}
