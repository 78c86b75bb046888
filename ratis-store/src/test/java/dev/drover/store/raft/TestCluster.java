package dev.drover.store.raft;

import static org.awaitility.Awaitility.await;

import dev.drover.store.KvStores;
import dev.drover.store.api.Peer;
import dev.drover.store.api.StoreOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Several store members in one JVM on loopback, each with its own data directory and free ports,
 * that a test can stop and restart one by one. Stopping is a graceful close of the member (its Raft
 * server flushes and shuts down), not a crash: a real crash needs a process to kill, as in {@link
 * CrashRecoveryTest}.
 */
final class TestCluster implements AutoCloseable {
  private final Path root;
  private final Supplier<StoreOptions> options;
  private final List<Peer> peers = new ArrayList<>();
  // Guarded by itself: writer and watcher threads of the tests list the members while the test
  // thread stops and starts them.
  private final Map<String, RaftKvStore> running = new LinkedHashMap<>();

  TestCluster(Path root, int size, Supplier<StoreOptions> options) {
    this.root = root;
    this.options = options;
    for (int i = 1; i <= size; i++) {
      peers.add(new Peer("m" + i, "127.0.0.1", KvStores.freePort()));
    }
  }

  /** A cluster over existing peers and data directories (a restart of a whole cluster). */
  TestCluster(Path root, List<Peer> existing, Supplier<StoreOptions> options) {
    this.root = root;
    this.options = options;
    this.peers.addAll(existing);
  }

  /** Options suited to loopback tests: fast elections, small snapshots and log segments. */
  static StoreOptions testOptions() {
    return new StoreOptions()
        .electionTimeout(Duration.ofMillis(400), Duration.ofMillis(800))
        .requestTimeout(Duration.ofSeconds(20))
        .leaseCheckInterval(Duration.ofMillis(100))
        .progressNotifyInterval(Duration.ofMillis(500));
  }

  List<Peer> peers() {
    return peers;
  }

  Path dataDir(String id) {
    return root.resolve(id);
  }

  TestCluster startAll() {
    for (Peer p : peers) {
      start(p.id());
    }
    return this;
  }

  RaftKvStore start(String id) {
    try {
      RaftKvStore s = KvStores.cluster(id, peers, dataDir(id)).options(options.get()).start();
      synchronized (running) {
        running.put(id, s);
      }
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void stop(String id) {
    RaftKvStore s;
    synchronized (running) {
      s = running.remove(id);
    }
    if (s != null) {
      s.close();
    }
  }

  RaftKvStore member(String id) {
    synchronized (running) {
      return running.get(id);
    }
  }

  List<RaftKvStore> members() {
    synchronized (running) {
      return new ArrayList<>(running.values());
    }
  }

  Optional<RaftKvStore> currentLeader() {
    return members().stream().filter(RaftKvStore::isLeader).findFirst();
  }

  /** Waits until one running member leads, and returns it. */
  RaftKvStore leader() {
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> currentLeader().orElse(null), l -> l != null);
  }

  /** A running member other than the leader. */
  RaftKvStore follower() {
    RaftKvStore l = leader();
    return members().stream().filter(s -> s != l).findFirst().orElseThrow();
  }

  @Override
  public void close() {
    for (RaftKvStore s : members()) {
      stop(s.id());
    }
  }
}
