package dev.drover.master.wiring;

import dev.drover.client.DroverClient;
import dev.drover.master.Master;
import dev.drover.store.KvStores;
import dev.drover.store.api.Peer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Three masters in this JVM on loopback, each embedding one member of a three-member Ratis store,
 * for tests that kill the active master. {@link #crash} stops a master's store member before the
 * master, so that it cannot hand the active-master lease over: the others must wait for the lease
 * to expire, as after a real crash.
 */
final class ThreeMasters implements AutoCloseable {
  private static final long START_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(120);

  private final List<Master> masters = new ArrayList<>();
  private final List<Boolean> alive = new ArrayList<>();

  /** Starts the three together (each store member waits for a majority before it serves). */
  ThreeMasters(Path dir, UnaryOperator<Master.Builder> customize) throws InterruptedException {
    List<Peer> peers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      peers.add(new Peer("m" + i, "127.0.0.1", KvStores.freePort()));
    }
    Master[] slots = new Master[3];
    RuntimeException[] failures = new RuntimeException[3];
    List<Thread> starters = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int idx = i;
      Peer self = peers.get(i);
      Thread t =
          new Thread(
              () -> {
                try {
                  slots[idx] =
                      customize
                          .apply(
                              Master.builder()
                                  .id(self.id())
                                  .apiPort(0)
                                  .clusterStore(peers, dir.resolve(self.id())))
                          .start();
                } catch (RuntimeException e) {
                  failures[idx] = e;
                }
              },
              "start-" + self.id());
      t.start();
      starters.add(t);
    }
    for (Thread t : starters) {
      t.join(START_TIMEOUT_MILLIS);
    }
    for (int i = 0; i < 3; i++) {
      if (slots[i] != null) {
        masters.add(slots[i]);
        alive.add(true);
      }
    }
    for (int i = 0; i < 3; i++) {
      if (slots[i] == null) {
        close();
        throw new IllegalStateException("master m" + (i + 1) + " did not start", failures[i]);
      }
    }
  }

  List<Master> all() {
    return masters;
  }

  /** The master that is active now, if exactly one live master says it is. */
  synchronized Optional<Master> active() {
    List<Master> active = new ArrayList<>();
    for (int i = 0; i < masters.size(); i++) {
      if (alive.get(i) && masters.get(i).isActive()) {
        active.add(masters.get(i));
      }
    }
    return active.size() == 1 ? Optional.of(active.get(0)) : Optional.empty();
  }

  /** API addresses of the live masters other than {@code except}. */
  synchronized List<String> addressesExcept(Master except) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < masters.size(); i++) {
      if (alive.get(i) && masters.get(i) != except) {
        out.add(masters.get(i).apiAddress());
      }
    }
    return out;
  }

  /** The live masters other than {@code except}. */
  synchronized List<Master> othersThan(Master except) {
    List<Master> out = new ArrayList<>();
    for (int i = 0; i < masters.size(); i++) {
      if (alive.get(i) && masters.get(i) != except) {
        out.add(masters.get(i));
      }
    }
    return out;
  }

  /** A client that fails over between the given masters. */
  static DroverClient client(List<String> addresses) {
    return DroverClient.builder().endpoints(addresses).deadline(Duration.ofSeconds(30)).build();
  }

  /** Kills a master as a crash would: its store member first, so it cannot release the lease. */
  synchronized void crash(Master m) {
    int i = masters.indexOf(m);
    if (!alive.get(i)) {
      return;
    }
    alive.set(i, false);
    m.kv().close();
    m.close();
  }

  @Override
  public synchronized void close() {
    for (int i = 0; i < masters.size(); i++) {
      if (alive.get(i)) {
        alive.set(i, false);
        masters.get(i).close();
      }
    }
  }
}
