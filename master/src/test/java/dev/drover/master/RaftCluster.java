package dev.drover.master;

import com.google.protobuf.ByteString;
import dev.drover.store.KvStores;
import dev.drover.store.api.KvStore;
import dev.drover.store.api.Peer;
import dev.drover.store.raft.RaftKvStore;
import dev.drover.store.v1.Event;
import dev.drover.store.v1.WatchRequest;
import dev.drover.store.v1.WatchResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;

/**
 * Three masters in this JVM, each embedding one member of a replicated (Ratis) store on loopback,
 * for the multi-master tests. Masters can be stopped one by one (gracefully, or store member first
 * so that a master cannot hand its active-master lease over); {@link #close()} stops the rest.
 */
public final class RaftCluster implements AutoCloseable {
  public final List<Master> masters = new ArrayList<>();
  private final Set<Master> stopped = ConcurrentHashMap.newKeySet();

  /** Starts three masters together (each store member waits for a majority). */
  public RaftCluster(Path dir, UnaryOperator<Master.Builder> customize) {
    List<Peer> peers =
        List.of(
            new Peer("m1", "127.0.0.1", KvStores.freePort()),
            new Peer("m2", "127.0.0.1", KvStores.freePort()),
            new Peer("m3", "127.0.0.1", KvStores.freePort()));
    List<CompletableFuture<Master>> starting = new ArrayList<>();
    // One thread per master: the common pool may have a single thread on a 2-core machine.
    ExecutorService starters = Executors.newFixedThreadPool(peers.size());
    for (Peer p : peers) {
      starting.add(
          CompletableFuture.supplyAsync(
              () ->
                  customize
                      .apply(
                          Master.builder()
                              .id(p.id())
                              .apiPort(0)
                              .clusterStore(peers, dir.resolve(p.id()))
                              // Every master of a cluster needs the same Secret keys.
                              .secretKeyFile(dir.resolve("secret-keys")))
                      .start(),
              starters));
    }
    starters.shutdown();
    try {
      for (CompletableFuture<Master> f : starting) {
        masters.add(f.get(120, TimeUnit.SECONDS));
      }
    } catch (Exception e) {
      close();
      starting.forEach(f -> f.thenAccept(Master::close));
      throw new IllegalStateException("three masters did not start", e);
    }
  }

  /** The store member under a master. */
  public static RaftKvStore raft(Master m) {
    return (RaftKvStore) m.kv();
  }

  /** The running master whose store member leads, waiting for an election if there is none. */
  public Master leader() {
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> running().stream().anyMatch(m -> raft(m).isLeader()));
    return running().stream().filter(m -> raft(m).isLeader()).findFirst().orElseThrow();
  }

  /** The masters not stopped. */
  public List<Master> running() {
    return masters.stream().filter(m -> !stopped.contains(m)).toList();
  }

  /** The running masters other than {@code except}. */
  public List<Master> othersThan(Master except) {
    return running().stream().filter(m -> m != except).toList();
  }

  /** The running master that is active now, if exactly one says it is. */
  public Optional<Master> active() {
    List<Master> active = running().stream().filter(Master::isActive).toList();
    return active.size() == 1 ? Optional.of(active.get(0)) : Optional.empty();
  }

  /** Stops one master (its API, its watch streams and its store member). */
  public void stop(Master m) {
    stopped.add(m);
    m.close();
  }

  /**
   * Stops one master's store member before the master, so that it cannot release the active-master
   * lease: the others must wait for the lease to expire, as after a crash.
   */
  public void stopStoreFirst(Master m) {
    if (stopped.add(m)) {
      m.kv().close();
      m.close();
    }
  }

  /**
   * Every store event under {@code [key, rangeEnd)} with a revision in {@code (after, upTo]}, in
   * order, read by a watch on {@code kv}: the store's own history to check a client's view against.
   */
  public static List<Event> history(
      KvStore kv, ByteString key, ByteString rangeEnd, long after, long upTo) {
    List<Event> events = new CopyOnWriteArrayList<>();
    AtomicLong progress = new AtomicLong();
    try (var w =
        kv.watch(
            WatchRequest.newBuilder()
                .setKey(key)
                .setRangeEnd(rangeEnd)
                .setStartRevision(after + 1)
                .build(),
            new dev.drover.store.api.WatchListener() {
              @Override
              public void onNext(WatchResponse r) {
                for (Event e : r.getEventsList()) {
                  if (e.getKv().getModRevision() <= upTo) {
                    events.add(e);
                  }
                }
                progress.accumulateAndGet(r.getHeader().getRevision(), Math::max);
              }

              @Override
              public void onError(dev.drover.store.api.KvStoreException error) {
                progress.set(Long.MIN_VALUE);
              }
            })) {
      w.request(Long.MAX_VALUE);
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                w.requestProgress();
                if (progress.get() == Long.MIN_VALUE) {
                  throw new AssertionError("the history watch failed");
                }
                return progress.get() >= upTo;
              });
    }
    return List.copyOf(events);
  }

  @Override
  public void close() {
    for (Master m : masters) {
      if (stopped.add(m)) {
        m.close();
      }
    }
  }
}
