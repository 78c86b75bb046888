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

  /** {@code host:port}. */
  public String address() {
    return host + ":" + port;
  }
}
