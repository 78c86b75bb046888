package dev.drover.store;

import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.Peer;
import dev.drover.store.api.PeerTls;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.raft.RaftKvClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Entry points for creating stores.
 *
 * <ul>
 *   <li>{@link #inMemory()}: one process, no replication, no files; for unit tests.
 *   <li>{@link #embedded(Path)}: a persistent one-member Raft group on loopback; the default for
 *       dev mode and embedding.
 *   <li>{@link #cluster(String, List, Path)}: one member of a 3- or 5-member group.
 *   <li>{@link #client(List, StoreOptions)}: no member, only a network client of a group (no
 *       watches).
 * </ul>
 */
public final class KvStores {
  /** The member id of an embedded store. */
  public static final String EMBEDDED_ID = "m1";

  private KvStores() {}

  /** A started in-memory store with default options. */
  public static InMemoryKvStore inMemory() {
    return inMemory(new StoreOptions());
  }

  /** A started in-memory store. */
  public static InMemoryKvStore inMemory(StoreOptions options) {
    return new InMemoryKvStore(options).start();
  }

  /** A one-member persistent store under {@code dataDir}, on a free loopback port. */
  public static KvStoreBuilder embedded(Path dataDir) {
    return embedded(dataDir, freePort());
  }

  /** A one-member persistent store under {@code dataDir}, listening on {@code port} of loopback. */
  public static KvStoreBuilder embedded(Path dataDir, int port) {
    Peer self = new Peer(EMBEDDED_ID, "127.0.0.1", port);
    return new KvStoreBuilder(self, List.of(self), dataDir);
  }

  /** Member {@code selfId} of the group {@code peers} (which must include it). */
  public static KvStoreBuilder cluster(String selfId, List<Peer> peers, Path dataDir) {
    Peer self =
        peers.stream()
            .filter(p -> p.id().equals(selfId))
            .findFirst()
            .orElseThrow(
                () -> KvStoreException.invalid("selfId", selfId + " is not in the peer list"));
    return new KvStoreBuilder(self, peers, dataDir);
  }

  /** A client of the group {@code peers} that holds no member; see {@link RaftKvClient}. */
  public static RaftKvClient client(List<Peer> peers, StoreOptions options) {
    return new RaftKvClient(peers, options, null, null);
  }

  /**
   * A client of the group {@code groupId} of {@code peers} over mutual TLS; see {@link
   * RaftKvClient}.
   */
  public static RaftKvClient client(
      List<Peer> peers, StoreOptions options, PeerTls tls, java.util.UUID groupId) {
    return new RaftKvClient(
        peers,
        options,
        java.util.Objects.requireNonNull(tls, "tls"),
        java.util.Objects.requireNonNull(groupId, "groupId"));
  }

  // The ports freePort() handed out lately: the kernel may give a just-closed port to the next
  // bind to port 0, and two members of one test cluster were once given the same port that way.
  private static final Set<Integer> HANDED_OUT = new LinkedHashSet<>();
  private static final int REMEMBERED = 4096;

  /**
   * A TCP port free on loopback right now, and not one of the last few thousand this process was
   * given.
   */
  public static int freePort() {
    while (true) {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        s.setReuseAddress(true);
        port = s.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      synchronized (HANDED_OUT) {
        if (HANDED_OUT.add(port)) {
          if (HANDED_OUT.size() > REMEMBERED) {
            Iterator<Integer> oldest = HANDED_OUT.iterator();
            oldest.next();
            oldest.remove();
          }
          return port;
        }
      }
    }
  }
}
