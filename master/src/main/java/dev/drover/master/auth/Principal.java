package dev.drover.master.auth;

import java.util.Objects;

/**
 * Who made a request, as authentication decided it: a name, the role it was granted and the one
 * namespace that grant is limited to ({@code null} for the whole cluster). A node's principal is
 * named {@code node:<node name>} and always comes from its certificate, never from a request field,
 * so authorization can trust {@link #nodeName()}.
 */
public record Principal(String name, Role role, String namespace) {
  /**
   * What a master started with {@code --insecure} grants every caller: it cannot tell them apart.
   */
  public static final Principal INSECURE =
      new Principal("system:insecure", Role.CLUSTER_ADMIN, null);

  /** Prefix of a node principal's name. */
  public static final String NODE_PREFIX = "node:";

  public Principal {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(role, "role");
  }

  /** The principal of the node agent of {@code nodeName}. */
  public static Principal node(String nodeName) {
    return new Principal(NODE_PREFIX + nodeName, Role.NODE, null);
  }

  /** The node this principal speaks for, or {@code null} when it is not a node. */
  public String nodeName() {
    return role == Role.NODE && name.startsWith(NODE_PREFIX)
        ? name.substring(NODE_PREFIX.length())
        : null;
  }
}
