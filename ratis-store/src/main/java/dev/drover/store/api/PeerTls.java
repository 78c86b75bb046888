package dev.drover.store.api;

import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

/**
 * Mutual TLS for a replicated store's network traffic (Raft between members, and the requests a
 * member or client sends to the leader): {@link #keys()} presents this process's certificate, both
 * as a server and when it connects, and {@link #trust()} decides which certificates a member
 * accepts from a connecting peer and which a connecting process accepts from a member. The store
 * knows nothing of certificates beyond these JDK objects; whoever builds them decides what a peer
 * must present (a master's certificate of the cluster CA, for Drover's masters). A key manager that
 * reloads its files at each handshake keeps rotated certificates working without a restart.
 */
public record PeerTls(KeyManager keys, TrustManager trust) {
  public PeerTls {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(trust, "trust");
  }
}
