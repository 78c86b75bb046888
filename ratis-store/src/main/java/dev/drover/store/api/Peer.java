package dev.drover.store.api;

/** One member of a replicated store: a stable id and the address its peers reach it at. */
public record Peer(String id, String host, int port) {
  /** Checks the fields. */
  public Peer {
    if (id == null || id.isEmpty() || !id.matches("[A-Za-z0-9_-]+")) {
      throw KvStoreException.invalid(
          "id", "peer id must be non-empty letters, digits, '-' or '_': " + id);
    }
    if (host == null || host.isEmpty()) {
      throw KvStoreException.invalid("host", "peer host is empty");
    }
    if (port < 1 || port > 65535) {
      throw KvStoreException.invalid("port", "peer port out of range: " + port);
    }
  }

  /**
   * The peer {@code id} at {@code address}, written {@code host:port} ({@code [v6]:port} for an
   * IPv6 literal).
   *
   * @throws IllegalArgumentException naming {@code address} when it is not that shape
   */
  public static Peer parse(String id, String address) {
    int colon = address.lastIndexOf(':');
    String host = colon < 0 ? "" : address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = colon < 0 ? -1 : Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (host.isEmpty()
        || host.chars().anyMatch(Character::isWhitespace)
        || port < 1
        || port > 65535) {
      throw new IllegalArgumentException(
          "address: '" + address + "' is not host:port with a port from 1 to 65535");
    }
    return new Peer(id, host, port);
  }

  /** {@code host:port}. */
  public String address() {
    return host + ":" + port;
  }
}
