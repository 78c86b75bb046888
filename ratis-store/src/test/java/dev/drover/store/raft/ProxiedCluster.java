package dev.drover.store.raft;

import static org.awaitility.Awaitility.await;

import dev.drover.store.KvStores;
import dev.drover.store.api.Peer;
import dev.drover.store.api.StoreOptions;
import dev.drover.testing.TcpProxy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Three members m1..m3, each reached by the others (and by its own client) only through its own
 * proxy: silencing one member's proxy silences every connection to it, while its own outbound
 * connections still flow.
 */
final class ProxiedCluster {
  private ProxiedCluster() {}

  /**
   * Starts the members under {@code root}, adding them to {@code members} and their proxies to
   * {@code links} in the same order, and waits for a leader.
   */
  static void start(
      Path root, StoreOptions options, List<RaftKvStore> members, List<TcpProxy> links)
      throws Exception {
    List<Peer> listen = new ArrayList<>();
    List<Peer> advertised = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      int port = KvStores.freePort();
      // Not port 0: the kernel may hand a proxy a member's port that freePort() has just closed
      // (about one cluster in a thousand), and that member could then not start. freePort()
      // never gives out one port twice.
      TcpProxy link =
          TcpProxy.start(
              new InetSocketAddress("127.0.0.1", KvStores.freePort()),
              new InetSocketAddress("127.0.0.1", port));
      links.add(link);
      listen.add(new Peer("m" + i, "127.0.0.1", port));
      advertised.add(new Peer("m" + i, "127.0.0.1", link.address().getPort()));
    }
    for (Peer self : listen) {
      members.add(
          new RaftKvStore(self, advertised, root.resolve(self.id()), options, null, null).start());
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> members.stream().anyMatch(RaftKvStore::isLeader));
  }
}
